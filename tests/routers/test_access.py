"""The access matrix: every case route x own territory / other territory / admin / applicant /
no token / revoked / expired, on SQLite and PostgreSQL; and where personal data may appear."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, get_args

import pytest
from pydantic import BaseModel

from app.schemas.match import MatchRequest
from app.services.cases.views import APPLICANT_TEXT
from tests.case_desk import LYON, Desk, bearer, case_body

APPLICANT_NAME = "Camille Exemple"
APPLICANT_EMAIL = "camille.exemple@entreprise-test.fr"
APPLICANT_PHONE = "05 62 00 00 00"


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # {case} is the case id
    body: dict[str, Any] | None
    ok: int
    applicant_ok: bool = False  # the applicant's tracking token may call it


ROUTES = [
    Route("GET", "/v1/cases", None, 200),
    Route("GET", "/v1/cases/{case}", None, 200, applicant_ok=True),
    Route("POST", "/v1/cases/{case}/transitions", {"to": "acknowledged", "version": 1}, 200),
    Route("POST", "/v1/cases/{case}/assign", {"assignee_id": None, "version": 1}, 200),
    Route("POST", "/v1/cases/{case}/notes", {"body": "Note interne"}, 201),
    Route("POST", "/v1/cases/{case}/reroute", {"queue_id": "region:27", "reason": "Essai", "version": 1}, 200),
    Route("GET", "/v1/stats", None, 200),
]
WITHDRAW = Route("POST", "/v1/cases/{case}/withdraw", {}, 200, applicant_ok=True)


@dataclass
class World:
    desk: Desk
    case_id: str
    tracking: str
    other_case_tracking: str
    tokens: dict[str, str]

    def call(self, route: Route, who: str) -> Any:
        headers = {} if who == "none" else bearer(self.tokens[who])
        return self.desk.client.request(
            route.method, route.path.format(case=self.case_id), json=route.body, headers=headers
        )


@pytest.fixture
def world(desk: Desk) -> World:
    filed = desk.filed()  # L'Isle-Jourdain: the Gers/Tarn-et-Garonne queue
    other = desk.filed(LYON)
    _, revoked_id = revoked = desk.token(ti=("gers-tarn-et-garonne",))
    desk.revoke(revoked_id)
    expired = desk.token(ti=("gers-tarn-et-garonne",), days=1)
    tokens = {
        "own": desk.token(ti=("gers-tarn-et-garonne",))[0],
        "region_of_own": desk.token(region=("76",))[0],  # the regional queue is another queue
        "other": desk.token(ti=("haut-jura",))[0],
        "admin": desk.token("admin", holder="Administration du guichet")[0],
        "applicant": filed["tracking_token"],
        "other_applicant": other["tracking_token"],
        "revoked": revoked[0],
        "expired": expired[0],
        "forged": "gti_" + "A" * 43,
    }
    desk.clock.advance(days=2)  # the one-day token has expired
    return World(desk, filed["case_id"], filed["tracking_token"], other["tracking_token"], tokens)


@pytest.mark.parametrize("route", [*ROUTES, WITHDRAW], ids=lambda r: f"{r.method} {r.path}")
@pytest.mark.parametrize("who", ["none", "revoked", "expired", "forged"])
def test_no_valid_token_is_a_401_with_a_bearer_challenge(world: World, route: Route, who: str) -> None:
    response = world.call(route, who)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"].startswith("application/problem+json")
    expected = {"none": "absent", "revoked": "révoqué", "expired": "expiré", "forged": "inconnu"}[who]
    assert expected in response.json()["detail"]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_the_case_s_own_queue_reads_and_changes_it(world: World, route: Route) -> None:
    response = world.call(route, "own")
    assert response.status_code == route.ok, response.text
    if "{case}" in route.path:
        assert response.json()["id"] == world.case_id


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
@pytest.mark.parametrize("who", ["other", "region_of_own"])
def test_another_territory_s_case_is_a_404_exactly_like_a_case_that_does_not_exist(
    world: World, route: Route, who: str
) -> None:
    response = world.call(route, who)
    if "{case}" not in route.path:
        assert response.status_code == 200  # its own list and stats, without this case
        assert world.case_id not in response.text
        assert (response.json().get("total") or 0) == 0
        return
    assert response.status_code == 404
    missing = world.desk.client.request(
        route.method,
        route.path.format(case="00000000-0000-4000-8000-000000000000"),
        json=route.body,
        headers=bearer(world.tokens[who]),
    )
    assert missing.status_code == 404
    for key in ("type", "title", "status"):
        assert response.json()[key] == missing.json()[key]
    # Nothing was changed by the refused call.
    assert world.call(ROUTES[1], "own").json()["version"] == 1


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_an_admin_sees_and_changes_every_queue_but_never_the_applicant_s_personal_data(
    world: World, route: Route
) -> None:
    response = world.call(route, "admin")
    assert response.status_code == route.ok, response.text
    for value in (APPLICANT_NAME, APPLICANT_EMAIL, APPLICANT_PHONE):
        assert value not in response.text


@pytest.mark.parametrize("route", [*ROUTES, WITHDRAW], ids=lambda r: f"{r.method} {r.path}")
def test_the_tracking_token_opens_its_own_case_only(world: World, route: Route) -> None:
    own = world.call(route, "applicant")
    assert own.status_code == (route.ok if route.applicant_ok else 403), own.text
    if "{case}" in route.path:
        other = world.call(route, "other_applicant")
        assert other.status_code == (404 if route.applicant_ok else 403)


def test_staff_cannot_withdraw_in_the_applicant_s_place(world: World) -> None:
    assert world.call(WITHDRAW, "own").status_code == 403


def test_the_applicant_s_personal_data_reaches_its_queue_and_itself_only(world: World) -> None:
    own = world.call(ROUTES[1], "own").json()
    assert own["contact"] == {"name": APPLICANT_NAME, "email": APPLICANT_EMAIL, "phone": APPLICANT_PHONE}
    assert world.call(ROUTES[0], "own").json()["items"][0]["contact"]["email"] == APPLICANT_EMAIL
    assert world.call(ROUTES[1], "applicant").json()["contact"]["email"] == APPLICANT_EMAIL
    admin = world.call(ROUTES[1], "admin").json()
    assert admin["contact"] is None
    assert admin["message"] is None


def test_personal_data_never_reaches_the_logs_nor_the_statistics(desk: Desk, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    filed = desk.filed()
    own = bearer(desk.token(ti=("gers-tarn-et-garonne",))[0])
    desk.client.get(f"/v1/cases/{filed['case_id']}", headers=own)
    desk.client.post("/v1/cases", json={"contact": {"email": APPLICANT_EMAIL}})  # a refused filing
    stats = desk.client.get("/v1/stats", headers=own)
    csv = desk.client.get("/v1/stats", params={"format": "csv"}, headers=own)
    assert stats.status_code == csv.status_code == 200
    for value in (APPLICANT_NAME, APPLICANT_EMAIL, APPLICANT_PHONE):
        assert value not in caplog.text
        assert value not in stats.text
        assert value not in csv.text


NEEDS_TEXT = "Recruter un soudeur pour remplacer M. Lanvin-Quérard"
PLACE_TEXT = "Lisle-Jourdain (32)"  # the applicant's own spelling, resolved to L'Isle-Jourdain
WITHDRAW_REASON = "Mme Lanvin-Quérard a trouvé une autre solution"


def test_an_admin_never_reads_what_the_applicant_wrote_its_queue_does(desk: Desk) -> None:
    body = case_body()
    body["profile"] = {**body["profile"], "territory": {"query": PLACE_TEXT}, "needs_text": NEEDS_TEXT}
    filed = desk.filed(**body)
    case = f"/v1/cases/{filed['case_id']}"
    withdrawn = desk.client.post(
        f"{case}/withdraw", json={"reason": WITHDRAW_REASON}, headers=bearer(filed["tracking_token"])
    )
    assert withdrawn.status_code == 200, withdrawn.text
    admin = desk.client.get(case, headers=bearer(desk.token("admin")[0]))
    own = desk.client.get(case, headers=bearer(desk.token(ti=("gers-tarn-et-garonne",))[0]))
    assert admin.status_code == own.status_code == 200

    seen_by_admin = admin.json()
    assert seen_by_admin["profile"]["given"]["needs_text"] is None
    assert seen_by_admin["profile"]["given"]["territory"]["query"] is None
    assert [m["text"] for m in seen_by_admin["profile"]["resolved"]["needs"]["from_text"]] == [None]
    assert [e["note"] for e in seen_by_admin["history"] if e["kind"] == "withdrawn"] == [None]
    # the case itself stays readable: what the match made of the text, the commune, the status
    assert seen_by_admin["profile"]["resolved"]["needs"]["from_text"][0]["code"] == "recrutement"
    assert seen_by_admin["profile"]["resolved"]["territory"]["code"] == "32160"
    assert seen_by_admin["status"] == "withdrawn"
    for typed in ("Lanvin", "soudeur", "autre solution", PLACE_TEXT):
        assert typed not in admin.text

    seen_by_queue = own.json()
    assert seen_by_queue["profile"]["given"]["needs_text"] == NEEDS_TEXT
    assert seen_by_queue["profile"]["given"]["territory"]["query"] == PLACE_TEXT
    assert [e["note"] for e in seen_by_queue["history"] if e["kind"] == "withdrawn"] == [WITHDRAW_REASON]


def test_notes_written_by_staff_stay_visible_to_an_admin(desk: Desk) -> None:
    filed = desk.filed()
    case = f"/v1/cases/{filed['case_id']}"
    own = bearer(desk.token(ti=("gers-tarn-et-garonne",))[0])
    moved = desk.client.post(
        f"{case}/transitions", json={"to": "acknowledged", "version": 1, "note": "Reçu"}, headers=own
    )
    assert moved.status_code == 200, moved.text
    admin = desk.client.get(case, headers=bearer(desk.token("admin")[0])).json()
    assert [e["note"] for e in admin["history"] if e["kind"] == "transition"] == ["Reçu"]


def _types_within(annotation: object) -> Iterator[object]:
    """The annotation and every type it is made of (unions, lists, dicts, Annotated), depth first."""
    yield annotation
    for inner in get_args(annotation):
        if not isinstance(inner, str):  # Literal values and Annotated metadata are not types
            yield from _types_within(inner)


def _text_fields(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The paths of the fields of a request model whose values are, or hold, strings."""
    found: list[tuple[str, ...]] = []
    for name, info in model.model_fields.items():
        for kind in _types_within(info.annotation):
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                found.extend(_text_fields(kind, (*prefix, name)))
            elif kind is str and not any(getattr(m, "pattern", None) for m in info.metadata):
                found.append((*prefix, name))
    return sorted(set(found))


def test_every_text_field_of_the_profile_is_either_a_code_or_hidden_from_an_admin() -> None:
    """A new free-text field of the profile must be added to APPLICANT_TEXT (or declared a code here)."""
    codes = {
        ("siret",),
        ("needs",),  # codes of the taxonomy
        ("answers",),  # question ids, and answers that are yes/no, numbers, dates, choices or codes
        ("territory", "commune"),
        ("territory", "postal_code"),
        ("company", "tranche_effectif"),
        ("company", "naf"),
        ("company", "legal_form"),
    }
    hidden = {path[1:] for path in APPLICANT_TEXT}
    assert set(_text_fields(MatchRequest)) == codes | hidden
