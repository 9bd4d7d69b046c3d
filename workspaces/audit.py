"""The audit log's one writer: entries written inside the transaction of the change they record.

Batches write one entry per object in one bulk insert. Values are stored as JSON; fields whose
names say they hold a secret are redacted.
"""

import json
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

from core.actors import Actor, acting_user
from core.context import client_ip, current_client_ip
from core.hooks import Hook
from core.scoping import current_workspace_id

from .choices import AuditAction
from .models import AuditEntry
from .selectors import workspace_id_of

REDACTED = "[redacted]"
# Called with every change recorded (one call per batch), in its transaction: webhooks publish
# the changes from here, so a batch's events are written in bulk like its entries.
recorded = Hook("audit entries written: action, object_type, rows of (workspace, id, changes)")
_SECRET_WORDS = ("password", "token", "secret", "api_key")


def is_secret(field: str) -> bool:
    return any(word in field.lower() for word in _SECRET_WORDS)


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return getattr(value, "public_id", None) or value.pk
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """`{field: [before, after]}` for every field whose value changed."""
    changes = {}
    for field, new in after.items():
        old = before.get(field)
        old, new = _plain(old), _plain(new)
        if old != new:
            changes[field] = [REDACTED, REDACTED] if is_secret(field) else [old, new]
    return changes


def snapshot(obj, fields) -> dict[str, Any]:
    """The current values of `fields` of `obj` (foreign keys as the related object)."""
    return {field: getattr(obj, field, None) for field in fields}


def created(values: dict[str, Any]) -> dict[str, list]:
    return diff({}, {k: v for k, v in values.items() if v not in (None, "")})


def _entry(
    *,
    actor: Actor,
    action: str,
    obj=None,
    object_type="",
    object_id="",
    workspace_id=None,
    changes=None,
    ip=None,
) -> AuditEntry:
    user = acting_user(actor)
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or getattr(obj, "public_id", None) or str(obj.pk)
        workspace_id = workspace_id or getattr(obj, "workspace_id", None)
    if workspace_id is None:
        workspace_id = current_workspace_id() or (workspace_id_of(user=user) if user else None)
    return AuditEntry(
        workspace_id=workspace_id,
        actor=user,
        actor_name=user.get_username() if user else "system",
        action=action,
        object_type=object_type,
        object_id=object_id or "",
        changes=changes or {},
        ip=ip or current_client_ip() or None,
    )


def record(*, actor: Actor, action: str, obj=None, **fields: Any) -> AuditEntry:
    """Write one entry (call inside the change's transaction)."""
    entry = _entry(actor=actor, action=action, obj=obj, **fields)
    entry.save(force_insert=True)
    recorded(
        action=action,
        object_type=entry.object_type,
        rows=[(entry.workspace_id, entry.object_id, entry.changes)],
    )
    return entry


def record_many(
    *, actor: Actor, action: str, object_type: str, rows: Iterable[tuple[int, str, dict]]
) -> int:
    """A batch's entries — (workspace id, object id, changes) each — in one INSERT … SELECT
    over a JSON array, whatever the batch size."""
    rows = [[workspace_id, object_id, _plain(changes)] for workspace_id, object_id, changes in rows]
    if not rows:
        return 0
    user = acting_user(actor)
    meta = AuditEntry._meta
    quote = connection.ops.quote_name
    names = ("workspace", "object_id", "changes", "actor", "actor_name", "action", "object_type")
    columns = ", ".join(quote(meta.get_field(name).column) for name in (*names, "ip", "created_at"))
    if connection.vendor == "postgresql":
        source = (
            "SELECT (r->>0)::bigint, r->>1, r->2, %s, %s, %s, %s, %s::inet, %s "
            "FROM jsonb_array_elements(%s::jsonb) AS r"
        )
    else:
        source = (
            "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
            "json(json_extract(value, '$[2]')), %s, %s, %s, %s, %s, %s FROM json_each(%s)"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) {source}",
            [
                user.pk if user else None,
                user.get_username() if user else "system",
                action,
                object_type,
                current_client_ip() or None,
                connection.ops.adapt_datetimefield_value(timezone.now()),
                json.dumps(rows),
            ],
        )
    recorded(action=action, object_type=object_type, rows=rows)
    return len(rows)


def record_update(actor: Actor, obj, before: dict[str, Any], changes: dict[str, Any]) -> None:
    """An `update` entry with the fields that changed (none: no entry)."""
    changed = diff(before, changes)
    if changed:
        record(actor=actor, action=AuditAction.UPDATE, obj=obj, changes=changed)


def record_delete(actor: Actor, obj) -> None:
    """A `delete` entry naming what was deleted (call before deleting)."""
    record(actor=actor, action=AuditAction.DELETE, obj=obj, changes={"name": [str(obj), None]})


# --- sign-in attempts (django.contrib.auth signals) -------------------------------------------


def signed_in(sender, request, user, **kwargs) -> None:
    record(
        actor=user,
        action=AuditAction.SIGN_IN,
        object_type="user",
        object_id=f"usr_{user.pk}",
        workspace_id=workspace_id_of(user=user),
        ip=client_ip(request) or None,
    )


def sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", ""))[:150]
    user = get_user_model().objects.filter(username=username).first() if username else None
    AuditEntry.objects.create(
        workspace_id=workspace_id_of(user=user) if user else None,
        actor=None,
        actor_name=username or "unknown",
        action=AuditAction.SIGN_IN_FAILED,
        object_type="user",
        ip=client_ip(request) or None,
    )
