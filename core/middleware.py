from django.contrib import messages
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.shortcuts import redirect, render
from django.urls import get_resolver
from django.utils.http import url_has_allowed_host_and_scheme

from core.context import client_ip, reset_client_ip, set_client_ip
from core.errors import Forbidden
from core.scoping import EVERYWHERE, RequestScope, current_workspace_id, workspace_scope

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


# Paths a signed-in user without a workspace may still open.
WITHOUT_WORKSPACE = ("/logout/", "/login/", "/invite/", "/admin/", "/static/", "/healthz")


class WorkspaceScopeMiddleware:
    """Every request runs in its user's workspace (core.scoping) and knows its caller's address
    (core.context). Staff in the Django admin see every workspace: it is the one view across
    them. A signed-in dashboard user without a workspace gets a page that says so."""

    def __init__(self, get_response):
        self.get_response = get_response
        # Import every view now, outside any request: querysets written at import time (a
        # viewset's, a serializer field's) must not take the scope of the request that
        # happened to import them first.
        get_resolver().url_patterns  # noqa: B018

    def __call__(self, request):
        user = getattr(request, "user", None)
        across = request.path_info.startswith("/admin/") and user is not None and user.is_staff
        ip_token = set_client_ip(client_ip(request))
        try:
            with workspace_scope(EVERYWHERE if across else RequestScope(request)):
                return self.get_response(request)
        finally:
            reset_client_ip(ip_token)

    def process_exception(self, request, exception):
        """A dashboard action the role may not take: say so on the page it came from."""
        if not isinstance(exception, Forbidden) or request.path_info.startswith(API_PREFIXES):
            return None
        messages.error(request, exception.message)
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = "/"
        return redirect(back)

    def process_view(self, request, view_func, view_args, view_kwargs):
        path = request.path_info
        if path.startswith(API_PREFIXES) or path.startswith(WITHOUT_WORKSPACE):
            return None  # the API answers 403 itself (core.api.permissions)
        if not request.user.is_authenticated or current_workspace_id() is not None:
            return None
        return render(request, "no_workspace.html", status=403)
