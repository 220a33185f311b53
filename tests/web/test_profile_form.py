"""The profile as the pages carry it: URL parameters and hidden fields."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import QueryParams

from app.web.profile_form import ProfileForm

TRICKY = [
    ("commune", "L'Isle-Jourdain 32"),
    ("effectif", "45"),
    ("naf", "25.62A"),
    ("besoin", "investissement"),
    ("besoins_texte", 'tours & fraiseuses = 50 % "neuves" + <robot> ; été'),
    ("rep.project.hire.degree_level", "bac+3"),
    ("rep.project.start_on", "2027-01-15"),
    ("rep.answers.a b", "~x_y.z-"),
]


def test_the_query_string_is_the_one_urlencode_writes() -> None:
    form = ProfileForm.read(QueryParams(urlencode(TRICKY)))

    assert form.query() == urlencode(form.query_pairs())
    assert parse_qsl(form.query()) == TRICKY


def test_the_hidden_fields_give_back_every_value_as_typed_and_no_markup() -> None:
    form = ProfileForm.read(QueryParams(urlencode(TRICKY)))

    fields = form.hidden_fields()

    read = re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', fields)
    assert [(unescape(name), unescape(value)) for name, value in read] == TRICKY
    assert "<robot>" not in fields
