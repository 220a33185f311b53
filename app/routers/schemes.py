from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from app.routers.matching import Context
from app.schemas.match import NeedOut, SchemeList
from app.schemas.scheme import SchemeDetail, scheme_detail
from app.services import schemes as service

router = APIRouter(prefix="/v1", tags=["Catalogue"])


@router.get("/schemes", response_model=SchemeList, summary="Les dispositifs du catalogue")
def list_schemes(
    context: Context,
    need: Annotated[str | None, Query(description="Code de besoin (GET /v1/needs).")] = None,
    open_on: Annotated[date | None, Query(description="Exclure les dispositifs clos à cette date.")] = None,
    format: Annotated[
        Literal["json", "etalab"],
        Query(description="etalab : tout le catalogue en CSV au schéma Etalab « dispositif-aide-professionnels »."),
    ] = "json",
) -> SchemeList | Response:
    if format == "etalab":
        csv_text = service.etalab_export(context.catalogue, context.territories.perimeters)
        return Response(csv_text, media_type="text/csv; charset=utf-8")
    return service.list_schemes(context.catalogue, need=need, open_on=open_on)


@router.get("/schemes/{scheme_id}", response_model=SchemeDetail, summary="Un dispositif, avec ses sources")
def get_scheme(context: Context, scheme_id: str) -> SchemeDetail:
    # The catalogue's own model stays private: the API answers with its own, mapped here.
    return scheme_detail(service.get_scheme(context.catalogue, scheme_id), context.catalogue.version)


@router.get("/needs", response_model=list[NeedOut], summary="La taxonomie des besoins")
def list_needs(context: Context) -> list[NeedOut]:
    return service.list_needs(context.catalogue)
