from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from app.api.stats import stats_csv, stats_json
from app.problems import ProblemRoute
from app.routers.access import Db, Now, StaffCaller
from app.routers.matching import Context
from app.services.stats import case_stats

router = APIRouter(prefix="/v1", tags=["Dossiers"], route_class=ProblemRoute)


@router.get(
    "/stats",
    summary="Statistiques des dossiers de vos files (par TI, dispositif, statut ; délais ; retards), JSON ou CSV",
    response_model=None,
    responses={
        200: {
            "description": "Les statistiques, en JSON ou, avec format=csv, en CSV (point-virgule, UTF-8).",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "dimension;cle;libelle;valeur\r\ntotal;;Dossiers;12\r\n",
                },
            },
            "headers": {
                "Content-Disposition": {
                    "description": "En CSV : le nom du fichier à enregistrer.",
                    "schema": {"type": "string"},
                }
            },
        }
    },
)
def stats(
    context: Context,
    session: Db,
    caller: StaffCaller,
    at: Now,
    format: Annotated[Literal["json", "csv"], Query(description="json (défaut) ou csv")] = "json",
) -> dict[str, Any] | Response:
    figures = case_stats(session, context, caller, at)
    if format == "csv":
        return Response(
            stats_csv(figures),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="guichet-ti-statistiques.csv"'},
        )
    return stats_json(figures)
