"""SIREN (the company, 9 digits) and SIRET (one of its establishments, 14 digits): checked before any lookup.

Both end with a Luhn key. One exception is kept: when La Poste became a société anonyme
(2010), all its establishments were gathered under the single SIREN 356 000 000, too many
for Luhn keys; their SIRETs are checked by another rule, the sum of the 14 digits being a
multiple of 5 (only the head office, 356 000 000 00048, has a Luhn key). Source: INSEE's
« Numéro SIRET » definition as reported by the French Wikipedia article « Système
d'identification du répertoire des établissements », section « Exceptions pour le groupe
La Poste ».
"""

from __future__ import annotations

from typing import Literal

SIREN_LENGTH = 9
SIRET_LENGTH = 14
LA_POSTE_SIREN = "356000000"

Check = Literal["caracteres", "longueur", "cle_luhn"]
CHECK_NAMES: dict[Check, str] = {
    "caracteres": "caractères",
    "longueur": "longueur",
    "cle_luhn": "clé de Luhn",
}


class InvalidIdentifier(ValueError):
    """The text cannot be a SIREN or SIRET; `check` names the test it failed."""

    def __init__(self, check: Check, message: str) -> None:
        super().__init__(message)
        self.check = check
        self.message = message


def luhn_valid(digits: str) -> bool:
    """The Luhn key of a string of digits: every second digit from the right doubled, total multiple of 10."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def compact(text: str) -> str:
    """Spaces (also no-break ones) and dots removed: people copy "732 829 320 00074" from invoices."""
    return "".join(ch for ch in text if not ch.isspace() and ch != ".")


def validate_siren(text: str) -> str:
    """The SIREN as 9 digits; InvalidIdentifier otherwise."""
    return _validate(text, "SIREN", SIREN_LENGTH)


def validate_siret(text: str) -> str:
    """The SIRET as 14 digits; InvalidIdentifier otherwise (a SIREN says a SIRET is needed)."""
    digits = compact(text)
    if digits.isascii() and digits.isdigit() and len(digits) == SIREN_LENGTH:
        raise InvalidIdentifier(
            "longueur",
            f"« {text} » a 9 chiffres : c'est un SIREN (l'entreprise). Il faut le SIRET (14 chiffres) de "
            "l'établissement, car l'éligibilité dépend de la commune où il se trouve.",
        )
    return _validate(text, "SIRET", SIRET_LENGTH)


def _validate(text: str, kind: Literal["SIREN", "SIRET"], length: int) -> str:
    digits = compact(text)
    if not digits or not (digits.isascii() and digits.isdigit()):
        raise InvalidIdentifier("caracteres", f"un {kind} ne contient que des chiffres (« {text} »).")
    if len(digits) != length:
        raise InvalidIdentifier("longueur", f"un {kind} a {length} chiffres ; « {text} » en a {len(digits)}.")
    if kind == "SIRET" and digits.startswith(LA_POSTE_SIREN) and not luhn_valid(digits):
        if sum(int(d) for d in digits) % 5 != 0:
            raise InvalidIdentifier(
                "cle_luhn",
                f"SIRET de La Poste « {text} » invalide : la somme de ses 14 chiffres doit être un multiple de 5.",
            )
        return digits
    if not luhn_valid(digits):
        raise InvalidIdentifier(
            "cle_luhn",
            f"{kind} « {text} » invalide : sa clé de contrôle (formule de Luhn) ne correspond pas, "
            "vérifiez qu'aucun chiffre n'a été mal recopié.",
        )
    if kind == "SIRET" and not digits.startswith(LA_POSTE_SIREN) and not luhn_valid(digits[:SIREN_LENGTH]):
        raise InvalidIdentifier(
            "cle_luhn",
            f"SIRET « {text} » invalide : les 9 premiers chiffres ne forment pas un SIREN valide (clé de Luhn).",
        )
    return digits
