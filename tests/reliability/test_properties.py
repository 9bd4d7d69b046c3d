"""Property tests (hypothesis) for the parsers every request goes through and for the heat
formula: whatever the input, they answer a value or their own validation error, never a crash."""

import string
from datetime import UTC, datetime, timedelta

import pytest
from django.http import QueryDict
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from core.api.fields import PublicIdListField
from core.enums import normalize_choice
from core.public_ids import (
    MAX_PK,
    PREFIXES,
    InvalidPublicId,
    format_public_id,
    parse_public_id,
)
from jobs.heat import (
    CHANNEL_POINTS,
    DECAY_FLOOR,
    OUTCOME_POINTS,
    STAGE_BASE,
    STAGE_CAP,
    STRENGTH_POINTS,
    LatestTouch,
    explain_heat,
    heat_bucket,
)
from outreach.choices import (
    Channel,
    Context,
    DeliveryStatus,
    Outcome,
    OutreachType,
    PipelineState,
    SkipRepliers,
)

PREFIX_VALUES = sorted(PREFIXES.values())
pks = st.integers(min_value=1, max_value=MAX_PK)
prefixes = st.sampled_from(PREFIX_VALUES)
# Text that looks like ids some of the time: the prefix alphabet, digits, separators, unicode.
id_like_text = st.text(
    alphabet=st.sampled_from([*string.ascii_letters, *string.digits, "_", " ", ",", "\n", "٣"]),
    max_size=30,
) | st.text(max_size=30)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=10,
)


# --- public ids ------------------------------------------------------------------------------


@given(prefix=prefixes, pk=pks, pad=st.sampled_from(["", " ", "\t", "\n ", "  "]))
def test_a_formatted_id_parses_back(prefix, pk, pad):
    assert parse_public_id(prefix, pad + format_public_id(prefix, pk) + pad) == pk


@given(prefix=prefixes, value=id_like_text | json_values)
@example(prefix="out", value="out_0")
@example(prefix="out", value=f"out_{MAX_PK + 1}")
@example(prefix="out", value="out_" + "9" * 19)
@example(prefix="out", value="out_1\n1")
@example(prefix="out", value="out_٣")
@example(prefix="out", value="OUT_1")
@example(prefix="out", value="per_1")
def test_parsing_any_value_gives_a_valid_key_or_invalid_public_id(prefix, value):
    try:
        pk = parse_public_id(prefix, value)
    except InvalidPublicId as exc:
        assert str(exc) == f"Not a valid id: expected the form {prefix}_<number>."
        return
    # Accepted only when it is exactly `<prefix>_<ascii digits>` naming a key in range.
    assert isinstance(value, str)
    text = value.strip()
    assert text.startswith(prefix + "_")
    digits = text[len(prefix) + 1 :]
    assert digits.isascii() and digits.isdigit()
    assert int(digits) == pk
    assert 1 <= pk <= MAX_PK


@given(prefix=prefixes, other=prefixes, pk=pks)
def test_an_id_of_another_kind_is_refused(prefix, other, pk):
    if prefix == other:
        return
    with pytest.raises(InvalidPublicId):
        parse_public_id(prefix, format_public_id(other, pk))


# --- enums -----------------------------------------------------------------------------------

ENUMS = [
    Channel,
    OutreachType,
    PipelineState,
    DeliveryStatus,
    Outcome,
    Context,
    SkipRepliers,
]


def _spellings(value: str):
    return st.sampled_from(
        [value, value.upper(), value.lower(), value.swapcase(), value.title()]
    ).flatmap(
        lambda spelled: st.tuples(
            st.sampled_from(["", " ", "\t"]), st.sampled_from(["", ":", "::"])
        ).map(lambda pads: f"{pads[0]}{pads[1]}{spelled}{pads[0]}")
    )


@given(data=st.data(), enum=st.sampled_from(ENUMS))
def test_any_spelling_of_a_choice_names_that_choice(data, enum):
    choice = data.draw(st.sampled_from(enum.values))
    spelled = data.draw(_spellings(choice))
    assert normalize_choice(spelled, enum.values) == choice


@given(enum=st.sampled_from(ENUMS), value=id_like_text | json_values)
def test_any_value_names_one_of_the_choices_or_none(enum, value):
    result = normalize_choice(value, enum.values)
    assert result is None or result in enum.values
    if not isinstance(value, str):
        assert result is None
    elif result is not None:
        assert value.strip().lstrip(":").lower() == result.lower()


# --- id lists (batch endpoints): array, comma-separated string, repeated form fields --------

LIMIT = 50


@pytest.fixture(autouse=True)
def _batch_limit(settings):
    settings.MAX_BATCH_IDS = LIMIT


def _field() -> PublicIdListField:
    field = PublicIdListField(prefix="out")
    field.bind("outreach_ids", serializers.Serializer())
    return field


def _distinct(values: list[int]) -> list[int]:
    return list(dict.fromkeys(values))


@given(ids=st.lists(pks, min_size=1, max_size=LIMIT), data=st.data())
def test_the_three_spellings_of_an_id_list_agree(ids, data):
    field = _field()
    tokens = [format_public_id("out", pk) for pk in ids]
    separator = data.draw(st.sampled_from([",", ", ", " ,", ",,"]))
    form = QueryDict(mutable=True)
    form.setlist("outreach_ids", tokens)
    as_array = field.run_validation(field.get_value({"outreach_ids": tokens}))
    as_string = field.run_validation(field.get_value({"outreach_ids": separator.join(tokens)}))
    as_form = field.run_validation(field.get_value(form))
    assert as_array == as_string == as_form == _distinct(ids)


@given(value=json_values | id_like_text | st.lists(id_like_text, max_size=5))
@settings(max_examples=300)
@example(value=[])
@example(value="")
@example(value=" , ,")
@example(value=["out_1", 2])
@example(value={"outreach_ids": ["out_1"]})
@example(value=",".join(f"out_{n}" for n in range(1, LIMIT + 2)))
def test_any_id_list_input_is_a_list_of_keys_or_a_named_error(value):
    field = _field()
    try:
        result = field.run_validation(value)
    except serializers.ValidationError as exc:
        (message,) = exc.detail
        assert message.startswith(
            (
                "This field may not be null.",
                "Give at least one id.",
                f"At most {LIMIT} ids per request;",
                "Expected a list of ids or a comma-separated string.",
                "Not valid out_<number> ids:",
            )
        ), message
        return
    assert 1 <= len(result) <= LIMIT
    assert len(set(result)) == len(result)
    assert all(isinstance(pk, int) and 1 <= pk <= MAX_PK for pk in result)


def test_too_many_ids_are_refused_with_the_count():
    field = _field()
    with pytest.raises(serializers.ValidationError) as exc:
        field.run_validation([f"out_{n}" for n in range(1, LIMIT + 2)])
    assert exc.value.detail == [f"At most {LIMIT} ids per request; {LIMIT + 1} given."]


# --- the heat formula ------------------------------------------------------------------------

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
touches = st.builds(
    LatestTouch,
    outcome=st.sampled_from([*OUTCOME_POINTS, "something_else"]),
    strength=st.sampled_from([*STRENGTH_POINTS, None]),
    channel=st.sampled_from([*CHANNEL_POINTS, "other", "facebook"]),
    personalization_score=st.integers(min_value=0, max_value=100),
    # From a year ahead (clock skew) to ten years back.
    touched_at=st.floats(min_value=-365, max_value=3650).map(lambda d: NOW - timedelta(days=d)),
)


@given(
    stage=st.sampled_from(list(STAGE_BASE)),
    archived=st.booleans(),
    latest=st.none() | touches,
)
@settings(max_examples=500)
def test_heat_stays_in_bounds_and_caps_hold(stage, archived, latest):
    result = explain_heat(stage=stage, archived=archived, latest=latest, now=NOW)
    assert 0 <= result.heat_score <= 100
    assert 0 <= result.heat <= 3
    assert result.heat == heat_bucket(result.heat_score)
    assert DECAY_FLOOR <= result.decay <= 1
    if stage in STAGE_CAP:
        assert result.heat_score <= STAGE_CAP[stage]
    if archived:
        assert (result.heat_score, result.heat) == (0, 0)
    if latest is None and not archived:
        assert result.heat_score == STAGE_BASE[stage]


@given(stage=st.sampled_from(list(STAGE_BASE)), latest=touches, later=st.floats(0, 400))
def test_an_older_touch_never_makes_a_job_hotter_when_it_added_heat(stage, latest, later):
    fresh = explain_heat(stage=stage, archived=False, latest=latest, now=NOW)
    old = explain_heat(stage=stage, archived=False, latest=latest, now=NOW + timedelta(days=later))
    if fresh.added >= 0:
        assert old.heat_score <= fresh.heat_score
    else:
        assert old.heat_score >= fresh.heat_score


@given(score=st.integers(min_value=0, max_value=100))
def test_heat_buckets_are_contiguous(score):
    bucket = heat_bucket(score)
    assert bucket == (0 if score <= 24 else 1 if score <= 49 else 2 if score <= 74 else 3)
