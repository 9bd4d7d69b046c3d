"""Idempotency keys: a write retried with the same `Idempotency-Key` gets the first answer.

Any POST, PATCH or DELETE under the API paths may carry the header (at most 255 characters).
The first answer (status and body) is kept for 24 hours per user and key; the same request
again gets it back with `Idempotent-Replayed: true` and changes nothing; the same key with
another method, path or body is a 422; while the first is still running, a 409. A 5xx answer is
not kept, so the request may be retried.

The key is claimed by inserting its row (unique per user and key) in a transaction of its own
before the request runs: of two identical requests at once, one inserts and runs, the other
finds the row and is told to wait. A claim whose request never finished (its process was killed)
is let go after ABANDONED_AFTER, so the key does not answer 409 for the rest of the day.
Expired keys are deleted by the worker's sweep (`sweep_expired_keys`), and a user's own expired
keys also when they next send one.
"""

import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from core.api.authentication import user_and_token
from core.middleware import API_PREFIXES

from .models import IdempotencyKey

HEADER = "Idempotency-Key"
KEEP_FOR = timedelta(hours=24)
# Longer than any request may run (the statement timeout is 30 s by default).
ABANDONED_AFTER = timedelta(minutes=10)
MAX_LENGTH = 255
WRITES = ("POST", "PATCH", "DELETE")


def _user(request):
    """The caller as the API will see it: a token's user (in the header, or as the compatible
    endpoints' `api_key` in a JSON body), else the session's."""
    auth = request.headers.get("Authorization", "")
    key = (
        auth.removeprefix("Token ").strip() if auth.startswith("Token ") else _body_api_key(request)
    )
    if key:
        found = user_and_token(key)
        return found[0] if found and found[0].is_active else None
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _body_api_key(request) -> str | None:
    if request.content_type != "application/json":
        return None
    try:
        data = json.loads(request.body or b"null")
    except ValueError:
        return None
    key = data.get("api_key") if isinstance(data, dict) else None
    return key if isinstance(key, str) else None


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode() + b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def _claim(user, key: str, fingerprint: str) -> tuple[IdempotencyKey | None, HttpResponse | None]:
    """(our row, None) to run the request, or (None, the answer) when it must not run."""
    cutoff = timezone.now() - KEEP_FOR
    IdempotencyKey.objects.filter(user=user, created_at__lt=cutoff).delete()
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(user=user, key=key, fingerprint=fingerprint), None
    except IntegrityError:
        pass
    first = IdempotencyKey.objects.filter(user=user, key=key).first()
    if first is None:  # the first one failed and let go of the key meanwhile: ours to try again
        return _claim(user, key, fingerprint)
    if first.fingerprint != fingerprint:
        return None, JsonResponse(
            {"detail": f"This {HEADER} was used for a different request."}, status=422
        )
    if first.status_code is None and first.created_at < timezone.now() - ABANDONED_AFTER:
        IdempotencyKey.objects.filter(pk=first.pk, status_code=None).delete()
        return _claim(user, key, fingerprint)
    if first.status_code is None:
        return None, JsonResponse(
            {"detail": f"A request with this {HEADER} is still running; retry shortly."},
            status=409,
            headers={"Retry-After": "1"},
        )
    replay = HttpResponse(
        bytes(first.body), status=first.status_code, content_type=first.content_type or None
    )
    replay["Idempotent-Replayed"] = "true"
    return None, replay


def sweep_expired_keys() -> int:
    """Delete every key past its 24 hours, and claims abandoned by a killed request; how many."""
    now = timezone.now()
    expired = IdempotencyKey.objects.filter(created_at__lt=now - KEEP_FOR)
    abandoned = IdempotencyKey.objects.filter(
        status_code=None, created_at__lt=now - ABANDONED_AFTER
    )
    deleted, _ = (expired | abandoned).delete()
    return deleted


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if (
            key is None
            or request.method not in WRITES
            or not request.path_info.startswith(API_PREFIXES)
        ):
            return self.get_response(request)
        if not key.strip() or len(key) > MAX_LENGTH:
            return JsonResponse({HEADER: [f"Give 1 to {MAX_LENGTH} characters."]}, status=400)
        user = _user(request)
        if user is None:  # the API answers 401 itself
            return self.get_response(request)
        row, answer = _claim(user, key, _fingerprint(request))
        if answer is not None:
            return answer
        try:
            response = self.get_response(request)
        except BaseException:
            row.delete()
            raise
        if response.status_code >= 500 or response.streaming:
            row.delete()
            return response
        row.status_code = response.status_code
        row.content_type = response.get("Content-Type", "")
        row.body = response.content
        row.save(update_fields=["status_code", "content_type", "body"])
        return response
