"""No input, however malformed, gives a 500 or an English error; what is accepted can be worked on.

The fields are read from the OpenAPI document: a text field added to a request model or a route
is covered without touching this file.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select

from app.db import session_factory, transaction
from app.models import Base
from app.rules import facts as F  # noqa: N812 - the short name of the fact ids
from tests.case_desk import GERS_QUEUE, Desk, bearer, case_body

MATCH = {"territory": {"commune": "32160"}, "company": {"headcount": 45, "naf": "25.62A"}, "needs": ["recrutement"]}
SOME_CASE = "3f2b8c1e-9d4a-4b7e-8f21-0c6d5e4a3b2f"
#: a valid request of every route that takes a body or parameters: one field at a time is spoiled
BODIES: dict[tuple[str, str], Any] = {
    ("post", "/v1/match"): MATCH,
    ("post", "/v1/cases"): case_body(),
    ("post", "/v1/cases/{case_id}/transitions"): {"to": "acknowledged", "version": 1},
    ("post", "/v1/cases/{case_id}/assign"): {"assignee_id": None, "version": 1},
    ("post", "/v1/cases/{case_id}/notes"): {"body": "Rappeler lundi"},
    ("post", "/v1/cases/{case_id}/reroute"): {"queue_id": "region:76", "reason": "Projet régional", "version": 1},
    ("post", "/v1/cases/{case_id}/withdraw"): {"reason": "Projet abandonné"},
    ("post", "/v1/partner/cases/{case_id}/withdraw"): {"reason": "Projet abandonné"},
    ("post", "/v1/personal-data/export"): {"email": "personne@exemple.fr"},
    ("post", "/v1/personal-data/erase"): {"email": "personne@exemple.fr"},
    ("put", "/v1/partner/webhooks"): {"endpoints": [{"url": "https://partenaire.example/guichet", "events": []}]},
}
VALID_PARAMETERS = {"case_id": SOME_CASE, "q": "32160", "siret": "73282932000074", "scheme_id": "vte"}
VALID_PARAMETERS |= {"territory_id": "haut-jura", "delivery_id": SOME_CASE}
ENGLISH = re.compile(r"\b(Input|should|valid|value|field|error|parsing)\b")


@dataclass(frozen=True)
class TextField:
    method: str
    path: str
    where: str  # body, query, path, or key (a key of a mapping in the body)
    name: str  # as the API names it in errors[].field

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path} {self.where} {self.name}"


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _body_texts(schema: dict[str, Any], document: dict[str, Any], path: str) -> Iterator[tuple[str, str]]:
    """(where, path) of every string in a body schema: properties, items, keys of mappings."""
    schema = _resolve(schema, document)
    for option in schema.get("anyOf", []) + schema.get("allOf", []):
        yield from _body_texts(option, document, path)
    if schema.get("type") == "string":
        yield "body", path
    for name, child in schema.get("properties", {}).items():
        yield from _body_texts(child, document, f"{path}.{name}" if path else name)
    if "items" in schema:
        yield from _body_texts(schema["items"], document, f"{path}[0]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield "key", path


def text_fields(document: dict[str, Any]) -> list[TextField]:
    fields = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                texts = list(_body_texts(parameter["schema"], document, ""))
                if parameter["in"] in ("query", "path") and texts:
                    fields.add(TextField(method, path, parameter["in"], parameter["name"]))
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body:
                fields |= {TextField(method, path, where, name) for where, name in _body_texts(body, document, "")}
    return sorted(fields, key=str)


def _spoiled(body: Any, name: str, value: str, *, key: bool) -> Any:
    """`body` with `value` at `name` (`profile.needs[0]`), or as a key of the mapping at `name`."""
    body = copy.deepcopy(body)
    parts = [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", name)]
    node = body
    for part, following in zip(parts, [*parts[1:], None], strict=True):
        if following is None:
            if key:
                node[part] = {value: True}
            elif isinstance(part, int):
                node[:] = [value]
            else:
                node[part] = value
            return body
        if isinstance(part, int):  # an item of a list (endpoints[0].url): the item itself
            if node[part] is None:
                node[part] = [] if isinstance(following, int) else {}
            node = node[part]
        elif isinstance(following, int):
            node = node.setdefault(part, [])
            if not node:
                node.append(None)
        else:
            node = node.setdefault(part, {})
    return body


def send(
    client: TestClient, field: TextField, value: str, headers: dict[str, str], case_id: str = SOME_CASE
) -> Response:
    valid = {**VALID_PARAMETERS, "case_id": case_id}
    parameters = {k: v for k, v in valid.items() if "{" + k + "}" in field.path or k == "q"}
    if field.where in ("query", "path"):
        parameters[field.name] = value
    url = field.path
    for name in re.findall(r"{(\w+)}", field.path):
        url = url.replace("{" + name + "}", quote(parameters.pop(name), safe=""))
    if not field.path.endswith("/resolve"):
        parameters.pop("q", None)
    body = BODIES.get((field.method, field.path))
    if field.where in ("body", "key"):
        body = _spoiled(body, field.name, value, key=field.where == "key")
    # ensure_ascii: a lone surrogate travels as the JSON escape \ud800, as an attacker writes it
    content = None if body is None else json.dumps(body)
    return client.request(
        field.method,
        url,
        params=parameters,
        content=content,
        headers={**headers, "Content-Type": "application/json"},
    )


def rows(desk: Desk) -> dict[str, int]:
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


# ---------------------------------------------------------------------------------------------
# Refused: a French 422 naming the field, nothing written


REFUSED = {
    "nul": "avant\x00après",
    "c0-control": "cloche\x07",
    "escape-sequence": "\x1b[31mrouge",
    "del": "suppr\x7f",
    "c1-control": "c1\x85",
    "lone-surrogate": "demi\ud800",
    "whitespace-only": " \t\u00a0 ",
}
#: what a URL cannot carry: an unpaired surrogate is not a character, it has no UTF-8 to escape
NOT_IN_URLS = {"lone-surrogate"}


def test_the_fields_are_read_from_the_openapi_document(desk: Desk) -> None:
    names = {(f.path, f.where, f.name) for f in text_fields(desk.client.get("/openapi.json").json())}
    assert {
        ("/v1/cases", "body", "message"),
        ("/v1/cases", "body", "contact.name"),
        ("/v1/cases", "body", "profile.company.tranche_effectif"),
        ("/v1/cases", "body", "profile.needs[0]"),
        ("/v1/cases", "key", "profile.answers"),
        ("/v1/cases", "query", "scheme"),
        ("/v1/cases/{case_id}/notes", "path", "case_id"),
        ("/v1/territories/resolve", "query", "q"),
    } <= names


@pytest.mark.parametrize("kind", REFUSED)
def test_every_text_field_of_every_route_refuses_hostile_text_with_a_french_422_naming_it(
    desk: Desk, kind: str
) -> None:
    admin, _ = desk.token("admin", holder="Administration")
    partner, _ = desk.partner()
    # A real case: a change that slipped through would be written, and seen.
    case_id = desk.filed()["case_id"]
    before = rows(desk)
    fields = text_fields(desk.client.get("/openapi.json").json())
    failures = []
    for field in fields:
        if field.where in ("query", "path") and kind in NOT_IN_URLS:
            continue
        caller = partner if field.path.startswith("/v1/partner/") else admin
        response = send(desk.client, field, REFUSED[kind], bearer(caller), case_id)
        body = response.json()
        errors = body.get("errors") or [{}]
        named = {e.get("field", "") for e in errors}
        expected = field.name if field.where != "key" else field.name + "."
        if (
            response.status_code != 422
            or body.get("title") != "Données invalides"
            or not all(n == expected or n.startswith(expected) for n in named)
            or any(ENGLISH.search(e.get("message", "")) for e in errors)
        ):
            failures.append(f"{field}: {response.status_code} {response.text[:300]}")
    assert failures == []
    assert rows(desk) == before
    assert len(fields) > 40


@pytest.mark.parametrize("fact", [f.id for f in F.ASKED.values() if f.in_request and f.answer_type != "boolean"])
def test_an_answer_is_refused_like_its_profile_field(client: TestClient, fact: str) -> None:
    response = client.post(
        "/v1/match",
        content=json.dumps({**MATCH, "answers": {fact: "avant\x00après"}}),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [f"answers.{fact}"]


# ---------------------------------------------------------------------------------------------
# Accepted: stored, shown and worked on like any other text


ACCEPTED = {
    "accents": "Société d'Électricité à Saint-Étienne-du-Rouvray, œuvre çà et là",
    "emoji": "Usine 🏭 à Morez 👩‍🔧 ✅",
    "newlines-and-tabs": "Première ligne\nDeuxième\tavec tabulation\r\nTroisième",
    "right-to-left-marks": "\u202bمصنع التعدين\u202c et \u200fرسالة\u200e fin",
    "very-long": "Nous voulons recruter. " * 217,
    "quotes-html-sql": "<script>alert('x')</script> \"; DROP TABLE case_files; -- ' OR 1=1 --",
    "combining-characters": "e\u0301te\u0301 cafe\u0301 Z\u0335\u0321a\u0337\u0322l\u0336g\u0334o",
}


def _fitted(text: str, limit: int, *, one_line: bool = False) -> str:
    if one_line:
        text = re.sub(r"\s*[\r\n]+\s*", " ", text)
    return text[:limit].strip() or text[:limit]


@pytest.mark.parametrize("kind", ACCEPTED)
def test_a_case_filed_with_any_accepted_text_can_be_opened_transitioned_noted_and_rerouted(
    desk: Desk, kind: str
) -> None:
    text = ACCEPTED[kind]
    stored = text.replace("\r\n", "\n")
    name = _fitted(text, 120, one_line=True)
    body = case_body(message=_fitted(text, 5000))
    body["contact"]["name"] = name
    body["profile"]["needs_text"] = _fitted(text, 1000)
    filed = desk.client.post("/v1/cases", json=body)
    assert filed.status_code == 201, filed.text
    case_id = filed.json()["case_id"]
    lead_token, _ = desk.token(ti=("gers-tarn-et-garonne",))
    admin_token, _ = desk.token("admin", holder="Administration")
    lead, admin = bearer(lead_token), bearer(admin_token)

    opened = desk.client.get(f"/v1/cases/{case_id}", headers=lead)
    assert opened.status_code == 200, opened.text
    assert opened.json()["message"] == _fitted(stored, 5000)
    assert opened.json()["contact"]["name"] == name.strip()
    assert desk.client.get(f"/v1/cases/{case_id}", headers=admin).status_code == 200

    moved = desk.client.post(
        f"/v1/cases/{case_id}/transitions", json={"to": "acknowledged", "version": 1, "note": text}, headers=lead
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["history"][-1]["note"] == stored
    noted = desk.client.post(f"/v1/cases/{case_id}/notes", json={"body": text}, headers=lead)
    assert noted.status_code == 201, noted.text
    assert noted.json()["notes"][-1]["body"] == stored
    rerouted = desk.client.post(
        f"/v1/cases/{case_id}/reroute",
        json={"queue_id": "region:76", "reason": _fitted(text, 2000), "version": 2},
        headers=admin,
    )
    assert rerouted.status_code == 200, rerouted.text
    assert rerouted.json()["queue"]["id"] != GERS_QUEUE
    listed = desk.client.get("/v1/cases", headers=admin)
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()["items"]] == [case_id]


# ---------------------------------------------------------------------------------------------
# Edges: unreadable bodies, sizes, numbers, dates, identifiers


@pytest.mark.parametrize(
    "content",
    [
        b'{"territory": {"commune": "\xff\xfe"}}',
        b"[" * 1000 + b"]" * 1000,
        b'{"answers": {"x": 1' + b"0" * 5000 + b"}}",
    ],
    ids=["invalid-utf-8", "nested-1000-deep", "integer-of-5000-digits"],
)
def test_a_body_that_cannot_be_read_is_a_french_400(client: TestClient, content: bytes) -> None:
    response = client.post("/v1/match", content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Corps de la requête illisible"


def test_a_chunked_body_over_the_limit_is_a_413_not_a_400(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"needs_text": "'
        for _ in range(70):
            yield b"x" * 1024
        yield b'"}'

    response = client.post("/v1/match", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["title"] == "Requête trop volumineuse"
    assert client.post("/v1/match", json=MATCH).status_code == 200


def test_a_content_length_of_thousands_of_digits_is_a_413(client: TestClient) -> None:
    response = client.post(
        "/v1/match", content=b"{}", headers={"Content-Type": "application/json", "Content-Length": "9" * 5000}
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"company.headcount": 10**100}, "answers.company.headcount"),
        ({"company.headcount": int("7" * 400)}, "answers.company.headcount"),
        ({"project.hire.duration_months": 1e300}, "answers.project.hire.duration_months"),
        ({"company.turnover_eur": int("7" * 400)}, "answers.company.turnover_eur"),
        # pydantic names the key with U+FFFD in place of the surrogate: shown, never echoed raw
        ({"\ud800": 1}, "answers.\ufffd"),
    ],
    ids=["10^100", "400-digits", "1e300-months", "400-digit-euros", "surrogate-key"],
)
def test_answers_have_the_ranges_of_the_profile_on_match_and_on_filing(
    desk: Desk, answers: dict[str, Any], field: str
) -> None:
    for path, body, prefix in (
        ("/v1/match", {**MATCH, "answers": answers}, ""),
        ("/v1/cases", case_body(profile={**MATCH, "answers": answers}), "profile."),
    ):
        response = desk.client.post(path, content=json.dumps(body), headers={"Content-Type": "application/json"})
        assert response.status_code == 422, response.text
        [error] = response.json()["errors"]
        assert error["field"].startswith(prefix + field)
    assert rows(desk)["case_file"] == 0


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused_in_french(client: TestClient, number: str) -> None:
    content = '{"territory": {"commune": "32160"}, "company": {"turnover_eur": %s}}' % number  # noqa: UP031
    response = client.post("/v1/match", content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "company.turnover_eur"
    assert error["message"].startswith("un nombre fini est attendu")


@pytest.mark.parametrize("field", ["naf", "tranche_effectif", "legal_form"])
def test_a_lone_surrogate_in_a_code_is_refused_before_anything_echoes_it(client: TestClient, field: str) -> None:
    content = json.dumps({"territory": {"commune": "32160"}, "company": {field: "\ud800"}})
    response = client.post("/v1/match", content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == f"company.{field}"


@pytest.mark.parametrize(("path", "name"), [("/v1/match?as_of=0", "as_of"), ("/v1/schemes?open_on=86400", "open_on")])
def test_a_date_parameter_is_an_iso_date_not_a_timestamp(client: TestClient, path: str, name: str) -> None:
    response = client.request("POST" if "match" in path else "GET", path, json=MATCH if "match" in path else None)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": name, "message": "une date au format AAAA-MM-JJ est attendue"}]


@pytest.mark.parametrize("consent", ["yes", "on", "1", 1, "true"])
def test_consent_is_an_explicit_json_true(desk: Desk, consent: object) -> None:
    body = case_body()
    body["contact"]["consent"] = consent
    response = desk.client.post("/v1/cases", json=body)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["contact.consent"]
    assert rows(desk)["case_file"] == 0


def test_a_malformed_case_id_is_a_french_422_naming_it(desk: Desk) -> None:
    token, _ = desk.token("admin", holder="Administration")
    response = desk.client.get("/v1/cases/pas-un-uuid", headers=bearer(token))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "case_id"
    assert error["message"].startswith("identifiant invalide : un UUID est attendu")


@pytest.mark.parametrize("value", [b"9" * 5000, '"²"'.encode("latin-1"), b'"99999999999"', b"0"])
def test_an_if_match_that_is_no_version_is_a_422(desk: Desk, value: bytes) -> None:
    token, _ = desk.token("admin", holder="Administration")
    response = desk.client.post(
        f"/v1/cases/{uuid.uuid4()}/transitions",
        json={"to": "acknowledged"},
        headers=[(k.encode(), v.encode()) for k, v in bearer(token).items()] + [(b"If-Match", value)],
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "If-Match"
