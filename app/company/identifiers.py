"""SIREN (the company, 9 digits) and SIRET (one of its establishments, 14 digits): checked before any lookup.

Both end with a Luhn key. One exception is kept: when La Poste became a société anonyme
(2010), all its establishments were gathered under the single SIREN 356 000 000, too many
for Luhn keys; their SIRETs are checked by another rule, the sum of the 14 digits being a
multiple of 5 (only the head office, 356 000 000 00048, has a Luhn key). Source: INSEE's
« Numéro SIRET » definition as reported by the French Wikipedia article « Système
d'identification du répertoire des établissements », section « Exceptions pour le groupe
La Poste ». The checks themselves are python-stdnum's (`stdnum.fr.siren`, `stdnum.fr.siret`,
which know that rule); this module says in French which one failed.
"""

from __future__ import annotations

from typing import Literal

from stdnum import luhn
from stdnum.exceptions import InvalidFormat, InvalidLength, ValidationError
from stdnum.fr import siren, siret

SIREN_LENGTH = 9
SIRET_LENGTH = 14
LA_POSTE_SIREN = "356000000"
#: the one SIRET of La Poste that has a Luhn key (stdnum.fr.siret knows it too)
LA_POSTE_HEAD_OFFICE = "35600000000048"

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
    return bool(luhn.is_valid(digits))


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
    # Our own compaction first: stdnum strips spaces and dots, not the no-break spaces of a copied number.
    digits = compact(text)
    try:
        if not digits.isascii():  # stdnum would read full-width digits as ASCII ones; we never did
            raise InvalidFormat()
        return str((siren if kind == "SIREN" else siret).validate(digits))
    except InvalidLength:  # a subclass of InvalidFormat: caught first
        raise InvalidIdentifier("longueur", f"un {kind} a {length} chiffres ; « {text} » en a {len(digits)}.") from None
    except InvalidFormat:
        raise InvalidIdentifier("caracteres", f"un {kind} ne contient que des chiffres (« {text} »).") from None
    except ValidationError:  # InvalidChecksum, and any failure a later stdnum adds: never let through
        raise InvalidIdentifier("cle_luhn", _checksum_message(text, kind, digits)) from None


def _checksum_message(text: str, kind: Literal["SIREN", "SIRET"], digits: str) -> str:
    """Which key failed, in the order stdnum checks them: La Poste's sum, the whole number's, the SIREN's."""
    if kind == "SIRET" and digits.startswith(LA_POSTE_SIREN) and digits != LA_POSTE_HEAD_OFFICE:
        return f"SIRET de La Poste « {text} » invalide : la somme de ses 14 chiffres doit être un multiple de 5."
    if kind == "SIRET" and luhn_valid(digits):
        return f"SIRET « {text} » invalide : les 9 premiers chiffres ne forment pas un SIREN valide (clé de Luhn)."
    return (
        f"{kind} « {text} » invalide : sa clé de contrôle (formule de Luhn) ne correspond pas, "
        "vérifiez qu'aucun chiffre n'a été mal recopié."
    )
