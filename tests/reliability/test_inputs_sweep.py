"""Every input of its kind, at its edges: each is a 4xx naming the field, never a 500, through
the API (every request body the schema documents), the compatibility endpoints, the dashboard
forms and CSV import. Cases are listed from the schema where they can be, so a new field is
swept without being added here."""

import io
import json

import pytest
from django.contrib import admin
from django.forms import modelform_factory
from drf_spectacular.generators import SchemaGenerator

from contacts.csv_import import people_import_csv
from contacts.forms import CompanyForm, PersonForm
from jobs.forms import JobForm
from jobs.models import Job
from outreach.forms import OutreachForm, SequenceStepForm
from outreach.models import (
    MAX_SEQUENCE_DESCRIPTION,
    MAX_SEQUENCE_STEPS,
    MAX_TEMPLATE,
    Outreach,
    Sequence,
    SequenceStep,
)
from tests.factories import (
    FollowUpFactory,
    JobFactory,
    OutreachFactory,
    PersonFactory,
    SequenceFactory,
)

pytestmark = pytest.mark.django_db

SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
COMPONENTS = SCHEMA["components"]["schemas"]

# What a JSON string can carry that no column can hold.
UNSTORABLE = {"nul": "a\x00b", "surrogate": "a\ud800b"}
# Numbers no integer field can take.
ODD_NUMBERS = [1e308, -1e308, "1e308", "NaN", "Infinity", "-Infinity", 2**64, -(2**64)]
# Extreme offsets at both ends of the calendar: the first two leave years 1–9999 in UTC.
OUT_OF_RANGE = ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"]
IN_RANGE = ["9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-12:00"]
SCRIPT_URL = 'https://example.com/"><script>alert(1)</script>'

# A body each create accepts, so that a 400 is the swept field's doing.
VALID_BODIES = {
    "/api/outreaches": {"channel": "email"},
    "/api/companies": {"name": "Acme"},
    "/api/people": {"first_name": "Ada"},
    "/api/jobs": {"title": "Engineer"},
    "/api/followups": {"title": "Call", "due_at": "2026-01-01T00:00:00Z"},
    "/api/sequences": {"name": "Intro"},
    "/api/tags": {"name": "spring"},
}
COMPAT_INSERT = "/ajax/outreach/insert.json"
COMPAT_UPDATE = "/ajax/outreach/update.json"
COMPAT_INSERT_BODY = {"outreach_type": "GMail_DirectMessage", "status": "pending"}


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = COMPONENTS[schema["$ref"].split("/")[-1]]
    return schema


def _create_fields(kinds: tuple[str, ...]):
    """(path, field, property schema) of every writable property of every documented create."""
    for path in VALID_BODIES:
        content = SCHEMA["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        for field, prop in _resolve(content["schema"])["properties"].items():
            prop = _resolve(prop) if "$ref" in prop else prop
            if prop.get("readOnly") or prop.get("type") not in kinds or "enum" in prop:
                continue
            yield pytest.param(path, field, prop, id=f"{path}:{field}")


TEXT_FIELDS = list(_create_fields(("string",)))
INTEGER_FIELDS = list(_create_fields(("integer", "number")))
LIMITED_TEXT = [p for p in TEXT_FIELDS if "maxLength" in p.values[2]]


@pytest.fixture
def valid():
    """`valid(path, field)`: a body the create takes, whatever `field` then holds (a follow-up
    needs something to be about: a person, or a job when the person is the field)."""

    def body(path: str, field: str = "") -> dict:
        if path != "/api/followups":
            return dict(VALID_BODIES.get(path, COMPAT_INSERT_BODY))
        about = (
            {"job_id": JobFactory().public_id}
            if field == "person_id"
            else {"person_id": PersonFactory().public_id}
        )
        return {**VALID_BODIES[path], **about}

    return body


def post(api, path, body):
    return api.post(path, json.dumps(body), content_type="application/json")


def names(response, field: str) -> bool:
    """The 4xx answer names the field (the compatibility endpoints answer one line)."""
    body = response.json()
    return field in body or field in str(body.get("status", "")) or field in str(body)


# --- text -----------------------------------------------------------------------------------


def test_the_sweep_sees_every_kind_of_field():
    assert len(TEXT_FIELDS) > 20 and len(LIMITED_TEXT) > 15 and INTEGER_FIELDS


@pytest.mark.parametrize("kind", UNSTORABLE)
@pytest.mark.parametrize(("path", "field", "prop"), TEXT_FIELDS)
def test_text_no_column_can_hold_is_400_naming_the_field(api, valid, path, field, prop, kind):
    response = post(api, path, {**valid(path, field), field: UNSTORABLE[kind]})
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize(("path", "field", "prop"), LIMITED_TEXT)
def test_text_one_past_its_limit_is_400_naming_the_field(api, valid, path, field, prop):
    too_long = "a" * (prop["maxLength"] + 1)
    response = post(api, path, {**valid(path, field), field: too_long})
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("kind", UNSTORABLE)
@pytest.mark.parametrize("where", ["bare", "desc", "key", "filters"])
def test_compatible_endpoints_refuse_unstorable_text_naming_the_field(api, kind, where):
    bad = UNSTORABLE[kind]
    body, path = {**COMPAT_INSERT_BODY, "subject": bad}, COMPAT_INSERT
    if where == "desc":
        body = {"desc": body}
    elif where == "key":
        body = {**COMPAT_INSERT_BODY, f"sub{bad}ject": "x"}
    elif where == "filters":
        body, path = {"page": 1, "filters": {"subject": bad}}, "/ajax/outreach/page.json"
    response = post(api, path, body)
    assert response.status_code == 400
    assert ("subject" in response.json()["status"]) or ("sub" in response.json()["status"])
    assert not Outreach.objects.exists()


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ODD_NUMBERS, ids=str)
@pytest.mark.parametrize(("path", "field", "prop"), INTEGER_FIELDS)
def test_odd_numbers_are_400_naming_the_field(api, valid, path, field, prop, number):
    response = post(api, path, {**valid(path, field), field: number})
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("number", ODD_NUMBERS, ids=str)
@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/api/outreaches", "page"),
        ("/api/outreaches", "per"),
        ("/api/outreaches/stale", "hours"),
        ("/api/jobs", "heat"),
        ("/ajax/outreach/page.json", "page"),
        ("/ajax/outreach/page.json", "limit"),
    ],
)
def test_odd_numbers_in_parameters_are_never_a_server_error(api, path, parameter, number):
    if path.endswith(".json"):
        response = post(api, path, {"page": 1, parameter: number})
    else:
        response = api.get(path, {parameter: str(number)})
    assert response.status_code < 500


# --- date-times -----------------------------------------------------------------------------


def _date_time_inputs(api):
    """(field, send) for every date-time a client writes or filters by."""
    outreach = OutreachFactory()
    followup = FollowUpFactory(outreach=outreach)
    return {
        "outreach create": lambda v: post(
            api, "/api/outreaches", {"channel": "email", "sent_at": v}
        ),
        "outreach update": lambda v: api.patch(
            f"/api/outreaches/{outreach.public_id}", {"sent_at": v}, format="json"
        ),
        "compatible insert": lambda v: post(
            api, COMPAT_INSERT, {**COMPAT_INSERT_BODY, "sent_at": v}
        ),
        "compatible update": lambda v: post(
            api, COMPAT_UPDATE, {"id": outreach.public_id, "sent_at": v}
        ),
        "follow-up create": lambda v: post(
            api,
            "/api/followups",
            {"title": "x", "person_id": outreach.person.public_id, "due_at": v},
        ),
        "follow-up update": lambda v: api.patch(
            f"/api/followups/{followup.public_id}", {"due_at": v}, format="json"
        ),
        "audit filter": lambda v: api.get("/api/audit", {"since": v}),
    }


DATE_TIME_INPUTS = [
    "outreach create",
    "outreach update",
    "compatible insert",
    "compatible update",
    "follow-up create",
    "follow-up update",
    "audit filter",
]
FIELD_OF = {"follow-up": "due_at", "audit": "since"}


@pytest.mark.parametrize("value", OUT_OF_RANGE)
@pytest.mark.parametrize("where", DATE_TIME_INPUTS)
def test_a_date_time_that_leaves_the_calendar_in_utc_is_400_naming_it(api, where, value):
    response = _date_time_inputs(api)[where](value)
    assert response.status_code == 400
    assert names(response, FIELD_OF.get(where.split()[0], "sent_at"))


@pytest.mark.parametrize("value", IN_RANGE)
@pytest.mark.parametrize("where", DATE_TIME_INPUTS)
def test_a_date_time_at_the_edges_of_the_calendar_is_taken(api, where, value):
    response = _date_time_inputs(api)[where](value)
    assert response.status_code in (200, 201), response.content


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_the_outreach_form_refuses_a_date_time_out_of_the_calendar(value):
    form = OutreachForm(data={"channel": "email", "sent_at": value, **_form_defaults()})
    assert not form.is_valid()
    assert "sent_at" in form.errors


def _form_defaults():
    return {
        "context": "other",
        "direction": "outgoing",
        "personalization_score": "70",
        "skip_repliers": "none",
        "body_type": "plain",
        "outcome": "none",
    }


# --- references -----------------------------------------------------------------------------


REFERENCES = [
    ("/api/outreaches", "person_id"),
    ("/api/outreaches", "company_id"),
    ("/api/outreaches", "job_id"),
    ("/api/outreaches", "sequence_id"),
    ("/api/people", "company_id"),
    ("/api/jobs", "company_id"),
    ("/api/companies", "owner_id"),
    ("/api/followups", "outreach_id"),
    ("/api/followups", "person_id"),
    ("/api/followups", "job_id"),
    (COMPAT_INSERT, "person_id"),
]


@pytest.mark.parametrize(("path", "field"), REFERENCES)
def test_an_empty_string_is_not_an_id(api, valid, path, field):
    response = post(api, path, {**valid(path, field), field: ""})
    assert response.status_code == 400
    assert names(response, field)
    assert "expected the form" in str(response.json())


@pytest.mark.parametrize(("path", "field"), REFERENCES)
def test_null_still_means_no_reference(api, valid, path, field):
    response = post(api, path, {**valid(path, field), field: None})
    assert response.status_code in (200, 201)


def test_the_batch_assign_refuses_an_empty_sequence_id(api):
    outreach = OutreachFactory()
    response = api.patch(
        "/api/outreaches/batch_assign",
        {"outreach_ids": [outreach.public_id], "sequence_id": ""},
        format="json",
    )
    assert response.status_code == 400
    assert "sequence_id" in response.json()


# --- an outreach of nothing -----------------------------------------------------------------


@pytest.mark.parametrize("body", [{}, {"outreach_type": None}, {"subject": "Hi"}])
def test_an_outreach_needs_a_channel_or_a_type(api, body):
    response = post(api, "/api/outreaches", body)
    assert response.status_code == 400
    assert response.json() == {"channel": ["An outreach needs a channel or an outreach_type."]}
    assert not Outreach.objects.exists()


@pytest.mark.parametrize(
    "body", [{"channel": "linkedin"}, {"outreach_type": "LinkedIn_DirectMessage"}]
)
def test_a_channel_or_a_type_is_enough(api, body):
    response = post(api, "/api/outreaches", body)
    assert response.status_code == 201
    assert response.json()["channel"] == "linkedin"


def test_a_partial_update_needs_neither(api):
    outreach = OutreachFactory()
    response = api.patch(f"/api/outreaches/{outreach.public_id}", {"subject": "x"}, format="json")
    assert response.status_code == 200


def test_the_compatible_insert_still_needs_its_type_and_status(api):
    response = post(api, COMPAT_INSERT, {})
    assert response.status_code == 400
    assert "outreach_type" in response.json()["status"]


# --- sequences ------------------------------------------------------------------------------


def _steps(count: int, **step) -> list[dict]:
    return [{"channel": "email", "delay_days": 1, **step} for _ in range(count)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": "d" * (MAX_SEQUENCE_DESCRIPTION + 1)}, "description"),
        ({"steps": _steps(MAX_SEQUENCE_STEPS + 1)}, "steps"),
        ({"steps": _steps(1, body_template="b" * (MAX_TEMPLATE + 1))}, "steps"),
        ({"steps": _steps(1, subject_template="s" * 301)}, "steps"),
    ],
    ids=["description", "steps", "body_template", "subject_template"],
)
def test_a_sequence_past_its_limits_is_400_naming_the_field(api, body, field):
    response = post(api, "/api/sequences", {"name": "Big", **body})
    assert response.status_code == 400
    assert field in response.json()
    assert not Sequence.objects.exists()


def test_a_sequence_at_its_limits_is_taken(api):
    body = {
        "name": "Full",
        "description": "d" * MAX_SEQUENCE_DESCRIPTION,
        "steps": _steps(MAX_SEQUENCE_STEPS, body_template="b" * MAX_TEMPLATE),
    }
    response = post(api, "/api/sequences", body)
    assert response.status_code == 201
    assert SequenceStep.objects.count() == MAX_SEQUENCE_STEPS


def test_updating_a_sequence_past_its_limits_is_400(api):
    sequence = SequenceFactory()
    response = api.patch(
        f"/api/sequences/{sequence.public_id}",
        {"steps": _steps(MAX_SEQUENCE_STEPS + 1)},
        format="json",
    )
    assert response.status_code == 400
    assert "steps" in response.json()


def test_the_dashboard_and_admin_forms_hold_the_same_limits():
    # The admin edits sequences through a ModelForm of the model, as this one.
    sequence_form = modelform_factory(Sequence, fields=["name", "description"])
    form = sequence_form(data={"name": "x", "description": "d" * (MAX_SEQUENCE_DESCRIPTION + 1)})
    assert "description" in form.errors
    step_form = modelform_factory(SequenceStep, fields=["channel", "delay_days", "body_template"])
    step = step_form(data={"channel": "email", "delay_days": 0, "body_template": "b" * 20_001})
    assert "body_template" in step.errors
    dashboard_step = SequenceStepForm(
        data={"channel": "email", "delay_days": 0, "body_template": "b" * 20_001}
    )
    assert "body_template" in dashboard_step.errors


def test_the_sequence_page_refuses_more_steps_than_allowed(dash):
    count = MAX_SEQUENCE_STEPS + 1
    data = {
        "name": "Long",
        "active": "on",
        "steps-TOTAL_FORMS": str(count),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": str(MAX_SEQUENCE_STEPS),
    }
    for i in range(count):
        data |= {f"steps-{i}-channel": "email", f"steps-{i}-delay_days": "1"}
    response = dash.post("/sequences/new/", data)
    assert response.status_code == 200
    assert not Sequence.objects.exists()


def test_the_admin_offers_no_more_steps_than_allowed():
    inline = admin.site._registry[Sequence].inlines[0]
    assert inline.max_num == MAX_SEQUENCE_STEPS


# --- URLs -----------------------------------------------------------------------------------


URL_INPUTS = [
    ("/api/outreaches", "screenshot_url"),
    ("/api/jobs", "url"),
    ("/api/people", "linkedin_url"),
    ("/api/people", "facebook_url"),
]
SCRIPT_URLS = {
    "screenshot_url": SCRIPT_URL,
    "url": SCRIPT_URL,
    "linkedin_url": 'https://www.linkedin.com/in/ada"><script>',
    "facebook_url": 'https://www.facebook.com/ada"><script>',
}


@pytest.mark.parametrize(("path", "field"), URL_INPUTS)
def test_a_url_with_markup_is_400_naming_the_field(api, valid, path, field):
    response = post(api, path, {**valid(path, field), field: SCRIPT_URLS[field]})
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    "url",
    [SCRIPT_URL, "https://example.com/a b", "https://example.com/{x}", "javascript:alert(1)"],
)
def test_the_compatible_insert_refuses_a_url_with_markup(api, url):
    response = post(api, COMPAT_INSERT, {**COMPAT_INSERT_BODY, "screenshot_url": url})
    assert response.status_code == 400
    assert "screenshot_url" in response.json()["status"]


def test_an_ordinary_url_with_a_query_is_still_taken(api):
    url = "https://example.com/shots/a%20b.png?size=2&v=1#top"
    response = post(api, "/api/outreaches", {"channel": "email", "screenshot_url": url})
    assert response.status_code == 201
    assert response.json()["screenshot_url"] == url


@pytest.mark.parametrize(
    ("form_class", "data", "field"),
    [
        (OutreachForm, {"channel": "email", "screenshot_url": SCRIPT_URL}, "screenshot_url"),
        (JobForm, {"title": "x", "stage": "applied", "url": SCRIPT_URL}, "url"),
        (PersonForm, {"first_name": "x", "linkedin_url": SCRIPT_URLS["linkedin_url"]}, None),
    ],
    ids=["outreach", "job", "person"],
)
def test_dashboard_forms_refuse_a_url_with_markup(dash, form_class, data, field):
    if form_class is OutreachForm:
        data = {**_form_defaults(), **data}
    form = form_class(data=data)
    if field is not None:
        assert not form.is_valid()
        assert field in form.errors
    else:  # the person's links are checked by the service the page calls
        response = dash.post("/people/new/", {**data, "status": "new", "strength": "weak"})
        assert response.status_code == 200
        assert "linkedin_url" in response.context["form"].errors


def test_a_model_url_field_refuses_markup_in_the_admin():
    form = modelform_factory(Job, fields=["title", "url", "stage"])(
        data={"title": "x", "url": SCRIPT_URL, "stage": "applied"}
    )
    assert "url" in form.errors


# --- dashboard forms ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form_class", "data", "field"),
    [
        (CompanyForm, {"name": "a\x00b"}, "name"),
        (PersonForm, {"first_name": "a\x00b"}, "first_name"),
        (JobForm, {"title": "a\x00b", "stage": "applied"}, "title"),
        (OutreachForm, {"channel": "email", "subject": "a\x00b"}, "subject"),
        (OutreachForm, {"channel": "email", "body": "b" * 100_001}, "body"),
        (
            OutreachForm,
            {"channel": "email", "error_description": "e" * 10_001},
            "error_description",
        ),
        (
            OutreachForm,
            {"channel": "email", "personalization_score": "1e308"},
            "personalization_score",
        ),
        (
            OutreachForm,
            {"channel": "email", "personalization_score": "NaN"},
            "personalization_score",
        ),
        (
            OutreachForm,
            {"channel": "email", "personalization_score": str(2**64)},
            "personalization_score",
        ),
    ],
)
def test_dashboard_forms_refuse_odd_input_naming_the_field(form_class, data, field):
    if form_class is OutreachForm:
        data = {**_form_defaults(), **data}
    form = form_class(data=data)
    assert not form.is_valid()
    assert field in form.errors


# --- CSV import -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("Ada\x00,Lovelace,ada@example.com", "first_name: Null characters"),
        ('Ada,Lovelace,ada@example.com,https://www.linkedin.com/in/ada""><b>', "linkedin_url"),
        ("Ada,Lovelace," + "a" * 250 + "@example.com", "email"),
        ("A" * 101 + ",Lovelace,ada@example.com", "first_name: longer than 100"),
    ],
    ids=["nul", "markup", "long email", "long name"],
)
def test_csv_rows_with_odd_cells_are_rejected_naming_the_column(user, row, reason):
    text = "first_name,last_name,email,linkedin_url\n" + row + "\n"
    report = people_import_csv(file=io.BytesIO(text.encode()), actor=user)
    assert report.rejected == 1
    assert reason in report.rows[0].reason
    assert not report.committed


def test_a_person_at_every_maximum_is_imported(user):
    row = ",".join(["F" * 100, "L" * 100, "T" * 200, "C" * 200])
    text = "first_name,last_name,title,company\n" + row + "\n"
    report = people_import_csv(file=io.BytesIO(text.encode()), actor=user)
    assert report.created == 1, report.rows[0].reason


# --- derived text ---------------------------------------------------------------------------


def test_an_outreach_from_names_at_their_maximum_is_sent_and_listed(api):
    person = PersonFactory(first_name="F" * 100, last_name="L" * 100, title="T" * 200)
    person.company.name = "C" * 200
    person.company.save()
    sequence = SequenceFactory(name="S" * 200)
    response = post(
        api,
        COMPAT_INSERT,
        {
            "outreach_type": "GMail_DirectMessage",
            "status": "performed",
            "person_id": person.public_id,
            "subject": "s" * 998,
            "message_id": "m" * 998,
            "sent_at": "9999-12-31T00:00:00Z",
        },
    )
    assert response.status_code == 200, response.content
    outreach_id = response.json()["result"]["id"]
    assigned = api.patch(
        "/api/outreaches/batch_assign",
        {"outreach_ids": [outreach_id], "sequence_id": sequence.public_id},
        format="json",
    )
    assert assigned.status_code == 200
    for sort in ("company", "owner", "sequence"):
        assert api.get("/api/outreaches", {"sort": sort}).status_code == 200


# --- nested input ---------------------------------------------------------------------------


@pytest.mark.parametrize("number", ODD_NUMBERS, ids=str)
def test_odd_numbers_in_a_step_are_400_naming_the_steps(api, number):
    response = post(api, "/api/sequences", {"name": "x", "steps": [{"delay_days": number}]})
    assert response.status_code == 400
    assert "delay_days" in str(response.json()["steps"]), response.json()


@pytest.mark.parametrize("kind", UNSTORABLE)
def test_unstorable_text_in_a_step_names_where_it_is(api, kind):
    steps = [{"channel": "email"}, {"channel": "email", "body_template": UNSTORABLE[kind]}]
    response = post(api, "/api/sequences", {"name": "x", "steps": steps})
    assert response.status_code == 400
    assert response.json() == {"steps": {"[1]": {"body_template": [_message(kind)]}}}


def _message(kind: str) -> str:
    return {
        "nul": "Null characters are not allowed.",
        "surrogate": "Unpaired surrogate characters (\\ud800–\\udfff) are not allowed.",
    }[kind]


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_the_audit_page_refuses_a_date_time_out_of_the_calendar(dash, value):
    response = dash.get("/audit/", {"since": value})
    assert response.status_code == 200
    assert "since" in response.context["filter_form"].errors


@pytest.mark.parametrize("depth", [100, 900, 5000])
def test_deeply_nested_bodies_are_refused_or_taken_never_an_error(api, depth):
    body = '{"name": "x", "description": ' + "[" * depth + "]" * depth + "}"
    response = api.post("/api/sequences", body, content_type="application/json")
    assert response.status_code == 400
