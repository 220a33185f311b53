from __future__ import annotations

import pytest

from app.company.identifiers import InvalidIdentifier, luhn_valid, validate_siren, validate_siret


@pytest.mark.parametrize(
    "siret",
    [
        "73282932000074",  # the INSEE example: seventh establishment of SIREN 732 829 320
        "732 829 320 00074",  # as printed on invoices
        "35600000000048",  # La Poste's head office: a Luhn key like any other
        "35600000000010",  # La Poste establishments: digit sum a multiple of 5, no Luhn key
        "35600000000024",
    ],
)
def test_valid_sirets(siret: str) -> None:
    assert validate_siret(siret) == siret.replace(" ", "")


def test_la_poste_numbers_pass_by_their_own_rule_not_luhn() -> None:
    assert not luhn_valid("35600000000010")
    assert sum(int(d) for d in "35600000000010") % 5 == 0


@pytest.mark.parametrize(
    ("text", "check", "fragment"),
    [
        ("7328293200007A", "caracteres", "que des chiffres"),
        ("", "caracteres", "que des chiffres"),
        ("7328293200007", "longueur", "en a 13"),
        ("732829320000740", "longueur", "en a 15"),
        ("73282932000075", "cle_luhn", "Luhn"),
        ("35600000000049", "cle_luhn", "multiple de 5"),  # La Poste: neither Luhn nor the sum rule
        ("732829320", "longueur", "SIREN"),  # a SIREN where a SIRET is needed
    ],
)
def test_a_bad_siret_names_the_failed_check(text: str, check: str, fragment: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_siret(text)
    assert caught.value.check == check
    assert fragment in caught.value.message


def test_a_siret_whose_siren_part_has_no_valid_key_is_refused() -> None:
    # 12345678 + 0 fails the SIREN key; a NIC chosen so that the 14 digits pass Luhn.
    siret = next(
        f"123456780{nic:04d}{k}" for nic in range(1, 100) for k in range(10) if luhn_valid(f"123456780{nic:04d}{k}")
    )
    assert not luhn_valid(siret[:9])
    with pytest.raises(InvalidIdentifier) as caught:
        validate_siret(siret)
    assert caught.value.check == "cle_luhn"
    assert "SIREN" in caught.value.message


def test_siren() -> None:
    assert validate_siren("732 829 320") == "732829320"
    assert validate_siren("356000000") == "356000000"
    with pytest.raises(InvalidIdentifier) as caught:
        validate_siren("732829321")
    assert caught.value.check == "cle_luhn"
