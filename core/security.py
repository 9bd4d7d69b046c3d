"""Security measures that are ours rather than Django's: the Content-Security-Policy, request
body limits and the brake on password guessing.

Django's SecurityMiddleware already sends nosniff, the referrer policy and the cross-origin
opener policy, and XFrameOptionsMiddleware sends `X-Frame-Options: DENY` (see settings).
"""

import hashlib
import math
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.forms.forms import NON_FIELD_ERRORS
from django.http import HttpResponse, JsonResponse
from django.utils.cache import patch_vary_headers

from core.context import client_ip
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


def _attempts_key(request, username: str | None) -> str:
    # Hashed: usernames and addresses are not kept in the cache in clear.
    raw = f"{(username or '').strip().lower()}\0{client_ip(request)}"
    return "login-failures:" + hashlib.sha256(raw.encode()).hexdigest()


def login_failures(request, username: str | None) -> tuple[int, float]:
    """How many logins this username has tried (and not passed) from this address in the
    current window, and the seconds until that window ends."""
    key = _attempts_key(request, username)
    values = cache.get_many([key, key + ":start"])
    count = values.get(key) or 0
    started = values.get(key + ":start") or time.time()
    return count, max(started + settings.LOGIN_FAILURE_WINDOW - time.time(), 0.0)


def count_login_attempt(request, username: str | None) -> int:
    """Count one more attempt, atomically (before the password is checked, so a burst of
    parallel guesses cannot all slip under the limit); returns the count."""
    key = _attempts_key(request, username)
    window = settings.LOGIN_FAILURE_WINDOW
    cache.add(key + ":start", time.time(), window)
    cache.add(key, 0, window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1


def clear_login_failures(request, username: str | None) -> None:
    key = _attempts_key(request, username)
    cache.delete_many([key, key + ":start"])


class RateLimitedModelBackend(ModelBackend):
    """The model backend, refusing to even check a password once this username has failed
    LOGIN_FAILURE_LIMIT times from this address within LOGIN_FAILURE_WINDOW seconds (a
    successful login starts the count again).

    Every form that logs in (the dashboard's and the admin's) goes through it. Keyed on
    username and address together, so a guesser cannot lock a user out from elsewhere.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        if count_login_attempt(request, username) > settings.LOGIN_FAILURE_LIMIT:
            # Ends authenticate() for every backend: the password is not even checked.
            raise PermissionDenied("too many failed logins")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            clear_login_failures(request, username)
        return user


class RateLimitedLoginView(LoginView):
    """The login page; once the limit is reached it says so, with 429 and Retry-After."""

    def form_invalid(self, form):
        username = form.data.get("username")
        count, remaining = login_failures(self.request, username)
        if count < settings.LOGIN_FAILURE_LIMIT:
            return super().form_invalid(form)
        minutes = max(math.ceil(remaining / 60), 1)
        form.errors[NON_FIELD_ERRORS] = form.error_class(
            [
                f"Too many failed logins for this username. Try again in {minutes} "
                f"minute{'s' if minutes != 1 else ''}."
            ],
            error_class="nonfield",
        )
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(max(math.ceil(remaining), 1))
        return response
