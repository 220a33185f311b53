"""`guichet`: serve the API, rebuild reference data, import TI perimeters."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn

from app.catalogue.loader import load_catalogue
from app.catalogue.yaml_source import CatalogueError
from app.company.naf import NAF_FILE_NAME
from app.company.naf_refresh import refresh_naf
from app.error_messages import french_message
from app.settings import get_settings
from app.territory.geography import load_geography
from app.territory.perimeters import load_perimeter_set
from app.territory.refresh import refresh_geography
from app.territory.ti_import import DEFAULT_SOURCE_URL, parse_perimeter_file, write_perimeters

cli = typer.Typer(help="Guichet unique Territoires d'industrie", no_args_is_help=True)
data_cli = typer.Typer(help="Données de référence (géographie officielle)", no_args_is_help=True)
territories_cli = typer.Typer(help="Périmètres des Territoires d'industrie", no_args_is_help=True)
catalogue_cli = typer.Typer(help="Catalogue des dispositifs", no_args_is_help=True)
cli.add_typer(catalogue_cli, name="catalogue")
cli.add_typer(data_cli, name="data")
cli.add_typer(territories_cli, name="territories")

err = Console(stderr=True)
out = Console()
PARIS = ZoneInfo("Europe/Paris")


def _today() -> date:
    from datetime import datetime

    return datetime.now(PARIS).date()


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Adresse d'écoute (défaut : GUICHET_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (défaut : GUICHET_PORT)")] = None,
    workers: Annotated[int, typer.Option(help="Nombre de processus")] = 1,
) -> None:
    """Servir l'API (et la documentation OpenAPI sur /docs)."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "app.main:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level,
        proxy_headers=True,
    )


@data_cli.command("refresh")
def data_refresh() -> None:
    """Reconstruire data/geography.json et data/naf.json depuis les paquets npm (réseau npm requis)."""
    settings = get_settings()
    summary = refresh_geography(settings.geography_file)
    out.print(f"{settings.geography_file} : {summary}")
    naf_file = settings.data_dir / NAF_FILE_NAME
    out.print(f"{naf_file} : {refresh_naf(naf_file)}")


@territories_cli.command("import")
def territories_import(
    file: Annotated[
        Path, typer.Argument(help="Fichier CSV officiel (phase 1 ou phase 2)", exists=True, dir_okay=False)
    ],
    complete: Annotated[
        bool,
        typer.Option(
            "--complete/--partial",
            help="--complete : le fichier est la liste nationale et remplace tout l'ensemble ; "
            "--partial (défaut) : ses TI s'ajoutent aux autres.",
        ),
    ] = False,
    source_url: Annotated[str, typer.Option(help="Adresse de publication du fichier")] = DEFAULT_SOURCE_URL,
    published_on: Annotated[str | None, typer.Option(help="Date de publication du fichier (AAAA-MM-JJ)")] = None,
    dry_run: Annotated[bool, typer.Option(help="Vérifier sans rien écrire")] = False,
) -> None:
    """Importer un fichier officiel des TI dans catalogue/territories/."""
    settings = get_settings()
    geography = load_geography(settings.geography_file)
    published = None
    if published_on:
        try:
            published = date.fromisoformat(published_on)
        except ValueError:
            err.print(f"[red]--published-on : date invalide « {published_on} » (format AAAA-MM-JJ)[/red]")
            raise typer.Exit(2) from None
    with Progress(
        TextColumn("[bold]Lecture[/bold] {task.description}"),
        BarColumn(),
        TextColumn("{task.completed} lignes"),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task(file.name, total=None)
        result = parse_perimeter_file(file, geography, lambda n: progress.update(task, completed=n))
    for warning in result.warnings[:50]:
        err.print(f"[yellow]avertissement[/yellow] {escape(f'{file}:{warning}')}")
    if len(result.warnings) > 50:
        err.print(f"[yellow]… et {len(result.warnings) - 50} autre(s) avertissement(s)[/yellow]")
    if not result.ok:
        for error in result.errors:
            err.print(f"[red]erreur[/red] {escape(f'{file}:{error}')}")
        err.print(f"[red]Import refusé : {len(result.errors)} erreur(s) ; rien n'a été écrit.[/red]")
        raise typer.Exit(1)
    out.print(
        f"Phase {result.phase} : {result.rows} lignes, {len(result.territories)} TI, "
        f"{result.mapped_former_codes} ancien(s) code(s) INSEE ramené(s) à la commune d'aujourd'hui."
    )
    if dry_run:
        out.print("Vérification seule (--dry-run) : rien n'a été écrit.")
        return
    try:
        written = write_perimeters(
            result,
            geography,
            settings.territories_dir,
            complete=complete,
            source_url=source_url,
            published_on=published,
            today=_today(),
        )
    except CatalogueError as exc:
        err.print(
            f"[red]Import refusé, le résultat serait invalide ; rien n'a été remplacé :[/red]\n{escape(str(exc))}"
        )
        raise typer.Exit(1) from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))} : {french_message(e)}" for e in exc.errors())
        err.print(f"[red]Import refusé ; rien n'a été écrit :[/red] {escape(problems)}")
        raise typer.Exit(2) from exc
    kind = "liste complète" if complete else "liste partielle"
    out.print(f"{len(written)} TI écrits dans {settings.territories_dir} ({kind}).")


@territories_cli.command("check")
def territories_check() -> None:
    """Vérifier les fichiers de périmètres contre la géographie de référence."""
    settings = get_settings()
    try:
        perimeters = load_perimeter_set(settings.territories_dir, load_geography(settings.geography_file))
    except CatalogueError as exc:
        err.print(str(exc))
        raise typer.Exit(1) from exc
    out.print(f"{len(perimeters.territories)} TI valides (liste {perimeters.coverage}, version {perimeters.version}).")


@catalogue_cli.command("check")
def catalogue_check(
    directory: Annotated[
        Path | None, typer.Argument(help="Dossier du catalogue (défaut : GUICHET_CATALOGUE_DIR)", file_okay=False)
    ] = None,
) -> None:
    """Vérifier tout le catalogue : dispositifs, besoins, listes de territoires, périmètres des TI."""
    settings = get_settings()
    root = directory or settings.catalogue_dir
    try:
        geography = load_geography(settings.geography_file)
        perimeters = load_perimeter_set(root / "territories", geography)
        catalogue = load_catalogue(root, geography, perimeters)
    except CatalogueError as exc:
        for problem in exc.problems:
            err.print(escape(str(problem)), soft_wrap=True)
        err.print(f"[red]{len(exc.problems)} erreur(s).[/red]")
        raise typer.Exit(1) from exc
    out.print(
        f"Catalogue valide : {len(catalogue.schemes)} dispositif(s), {len(catalogue.needs.needs)} besoin(s), "
        f"{len(perimeters.territories)} TI ; version {catalogue.version}."
    )


def main() -> None:
    cli()
