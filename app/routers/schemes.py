from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Response

from app.errors import ErrorKind
from app.problems import ProblemRoute, problem_responses
from app.routers.matching import Context
from app.schemas.match import NeedOut, SchemeList
from app.schemas.scheme import SchemeDetail, scheme_detail
from app.schemas.text import Identifier, IsoDate
from app.services import schemes as service

router = APIRouter(prefix="/v1", tags=["Catalogue"], route_class=ProblemRoute)


@router.get(
    "/schemes",
    response_model=SchemeList,
    summary="Les dispositifs du catalogue (JSON, ou CSV au schéma Etalab avec format=etalab)",
    responses={
        200: {
            "description": "La liste en JSON ; avec format=etalab, tout le catalogue en CSV (virgule, UTF-8).",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def list_schemes(
    context: Context,
    need: Annotated[Identifier | None, Query(description="Code de besoin (GET /v1/needs).")] = None,
    open_on: Annotated[
        IsoDate | None, Query(description="Exclure les dispositifs clos à cette date (AAAA-MM-JJ).")
    ] = None,
    format: Annotated[
        Literal["json", "etalab"],
        Query(description="etalab : tout le catalogue en CSV au schéma Etalab « dispositif-aide-professionnels »."),
    ] = "json",
) -> SchemeList | Response:
    if format == "etalab":
        csv_text = service.etalab_export(context.catalogue, context.territories.perimeters)
        return Response(csv_text, media_type="text/csv; charset=utf-8")
    return service.list_schemes(context.catalogue, need=need, open_on=open_on)


#: a scheme changes only with the catalogue, which a deployment changes: an hour in caches is safe
SCHEME_CACHE_CONTROL = "public, max-age=3600"


@router.get(
    "/schemes/{scheme_id}",
    response_model=SchemeDetail,
    responses={
        **problem_responses(ErrorKind.NOT_FOUND),
        304: {"description": "Inchangé depuis la version indiquée par If-None-Match (l'ETag reçu)."},
    },
    summary="Un dispositif, avec ses sources (ETag : la version du catalogue)",
)
def get_scheme(
    context: Context,
    response: Response,
    scheme_id: Annotated[Identifier, Path()],
    if_none_match: Annotated[str | None, Header(max_length=1000)] = None,
) -> SchemeDetail | Response:
    catalogue = context.catalogue
    # The catalogue's own model stays private: the API answers with its own, mapped here.
    detail = scheme_detail(service.get_scheme(catalogue, scheme_id), catalogue.version)
    headers = {"ETag": f'"{catalogue.version}"', "Cache-Control": SCHEME_CACHE_CONTROL}
    if if_none_match is not None and {headers["ETag"], "*"} & {tag.strip() for tag in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return detail


@router.get("/needs", response_model=list[NeedOut], summary="La taxonomie des besoins")
def list_needs(context: Context) -> list[NeedOut]:
    return service.list_needs(context.catalogue)
