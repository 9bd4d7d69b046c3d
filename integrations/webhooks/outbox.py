"""The outbox: events written in the transaction of the change they describe.

An event row exists exactly when its change committed, and so do its deliveries (one per
active endpoint of the object's workspace subscribed to the type). A batch writes its events and
deliveries in two INSERT … SELECT statements over JSON arrays, whatever its size; a workspace
with no endpoint for the type costs one query and writes nothing. After commit the worker is
asked to deliver.
"""

import json
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from core.scoping import everywhere

from ..models import DeliveryStatus, Webhook, WebhookDelivery, WebhookEvent
from ..tasks import deliver_webhooks
from . import events as ev

# Audit actions on an outreach and the event they publish.
OUTREACH_EVENTS = {
    "create": ev.OUTREACH_CREATED,
    "update": ev.OUTREACH_UPDATED,
    "batch": ev.OUTREACH_UPDATED,
    "delete": ev.OUTREACH_DELETED,
    "transition": ev.OUTREACH_TRANSITIONED,
}

Row = tuple[int, str, dict[str, Any]]  # (workspace id, object id, data)


def subscribers(event_type: str, workspace_ids: Iterable[int]) -> dict[int, list[int]]:
    """Active endpoints subscribed to `event_type`, by workspace: one query."""
    found: dict[int, list[int]] = {}
    with everywhere():  # the object's workspace decides, not the caller's scope
        endpoints = Webhook.objects.filter(
            workspace_id__in=set(workspace_ids), active=True
        ).values_list("pk", "workspace_id", "events")
        for pk, workspace_id, subscribed in endpoints:
            if event_type in subscribed:
                found.setdefault(workspace_id, []).append(pk)
    return found


def emit(*, type: str, workspace_id: int, object_id: str = "", data: dict[str, Any]) -> int:
    """Publish one event (call inside the change's transaction). Returns deliveries written."""
    return emit_many(type=type, rows=[(workspace_id, object_id, data)])


def emit_many(
    *, type: str, rows: Iterable[Row], endpoints: dict[int, list[int]] | None = None
) -> int:
    """Publish one event per row, set-based. `endpoints` (endpoint ids by workspace) names who
    receives them instead of the subscribers. Returns the number of deliveries written."""
    rows = list(rows)
    if not rows:
        return 0
    if endpoints is None:
        endpoints = subscribers(type, {row[0] for row in rows})
    rows = [row for row in rows if row[0] in endpoints]
    if not rows:
        return 0
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    created = _insert_events(type, rows, now)
    pairs = [
        [event_id, webhook_id, object_id]
        for event_id, workspace_id, object_id in created
        for webhook_id in endpoints[workspace_id]
    ]
    _insert_deliveries(pairs, now)
    queue_delivery_on_commit()
    return len(pairs)


def _insert_events(type: str, rows: list[Row], now) -> list[tuple[int, int, str]]:
    meta = WebhookEvent._meta
    quote = connection.ops.quote_name
    names = ("workspace", "object_id", "payload", "type", "created_at")
    columns = ", ".join(quote(meta.get_field(name).column) for name in names)
    if connection.vendor == "postgresql":
        source = (
            "SELECT (r->>0)::bigint, r->>1, r->2, %s, %s FROM jsonb_array_elements(%s::jsonb) r"
        )
    else:
        source = (
            "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
            "json(json_extract(value, '$[2]')), %s, %s FROM json_each(%s)"
        )
    returning = ", ".join(quote(meta.get_field(n).column) for n in ("id", "workspace", "object_id"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) {source} RETURNING {returning}",
            [type, now, json.dumps([list(row) for row in rows])],
        )
        return [tuple(found) for found in cursor.fetchall()]


def _insert_deliveries(pairs: list[list], now) -> None:
    meta = WebhookDelivery._meta
    quote = connection.ops.quote_name
    names = ("event", "webhook", "object_id", "status", "attempts", "next_attempt_at")
    names += ("response_body", "error", "created_at", "updated_at")
    columns = ", ".join(quote(meta.get_field(name).column) for name in names)
    if connection.vendor == "postgresql":
        source = (
            "SELECT (r->>0)::bigint, (r->>1)::bigint, r->>2, %s, 0, %s, '', '', %s, %s "
            "FROM jsonb_array_elements(%s::jsonb) r"
        )
    else:
        source = (
            "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
            "json_extract(value, '$[2]'), %s, 0, %s, '', '', %s, %s FROM json_each(%s)"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) {source}",
            [DeliveryStatus.PENDING, now, now, now, json.dumps(pairs)],
        )


def queue_delivery_on_commit() -> None:
    """Ask the worker to deliver once the transaction commits (a failed enqueue is logged; the
    deliveries wait for the next run or `manage.py deliver_webhooks`)."""
    transaction.on_commit(deliver_webhooks.enqueue, robust=True)


# --- outreach changes, read from the audit log's writer -------------------------------------


def outreach_data(action: str, object_id: str, changes: dict[str, list]) -> dict[str, Any]:
    """An event's `data` from the audit entry of the change (values as the audit log has them)."""
    if action == "transition":
        field = next((name for name in changes if name != "transition"), None)
        before, after = changes[field] if field else (None, None)
        name = changes.get("transition", [None, None])[1]
        return {"id": object_id, "field": field, "transition": name, "from": before, "to": after}
    if action == "create":
        return {"id": object_id, **{name: value[1] for name, value in changes.items()}}
    if action == "delete":
        return {"id": object_id}
    return {"id": object_id, "changes": {n: {"from": v[0], "to": v[1]} for n, v in changes.items()}}


def audit_recorded(*, action: str, object_type: str, rows: Iterable) -> None:
    """Audit entries were written (workspaces.audit.recorded): publish the outreach ones."""
    event_type = OUTREACH_EVENTS.get(action) if object_type == "outreach" else None
    if event_type is None:
        return
    rows = list(rows)
    endpoints = subscribers(event_type, {row[0] for row in rows})
    if not endpoints:
        return
    emit_many(
        type=event_type,
        endpoints=endpoints,
        rows=(
            (workspace_id, object_id, outreach_data(action, object_id, changes))
            for workspace_id, object_id, changes in rows
            if workspace_id in endpoints
        ),
    )
