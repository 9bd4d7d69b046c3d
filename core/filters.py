"""django-filter building blocks shared by the API and the dashboard list views."""

import copy

import django_filters
from django import forms
from django.http import QueryDict
from drf_spectacular.drainage import set_override

from core.api.schema import id_pattern
from core.enums import normalize_choice
from core.public_ids import InvalidPublicId, parse_public_id
from core.validation import validate_datetime_in_range


class PublicIdFormField(forms.CharField):
    def __init__(self, *args, prefix: str, **kwargs):
        self.prefix = prefix
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_public_id(self.prefix, value)
        except InvalidPublicId as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


class PublicIdFilter(django_filters.Filter):
    """Filter on a foreign key given as a prefixed id (`per_42`); malformed is a 400."""

    field_class = PublicIdFormField

    def __init__(self, *args, prefix: str, **kwargs):
        kwargs.setdefault("help_text", f"Id of the form {prefix}_<number>.")
        super().__init__(*args, prefix=prefix, **kwargs)
        # The column is an integer, but the parameter is the prefixed id: say so to clients.
        schema = {"type": "string", "pattern": id_pattern(prefix), "example": f"{prefix}_42"}
        set_override(self, "field", {**schema, "description": self.extra["help_text"]})


class EnumFormField(forms.ChoiceField):
    def __deepcopy__(self, memo):
        # Each form deep-copies its fields; ChoiceField also deep-copies its choice list, which
        # nothing changes in place (a page that wants other choices assigns a new list).
        return forms.Field.__deepcopy__(self, memo)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return ""
        keys = [str(key) for key, _label in self.choices if key != ""]
        return normalize_choice(value, keys) or value


class EnumFilter(django_filters.ChoiceFilter):
    """ChoiceFilter that matches choices case-insensitively and ignores a leading colon."""

    field_class = EnumFormField


class StrictBooleanFormField(forms.Field):
    TRUE = {"true", "1", "yes", "on"}
    FALSE = {"false", "0", "no", "off"}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError("Use true or false.", code="invalid")


class BooleanFilter(django_filters.BooleanFilter):
    """true/false, 1/0, yes/no; anything else is a 400 instead of being silently ignored."""

    field_class = StrictBooleanFormField


class FilterSet(django_filters.FilterSet):
    """A FilterSet that builds its form class once, not on every request: the form's fields
    come from the declared filters alone, and forms copy their fields when instantiated.

    Its filters are shallow copies of the declared ones. django-filter deep-copies them, with
    every choice list, on each request (a twentieth of a list request); a filter holds no
    state that a request changes beyond the `model`, `parent` and `method` set here.
    """

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: copy.copy(filter_) for name, filter_ in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self
            if filter_.method is not None:
                # Setting `method` binds a FilterMethod to this copy; the one copied along
                # still calls through the declared filter, which has no parent.
                filter_.method = filter_.method

    def get_form_class(self):
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            form_class = super().get_form_class()
            # A date-time that leaves years 1–9999 once moved to UTC is a 400, not an overflow.
            for field in form_class.base_fields.values():
                if isinstance(field, forms.DateTimeField):
                    field.validators = [*field.validators, validate_datetime_in_range]
            cls._form_class = form_class
        return cls._form_class
