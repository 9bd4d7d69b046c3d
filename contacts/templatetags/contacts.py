"""How people's details read on the dashboard pages (the API keeps the stored forms)."""

import phonenumbers
from django import template

from ..heat import contact_heat_label

register = template.Library()


@register.filter
def phone_display(value: str) -> str:
    """A stored E.164 number (`+19176389560`) grouped for reading: `+1 917-638-9560`.

    Anything that does not parse is shown as stored rather than hidden."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.filter
def heat_label(score: int | None) -> str:
    """hot, warm or cold for a person's heat score (contacts.heat)."""
    return contact_heat_label(score or 0)
