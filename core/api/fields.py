"""Serializer fields shared by every API: prefixed ids, lenient enums, id lists."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.validators import URLValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.batches import batch_limit, too_many_message
from core.enums import normalize_choice
from core.public_ids import InvalidPublicId, format_public_id, parse_public_id
from core.validation import URL_MESSAGE, HttpUrlValidator


class PublicIdField(serializers.Field):
    """Read-only prefixed id of the object itself (or of a raw key given by `source`)."""

    def __init__(self, prefix: str, **kwargs):
        self.prefix = prefix
        kwargs.setdefault("source", "pk")
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def bind(self, field_name, parent):
        if self.source == field_name:  # `actor_id = PublicIdField("usr", source="actor_id")`
            self.source = None
        super().bind(field_name, parent)

    def to_representation(self, value):
        return format_public_id(self.prefix, value)


class PublicIdRelatedField(serializers.RelatedField):
    """A reference written and read as a prefixed id; unknown ids are a 400 naming the field."""

    default_error_messages = {
        "does_not_exist": "No {model} with id {value}.",
        "invalid": "{message}",
    }

    def __init__(self, prefix: str, **kwargs):
        self.prefix = prefix
        super().__init__(**kwargs)

    def use_pk_only_optimization(self):
        return True

    def run_validation(self, data=serializers.empty):
        # DRF reads "" as null for a relation; here it is a malformed id (null says "none").
        if data == "":
            self.to_internal_value(data)  # raises: "" is not an id
        return super().run_validation(data)

    def to_internal_value(self, data):
        try:
            pk = parse_public_id(self.prefix, data)
        except InvalidPublicId as exc:
            self.fail("invalid", message=str(exc))
        queryset = self.get_queryset()
        try:
            return queryset.get(pk=pk)
        except queryset.model.DoesNotExist:
            self.fail("does_not_exist", model=queryset.model._meta.verbose_name, value=data)

    def to_representation(self, value):
        return format_public_id(self.prefix, value.pk)


class SlugRelatedField(serializers.SlugRelatedField):
    """DRF's, refusing text PostgreSQL cannot search for (a NUL character) with a 400."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class HttpUrlField(serializers.URLField):
    """Absolute http(s) URL without characters a URL may not hold (quotes, <, >, spaces…),
    checked by syntax only: the server never fetches it. One message for every refusal."""

    def __init__(self, *, message: str = URL_MESSAGE, **kwargs):
        super().__init__(**kwargs)
        self.validators = [
            *(v for v in self.validators if not isinstance(v, URLValidator | HttpUrlValidator)),
            HttpUrlValidator(message),
        ]


class EnumField(serializers.ChoiceField):
    """ChoiceField that reads `EMAIL`, ` email ` and `:email` alike and stores the choice."""

    def __init__(self, choices, **kwargs):
        super().__init__(choices, **kwargs)
        allowed = ", ".join(map(str, self.choices))
        self.error_messages["invalid_choice"] = (
            f'"{{input}}" is not a valid choice. Use one of: {allowed}.'
        )

    def to_internal_value(self, data):
        if data == "" and self.allow_blank:
            return ""
        choice = normalize_choice(data, map(str, self.choices))
        if choice is None:
            self.fail("invalid_choice", input=_short(data))
        return choice


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": 100, "example": 70})
class RoundedPercentField(serializers.Field):
    """0–100 integer; a fractional number is rounded half up (as JavaScript's Math.round,
    which clients use)."""

    default_error_messages = {
        "invalid": "A number from 0 to 100 is required.",
        "range": "Must be between 0 and 100.",
    }

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        try:
            number = Decimal(str(data).strip())
        except (InvalidOperation, ValueError):
            self.fail("invalid")
        if not number.is_finite():
            self.fail("invalid")
        if not -1 <= number <= 101:  # far out of range (quantizing 1e28 and up raises)
            self.fail("range")
        value = int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if not 0 <= value <= 100:
            self.fail("range")
        return value

    def to_representation(self, value):
        return value


@extend_schema_field(
    {
        "oneOf": [
            {"type": "array", "items": {"type": "string", "example": "out_42"}},
            {"type": "string", "example": "out_1,out_2,out_3"},
        ]
    }
)
class PublicIdListField(serializers.Field):
    """Ids as a JSON array, repeated form fields, or one comma-separated string.

    Returns the distinct primary keys in the order given; malformed ids are a 400 that quotes
    the first few.
    """

    default_error_messages = {
        "required": "This field is required.",
        "empty": "Give at least one id.",
        "invalid_type": "Expected a list of ids or a comma-separated string.",
        "malformed": "Not valid {prefix}_<number> ids: {examples}.",
    }

    def __init__(self, prefix: str, **kwargs):
        self.prefix = prefix
        super().__init__(**kwargs)

    def get_value(self, dictionary):
        if hasattr(dictionary, "getlist"):
            values = dictionary.getlist(self.field_name)
            return values if values else serializers.empty
        return dictionary.get(self.field_name, serializers.empty)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = [data]
        if not isinstance(data, list):
            self.fail("invalid_type")
        tokens: list[str] = []
        for item in data:
            if not isinstance(item, str):
                self.fail("invalid_type")
            tokens.extend(part.strip() for part in item.split(",") if part.strip())
        if not tokens:
            self.fail("empty")
        if len(tokens) > batch_limit():
            raise serializers.ValidationError(too_many_message(len(tokens)), code="too_many")
        pks: dict[int, None] = {}
        bad: list[str] = []
        for token in tokens:
            try:
                pks[parse_public_id(self.prefix, token)] = None
            except InvalidPublicId:
                bad.append(token)
        if bad:
            examples = ", ".join(_short(b) for b in bad[:5]) + (" …" if len(bad) > 5 else "")
            self.fail("malformed", prefix=self.prefix, examples=examples)
        return list(pks)

    def to_representation(self, value):  # pragma: no cover - input only
        return [format_public_id(self.prefix, pk) for pk in value]


def _short(value: object, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"
