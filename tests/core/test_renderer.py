"""The orjson renderer writes the bytes DRF's JSONRenderer writes, or leaves the work to it."""

import datetime
import decimal
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework import renderers
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from core.api.renderers import JSONRenderer

MOMENT = datetime.datetime(2026, 11, 25, 14, 42, 30, 123456, tzinfo=datetime.UTC)

PAYLOADS = {
    "page": {
        "items": ReturnList(
            [{"id": "out_1", "subject": "Grüße — 你好", "approved": True, "score": 42}],
            serializer=None,
        ),
        "pagination": {"current_page": 1, "total_count": 10**15},
    },
    "return dict and nesting": ReturnDict({"a": [1, 2.5, None, {"b": ()}]}, serializer=None),
    "aware datetimes": {
        "utc": MOMENT,
        "utc without microseconds": MOMENT.replace(microsecond=0),
        "zoneinfo utc": MOMENT.astimezone(ZoneInfo("UTC")),
        "paris": MOMENT.astimezone(ZoneInfo("Europe/Paris")),
    },
    "naive datetime, date and time": {
        "naive": MOMENT.replace(tzinfo=None),
        "date": MOMENT.date(),
        "time": MOMENT.time(),
    },
    "decimal, uuid, lazy text, bytes": {
        "decimal": decimal.Decimal("12.50"),
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "lazy": gettext_lazy("Not found."),
        "bytes": b"raw",
    },
    "set and timedelta": {"set": {3}, "duration": datetime.timedelta(minutes=90)},
    "javascript line terminators": {"body": "one\u2028two\u2029three"},
    "control characters and quotes": {"text": 'tab\there "quoted" \\ back\x01'},
    "integer past 64 bits": {"n": 2**70},
    "non-string keys": {1: "one", None: "none"},
    "empty": {},
}


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_same_bytes_as_drf(payload):
    assert JSONRenderer().render(payload) == renderers.JSONRenderer().render(payload)


def test_encodes_with_orjson_when_it_can(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("DRF's renderer should not be needed")

    monkeypatch.setattr(renderers.JSONRenderer, "render", refuse)
    assert JSONRenderer().render({"when": MOMENT}) == b'{"when":"2026-11-25T14:42:30.123456Z"}'


def test_no_content_is_empty():
    assert JSONRenderer().render(None) == b""


def test_indent_asked_for_is_honoured():
    rendered = JSONRenderer().render({"a": 1}, "application/json; indent=2")
    assert rendered == b'{\n  "a": 1\n}'


def test_unknown_types_still_refused():
    with pytest.raises(TypeError):
        JSONRenderer().render({"object": object()})


def test_not_a_number_is_null():
    # Not JSON: DRF's strict renderer raises (a 500); the API has no float that can hold one.
    assert JSONRenderer().render({"score": float("nan")}) == b'{"score":null}'


def test_api_responses_use_it(api):
    response = api.get("/api/outreaches")
    assert isinstance(response.accepted_renderer, JSONRenderer)
    assert response["Content-Type"] == "application/json"
