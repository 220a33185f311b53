from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from app.errors import ErrorKind
from app.problems import ProblemRoute, problem_responses
from app.routers.matching import Context, Directory
from app.schemas.company import CompanyOut
from app.schemas.text import ShortCode
from app.services import companies as service

router = APIRouter(prefix="/v1", tags=["Entreprises"], route_class=ProblemRoute)


@router.get(
    "/companies/{siret}",
    response_model=CompanyOut,
    summary="Un établissement d'après son SIRET : commune et Territoire d'industrie, activité, effectif, état",
    responses=problem_responses(
        ErrorKind.NOT_FOUND,
        ErrorKind.INVALID,
        ErrorKind.UNAVAILABLE,
        ErrorKind.TIMED_OUT,
        descriptions={
            404: "SIRET bien formé mais absent de l'annuaire des entreprises.",
            422: "SIRET invalide : le champ « check » dit quel contrôle a échoué.",
            503: "Annuaire non configuré (annuaire-non-configure) ou indisponible (annuaire-indisponible).",
            504: "L'annuaire n'a pas répondu dans le délai (annuaire-delai-depasse).",
        },
    ),
)
async def get_company(
    context: Context,
    directory: Directory,
    siret: Annotated[
        ShortCode, Path(description="SIRET de l'établissement, 14 chiffres.", examples=["73282932000074"])
    ],
) -> CompanyOut:
    return await service.get_company(context.territories, context.naf, directory, siret)
