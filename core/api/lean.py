"""The lean read path: a serializer's output built from `values()` rows instead of instances.

A list page of a ModelSerializer builds a model instance per row and calls a field's
`to_representation` per value; for a page of plain columns most of those calls give back the
value unchanged. `LeanSerializer` reads the serializer's own fields once, works out which column
each reads and which conversion actually changes something, and builds the same dictionaries
from `values()` rows. When a field has no column to read, it says so (`columns()` is None) and
the caller serialises the ordinary way. Tests pin the output to the serializer's, field by field.
"""

from collections.abc import Callable, Iterable
from functools import cached_property, partial
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from core.public_ids import format_public_id
from core.scoping import everywhere

from .fields import PublicIdField, PublicIdRelatedField, RoundedPercentField

_PLAIN_FIELDS = (
    serializers.BooleanField,
    serializers.CharField,
    serializers.ChoiceField,
    serializers.DateTimeField,
    serializers.IntegerField,
    RoundedPercentField,
)

# DRF conversions that give back, unchanged, every value of a column of these types: the lean
# path skips the call. ChoiceField maps str(value) to its choice, the same string when the
# choices are strings.
_UNCHANGED_ON_COLUMNS = {
    serializers.CharField.to_representation: {"CharField", "TextField"},
    serializers.ChoiceField.to_representation: {"CharField", "TextField"},
    serializers.BooleanField.to_representation: {"BooleanField"},
    serializers.IntegerField.to_representation: {
        "IntegerField",
        "SmallIntegerField",
        "BigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "PositiveBigIntegerField",
    },
}

Plan = tuple[tuple[str, str, Callable[[Any], Any] | None], ...]


def _default_iso(field: serializers.DateTimeField) -> bool:
    """The field writes aware datetimes as ISO 8601 in the current time zone (DRF's default)."""
    return (
        settings.USE_TZ
        and getattr(field, "format", api_settings.DATETIME_FORMAT) == ISO_8601
        and not hasattr(field, "timezone")
    )


def _conversion(field: serializers.Field, column: models.Field) -> Callable[[Any], Any] | None:
    """field.to_representation for values of `column`, or None when it changes none."""
    method = type(field).to_representation
    if method is RoundedPercentField.to_representation:
        return None
    if column.get_internal_type() not in _UNCHANGED_ON_COLUMNS.get(method, ()):
        return field.to_representation
    if isinstance(field, serializers.ChoiceField) and not all(
        isinstance(choice, str) for choice in field.choice_strings_to_values.values()
    ):
        return field.to_representation
    return None


def _iso_datetime(value, zone) -> str:
    """What DateTimeField.to_representation gives for an aware datetime in its default setup
    (ISO 8601 in the current time zone `zone`, UTC as Z), without its per-value lookups."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class LeanSerializer:
    """The read side of `serializer_class` over `model`, from values() rows.

    `source_columns` names the column behind a field source that is not a column (a property
    such as `owner_pk`).
    """

    def __init__(
        self,
        serializer_class: type[serializers.Serializer],
        model: type[models.Model],
        *,
        source_columns: dict[str, str] | None = None,
    ):
        self.serializer_class = serializer_class
        self.model = model
        self.source_columns = source_columns or {}

    @cached_property
    def plan(self) -> Plan | None:
        """(key, column, conversion) for each field the serializer outputs, read from the
        serializer itself so the two cannot drift; None when a field has no column to read."""
        columns = {f.attname: f for f in self.model._meta.concrete_fields}
        plan = []
        for name, field in self.serializer_class().fields.items():
            if field.write_only:
                continue
            source = field.source
            if isinstance(field, PublicIdRelatedField):
                column = self.model._meta.get_field(source).attname
                plan.append((name, column, partial(format_public_id, field.prefix)))
            elif isinstance(field, PublicIdField):
                column = self.source_columns.get(source, source)
                plan.append((name, column, partial(format_public_id, field.prefix)))
            elif isinstance(field, serializers.SlugRelatedField):
                plan.append((name, f"{source}__{field.slug_field}", None))
            elif isinstance(field, serializers.DateTimeField) and _default_iso(field):
                plan.append((name, source, _iso_datetime))
            elif isinstance(field, _PLAIN_FIELDS) and source in columns:
                plan.append((name, source, _conversion(field, columns[source])))
            else:
                return None
        return tuple(plan)

    def columns(self) -> tuple[str, ...] | None:
        """The values() columns the plan reads, or None when it cannot serve."""
        return None if self.plan is None else tuple(column for _, column, _ in self.plan)

    @cached_property
    def _values(self) -> QuerySet | None:
        # Resolving the columns and their joins once, not for every page.
        # Made outside any workspace: each copy takes the scope of the request it serves.
        columns = self.columns()
        if columns is None:
            return None
        with everywhere():
            return self.model._default_manager.values(*columns)

    def values(self) -> QuerySet | None:
        """`model.objects.values(*columns())`, a fresh copy on each call (the one kept is never
        read), or None when the plan cannot serve."""
        return None if self._values is None else self._values.all()

    @cached_property
    def _reader(self) -> tuple[tuple[str, ...], Callable[[dict], tuple]]:
        """The output names, and a function reading a row's values in their order."""
        names = tuple(name for name, _, _ in self.plan)
        columns = [column for _, column, _ in self.plan]
        read = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
        return names, read

    def items(self, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """What serializer_class(many=True) gives for these rows. Empty values stay None, as
        the serializer leaves them."""
        names, read = self._reader
        # The current time zone is looked up once per page, not once per datetime.
        zone = timezone.get_current_timezone()
        converted = [
            (name, partial(_iso_datetime, zone=zone) if convert is _iso_datetime else convert)
            for name, _, convert in self.plan
            if convert is not None
        ]
        items = []
        for row in rows:
            # The columns copied as they are in one C-level pass; only the few that change are
            # converted after.
            item = dict(zip(names, read(row), strict=True))
            for name, convert in converted:
                value = item[name]
                if value is not None:
                    item[name] = convert(value)
            items.append(item)
        return items
