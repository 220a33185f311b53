from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from app.api.stats import stats_csv, stats_json
from app.routers.access import Db, Now, StaffCaller
from app.routers.matching import Context
from app.services.stats import case_stats

router = APIRouter(prefix="/v1", tags=["Dossiers"])


@router.get(
    "/stats",
    summary="Statistiques des dossiers de vos files (par TI, dispositif, statut ; délais ; retards), JSON ou CSV",
    response_model=None,
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
