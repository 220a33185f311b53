from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from tests.fake_directory import SIRET_SAVE_JURA, SIRET_UNKNOWN
from tests.web.page_reading import csrf_of, field_errors, text_of


def _post(client: TestClient, data: dict[str, str | list[str]]):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/").text)
    return client.post("/", data={"csrf_token": token, **data}, follow_redirects=False)


def test_the_home_page_explains_the_guichet_in_french_with_its_one_form(client: TestClient) -> None:
    page = client.get("/")

    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert page.text.count("<h1") == 1
    text = text_of(page.text)
    assert "Territoire d'industrie" in text
    for label in ("SIRET (facultatif)", "Commune de l'établissement", "Effectif", "Activité", "Recruter"):
        assert label in text


def test_a_profile_without_siret_goes_to_its_results_page_with_the_commune_and_activity_settled(
    client: TestClient,
) -> None:
    answer = _post(client, {"commune": "Morez", "effectif": "30", "activite": "décolletage", "besoin": "recrutement"})

    assert answer.status_code == 303
    location = answer.headers["location"]
    params = parse_qs(urlsplit(location).query)
    assert params["code_commune"] == ["39368"]  # Morez is now part of Hauts de Bienne
    assert params["naf"] == ["25.62A"]
    assert params["commune"] == ["Morez"]  # what the SME typed stays what it reads
    assert "siret" not in params


def test_an_ambiguous_commune_offers_its_homonyms_with_the_other_errors_and_keeps_what_was_typed(
    client: TestClient,
) -> None:
    page = _post(client, {"commune": "Saint-Claude", "effectif": "-3", "ca": "4 500 000"})

    assert page.status_code == 422
    errors = field_errors(page.text)
    assert "Saint-Claude" in errors["commune"]
    assert "supérieur ou égal à 0" in errors["effectif"]
    assert 'name="code_commune" value="39478"' in page.text
    assert 'name="code_commune" value="97124"' in page.text
    assert 'value="4 500 000"' in page.text
    assert 'id="resume-erreurs"' in page.text
    assert 'aria-describedby="effectif-erreur"' in page.text


def test_choosing_a_homonym_settles_the_commune(client: TestClient) -> None:
    answer = _post(client, {"commune": "Saint-Claude", "code_commune": "39478", "effectif": "30"})

    assert answer.status_code == 303
    assert "code_commune=39478" in answer.headers["location"]


def test_words_that_name_several_activities_ask_which_one(client: TestClient) -> None:
    page = _post(client, {"commune": "Morez", "activite": "fonderie"})

    assert page.status_code == 422
    assert "plusieurs activités" in field_errors(page.text)["activite"]
    assert 'name="naf" value="24.51Z"' in page.text


def test_a_siret_with_a_bad_key_is_said_next_to_its_field(client: TestClient) -> None:
    page = _post(client, {"siret": "51234567900026", "commune": "Morez"})

    assert page.status_code == 422
    assert "siret" in field_errors(page.text)


def test_a_siret_read_from_the_directory_fills_the_form_with_its_date_and_each_value_stays_editable(
    api: TestClient,
) -> None:
    page = _post(api, {"siret": SIRET_SAVE_JURA})

    assert page.status_code == 200
    text = text_of(page.text)
    assert "Ce que dit l'annuaire des entreprises" in text
    assert "ATELIERS MECANIQUES DE LA SAVE" in text
    assert "mise à jour par l'INSEE le" in text
    assert 'name="commune" type="text" value="Saint-Claude 39"' in page.text
    assert 'name="siret_lu" value="1"' in page.text


def test_a_siret_the_directory_does_not_know_never_blocks_the_sme(api: TestClient) -> None:
    page = _post(api, {"siret": SIRET_UNKNOWN, "commune": "Morez", "effectif": "30"})

    assert page.status_code == 200
    assert "Le SIRET n'a pas pu être lu" in text_of(page.text)
    token = csrf_of(page.text)
    answer = api.post(
        "/",
        data={"csrf_token": token, "siret": SIRET_UNKNOWN, "siret_lu": "1", "commune": "Morez", "effectif": "30"},
        follow_redirects=False,
    )
    assert answer.status_code == 303


def test_a_form_without_its_csrf_token_is_refused_with_a_french_page(client: TestClient) -> None:
    page = client.post("/", data={"commune": "Morez"})

    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")
    assert "Formulaire expiré" in page.text


def test_pages_carry_the_security_headers(client: TestClient) -> None:
    headers = client.get("/").headers

    assert "default-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


def test_an_unknown_page_is_a_french_404_page_while_the_api_keeps_problem_json(client: TestClient) -> None:
    page = client.get("/cette-page-n-existe-pas")
    api = client.get("/v1/cette-route-n-existe-pas")

    assert page.status_code == 404
    assert "Page non trouvée" in page.text
    assert api.headers["content-type"] == "application/problem+json"
