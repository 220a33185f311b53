"""A company known by its SIRET: the directory's record read as the guichet understands it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app import french
from app.company.directory import DirectoryDisabled, DirectoryTimeout, LookupFailed, SireneClient
from app.company.establishment import Establishment
from app.company.identifiers import CHECK_NAMES, InvalidIdentifier, validate_siret
from app.company.naf import NafCode, NafNomenclature
from app.company.size import InvalidSizeFigure, Tranche, assess_size, parse_tranche
from app.errors import DomainError, ErrorKind, InvalidInput, NotFound
from app.rules import facts as F  # noqa: N812 - the short name of the fact ids
from app.schemas.company import (
    AdministrativeStateOut,
    CompanyOut,
    CompanySizeOut,
    DirectorySourceOut,
    TrancheOut,
)
from app.schemas.match import CategoryOut, InseeCategoryOut, NafOut
from app.services.territories import commune_out
from app.territory.geography import Commune
from app.territory.resolve import InvalidTerritoryQuery
from app.territory.store import TerritoryStore

DIRECTORY_NAME = "API Recherche d'entreprises (annuaire des entreprises, données SIRENE de l'INSEE)"
_LEGAL_FORM_DIGITS = 4


class DirectoryNotConfigured(DomainError):
    kind = ErrorKind.UNAVAILABLE
    slug = "annuaire-non-configure"
    title = "Annuaire des entreprises non configuré"


class DirectoryUnavailableProblem(DomainError):
    kind = ErrorKind.UNAVAILABLE
    slug = "annuaire-indisponible"
    title = "Annuaire des entreprises indisponible"


class DirectoryDeadlineExceeded(DomainError):
    kind = ErrorKind.TIMED_OUT
    slug = "annuaire-delai-depasse"
    title = "L'annuaire des entreprises n'a pas répondu à temps"


class EstablishmentNotFound(NotFound):
    slug = "etablissement-introuvable"
    title = "Établissement introuvable"


def check_siret(text: str, field: str) -> str:
    try:
        return validate_siret(text)
    except InvalidIdentifier as exc:
        raise InvalidInput(field, exc.message, check=exc.check, check_label=CHECK_NAMES[exc.check]) from exc


def directory_problem(exc: LookupFailed, advice: str, **extra: Any) -> DomainError:
    """The error of a failed lookup; `advice` says what the applicant can do without the directory."""
    if isinstance(exc, DirectoryDisabled):
        return DirectoryNotConfigured(
            "Ce service n'est pas relié à l'annuaire des entreprises (GUICHET_SIRENE_URL vide) : un SIRET ne "
            f"peut pas y être consulté. {advice}",
            **extra,
        )
    if isinstance(exc, DirectoryTimeout):
        return DirectoryDeadlineExceeded(f"Consultation de l'annuaire impossible : {exc.reason}. {advice}", **extra)
    return DirectoryUnavailableProblem(f"Consultation de l'annuaire impossible : {exc.reason}. {advice}", **extra)


@dataclass(frozen=True)
class EstablishmentFacts:
    """An establishment's codes checked against our reference data; what does not fit is noted, not used."""

    establishment: Establishment
    commune: Commune | None
    commune_note: str | None
    naf: NafCode | None  # the establishment's own activity
    legal_unit_naf: NafCode | None
    tranche: Tranche | None  # the unité légale's band
    establishment_tranche: Tranche | None
    legal_form: str | None
    notes: tuple[str, ...]


def read_establishment(
    store: TerritoryStore, nomenclature: NafNomenclature, found: Establishment
) -> EstablishmentFacts:
    notes: list[str] = []
    commune, commune_note = _commune(store, found)
    naf = _naf(nomenclature, found.naf, "de l'établissement", notes)
    legal_unit_naf = _naf(nomenclature, found.legal_unit_naf, "de l'entreprise", notes)
    legal_form = found.nature_juridique
    if legal_form is not None and not (len(legal_form) == _LEGAL_FORM_DIGITS and legal_form.isdigit()):
        notes.append(f"Catégorie juridique « {legal_form} » illisible : ignorée.")
        legal_form = None
    return EstablishmentFacts(
        establishment=found,
        commune=commune,
        commune_note=commune_note,
        naf=naf,
        legal_unit_naf=legal_unit_naf,
        tranche=_tranche(found.tranche_effectif, "de l'entreprise", notes),
        establishment_tranche=_tranche(found.establishment_tranche, "de l'établissement", notes),
        legal_form=legal_form,
        notes=tuple(notes),
    )


def _commune(store: TerritoryStore, found: Establishment) -> tuple[Commune | None, str | None]:
    code = found.commune_code
    if code is None:
        return None, "L'annuaire ne donne pas de commune française pour cet établissement (adresse à l'étranger ?)."
    try:
        resolution = store.resolver.resolve(code, "insee_code")
    except InvalidTerritoryQuery:
        resolution = None
    if resolution is None or resolution.commune is None:
        return None, f"Le code commune « {code} » de l'annuaire n'est pas dans la géographie de référence."
    return resolution.commune, None


def _naf(nomenclature: NafNomenclature, code: str | None, whose: str, notes: list[str]) -> NafCode | None:
    if code is None:
        return None
    found = nomenclature.get(code)
    if found is None:
        notes.append(f"Code NAF {whose} « {code} » absent de la nomenclature NAF rév. 2 : ignoré.")
    return found


def _tranche(code: str | None, whose: str, notes: list[str]) -> Tranche | None:
    if code is None:
        return None
    try:
        return parse_tranche(code)
    except InvalidSizeFigure:
        notes.append(f"Tranche d'effectif {whose} « {code} » inconnue : ignorée.")
        return None


def naf_out(naf: NafCode) -> NafOut:
    return NafOut(
        code=naf.code,
        label=naf.label,
        section=naf.section,
        section_label=naf.section_label,
        division=naf.division,
        division_label=naf.division_label,
    )


def insee_category(found: Establishment) -> InseeCategoryOut | None:
    if found.categorie_entreprise is None:
        return None
    year = f" ({found.categorie_year})" if found.categorie_year else ""
    return InseeCategoryOut(
        category=found.categorie_entreprise,
        year=found.categorie_year,
        source=DIRECTORY_NAME,
        note=f"Catégorie calculée par l'INSEE{year} pour l'entreprise au sens économique (avec son groupe) ; "
        "elle n'est pas recalculée ici et ne remplace pas l'analyse du décret 2008-1354 sur vos chiffres.",
    )


def state_message(found: Establishment) -> str:
    if not found.establishment_active:
        since = f" depuis le {french.day(found.closed_on)}" if found.closed_on else ""
        return f"L'établissement {found.siret} est fermé{since} selon l'annuaire des entreprises."
    if not found.legal_unit_active:
        since = f" depuis le {french.day(found.legal_unit_closed_on)}" if found.legal_unit_closed_on else ""
        return f"L'entreprise (SIREN {found.siren}) est cessée{since} selon l'annuaire des entreprises."
    return "Établissement et entreprise actifs selon l'annuaire des entreprises."


async def find_establishment(directory: SireneClient, siret_text: str) -> Establishment:
    siret = check_siret(siret_text, "siret")
    try:
        found = await directory.lookup(siret)
    except DirectoryDisabled as exc:
        # Not a passing failure: asking again gets the same answer.
        raise directory_problem(exc, "Consultez directement l'annuaire des entreprises.") from exc
    except LookupFailed as exc:
        raise directory_problem(exc, "Réessayez plus tard.") from exc
    if found is None:
        raise EstablishmentNotFound(
            f"Le SIRET {siret} est bien formé mais absent de l'annuaire des entreprises : établissement inconnu, "
            "non diffusible, ou créé depuis la dernière mise à jour.",
            siret=siret,
        )
    return found


async def get_company(
    store: TerritoryStore, nomenclature: NafNomenclature, directory: SireneClient, siret_text: str
) -> CompanyOut:
    found = await find_establishment(directory, siret_text)
    facts = read_establishment(store, nomenclature, found)
    size = assess_size(None, None, None, facts.tranche.code if facts.tranche else None)
    return CompanyOut(
        siret=found.siret,
        siren=found.siren,
        name=found.name,
        head_office=found.is_head_office,
        commune=commune_out(store, facts.commune) if facts.commune else None,
        commune_note=facts.commune_note,
        naf=naf_out(facts.naf) if facts.naf else None,
        legal_unit_naf=naf_out(facts.legal_unit_naf) if facts.legal_unit_naf else None,
        legal_form=facts.legal_form,
        tranche_effectif=_tranche_out(facts.tranche, found.tranche_year),
        establishment_tranche_effectif=_tranche_out(facts.establishment_tranche, None),
        size=CompanySizeOut(
            insee=insee_category(found),
            assessment=category_out(size.possible, size.label, size.reason),
        ),
        state=AdministrativeStateOut(
            establishment="active" if found.establishment_active else "closed",
            legal_unit="active" if found.legal_unit_active else "closed",
            closed_on=found.closed_on,
            legal_unit_closed_on=found.legal_unit_closed_on,
            message=state_message(found),
        ),
        source=DirectorySourceOut(name=DIRECTORY_NAME, url=directory.state.base_url, data_date=found.data_date),
        notes=list(facts.notes),
    )


def category_out(possible: frozenset[str], label: str, reason: str) -> CategoryOut:
    return CategoryOut(possible=[c for c in F.CompanyCategory if c in possible], label=label, reason=reason)


def _tranche_out(tranche: Tranche | None, year: int | None) -> TrancheOut | None:
    if tranche is None:
        return None
    return TrancheOut(
        code=tranche.code, label=tranche.label, minimum=tranche.minimum, maximum=tranche.maximum, year=year
    )
