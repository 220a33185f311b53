"""The routing rules of the catalogue (catalogue/routing.yaml): the shipped file loads, and every
mistake in it is refused at its own line, so that no request is ever left without a queue.

The catalogues are copies of the real one whose schemes are replaced by the frozen VTE fixture
(as in test_loader.py); routing.yaml is edited in the copy. Expected positions are found in the
edited file itself, so that they do not move when the shipped file is reworded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.catalogue.loader import load_catalogue
from app.services.routing import route_commune
from app.sourcefiles.yaml_source import CatalogueError, CatalogueProblem
from app.territory.store import TerritoryStore
from tests.catalogue.catalogue_copy import SHIPPED, edit

UNKNOWN_RULE = "  - id: statut-ti-inconnu\n    when: {ti_status: unknown}\n    route_to: region\n"
NOT_MEMBER_WHEN = "    when: {ti_status: not_member}\n"


@pytest.fixture
def routing(catalogue_dir: Path) -> Path:
    return catalogue_dir / "routing.yaml"


def at(file: Path, fragment: str, *, below: int = 0, column_of: str | None = None) -> tuple[int, int]:
    """(line, column) of `column_of` (default: `fragment`) on the line `below` lines under the one
    line that contains `fragment`."""
    fragment = fragment.rstrip("\n")
    lines = file.read_text(encoding="utf-8").splitlines()
    found = [n for n, line in enumerate(lines) if fragment in line]
    assert len(found) == 1, f"{fragment!r} should be on one line of {file}"
    index = found[0] + below
    return index + 1, lines[index].index(column_of or fragment) + 1


def problems(directory: Path, store: TerritoryStore) -> list[CatalogueProblem]:
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(directory, store.geography, store.perimeters)
    return caught.value.problems


def located(problem: CatalogueProblem) -> tuple[Path, int, int]:
    return problem.file, problem.line, problem.column


# -- the shipped rules ---------------------------------------------------------------------------


def test_the_shipped_routing_loads_with_its_five_rules_in_order(catalogue_dir: Path, store: TerritoryStore) -> None:
    routing = load_catalogue(catalogue_dir, store.geography, store.perimeters).routing
    assert [rule.id for rule in routing.rules] == [
        "chef-de-projet-ti",
        "repli-ti-sans-chef-de-projet",
        "ti-sans-interlocuteur",
        "hors-ti",
        "statut-ti-inconnu",
    ]
    assert "{queue}" in routing.definition.message
    assert routing.definition.regional_queues.recipients == {}


def test_the_whole_shipped_catalogue_loads_with_its_routing(store: TerritoryStore) -> None:
    catalogue = load_catalogue(SHIPPED, store.geography, store.perimeters)
    assert "ti:haut-jura" in catalogue.routing.queues
    assert "region:27" in catalogue.routing.queues


def test_the_version_changes_when_routing_yaml_changes(
    catalogue_dir: Path, routing: Path, store: TerritoryStore
) -> None:
    first = load_catalogue(catalogue_dir, store.geography, store.perimeters).version
    assert load_catalogue(catalogue_dir, store.geography, store.perimeters).version == first
    edit(routing, "réorienter vers un TI.", "réorienter vers un Territoire d'industrie.")
    assert load_catalogue(catalogue_dir, store.geography, store.perimeters).version != first


def test_a_routing_comment_change_also_changes_the_version(
    catalogue_dir: Path, routing: Path, store: TerritoryStore
) -> None:
    first = load_catalogue(catalogue_dir, store.geography, store.perimeters).version
    routing.write_text(routing.read_text(encoding="utf-8") + "# relu\n", encoding="utf-8")
    assert load_catalogue(catalogue_dir, store.geography, store.perimeters).version != first


def test_an_edited_regional_recipient_reaches_the_regional_queue(
    catalogue_dir: Path, routing: Path, store: TerritoryStore
) -> None:
    edit(
        routing,
        "recipients: {}",
        'recipients:\n    "76": {organisation: Région Occitanie, role: Chargée de mission industrie}',
    )
    queues = load_catalogue(catalogue_dir, store.geography, store.perimeters).routing.queues
    recipient = queues["region:76"].recipient
    assert recipient is not None
    assert recipient.organisation == "Région Occitanie"
    assert queues["region:84"].recipient is None


# -- refused rules -------------------------------------------------------------------------------


def test_rules_without_one_for_an_unknown_ti_status_are_refused(
    catalogue_dir: Path, routing: Path, store: TerritoryStore
) -> None:
    # The last rule now repeats ti_status: member instead of covering unknown.
    edit(routing, UNKNOWN_RULE, UNKNOWN_RULE.replace("unknown", "member"))
    [problem] = problems(catalogue_dir, store)
    assert located(problem) == (routing, *at(routing, "rules:", below=1, column_of="-"))
    assert "aucune règle ne s'applique" in problem.message
    assert "ti_status unknown" in problem.message


def test_routing_a_not_member_commune_to_an_industry_territory_is_refused(
    catalogue_dir: Path, routing: Path, store: TerritoryStore
) -> None:
    edit(routing, NOT_MEMBER_WHEN + "    route_to: region", NOT_MEMBER_WHEN + "    route_to: industry_territory")
    [problem] = problems(catalogue_dir, store)
    assert located(problem) == (routing, *at(routing, NOT_MEMBER_WHEN, below=1, column_of="industry_territory"))
    assert "industry_territory exige une commune membre" in problem.message


def test_routing_every_member_to_its_ti_is_refused_for_tis_that_nobody_animates(
    catalogue_dir: Path, routing: Path, store: TerritoryStore
) -> None:
    first = "  - id: chef-de-projet-ti\n    when: {ti_status: member, animation: chef_de_projet}\n"
    edit(routing, first, "  - id: chef-de-projet-ti\n    when: {ti_status: member}\n")
    [problem] = problems(catalogue_dir, store)
    assert located(problem) == (routing, *at(routing, "when: {ti_status: member}\n", below=1, column_of="industry"))
    assert "chef de projet ou un repli" in problem.message


def test_an_unknown_placeholder_in_a_reason_is_refused_at_that_reason(
    catalogue_dir: Path, routing: Path, store: TerritoryStore
) -> None:
    edit(
        routing,
        "    reason: >-\n"
        "      {commune} fait partie du Territoire d'industrie {ti}, qui n'a pas de chef de projet connu :\n"
        "      la demande va à un interlocuteur de repli, {organisation} ({role}).{others}\n",
        '    reason: "{commune} relève de {directeur}, qui anime le programme."\n',
    )
    [problem] = problems(catalogue_dir, store)
    assert located(problem) == (routing, *at(routing, "relève de {directeur}", column_of='"'))
    assert "{directeur} inconnu ici" in problem.message
    assert "organisation" in problem.message  # the names that are possible are listed


def test_a_ti_placeholder_in_a_regional_reason_is_refused(
    catalogue_dir: Path, routing: Path, store: TerritoryStore
) -> None:
    edit(routing, "réorienter vers un TI.", "réorienter vers {organisation}.")
    [problem] = problems(catalogue_dir, store)
    assert located(problem) == (routing, *at(routing, "L'appartenance de {commune}", below=-1, column_of=">-"))
    assert "{organisation} inconnu ici" in problem.message


def test_animation_for_a_not_member_commune_is_refused(
    catalogue_dir: Path, routing: Path, store: TerritoryStore
) -> None:
    edit(routing, NOT_MEMBER_WHEN, "    when: {ti_status: not_member, animation: none}\n")
    [problem] = problems(catalogue_dir, store)
    assert located(problem) == (
        routing,
        *at(routing, "not_member, animation: none}", column_of="{ti_status: not_member"),
    )
    assert "animation ne s'applique qu'aux communes membres" in problem.message


def test_a_regional_recipient_under_an_unknown_region_code_is_refused(
    catalogue_dir: Path, routing: Path, store: TerritoryStore
) -> None:
    edit(routing, "recipients: {}", 'recipients:\n    "99": {organisation: Préfecture de région, role: Animation}')
    [problem] = problems(catalogue_dir, store)
    assert located(problem) == (routing, *at(routing, '"99":', column_of="{organisation"))
    assert "code région « 99 » inconnu" in problem.message


def test_an_unknown_key_in_routing_yaml_is_refused_at_its_line(
    catalogue_dir: Path, routing: Path, store: TerritoryStore
) -> None:
    edit(routing, "\nupdated_on:", "\npriorite: haute\nupdated_on:")
    [problem] = problems(catalogue_dir, store)
    assert located(problem) == (routing, *at(routing, "priorite: haute", column_of="priorite"))
    assert "priorite : champ inconnu" in problem.message


def test_a_message_that_does_not_name_the_queue_is_refused(
    catalogue_dir: Path, routing: Path, store: TerritoryStore
) -> None:
    edit(routing, "transmise à : {queue}.", "transmise au bon interlocuteur.")
    [problem] = problems(catalogue_dir, store)
    assert located(problem) == (routing, *at(routing, "message:", column_of='"'))
    assert "{queue}" in problem.message


def test_a_missing_routing_yaml_is_refused(catalogue_dir: Path, routing: Path, store: TerritoryStore) -> None:
    routing.unlink()
    [problem] = problems(catalogue_dir, store)
    assert located(problem) == (routing, 1, 1)
    assert "fichier absent" in problem.message


def test_an_empty_rules_list_is_refused(catalogue_dir: Path, routing: Path, store: TerritoryStore) -> None:
    text = routing.read_text(encoding="utf-8")
    start, end = text.index("rules:\n"), text.index("regional_queues:")
    routing.write_text(text[:start] + "rules: []\n" + text[end:], encoding="utf-8")
    [problem] = problems(catalogue_dir, store)
    assert located(problem)[:2] == (routing, at(routing, "rules: []")[0])
    assert problem.message.startswith("rules : ")


# -- placeholders that the checks above miss -------------------------------------------------------
# Every mistake in a catalogue file is a located CatalogueError at load time: never an exception of
# another kind at load, nor a request that fails when it is routed.


def test_an_unknown_placeholder_in_the_message_is_refused_at_load(
    catalogue_dir: Path, routing: Path, store: TerritoryStore
) -> None:
    edit(routing, "transmise à : {queue}.", "transmise à : {queue} ({operateur}).")
    try:
        catalogue = load_catalogue(catalogue_dir, store.geography, store.perimeters)
    except CatalogueError as error:
        [problem] = error.problems
        assert located(problem) == (routing, *at(routing, "message:", column_of='"'))
        assert "operateur" in problem.message
        return
    lyon = store.geography.communes["69123"]
    route_commune(catalogue.routing, store.perimeters, store.geography, lyon)  # KeyError: 'operateur'
    pytest.fail("a message naming {operateur} loaded and routed")


def test_an_unknown_placeholder_in_the_regional_queue_name_is_a_located_problem(
    catalogue_dir: Path, routing: Path, store: TerritoryStore
) -> None:
    edit(routing, "Territoires d'industrie – {region}", "Territoires d'industrie – {nom}")
    [problem] = problems(catalogue_dir, store)  # KeyError: 'nom' escapes the loader instead
    assert located(problem) == (routing, *at(routing, "– {nom}", column_of='"'))
    assert "nom" in problem.message


def test_a_positional_placeholder_in_a_reason_is_refused_at_load(
    catalogue_dir: Path, routing: Path, store: TerritoryStore
) -> None:
    edit(routing, "réorienter vers un TI.", "réorienter vers {}.")
    try:
        catalogue = load_catalogue(catalogue_dir, store.geography, store.perimeters)
    except CatalogueError as error:
        [problem] = error.problems
        assert located(problem) == (routing, *at(routing, "L'appartenance de {commune}", below=-1, column_of=">-"))
        return
    lyon = store.geography.communes["69123"]
    route_commune(catalogue.routing, store.perimeters, store.geography, lyon)  # IndexError
    pytest.fail("a reason with {} loaded and routed")


def test_an_unbalanced_brace_in_a_reason_is_a_located_problem(
    catalogue_dir: Path, routing: Path, store: TerritoryStore
) -> None:
    edit(routing, "réorienter vers un TI.", "réorienter vers un TI {.")
    [problem] = problems(catalogue_dir, store)  # ValueError escapes the loader instead
    assert located(problem) == (routing, *at(routing, "L'appartenance de {commune}", below=-1, column_of=">-"))
