"""Indicateurs: the seeded figures on the page and in the CSV (BOM, `;`, French headers), each SVG
chart described for screen readers and shown with its table."""

from __future__ import annotations

import csv
import io
import re

from tests.case_desk import Desk
from tests.services.test_indicators import seed
from tests.web.desk.desk_site import signed_in_as
from tests.web.page_reading import text_of


def test_the_page_shows_the_figures_per_month_and_ti(desk: Desk) -> None:
    signed_in_as(desk, seed(desk))
    page = desk.client.get("/espace/indicateurs")
    assert page.status_code == 200
    words = text_of(page.text)
    assert "novembre 2026 Gers/Tarn-et-Garonne 4 25 % 25 % 25 % 4 120 h 201,6 h 50 % 75 % 1" in words
    assert "décembre 2026 Gers/Tarn-et-Garonne 1 0 % 0 % 0 % 0 — — 0 % 0 % 1" in words
    # Open on 21 December: GEIQ and période de reconversion (Première usine closed on the 15th); 6 to confirm.
    assert "Ouverture à confirmer Gers/Tarn-et-Garonne 2 6" in words
    assert "Haut-Jura" not in words.split("Dispositifs ouverts")[0]
    assert "Par statut Demandes par statut actuel" in words
    assert "novembre 2026 Gers/Tarn-et-Garonne Clôturée 1" in words
    assert (
        "décembre 2026 Gers/Tarn-et-Garonne Volontariat Territorial en Entreprise (VTE) – Territoires d'industrie 1"
        in words
    )
    assert page.text.count("<h1") == 1


def test_each_chart_is_an_svg_image_described_with_its_table_beside_it(desk: Desk) -> None:
    signed_in_as(desk, seed(desk))
    page = desk.client.get("/espace/indicateurs").text
    svgs = re.findall(r'<svg role="img" aria-label="([^"]+)"', page)
    assert svgs == [
        "Demandes reçues par mois : novembre 2026 : 4, décembre 2026 : 1.",
        "Part des demandes prises en compte en 5 jours ouvrés, par mois : "
        "novembre 2026 : 75\u00a0%, décembre 2026 : 0\u00a0%.",
    ]
    assert page.count("<rect") == 4
    assert "<caption>Demandes reçues par mois (données du graphique)</caption>" in page
    assert "style=" not in page
    assert "<script>" not in page


def test_the_csv_is_for_french_spreadsheets(desk: Desk) -> None:
    signed_in_as(desk, seed(desk))
    answer = desk.client.get("/espace/indicateurs.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Mois", "Territoire d'industrie", "Demandes reçues"]
    assert "Délai de prise en compte, 90e centile (heures)" in rows[0]
    november = dict(zip(rows[0], rows[2], strict=True))
    assert november["Mois"] == "2026-11"
    assert november["Part acceptée (%)"] == "25,0"
    assert november["Délai médian de prise en compte (heures)"] == "120,0"
    assert november["Délai de prise en compte, 90e centile (heures)"] == "201,6"
    assert november["Part prise en compte en 3 jours ouvrés (%)"] == "50,0"
    assert november["Dispositifs ouverts aux entreprises du TI aujourd'hui"] == "2"
    assert answer.content.decode("utf-8-sig").endswith("\r\n")


def test_a_ti_outside_the_scope_is_not_shown(desk: Desk) -> None:
    signed_in_as(desk, seed(desk))
    page = desk.client.get("/espace/indicateurs?ti=haut-jura")
    assert "Haut-Jura" not in text_of(page.text).split("Dispositifs ouverts")[1]
