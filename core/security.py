"""Security measures that are ours rather than Django's: the Content-Security-Policy, request
body limits and the brake on password guessing (on the dashboard's and the admin's login).

Django's SecurityMiddleware already sends nosniff, the referrer policy and the cross-origin
opener policy, and XFrameOptionsMiddleware sends `X-Frame-Options: DENY` (see settings).
"""

import math
from dataclasses import dataclass

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.forms.forms import NON_FIELD_ERRORS
from django.http import HttpResponse, JsonResponse
from django.utils.cache import patch_vary_headers

from core.context import client_ip
from core.limits import RollingLimit, retry_after
from core.middleware import API_PREFIXES

# --- Content-Security-Policy -----------------------------------------------------------------


def _policy_for(content_type: str) -> str:
    if content_type.startswith("text/html"):
        return settings.CSP_HTML
    # JSON, CSV and the like are never rendered as documents of this site.
    return settings.CSP_NON_HTML


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy and Permissions-Policy headers to every response.

    HTML pages may load scripts and styles from this site only (no inline code, no eval);
    anything that is not HTML gets a policy that allows nothing at all.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = _policy_for(response.get("Content-Type", ""))
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if request.path_info.startswith(API_PREFIXES):
            # Answers depend on who asks: no shared cache may keep or mix them.
            response.setdefault("Cache-Control", "no-store")
            patch_vary_headers(response, ["Authorization"])
        return response


# --- request body limits ---------------------------------------------------------------------


class RequestBodyLimitMiddleware:
    """Refuses, before anything reads it, a body larger than the site accepts: 413.

    Django itself bounds form bodies (DATA_UPLOAD_MAX_MEMORY_SIZE) but DRF's JSON parser reads
    whatever arrives, so the declared length is checked here for every request: non-file bodies
    up to DATA_UPLOAD_MAX_MEMORY_SIZE, multipart uploads (the CSV import) up to
    MAX_UPLOAD_BODY_SIZE. A body without a Content-Length is not read by Django at all.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        limit = settings.MAX_UPLOAD_BODY_SIZE if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            detail = f"The request body is {length:,} bytes; at most {limit:,} bytes are accepted."
            if request.path_info.startswith(API_PREFIXES):
                return JsonResponse({"detail": detail}, status=413)
            return HttpResponse(detail, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


# --- password guessing -----------------------------------------------------------------------
# Counted over rolling windows in the shared cache (core/limits.py), so every process and machine
# sees the same count. Attempts are counted before the password is checked.


@dataclass(frozen=True)
class Lockout:
    """Why the next login would be refused, and for how many seconds still."""

    reason: str
    seconds: float

    @property
    def message(self) -> str:
        minutes = max(math.ceil(self.seconds / 60), 1)
        return f"{self.reason} Try again in {minutes} minute{'s' if minutes != 1 else ''}."


def _login_limits() -> tuple[RollingLimit, RollingLimit]:
    """(per username and address, per address whatever the username), read on every call so
    tests can change the settings."""
    window = settings.LOGIN_FAILURE_WINDOW
    return (
        RollingLimit("login", settings.LOGIN_FAILURE_LIMIT, window),
        RollingLimit("login-ip", settings.LOGIN_FAILURE_IP_LIMIT, window),
    )


def _username_at_address(request, username: str | None) -> str:
    return f"{(username or '').strip().lower()}\0{client_ip(request)}"


def login_lockout(request, username: str | None) -> Lockout | None:
    """Whether the next login of this username from this address would be refused (too many
    attempts for the username there, or from the address across usernames), without counting."""
    per_username, per_address = _login_limits()
    wait = per_username.wait(_username_at_address(request, username))
    if wait is not None:
        return Lockout("Too many failed logins for this username.", wait)
    wait = per_address.wait(client_ip(request))
    if wait is not None:
        return Lockout("Too many failed logins from this address.", wait)
    return None


def count_login_attempt(request, username: str | None) -> float | None:
    """Count one more attempt, atomically (before the password is checked, so a burst of
    parallel guesses cannot all slip under the limit). None when it may go on; otherwise it
    is not counted and the answer is the seconds to wait."""
    per_username, per_address = _login_limits()
    subject = _username_at_address(request, username)
    wait = per_username.hit(subject)
    if wait is None:
        wait = per_address.hit(client_ip(request))
        if wait is not None:
            per_username.undo(subject)
    return wait


def clear_login_failures(request, username: str | None) -> None:
    """A login that passed: the username starts again from this address, and the address's
    count keeps only its failures (so one good account cannot wipe a spraying record)."""
    per_username, per_address = _login_limits()
    per_username.reset(_username_at_address(request, username))
    per_address.undo(client_ip(request))


class RateLimitedModelBackend(ModelBackend):
    """The model backend, refusing to even check a password once this username has tried
    LOGIN_FAILURE_LIMIT times from this address within LOGIN_FAILURE_WINDOW seconds, or the
    address has tried LOGIN_FAILURE_IP_LIMIT times across usernames (a successful login starts
    the username's count again).

    Every form that logs in (the dashboard's and the admin's) goes through it. The per-username
    count is keyed on the address too, so a guesser cannot lock a user out from elsewhere.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        if count_login_attempt(request, username) is not None:
            # Ends authenticate() for every backend: the password is not even checked.
            raise PermissionDenied("too many failed logins")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            clear_login_failures(request, username)
        return user


def _refuse_when_locked(request, form, render) -> HttpResponse | None:
    """For a login form that did not pass: the page saying why, 429 with Retry-After, when the
    next try would be refused; None otherwise."""
    lockout = login_lockout(request, form.data.get("username"))
    if lockout is None:
        return None
    form.errors[NON_FIELD_ERRORS] = form.error_class([lockout.message], error_class="nonfield")
    response = render()
    response.status_code = 429
    response["Retry-After"] = str(retry_after(lockout.seconds))
    return response


class RateLimitedLoginView(LoginView):
    """The login page; once the limit is reached it says so, with 429 and Retry-After."""

    def form_invalid(self, form):
        locked = _refuse_when_locked(
            self.request, form, lambda: self.render_to_response(self.get_context_data(form=form))
        )
        return locked or super().form_invalid(form)


@login_not_required
def admin_login(request, extra_context=None):
    """The Django admin's own login page, answering as the dashboard's does once locked."""
    response = admin.site.login(request, extra_context)
    form = (getattr(response, "context_data", None) or {}).get("form")
    if request.method != "POST" or response.status_code != 200 or form is None or not form.errors:
        return response
    return _refuse_when_locked(request, form, lambda: response) or response
