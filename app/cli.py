"""`guichet`: serve the API, rebuild reference data, import TI perimeters."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import signal
import sys
import threading
import uuid
from collections.abc import Callable
from contextlib import suppress
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app import french
from app.catalogue.freshness import CLOSING_WITHIN_DAYS, DEFAULT_STALE_AFTER_DAYS, Finding, freshness
from app.catalogue.loader import SCHEMES_DIR, load_catalogue
from app.catalogue.scenarios import load_scenarios, scenario_files
from app.catalogue.scheme import SCHEMA_FILE, scheme_json_schema
from app.clock import today_in_paris, utc_now
from app.company.naf import NAF_FILE_NAME
from app.company.naf_refresh import refresh_naf
from app.db import cause_of, create_db_engine, session_factory, transaction
from app.error_messages import french_message
from app.errors import DomainError, InvalidInput
from app.migrate import DatabaseNotReady, downgrade, prepare_database, upgrade
from app.models import AccessToken, Partner, PartnerKey
from app.scenario_runner import run_scenarios
from app.services.matching import load_match_context
from app.services.notifications import Links
from app.services.partners import (
    DEFAULT_KEY_DAYS,
    PartnerNotFound,
    add_partner,
    create_key,
    find_partner,
    list_keys,
    list_partners,
    revoke_key,
    set_active,
)
from app.services.reminders import remind_overdue
from app.services.retention import DEFAULT_MONTHS, erase_personal_data, export_personal_data, purge_closed_cases
from app.services.schemes import etalab_export
from app.services.staff import EmailTaken, StaffNotFound, add_staff, disable_staff, list_staff, member_by_email
from app.services.tokens import create_token, list_tokens, load_token_key, revoke_token
from app.services.webhooks import add_endpoint, endpoints_of
from app.settings import PROJECT_ROOT, Settings, get_settings
from app.sourcefiles.web_assets import STATIC_DIR, refresh_web_assets
from app.sourcefiles.yaml_source import CatalogueError, load_located
from app.territory.geography import load_geography
from app.territory.perimeters import load_perimeter_set
from app.territory.refresh import refresh_geography
from app.territory.store import load_territory_store
from app.territory.ti_import import (
    DEFAULT_SOURCE_URL,
    ImportIssue,
    merge_results,
    name_from_catalogue,
    parse_perimeter_file,
    write_perimeters,
)
from app.worker import run as run_worker
from app.worker import send_due, senders_of

cli = typer.Typer(help="Guichet unique Territoires d'industrie", no_args_is_help=True)
data_cli = typer.Typer(help="Données de référence et fichiers web (DSFR, Swagger UI)", no_args_is_help=True)
territories_cli = typer.Typer(help="Périmètres des Territoires d'industrie", no_args_is_help=True)
catalogue_cli = typer.Typer(help="Catalogue des dispositifs", no_args_is_help=True)
db_cli = typer.Typer(help="Base de données (migrations Alembic)", no_args_is_help=True)
tokens_cli = typer.Typer(help="Jetons d'accès (administrateurs, chefs de projet)", no_args_is_help=True)
cases_cli = typer.Typer(help="Dossiers", no_args_is_help=True)
partners_cli = typer.Typer(help="Partenaires (sites qui déposent pour les entreprises)", no_args_is_help=True)
partner_keys_cli = typer.Typer(help="Clés d'API des partenaires", no_args_is_help=True)
partner_webhooks_cli = typer.Typer(help="Adresses des webhooks des partenaires", no_args_is_help=True)
outbox_cli = typer.Typer(help="Boîte d'envoi (webhooks, e-mails)", no_args_is_help=True)
personal_data_cli = typer.Typer(help="Données personnelles (RGPD) : export, effacement", no_args_is_help=True)
partners_cli.add_typer(partner_keys_cli, name="keys")
partners_cli.add_typer(partner_webhooks_cli, name="webhooks")
cli.add_typer(partners_cli, name="partners")
cli.add_typer(outbox_cli, name="outbox")
cli.add_typer(personal_data_cli, name="personal-data")
staff_cli = typer.Typer(help="Comptes de l'espace des chefs de projet (/espace)", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(tokens_cli, name="tokens")
cli.add_typer(cases_cli, name="cases")
cli.add_typer(staff_cli, name="staff")
cli.add_typer(catalogue_cli, name="catalogue")
cli.add_typer(data_cli, name="data")
cli.add_typer(territories_cli, name="territories")

err = Console(stderr=True)
out = Console()

#: where the shipped scenarios live, whatever the working directory
DEFAULT_SCENARIOS = PROJECT_ROOT / "tests" / "scenarios"


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Adresse d'écoute (défaut : GUICHET_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (défaut : GUICHET_PORT)")] = None,
    workers: Annotated[int, typer.Option(help="Nombre de processus")] = 1,
) -> None:
    """Servir les pages et l'API (et la documentation OpenAPI sur /docs)."""
    import uvicorn

    settings = get_settings()
    problems = settings.several_workers_problems(workers)
    if problems:
        for problem in problems:
            err.print(f"[red]{problem}[/red]")
        raise typer.Exit(2)
    if workers == 1:
        # This process imports the application and loads its data: the collector is kept off until
        # the data is loaded (the application's start-up turns it on), as nothing built before
        # then is garbage. Several workers are processes of their own, started as usual.
        gc.disable()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level,
        proxy_headers=True,
        # No route speaks WebSocket: the protocol's library is not even imported.
        ws="none",
    )


@data_cli.command("refresh")
def data_refresh() -> None:
    """Reconstruire data/geography.json, data/naf.json et app/web/static (DSFR, Swagger UI) depuis npm."""
    settings = get_settings()
    summary = refresh_geography(settings.geography_file)
    out.print(f"{settings.geography_file} : {summary}")
    naf_file = settings.data_dir / NAF_FILE_NAME
    out.print(f"{naf_file} : {refresh_naf(naf_file)}")
    for line in refresh_web_assets(STATIC_DIR, today_in_paris()):
        out.print(f"{STATIC_DIR} : {line}")


@territories_cli.command("import")
def territories_import(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Fichier(s) CSV officiel(s) d'une même liste : communes (phase 1 ou 2) et/ou groupements (phase 2)",
            exists=True,
            dir_okay=False,
        ),
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
    results = []
    with Progress(
        TextColumn("[bold]Lecture[/bold] {task.description}"),
        BarColumn(),
        TextColumn("{task.completed} lignes"),
        console=err,
        transient=True,
    ) as progress:
        for file in files:
            task = progress.add_task(file.name, total=None)
            results.append(parse_perimeter_file(file, geography, partial(_show_rows, progress, task)))
    result = merge_results(results)
    name_from_catalogue(result, settings.territories_dir)
    file = result.file
    for warning in result.warnings[:50]:
        err.print(f"[yellow]avertissement[/yellow] {escape(_located(file, warning))}")
    if len(result.warnings) > 50:
        err.print(f"[yellow]… et {len(result.warnings) - 50} autre(s) avertissement(s)[/yellow]")
    if not result.ok:
        for error in result.errors:
            err.print(f"[red]erreur[/red] {escape(_located(file, error))}")
        err.print(f"[red]Import refusé : {len(result.errors)} erreur(s) ; rien n'a été écrit.[/red]")
        raise typer.Exit(1)
    for former in result.former_codes:
        today = ", ".join(f"{c} {geography.communes[c].name}" for c in former.today)
        out.print(
            escape(f"{former.file}:ligne {former.line} : ancien code {former.code} ({former.label or '?'}) → {today}"),
            soft_wrap=True,
        )
    out.print(
        f"Phase {result.phase} : {result.rows} lignes, {len(result.territories)} TI, "
        f"{result.mapped_former_codes} ancien(s) code(s) INSEE ramené(s) à la commune d'aujourd'hui.",
        soft_wrap=True,
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
            today=today_in_paris(),
            # the schemes and the routing must still load on the new set (no TI they name removed)
            check=lambda perimeters: load_catalogue(settings.catalogue_dir, geography, perimeters),
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
    for old_id, ids in written.replaced.items():
        out.print(f"TI reconstitué « {old_id} » remplacé par : {', '.join(ids)}.", soft_wrap=True)
    out.print(f"{len(written.ids)} TI écrits dans {settings.territories_dir} ({kind}).", soft_wrap=True)


def _located(file: Path, issue: ImportIssue) -> str:
    """`file:ligne N : message`; the issue's own file once several are merged, none between files."""
    where = str(file) if issue.file is None else issue.file
    return f"{where}:{issue}" if where else str(issue)


def _show_rows(progress: Progress, task: TaskID, rows: int) -> None:
    progress.update(task, completed=rows)


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
    stale_after_days: Annotated[
        int, typer.Option(min=0, help="Signaler les dispositifs vérifiés depuis plus de ce nombre de jours")
    ] = DEFAULT_STALE_AFTER_DAYS,
    as_of: Annotated[
        str | None, typer.Option(help="Date de la vérification de fraîcheur, AAAA-MM-JJ (défaut : aujourd'hui à Paris)")
    ] = None,
    strict: Annotated[
        bool, typer.Option(help="Sortir en erreur (1) si un dispositif est à vérifier de nouveau")
    ] = False,
) -> None:
    """Vérifier tout le catalogue : dispositifs, besoins, listes de territoires, périmètres des TI ;
    puis dire sa fraîcheur (à revérifier, clôture dans les 30 jours, ouverture inconnue)."""
    settings = get_settings()
    day = _date_option("--as-of", as_of) or today_in_paris()
    root = directory or settings.catalogue_dir
    try:
        geography = load_geography(settings.geography_file)
        perimeters = load_perimeter_set(root / "territories", geography)
        catalogue = load_catalogue(root, geography, perimeters)
    except CatalogueError as exc:
        _print_problems(exc, ".")
        raise typer.Exit(1) from exc
    out.print(
        f"Catalogue valide : {len(catalogue.schemes)} dispositif(s), {len(catalogue.needs.needs)} besoin(s), "
        f"{len(perimeters.territories)} TI ; version {catalogue.version}."
    )
    report = freshness(catalogue.schemes.values(), day, stale_after_days)
    for note in report.notes:
        document = load_located(root / SCHEMES_DIR / f"{note.scheme_id}.yaml")
        out.print(escape(str(document.problem(note.field, note.message))), soft_wrap=True)
    out.print(
        f"Fraîcheur au {day:%d/%m/%Y} : {report.count(Finding.STALE)} à vérifier de nouveau "
        f"(plus de {stale_after_days} jours), {report.count(Finding.CLOSING_SOON)} clôture(s) "
        f"dans les {CLOSING_WITHIN_DAYS} jours, {report.count(Finding.UNKNOWN_WINDOW)} à l'ouverture inconnue.",
        soft_wrap=True,
    )
    if strict and report.count(Finding.STALE):
        raise typer.Exit(1)


def _date_option(name: str, value: str | None) -> date | None:
    """A date option (AAAA-MM-JJ), or exit 2 saying which option is wrong."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        err.print(f"[red]{name} : date invalide « {escape(value)} » (format AAAA-MM-JJ)[/red]")
        raise typer.Exit(2) from None


@catalogue_cli.command("export")
def catalogue_export(
    format: Annotated[str, typer.Option("--format", help="Format : etalab (CSV au schéma dispositif-aide)")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Fichier écrit (défaut : sortie standard)", dir_okay=False)
    ] = None,
) -> None:
    """Exporter le catalogue en données ouvertes (CSV UTF-8 séparé par des virgules)."""
    if format != "etalab":
        err.print(f"[red]--format : format inconnu « {escape(format)} » (formats : etalab).[/red]")
        raise typer.Exit(2)
    try:
        context = load_match_context(get_settings())
    except CatalogueError as exc:
        _print_problems(exc, " dans le catalogue ; rien n'a été exporté.")
        raise typer.Exit(1) from exc
    text = etalab_export(context.catalogue, context.territories.perimeters)
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8", newline="")
    err.print(f"{len(context.catalogue.schemes)} dispositif(s) exportés dans {escape(str(output))}.")


@catalogue_cli.command("test")
def catalogue_test(
    path: Annotated[
        Path,
        typer.Argument(
            help="Fichier de scénarios, ou dossier de fichiers *.yaml (défaut : tests/scenarios/)", exists=True
        ),
    ] = DEFAULT_SCENARIOS,
    scheme_ids: Annotated[
        list[str] | None,
        typer.Option(
            "--scheme", help="Ne lancer que les scénarios qui nomment ce dispositif dans leurs attentes (répétable)"
        ),
    ] = None,
) -> None:
    """Lancer les scénarios (profil -> verdicts attendus) sur le catalogue : 0 s'ils passent, 1 sinon."""
    try:
        files = load_scenarios(scenario_files(path))
    except CatalogueError as exc:
        _print_problems(exc, " dans les scénarios ; aucun n'a été lancé.")
        raise typer.Exit(2) from exc
    try:
        context = load_match_context(get_settings())
    except CatalogueError as exc:
        _print_problems(exc, " dans le catalogue ; aucun scénario n'a été lancé.")
        raise typer.Exit(1) from exc
    wanted = scheme_ids or []
    unknown = [i for i in wanted if i not in context.catalogue.schemes]
    if unknown:
        err.print(f"[red]--scheme : dispositif(s) inconnu(s) du catalogue : {escape(', '.join(unknown))}.[/red]")
        raise typer.Exit(2)
    selected = [
        (file, [s for s in scenarios if not wanted or any(s.mentions(i) for i in wanted)]) for file, scenarios in files
    ]
    selected = [(file, scenarios) for file, scenarios in selected if scenarios]
    if not selected:
        # Nothing run is nothing checked: saying "all pass" here would hide a scheme without scenarios.
        which = f" ne nomme {', '.join(wanted)}" if wanted else ""
        err.print(f"[red]Aucun scénario{escape(which)} dans {escape(str(path))}.[/red]", soft_wrap=True)
        raise typer.Exit(1)
    failed = total = 0
    for file, scenarios in selected:
        out.print(escape(str(file)), soft_wrap=True)
        for result in asyncio.run(run_scenarios(context, scenarios)):
            total += 1
            mark = "[green]✓[/green]" if result.passed else "[red]✗[/red]"
            out.print(f"  {mark} {escape(result.scenario.name)}", soft_wrap=True)
            for mismatch in result.mismatches:
                out.print(f"      {escape(mismatch)}", soft_wrap=True)
            failed += not result.passed
    if failed:
        out.print(f"[red]{total} scénario(s) : {total - failed} réussi(s), {failed} en échec.[/red]")
        raise typer.Exit(1)
    out.print(f"[green]{total} scénario(s) : tous réussis[/green] (catalogue {context.catalogue.version}).")


def _print_problems(exc: CatalogueError, end: str) -> None:
    """Each problem on its line (`file:line:col: message`), then their count followed by `end`."""
    for problem in exc.problems:
        err.print(escape(str(problem)), soft_wrap=True)
    err.print(f"[red]{len(exc.problems)} erreur(s){escape(end)}[/red]", soft_wrap=True)


@catalogue_cli.command("schema")
def catalogue_schema(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help=f"Fichier écrit (défaut : {SCHEMA_FILE} du dossier du catalogue)", dir_okay=False
        ),
    ] = None,
) -> None:
    """Écrire le schéma JSON d'un fichier de dispositif (validation dans les éditeurs)."""
    target = output or get_settings().catalogue_dir / SCHEMA_FILE
    target.write_text(scheme_json_schema(), encoding="utf-8")
    out.print(f"Schéma écrit dans {escape(str(target))}.")


def _database() -> tuple[Settings, sessionmaker[Session]]:
    settings = get_settings()
    engine = create_db_engine(settings.database_url)
    try:
        prepare_database(engine)
    except DatabaseNotReady as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(1) from exc
    except SQLAlchemyError as exc:
        # The operator's words, not a traceback: which database, and the driver's reason.
        name = engine.url.render_as_string(hide_password=True)
        err.print(f"[red]Base de données {escape(name)} injoignable ({escape(cause_of(exc))}).[/red]", soft_wrap=True)
        raise typer.Exit(1) from exc
    return settings, session_factory(engine)


@db_cli.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Révision visée")] = "head") -> None:
    """Mettre la base au schéma le plus récent (GUICHET_DATABASE_URL ; SQLite par défaut)."""
    engine = create_db_engine(get_settings().database_url)
    upgrade(engine, revision)
    out.print(f"Base {escape(engine.url.render_as_string(hide_password=True))} : schéma à jour ({revision}).")


@db_cli.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Révision visée (base : tout défaire)")]) -> None:
    """Revenir à une révision antérieure du schéma."""
    engine = create_db_engine(get_settings().database_url)
    downgrade(engine, revision)
    out.print(f"Base ramenée à la révision {escape(revision)}.")


#: the options that answer a refused token, by the field the service names
_TOKEN_OPTIONS_HINT = {"scope": " (options --ti ID, --region CODE)", "expires": " (option --days)"}


@tokens_cli.command("create")
def tokens_create(
    role: Annotated[str | None, typer.Option(help="admin ou project_lead (avec --staff : celui du compte)")] = None,
    holder: Annotated[
        str | None, typer.Option(help="Qui le détient : un rôle, un service (avec --staff : le nom du compte)")
    ] = None,
    staff: Annotated[
        str | None,
        typer.Option(help="Adresse e-mail du compte auquel le jeton appartient : il cesse avec le compte"),
    ] = None,
    ti: Annotated[
        list[str] | None, typer.Option(help="Identifiant d'un TI dont le chef de projet voit la file")
    ] = None,
    region: Annotated[
        list[str] | None, typer.Option(help="Code d'une région dont la file régionale est visible")
    ] = None,
    days: Annotated[int, typer.Option(help="Durée de validité, en jours")] = 90,
) -> None:
    """Créer un jeton d'accès ; il est affiché une seule fois (seule son empreinte est gardée).

    Avec --staff, le jeton est celui d'un compte : même rôle, même nom, mêmes files (sauf --ti,
    --region donnés), et il cesse de fonctionner quand le compte est désactivé."""
    if staff is None and (role not in ("admin", "project_lead") or holder is None):
        err.print("[red]--role (admin ou project_lead) et --holder, ou --staff ADRESSE.[/red]")
        raise typer.Exit(2)
    settings, sessions = _database()
    store = load_territory_store(settings.geography_file, settings.territories_dir)
    try:
        with transaction(sessions, writing=True) as session:
            member = None
            if staff is not None:
                member = member_by_email(session, staff)
                if member is None or not member.active:
                    raise StaffNotFound("Aucun compte actif n'a cette adresse e-mail (guichet staff list).")
            issued = create_token(
                session,
                load_token_key(settings),
                role=member.role if member else role,  # type: ignore[arg-type]
                holder=member.display_name if member and holder is None else (holder or ""),
                ti_ids=ti or (member.ti_ids if member else []),
                region_codes=region or (member.region_codes if member else []),
                known_ti_ids=store.perimeters.territories,
                known_region_codes=store.geography.regions,
                valid_for=timedelta(days=days),
                now=utc_now(),
                staff_member_id=member.id if member else None,
            )
    except InvalidInput as exc:
        hint = _TOKEN_OPTIONS_HINT.get(exc.errors[0]["field"], "")
        err.print(f"[red]{escape(exc.detail)}{escape(hint)}[/red]")
        raise typer.Exit(2) from exc
    except StaffNotFound as exc:
        err.print(f"[red]{escape(exc.detail)}[/red]")
        raise typer.Exit(1) from exc
    record = issued.record
    err.print(
        f"Jeton {record.id} ({record.role}, {escape(record.holder)}) valable jusqu'au "
        f"{french.day_and_time(record.expires_at)} UTC. Il ne sera plus jamais affiché :"
    )
    print(issued.token)


@tokens_cli.command("revoke")
def tokens_revoke(token_id: Annotated[str, typer.Argument(help="Identifiant du jeton (guichet tokens list)")]) -> None:
    """Révoquer un jeton : il est refusé dès la requête suivante."""
    record_id, at = _revoked(token_id, "jeton", revoke_token)
    out.print(f"Jeton {record_id} révoqué le {french.day_and_time(at)} UTC.")


def _revoked(
    identifier: str, what: str, revoke: Callable[[Session, uuid.UUID, datetime], AccessToken | PartnerKey]
) -> tuple[uuid.UUID, datetime]:
    """Revoke a token or a key by its id (exit 2: not an id; 1: unknown): its id and revocation time."""
    try:
        parsed = uuid.UUID(identifier)
    except ValueError as exc:
        err.print(f"[red]Identifiant de {what} invalide (UUID attendu).[/red]")
        raise typer.Exit(2) from exc
    _, sessions = _database()
    try:
        with transaction(sessions, writing=True) as session:
            record = revoke(session, parsed, utc_now())
    except DomainError as exc:
        err.print(f"[red]{escape(exc.detail)}[/red]")
        raise typer.Exit(1) from exc
    # The revocation time is set (or the first one kept): it is never empty here.
    assert record.revoked_at is not None
    return record.id, record.revoked_at


@tokens_cli.command("list")
def tokens_list() -> None:
    """Lister les jetons (jamais les jetons eux-mêmes : seules leurs empreintes sont gardées)."""
    _, sessions = _database()
    now = utc_now()
    with transaction(sessions, writing=False) as session:
        for t in list_tokens(session):
            state = "révoqué" if t.revoked_at else ("expiré" if t.expires_at <= now else "actif")
            scope = ", ".join([f"ti:{i}" for i in t.ti_ids] + [f"region:{r}" for r in t.region_codes]) or "toutes"
            print(f"{t.id}  {t.role:<12} {state:<8} {t.expires_at:%Y-%m-%d}  {t.holder}  [{scope}]")


@cases_cli.command("remind")
def cases_remind(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Lister sans rien écrire")] = False,
) -> None:
    """Écrire dans la boîte d'envoi le récapitulatif hebdomadaire des dossiers en retard de chaque
    membre (au plus un par semaine, quelle que soit la fréquence de la commande)."""
    settings, sessions = _database()
    context = load_match_context(settings)
    with transaction(sessions, writing=not dry_run) as session:
        digests = remind_overdue(session, context, utc_now(), Links(settings.public_url), dry_run=dry_run)
    for d in digests:
        what = "déjà envoyé cette semaine" if not d.written else ("à écrire" if dry_run else "écrit")
        out.print(f"{d.staff_member_id}  {d.overdue:>4} dossier(s) en retard, {d.listed} listé(s)  {what}")
    written = sum(d.written for d in digests)
    verb = "à écrire" if dry_run else "écrit(s)"
    out.print(f"{len(digests)} récapitulatif(s) dû(s), {written} {verb}.")


_STAFF_OPTIONS_HINT = {
    "scope": " (options --ti ID, --region CODE)",
    "email": " (option --email)",
    "name": " (option --name)",
}


@staff_cli.command("add")
def staff_add(
    email: Annotated[str, typer.Option(help="Adresse e-mail professionnelle (elle reçoit les liens de connexion)")],
    name: Annotated[str, typer.Option(help="Nom affiché aux collègues (prénom et nom, ou une fonction)")],
    role: Annotated[str, typer.Option(help="admin ou project_lead")],
    ti: Annotated[list[str] | None, typer.Option(help="Identifiant d'un TI dont le compte voit la file")] = None,
    region: Annotated[list[str] | None, typer.Option(help="Code d'une région dont la file est visible")] = None,
) -> None:
    """Créer le compte d'un chef de projet ou d'un administrateur : il se connecte à /espace par lien e-mail."""
    if role not in ("admin", "project_lead"):
        err.print("[red]--role : admin ou project_lead.[/red]")
        raise typer.Exit(2)
    settings, sessions = _database()
    store = load_territory_store(settings.geography_file, settings.territories_dir)
    try:
        with transaction(sessions, writing=True) as session:
            member = add_staff(
                session,
                email=email,
                name=name,
                role=role,  # type: ignore[arg-type]
                ti_ids=ti or [],
                region_codes=region or [],
                known_ti_ids=store.perimeters.territories,
                known_region_codes=store.geography.regions,
                now=utc_now(),
            )
    except InvalidInput as exc:
        hint = _STAFF_OPTIONS_HINT.get(exc.errors[0]["field"], "")
        err.print(f"[red]{escape(exc.detail)}{escape(hint)}[/red]")
        raise typer.Exit(2) from exc
    except EmailTaken as exc:
        err.print(f"[red]{escape(exc.detail)}[/red]")
        raise typer.Exit(1) from exc
    out.print(
        f"Compte {member.id} créé ({member.role}, {escape(member.display_name)}, {_scope(member)}).", soft_wrap=True
    )


def _scope(row: object) -> str:
    ti_ids: list[str] = getattr(row, "ti_ids", [])
    region_codes: list[str] = getattr(row, "region_codes", [])
    return ", ".join([f"ti:{i}" for i in ti_ids] + [f"region:{r}" for r in region_codes]) or "toutes les files"


@staff_cli.command("list")
def staff_list() -> None:
    """Lister les comptes : adresse, nom, rôle, état, files."""
    _, sessions = _database()
    with transaction(sessions, writing=False) as session:
        for m in list_staff(session):
            state = f"désactivé le {m.disabled_at:%Y-%m-%d}" if m.disabled_at else "actif"
            absent = ""
            if m.absent_from:
                until = f" au {m.absent_until:%Y-%m-%d}" if m.absent_until else ""
                absent = f"  absent du {m.absent_from:%Y-%m-%d}{until}"
            print(f"{m.email}  {m.role:<12} {state:<22} {m.display_name}  [{_scope(m)}]{absent}")


@staff_cli.command("disable")
def staff_disable(email: Annotated[str, typer.Argument(help="Adresse e-mail du compte")]) -> None:
    """Désactiver un compte : ses sessions et ses jetons cessent de fonctionner à la requête suivante."""
    _, sessions = _database()
    try:
        with transaction(sessions, writing=True) as session:
            member = disable_staff(session, email, utc_now())
    except StaffNotFound as exc:
        err.print(f"[red]{escape(exc.detail)}[/red]")
        raise typer.Exit(1) from exc
    assert member.disabled_at is not None
    out.print(f"Compte {member.id} désactivé le {french.day_and_time(member.disabled_at)} UTC.")


@outbox_cli.command("send")
def outbox_send() -> None:
    """Envoyer une fois ce qui est dû dans la boîte d'envoi (webhooks, e-mails), puis s'arrêter."""
    settings, sessions = _database()
    if not settings.smtp_host:
        err.print("[yellow]GUICHET_SMTP_HOST vide : les e-mails restent dans la boîte d'envoi.[/yellow]")
    report = send_due(sessions, senders_of(settings), utc_now)
    for error in report.errors:
        err.print(escape(error), soft_wrap=True)
    out.print(f"{report.sent} envoyé(s), {report.retried} à réessayer, {report.failed} abandonné(s).")


@cli.command("worker")
def worker(
    interval: Annotated[float, typer.Option(min=0.1, help="Secondes entre deux tours")] = 5.0,
) -> None:
    """Envoyer la boîte d'envoi en continu et lancer les tâches du jour (avis d'expiration de clé,
    anonymisation des dossiers anciens) ; s'arrête proprement sur SIGTERM (après l'envoi en cours)."""
    settings, sessions = _database()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if settings.webhook_allow_local:
        err.print(
            "[yellow]GUICHET_WEBHOOK_ALLOW_LOCAL : http et adresse de bouclage permis (tests seulement).[/yellow]"
        )
    if not settings.smtp_host:
        err.print("[yellow]GUICHET_SMTP_HOST vide : les e-mails restent dans la boîte d'envoi.[/yellow]")
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    with suppress(KeyboardInterrupt):
        run_worker(sessions, senders_of(settings), utc_now, interval_seconds=interval, should_stop=stopping.is_set)
    out.print("Worker arrêté.")


@cases_cli.command("purge")
def cases_purge(
    older_than_months: Annotated[
        int, typer.Option(min=1, help="Dossiers terminés depuis plus de ce nombre de mois")
    ] = DEFAULT_MONTHS,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Lister sans rien changer")] = False,
) -> None:
    """Anonymiser les dossiers terminés depuis longtemps (noms, e-mail, téléphone, message, SIRET)."""
    _, sessions = _database()
    with transaction(sessions, writing=not dry_run) as session:
        ids = purge_closed_cases(session, utc_now(), older_than_months=older_than_months, dry_run=dry_run)
    for case_id in ids:
        out.print(str(case_id))
    verb = "à anonymiser" if dry_run else "anonymisé(s)"
    out.print(f"{len(ids)} dossier(s) terminé(s) depuis plus de {older_than_months} mois {verb}.")


@personal_data_cli.command("export")
def personal_data_export(email: Annotated[str, typer.Argument(help="Adresse e-mail de la personne")]) -> None:
    """Écrire en JSON (sortie standard) tout ce que le guichet garde sur cette adresse."""
    _, sessions = _database()
    with transaction(sessions, writing=False) as session:
        export = export_personal_data(session, email)
    print(json.dumps({"email": export.email, "cases": export.cases}, ensure_ascii=False, indent=2))


@personal_data_cli.command("erase")
def personal_data_erase(email: Annotated[str, typer.Argument(help="Adresse e-mail de la personne")]) -> None:
    """Effacer les données personnelles de cette adresse (dossiers gardés, anonymisés)."""
    _, sessions = _database()
    with transaction(sessions, writing=True) as session:
        ids = erase_personal_data(session, email, utc_now())
    out.print(f"{len(ids)} dossier(s) anonymisé(s).")


def _partner(session: Session, reference: str) -> Partner:
    try:
        return find_partner(session, reference)
    except PartnerNotFound as exc:
        err.print(f"[red]{escape(exc.detail)}[/red]")
        raise typer.Exit(1) from exc


@partners_cli.command("add")
def partners_add(
    name: Annotated[str, typer.Option(help="Nom de l'organisation (CCI, Bpifrance, portail d'une Région…)")],
    contact_role: Annotated[str, typer.Option(help="Rôle de l'interlocuteur (un service, pas une personne)")],
    siren: Annotated[str | None, typer.Option(help="SIREN de l'organisation (facultatif)")] = None,
    contact_email: Annotated[
        str | None, typer.Option(help="Adresse de l'organisation pour les avis (clé bientôt expirée)")
    ] = None,
) -> None:
    """Ajouter un partenaire."""
    _, sessions = _database()
    try:
        with transaction(sessions, writing=True) as session:
            partner = add_partner(
                session, name=name, contact_role=contact_role, siren=siren, contact_email=contact_email, now=utc_now()
            )
    except InvalidInput as exc:
        err.print(f"[red]--{exc.errors[0]['field'].replace('_', '-')} : {escape(exc.detail)}[/red]")
        raise typer.Exit(2) from exc
    out.print(f"Partenaire {partner.id} ({escape(partner.name)}) ajouté.")


@partners_cli.command("deactivate")
def partners_deactivate(partner: Annotated[str, typer.Argument(help="Identifiant ou nom exact du partenaire")]) -> None:
    """Désactiver un partenaire : ses clés sont refusées dès la requête suivante."""
    _set_active(partner, active=False)


@partners_cli.command("activate")
def partners_activate(partner: Annotated[str, typer.Argument(help="Identifiant ou nom exact du partenaire")]) -> None:
    """Réactiver un partenaire : ses clés valides sont de nouveau acceptées."""
    _set_active(partner, active=True)


def _set_active(reference: str, *, active: bool) -> None:
    _, sessions = _database()
    with transaction(sessions, writing=True) as session:
        partner = set_active(session, _partner(session, reference), active)
        name = partner.name
    out.print(f"Partenaire « {escape(name)} » {'réactivé' if active else 'désactivé'}.")


@partners_cli.command("list")
def partners_list() -> None:
    """Lister les partenaires."""
    _, sessions = _database()
    with transaction(sessions, writing=False) as session:
        for p in list_partners(session):
            state = "actif" if p.active else "désactivé"
            print(f"{p.id}  {state:<10} {p.siren or '-':<9}  {p.name}  [{p.contact_role}]")


@partner_keys_cli.command("create")
def partner_keys_create(
    partner: Annotated[str, typer.Argument(help="Identifiant ou nom exact du partenaire")],
    days: Annotated[int, typer.Option(help="Durée de validité, en jours (défaut : 18 mois)")] = DEFAULT_KEY_DAYS,
    scope: Annotated[
        list[str] | None, typer.Option(help="Droit : match, cases:write, cases:read (répétable ; défaut : tous)")
    ] = None,
) -> None:
    """Créer une clé d'API ; elle est affichée une seule fois (seule son empreinte est gardée)."""
    settings, sessions = _database()
    try:
        with transaction(sessions, writing=True) as session:
            issued = create_key(
                session,
                load_token_key(settings),
                _partner(session, partner),
                scopes=scope or [],
                valid_for=timedelta(days=days),
                now=utc_now(),
            )
    except InvalidInput as exc:
        hint = {"scope": " (option --scope)", "expires": " (option --days)"}.get(exc.errors[0]["field"], "")
        err.print(f"[red]{escape(exc.detail)}{escape(hint)}[/red]")
        raise typer.Exit(2) from exc
    record = issued.record
    err.print(
        f"Clé {record.id} ({', '.join(record.scopes)}) valable jusqu'au "
        f"{french.day_and_time(record.expires_at)} UTC. Elle ne sera plus jamais affichée :"
    )
    print(issued.key)


@partner_keys_cli.command("list")
def partner_keys_list(partner: Annotated[str, typer.Argument(help="Identifiant ou nom exact du partenaire")]) -> None:
    """Lister les clés d'un partenaire (jamais les clés elles-mêmes)."""
    _, sessions = _database()
    now = utc_now()
    with transaction(sessions, writing=False) as session:
        for k in list_keys(session, _partner(session, partner)):
            state = "révoquée" if k.revoked_at else ("expirée" if k.expires_at <= now else "active")
            used = f"{k.last_used_at:%Y-%m-%d}" if k.last_used_at else "jamais"
            print(f"{k.id}  {state:<9} expire {k.expires_at:%Y-%m-%d}  utilisée {used:<10} [{', '.join(k.scopes)}]")


@partner_keys_cli.command("revoke")
def partner_keys_revoke(key_id: Annotated[str, typer.Argument(help="Identifiant de la clé")]) -> None:
    """Révoquer une clé : elle est refusée dès la requête suivante."""
    record_id, at = _revoked(key_id, "clé", revoke_key)
    out.print(f"Clé {record_id} révoquée le {french.day_and_time(at)} UTC.")


@partner_webhooks_cli.command("add")
def partner_webhooks_add(
    partner: Annotated[str, typer.Argument(help="Identifiant ou nom exact du partenaire")],
    url: Annotated[str, typer.Argument(help="Adresse https:// qui reçoit les événements")],
    event: Annotated[
        list[str] | None,
        typer.Option(help="case.filed, case.status_changed, case.withdrawn (répétable ; défaut : tous)"),
    ] = None,
) -> None:
    """Déclarer une adresse de webhook ; son secret de signature est affiché."""
    settings, sessions = _database()
    try:
        with transaction(sessions, writing=True) as session:
            endpoint = add_endpoint(
                session,
                _partner(session, partner).id,
                url,
                event or [],
                utc_now(),
                allow_local=settings.webhook_allow_local,
            )
    except InvalidInput as exc:
        err.print(f"[red]{escape(exc.detail)}[/red]")
        raise typer.Exit(2) from exc
    err.print(f"Adresse {endpoint.id} ({', '.join(endpoint.events)}). Secret de signature :")
    print(endpoint.secret)


@partner_webhooks_cli.command("list")
def partner_webhooks_list(
    partner: Annotated[str, typer.Argument(help="Identifiant ou nom exact du partenaire")],
) -> None:
    """Lister les adresses de webhook d'un partenaire."""
    _, sessions = _database()
    with transaction(sessions, writing=False) as session:
        for e in endpoints_of(session, _partner(session, partner).id):
            state = f"en échec depuis {e.failing_since:%Y-%m-%d %H:%M}" if e.failing_since else "active"
            print(f"{e.id}  {state}  {e.url}  [{', '.join(e.events)}]")


def main() -> None:
    cli()
