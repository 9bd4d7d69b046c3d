"""Input checks shared by the API, the compatibility endpoints, the dashboard forms, the admin
and CSV import: text a database can store, date-times it can hold, URLs safe to show.

Each check is a Django validator (a callable raising ValidationError), so model fields, form
fields and DRF fields all take it the same way.
"""

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.deconstruct import deconstructible

NUL_MESSAGE = "Null characters are not allowed."
SURROGATE_MESSAGE = "Unpaired surrogate characters (\\ud800–\\udfff) are not allowed."
_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why PostgreSQL (or UTF-8) cannot hold this text, or None when it can."""
    if "\x00" in value:
        return NUL_MESSAGE
    if _SURROGATE.search(value):
        return SURROGATE_MESSAGE
    return None


def validate_storable_text(value: Any) -> None:
    if isinstance(value, str) and (problem := text_problem(value)):
        raise ValidationError(problem, code="unstorable_text")


def unstorable_text(document: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """(path, problem) for every string (value or key) of a parsed JSON document that cannot be
    stored; the path is the keys and list positions leading to it."""
    if isinstance(document, str):
        if problem := text_problem(document):
            yield path, problem
    elif isinstance(document, dict):
        for key, value in document.items():
            if isinstance(key, str) and (problem := text_problem(key)):
                yield (*path, _printable(key)), problem
            else:
                yield from unstorable_text(value, (*path, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from unstorable_text(value, (*path, index))


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


# --- date-times -----------------------------------------------------------------------------

EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)
LATEST = dt.datetime.max.replace(tzinfo=dt.UTC)
DATETIME_RANGE_MESSAGE = "Must fall between years 1 and 9999 in UTC."


def validate_datetime_in_range(value: Any) -> None:
    """An aware date-time must still be a date-time once moved to UTC (9999-12-31T23:59-12:00
    is in year 10000 there, which neither Python nor the database drivers can read back)."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        try:
            value.astimezone(dt.UTC)
        except OverflowError:
            raise ValidationError(DATETIME_RANGE_MESSAGE, code="overflow") from None


# --- URLs -----------------------------------------------------------------------------------

# Characters RFC 3986 never allows unescaped in a URL; a quote or angle bracket in a stored URL
# is markup waiting for a page that forgets to escape it.
_UNSAFE_URL_CHARACTERS = re.compile(r'[\s"<>\\^`{|}\x00-\x1f\x7f]')
URL_MESSAGE = "Enter an absolute http:// or https:// URL."


@deconstructible
class HttpUrlValidator:
    """An absolute http(s) URL with nothing RFC 3986 forbids (quotes, <, >, spaces…), checked
    by syntax only: the server never fetches it. (Not a URLValidator subclass: DRF drops those
    from a model URLField's validators, in favour of its own plain URL check.)"""

    code = "invalid"

    def __init__(self, message: str = URL_MESSAGE):
        self.message = message
        self.syntax = URLValidator(schemes=["http", "https"], message=message)

    def __call__(self, value):
        if isinstance(value, str) and _UNSAFE_URL_CHARACTERS.search(value):
            raise ValidationError(self.message, code=self.code, params={"value": value})
        self.syntax(value)

    def __eq__(self, other):
        return isinstance(other, HttpUrlValidator) and other.message == self.message

    def __hash__(self):
        return hash((HttpUrlValidator, self.message))


validate_http_url = HttpUrlValidator()


class HttpUrlFormField(forms.URLField):
    """A form's URL field that takes only what HttpUrlValidator takes, with one message."""

    default_validators = [validate_http_url]
    # A form puts its own message for the code "invalid" over the validator's.
    default_error_messages = {"invalid": URL_MESSAGE}
