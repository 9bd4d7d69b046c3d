"""Sending deliveries: claim what is due, sign it, POST it, record the outcome.

Claims take row locks (skipping rows another worker holds, on PostgreSQL) and a lease: a
delivery is sent by one worker at a time, and one whose worker died mid-send is taken again
when its lease runs out. One object's deliveries to one endpoint go in the order their changes
committed: a delivery waits while an earlier one for the same object and endpoint is pending.
"""

import datetime
import functools
import json
import ssl
import time
from dataclasses import dataclass

import httpx
from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Exists, Min, OuterRef, Q
from django.utils import timezone
from standardwebhooks import Webhook as Signer

from ..models import DeliveryStatus, Webhook, WebhookDelivery
from . import secrets
from .addresses import AddressRefused, resolve

# Waits after each failed attempt; past RETRY_WINDOW after the first attempt it is `failed`.
RETRY_DELAYS = (
    datetime.timedelta(seconds=5),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=5),
    datetime.timedelta(hours=10),
)
RETRY_WINDOW = datetime.timedelta(hours=24)
# An endpoint that failed everything (no success in between) this long is deactivated.
DEACTIVATE_AFTER = datetime.timedelta(days=3)
# How much of an answer is kept in the delivery log.
RESPONSE_KEEP_BYTES = 500
CLAIM_SIZE = 10
USER_AGENT = "Outreach-Webhooks/1"


def lease_length() -> datetime.timedelta:
    """Long enough for any send to end (the timeout bounds it), so a lease that ran out means
    the worker is gone."""
    return datetime.timedelta(seconds=settings.WEBHOOKS_TIMEOUT_SECONDS * 3 + 60)


def due(now: datetime.datetime):
    """Deliveries a worker may take now: pending, due, not leased, endpoint active, and no
    earlier delivery of the same object to the same endpoint still pending."""
    earlier = WebhookDelivery.objects.filter(
        webhook_id=OuterRef("webhook_id"),
        object_id=OuterRef("object_id"),
        status=DeliveryStatus.PENDING,
        pk__lt=OuterRef("pk"),
    )
    return (
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now, webhook__active=True
        )
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
        .exclude(~Q(object_id="") & Exists(earlier))
        .order_by("pk")
    )


@dataclass
class Claim:
    """Deliveries leased to one worker, until `until` (which also tells its leases apart)."""

    ids: list[int]
    until: datetime.datetime | None = None


@transaction.atomic
def claim(*, limit: int = CLAIM_SIZE, now: datetime.datetime | None = None) -> Claim:
    """Lease up to `limit` due deliveries to this worker."""
    now = now or timezone.now()
    candidates = due(now)
    if connection.features.has_select_for_update_skip_locked:
        candidates = candidates.select_for_update(skip_locked=True, of=("self",))
    ids = list(candidates.values_list("pk", flat=True)[:limit])
    if not ids:
        return Claim(ids=[])
    until = now + lease_length()
    WebhookDelivery.objects.filter(pk__in=ids).update(leased_until=until)
    return Claim(ids=ids, until=until)


def renew(delivery_id: int, claimed: Claim) -> bool:
    """Extend this worker's lease of one delivery just before sending it; False when the lease
    ran out meanwhile and another worker took the delivery (it is theirs to send)."""
    return bool(
        WebhookDelivery.objects.filter(
            pk=delivery_id, status=DeliveryStatus.PENDING, leased_until=claimed.until
        ).update(leased_until=timezone.now() + lease_length())
    )


@dataclass
class Attempt:
    ok: bool
    response_code: int | None = None
    response_body: str = ""
    error: str = ""
    latency_ms: int | None = None


def signing_secrets(endpoint: Webhook, now: datetime.datetime) -> list[str]:
    """The current secret and, during a rotation, the previous one."""
    found = [secrets.decrypt(endpoint.secret_encrypted)]
    if (
        endpoint.previous_secret_encrypted
        and endpoint.previous_secret_expires_at
        and endpoint.previous_secret_expires_at > now
    ):
        found.append(secrets.decrypt(endpoint.previous_secret_encrypted))
    return found


def body_of(delivery: WebhookDelivery) -> str:
    event = delivery.event
    return json.dumps(
        {"type": event.type, "timestamp": event.created_at.isoformat(), "data": event.payload},
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
    )


def post(delivery: WebhookDelivery, now: datetime.datetime) -> Attempt:
    """One signed POST to the checked address of the endpoint's host; redirects not followed."""
    endpoint = delivery.webhook
    try:
        target = resolve(endpoint.url)
    except AddressRefused as exc:
        return Attempt(ok=False, error=str(exc))
    body = body_of(delivery)
    message_id = delivery.event.public_id
    try:
        keys = signing_secrets(endpoint, now)
    except InvalidToken:
        return Attempt(
            ok=False, error="The secret cannot be read (SECRET_KEY changed?): rotate it."
        )
    signature = " ".join(Signer(secret).sign(message_id, now, body) for secret in keys)
    headers = {
        "Host": target.host_header(),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    # Dial the address that was checked; the name still goes in Host and in TLS's SNI.
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    started = time.monotonic()
    try:
        with (
            httpx.Client(
                timeout=settings.WEBHOOKS_TIMEOUT_SECONDS,
                follow_redirects=False,
                trust_env=False,
                verify=_tls_context(),
            ) as client,
            client.stream(
                "POST",
                target.pinned_url(),
                content=body.encode(),
                headers=headers,
                extensions=extensions,
            ) as response,
        ):
            kept = b""
            for chunk in response.iter_bytes():
                kept += chunk
                if len(kept) >= RESPONSE_KEEP_BYTES:
                    break
    except httpx.TimeoutException:
        return Attempt(ok=False, error="Timed out.", latency_ms=_since(started))
    except httpx.HTTPError as exc:
        return Attempt(ok=False, error=f"{type(exc).__name__}: {exc}"[:300])
    return Attempt(
        ok=200 <= response.status_code < 300,
        response_code=response.status_code,
        response_body=kept[:RESPONSE_KEEP_BYTES].decode("utf-8", "replace"),
        latency_ms=_since(started),
    )


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Built once per process: making one loads the CA bundle, which costs more than a send.
    Each send still gets its own client, so a connection made for one host name (SNI) is never
    reused for another name at the same address."""
    return httpx.create_ssl_context()


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


@transaction.atomic
def record(delivery: WebhookDelivery, attempt: Attempt, now: datetime.datetime) -> str:
    """Store an attempt's outcome; schedule the next try, give up, or deactivate the endpoint.
    Returns the delivery's status."""
    first = delivery.first_attempt_at or now
    attempts = delivery.attempts + 1
    if attempt.ok:
        status, next_at = DeliveryStatus.SUCCEEDED, None
    else:
        delay = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
        next_at = now + delay
        status = DeliveryStatus.PENDING
        if next_at - first > RETRY_WINDOW:
            status, next_at = DeliveryStatus.FAILED, None
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status,
        attempts=attempts,
        next_attempt_at=next_at,
        leased_until=None,
        first_attempt_at=first,
        last_attempt_at=now,
        response_code=attempt.response_code,
        response_body=attempt.response_body,
        error=attempt.error,
        latency_ms=attempt.latency_ms,
        updated_at=now,
    )
    endpoint = Webhook.objects.filter(pk=delivery.webhook_id)
    if attempt.ok:
        endpoint.filter(failing_since__isnull=False).update(failing_since=None)
        return status
    endpoint.filter(failing_since__isnull=True).update(failing_since=now)
    endpoint.filter(active=True, failing_since__lte=now - DEACTIVATE_AFTER).update(
        active=False,
        note=f"Deactivated {now:%Y-%m-%d %H:%M} UTC: every delivery failed for "
        f"{DEACTIVATE_AFTER.days} days.",
        updated_at=now,
    )
    return status


def deliver_one(delivery_id: int) -> str | None:
    """Send one claimed delivery and record the outcome (None: it is no longer there)."""
    delivery = (
        WebhookDelivery.objects.select_related("event", "webhook").filter(pk=delivery_id).first()
    )
    if delivery is None:
        return None
    now = timezone.now()
    return record(delivery, post(delivery, now), now)


def deliver_due(*, limit: int | None = None) -> dict[str, int]:
    """Claim and send due deliveries until none are left (or `limit` were sent)."""
    counts = {DeliveryStatus.SUCCEEDED: 0, DeliveryStatus.PENDING: 0, DeliveryStatus.FAILED: 0}
    sent = 0
    while limit is None or sent < limit:
        claimed = claim(limit=CLAIM_SIZE if limit is None else min(CLAIM_SIZE, limit - sent))
        if not claimed.ids:
            break
        for pk in claimed.ids:
            # The sends before this one may have outlasted its lease.
            status = deliver_one(pk) if renew(pk, claimed) else None
            if status is not None:
                counts[status] += 1
                sent += 1
    return {str(k): v for k, v in counts.items()}


def next_wake_at() -> datetime.datetime | None:
    """When a worker should look again: the earliest retry still to come, or the end of the
    earliest lease (its worker may be gone). None: nothing waits."""
    now = timezone.now()
    pending = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, webhook__active=True)
    retry = pending.filter(leased_until__isnull=True, next_attempt_at__gt=now).aggregate(
        at=Min("next_attempt_at")
    )["at"]
    lease = pending.filter(leased_until__isnull=False).aggregate(at=Min("leased_until"))["at"]
    return min((at for at in (retry, lease) if at is not None), default=None)
