"""Dashboard pages for webhooks (admins): the endpoints, one endpoint with its delivery log.

A secret is shown once: the create and rotate actions keep it in the session until the next
page shows it, and that page drops it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.dashboard.pagination import paginate
from core.dashboard.views import call_service
from core.errors import DomainError
from workspaces.roles import Permission, may

from .forms import WebhookForm
from .models import Webhook
from .webhooks import services

SECRET_SESSION_KEY = "webhook_secret_once"


def _require_admin(request: HttpRequest) -> None:
    if not may(request.user, Permission.ADMINISTER):
        raise PermissionDenied


def _remember_secret(request: HttpRequest, made: services.WithSecret) -> None:
    request.session[SECRET_SESSION_KEY] = {"id": made.webhook.pk, "secret": made.secret}


def _pop_secret(request: HttpRequest, webhook_id: int | None = None) -> str | None:
    kept = request.session.pop(SECRET_SESSION_KEY, None)
    if kept and (webhook_id is None or kept["id"] == webhook_id):
        return kept["secret"]
    return None


def webhooks(request: HttpRequest) -> HttpResponse:
    """The endpoints, and a form to add one."""
    _require_admin(request)
    form = WebhookForm(request.POST or None)
    del form.fields["active"]  # a new endpoint starts active
    if request.method == "POST" and form.is_valid():
        made = call_service(form, services.webhook_create, actor=request.user, **form.cleaned_data)
        if made is not None:
            _remember_secret(request, made)
            messages.success(request, "Endpoint added. Copy its secret now: it is shown once.")
            return redirect("integrations:webhook", pk=made.webhook.pk)
    return render(
        request,
        "integrations/webhooks.html",
        {"title": "Webhooks", "webhooks": Webhook.objects.order_by("id"), "form": form},
    )


def webhook(request: HttpRequest, pk: int) -> HttpResponse:
    """One endpoint: edit it, rotate its secret, send a test, read its delivery log."""
    _require_admin(request)
    endpoint = get_object_or_404(Webhook, pk=pk)
    initial = {"url": endpoint.url, "events": endpoint.events, "active": endpoint.active}
    form = WebhookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if call_service(
            form, services.webhook_update, webhook=endpoint, actor=request.user, **changes
        ):
            messages.success(request, "Saved.")
            return redirect("integrations:webhook", pk=endpoint.pk)
    deliveries = endpoint.deliveries.select_related("event").order_by("-id")
    return render(
        request,
        "integrations/webhook.html",
        {
            "title": "Webhook",
            "endpoint": endpoint,
            "form": form,
            "secret": _pop_secret(request, endpoint.pk),
            "page": paginate(request, deliveries),
        },
    )


def _action(request: HttpRequest, pk: int, done: str, service, **kwargs) -> HttpResponse:
    _require_admin(request)
    endpoint = get_object_or_404(Webhook, pk=pk)
    try:
        result = service(webhook=endpoint, actor=request.user, **kwargs)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if isinstance(result, services.WithSecret):
            _remember_secret(request, result)
        messages.success(request, done)
    return redirect("integrations:webhook", pk=endpoint.pk)


@require_POST
def webhook_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        "New secret made: copy it now. The old one keeps signing for 24 hours.",
        services.webhook_rotate_secret,
    )


@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, "Test event queued.", services.webhook_send_test)


@require_POST
def webhook_redeliver(request: HttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    _require_admin(request)
    endpoint = get_object_or_404(Webhook, pk=pk)
    delivery = endpoint.deliveries.filter(pk=delivery_pk).first()
    if delivery is None:
        raise Http404
    return _action(request, pk, "Queued again.", services.webhook_redeliver, delivery=delivery)


@require_POST
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    endpoint = get_object_or_404(Webhook, pk=pk)
    services.webhook_delete(webhook=endpoint, actor=request.user)
    messages.success(request, f"Deleted the endpoint {endpoint.url}.")
    return redirect("integrations:webhooks")
