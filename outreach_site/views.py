from django.shortcuts import render


def home(request):
    return render(request, "home.html")


def api_docs(request):
    """The API reference, rendered offline from the bundled Swagger UI."""
    return render(request, "api/docs.html")
