"""The dashboard's fast select writes what Django's own select writes."""

import pytest
from django import forms
from django.test.html import parse_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from core.widgets import FastSelect

CHOICES = [
    ("", "Any"),
    ("seq_1", "Cold <intro> & co"),
    ("seq_2", 'Warm "follow-up"'),
    (3, "Three"),
    ("lazy", gettext_lazy("Lazy & late")),  # a translated label
    ("safe", mark_safe("<em>Marked</em> safe")),  # already HTML: not escaped twice
]


@pytest.mark.parametrize("value", [None, "", "seq_1", "seq_2", 3, "3", "lazy", "safe", "missing"])
@pytest.mark.parametrize("attrs", [None, {"id": "id_sequence", "required": True}])
def test_fast_select_renders_like_djangos_select(value, attrs):
    ours = FastSelect(choices=CHOICES).render("sequence_id", value, attrs)
    django = forms.Select(choices=CHOICES).render("sequence_id", value, attrs)
    assert parse_html(ours) == parse_html(django)


def test_fast_select_escapes_labels_and_values():
    html = FastSelect(choices=[('"><script>', "<b>x</b>")]).render("q", None)
    assert "<script>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_fast_select_keeps_a_list_of_choices_as_given_and_normalises_the_rest():
    given = [("", "Any"), ("a", "A")]
    assert FastSelect(choices=given).choices is given  # no copy per page of 1,500 options
    assert FastSelect(choices=(("a", "A"), ("b", "B"))).choices == [("a", "A"), ("b", "B")]
    assert FastSelect(choices={"a": "A"}).choices == [("a", "A")]
