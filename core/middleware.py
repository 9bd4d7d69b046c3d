from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired

# API paths answer anonymous callers with a JSON 401 from DRF instead of a login redirect.
API_PREFIXES = ("/api/", "/ajax/", "/api1.0/")
# The docs page is HTML for people: it redirects to the login page like the dashboard.
HTML_PAGES_UNDER_API = ("/api/docs",)


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every dashboard page needs a login; API paths are guarded by DRF's permissions."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        path = request.path_info
        if path.startswith(API_PREFIXES) and not path.startswith(HTML_PAGES_UNDER_API):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
