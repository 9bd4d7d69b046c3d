"""Writes of webhook endpoints (admins only), each audited with its secret redacted."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.actors import Actor
from core.errors import Conflict, InvalidInput
from workspaces import audit
from workspaces.choices import AuditAction
from workspaces.roles import Permission, require
from workspaces.selectors import workspace_for_create

from ..models import DeliveryStatus, Webhook, WebhookDelivery
from . import events, outbox, secrets
from .addresses import AddressRefused, resolve

# How long the previous secret keeps signing after a rotation.
ROTATION_OVERLAP = datetime.timedelta(hours=24)
MANAGE = "manage webhooks"


@dataclass
class WithSecret:
    """An endpoint and its secret, which is shown this once."""

    webhook: Webhook
    secret: str


def _check_url(url: str) -> None:
    try:
        resolve(url)
    except AddressRefused as exc:
        raise InvalidInput(str(exc), field="url") from None


def _check_events(chosen: list[str]) -> list[str]:
    if not isinstance(chosen, list) or not chosen:
        raise InvalidInput("Choose at least one event.", field="events")
    unknown = sorted({str(name) for name in chosen} - set(events.EVENT_TYPES))
    if unknown:
        raise InvalidInput(
            f"Unknown event(s): {', '.join(unknown)}. Known: {', '.join(events.EVENT_TYPES)}.",
            field="events",
        )
    return [name for name in events.EVENT_TYPES if name in chosen]


@transaction.atomic
def webhook_create(
    *, actor: Actor, url: str, events: list[str], active: bool = True, workspace=None
) -> WithSecret:
    """Add an endpoint; its new secret is in the answer and nowhere else in clear."""
    require(actor, Permission.ADMINISTER, MANAGE)
    _check_url(url)
    chosen = _check_events(events)
    secret = secrets.new_secret()
    webhook = Webhook.objects.create(
        workspace_id=workspace_for_create(actor, workspace),
        url=url,
        events=chosen,
        active=active,
        secret_encrypted=secrets.encrypt(secret),
    )
    values = {"url": url, "events": chosen, "active": active, "secret": secret}
    audit.record(actor=actor, action=AuditAction.CREATE, obj=webhook, changes=audit.created(values))
    return WithSecret(webhook, secret)


@transaction.atomic
def webhook_update(*, webhook: Webhook, actor: Actor, **changes: Any) -> Webhook:
    """Change url, events or active. Reactivating clears the note and the failure streak."""
    require(actor, Permission.ADMINISTER, MANAGE)
    unknown = set(changes) - {"url", "events", "active"}
    if unknown:
        raise InvalidInput(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    if "url" in changes:
        _check_url(changes["url"])
    if "events" in changes:
        changes["events"] = _check_events(changes["events"])
    if changes.get("active") is True and not webhook.active:
        changes.update(note="", failing_since=None)
    before = audit.snapshot(webhook, changes)
    for name, value in changes.items():
        setattr(webhook, name, value)
    if changes:
        webhook.save(update_fields=[*changes, "updated_at"])
    audit.record_update(actor, webhook, before, changes)
    return webhook


@transaction.atomic
def webhook_delete(*, webhook: Webhook, actor: Actor) -> None:
    """Delete an endpoint and its delivery log."""
    require(actor, Permission.ADMINISTER, MANAGE)
    audit.record_delete(actor, webhook)
    webhook.delete()


@transaction.atomic
def webhook_rotate_secret(*, webhook: Webhook, actor: Actor) -> WithSecret:
    """A new secret, shown once; the old one keeps signing beside it for ROTATION_OVERLAP."""
    require(actor, Permission.ADMINISTER, MANAGE)
    secret = secrets.new_secret()
    webhook.previous_secret_encrypted = webhook.secret_encrypted
    webhook.previous_secret_expires_at = timezone.now() + ROTATION_OVERLAP
    webhook.secret_encrypted = secrets.encrypt(secret)
    webhook.save(
        update_fields=[
            "secret_encrypted",
            "previous_secret_encrypted",
            "previous_secret_expires_at",
            "updated_at",
        ]
    )
    changes = audit.diff({"secret": "old"}, {"secret": "new"})
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=webhook, changes=changes)
    return WithSecret(webhook, secret)


@transaction.atomic
def webhook_redeliver(*, webhook: Webhook, delivery: WebhookDelivery, actor: Actor):
    """Send a delivery's event to its endpoint again, as a new delivery (the log keeps both)."""
    require(actor, Permission.ADMINISTER, MANAGE)
    now = timezone.now()
    again = WebhookDelivery.objects.create(
        webhook=webhook,
        event_id=delivery.event_id,
        object_id=delivery.object_id,
        status=DeliveryStatus.PENDING,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    outbox.queue_delivery_on_commit()
    return again


@transaction.atomic
def webhook_send_test(*, webhook: Webhook, actor: Actor) -> WebhookDelivery:
    """Send a `webhook.test` event to this endpoint only."""
    require(actor, Permission.ADMINISTER, MANAGE)
    if not webhook.active:
        raise Conflict("This endpoint is inactive: activate it to send a test.")
    outbox.emit_many(
        type=events.TEST,
        rows=[(webhook.workspace_id, "", {"webhook_id": webhook.public_id})],
        endpoints={webhook.workspace_id: [webhook.pk]},
    )
    return WebhookDelivery.objects.filter(webhook=webhook).latest("pk")
