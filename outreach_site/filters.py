"""django-filter building blocks shared by the API and the dashboard list views."""

import django_filters
from django import forms

from outreach_site.enums import normalize_choice
from outreach_site.public_ids import InvalidPublicId, parse_public_id


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


class EnumFormField(forms.ChoiceField):
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
    come from the declared filters alone, and forms copy their fields when instantiated."""

    def get_form_class(self):
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class
