"""Routing rules of the catalogue (catalogue/routing.yaml): which queue receives a request.

Queues are named `ti:<TI id>` (the TI's chef de projet, or its fallback contact when it has none)
and `region:<code>` (the regional queue). The rules are read in order and the first that applies
decides; the loader checks that every situation (TI status x animation) has a rule, so that no
request is ever left without a queue.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.sourcefiles.yaml_source import CatalogueProblem, LocatedDocument
from app.territory.geography import Geography
from app.territory.perimeters import Contact, IndustryTerritory, MembershipStatus, PerimeterSet, SourceRef

ROUTING_FILE = "routing.yaml"

#: who animates a TI, as routing sees it
AnimationKind = Literal["chef_de_projet", "fallback", "none"]
MEMBERSHIP_STATUSES: tuple[MembershipStatus, ...] = ("member", "not_member", "unknown")
ANIMATION_KINDS: tuple[AnimationKind, ...] = ("chef_de_projet", "fallback", "none")

#: the names a reason may use, by destination
_PLACEHOLDERS = {
    "industry_territory": {"commune", "ti", "organisation", "role", "region", "others"},
    "region": {"commune", "ti", "region", "others"},
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleCondition(_Strict):
    ti_status: MembershipStatus | None = Field(default=None, description="Statut TI de la commune.")
    animation: AnimationKind | None = Field(default=None, description="Qui anime le TI (pour ti_status: member).")


class RoutingRuleFile(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    when: RuleCondition
    route_to: Literal["industry_territory", "region"]
    reason: str = Field(min_length=10, description="Pourquoi, en français ; {commune}, {ti}, {organisation}…")


class RegionalQueues(_Strict):
    name: str = Field(min_length=5, description="Nom d'une file régionale ; {region} est le nom de la région.")
    recipients: dict[str, Contact] = Field(
        default_factory=dict, description="Interlocuteur de la file, par code région, quand une source le désigne."
    )
    note: str | None = None


class RoutingFile(_Strict):
    message: str = Field(min_length=10, description="Phrase montrée au demandeur ; {queue} est le nom de la file.")
    rules: list[RoutingRuleFile] = Field(min_length=1)
    regional_queues: RegionalQueues
    sources: list[SourceRef] = Field(min_length=1)
    updated_on: date

    @field_validator("message")
    @classmethod
    def _message_names_the_queue(cls, value: str) -> str:
        if "{queue}" not in value:
            raise ValueError("le message doit contenir {queue}")
        return value


@dataclass(frozen=True)
class Queue:
    id: str
    kind: Literal["industry_territory", "region"]
    name: str
    ti_id: str | None
    region_code: str | None
    recipient: Contact | None
    #: the recipient is the TI's fallback contact (no chef de projet known), not its chef de projet
    fallback: bool = False


@dataclass(frozen=True)
class Routing:
    definition: RoutingFile
    queues: dict[str, Queue]

    @property
    def rules(self) -> list[RoutingRuleFile]:
        return self.definition.rules


def animation_of(territory: IndustryTerritory) -> AnimationKind:
    animation = territory.definition.animation
    if animation.chef_de_projet is not None:
        return "chef_de_projet"
    return "fallback" if animation.fallback is not None else "none"


def rule_applies(rule: RoutingRuleFile, status: MembershipStatus, animation: AnimationKind) -> bool:
    when = rule.when
    return (when.ti_status is None or when.ti_status == status) and (
        when.animation is None or when.animation == animation
    )


def _template_problem(template: str, allowed: set[str]) -> str | None:
    """What is wrong with a text to be filled with `allowed` names, or None."""
    possible = ", ".join(f"{{{n}}}" for n in sorted(allowed))
    try:
        fields = [name for _, name, spec, conversion in string.Formatter().parse(template) if name is not None]
    except ValueError:
        return f"accolade non fermée : les noms s'écrivent entre accolades ({possible}) ; « {{{{ » pour une accolade"
    for name in fields:
        if name not in allowed:
            shown = f"{{{name}}}" if name else "{}"
            return f"{shown} inconnu ici (possibles : {possible})"
    return None


def build_routing(
    document: LocatedDocument, definition: RoutingFile, geography: Geography, perimeters: PerimeterSet
) -> tuple[Routing | None, list[CatalogueProblem]]:
    problems: list[CatalogueProblem] = []

    def problem(path: tuple[str | int, ...], message: str) -> None:
        problems.append(document.problem(path, message))

    for i, rule in enumerate(definition.rules):
        if rule.when.animation is not None and rule.when.ti_status not in (None, "member"):
            problem(("rules", i, "when"), "animation ne s'applique qu'aux communes membres (ti_status: member)")
        template_problem = _template_problem(rule.reason, _PLACEHOLDERS[rule.route_to])
        if template_problem:
            problem(("rules", i, "reason"), template_problem)
    for path, template, names in (
        (("message",), definition.message, {"queue"}),
        (("regional_queues", "name"), definition.regional_queues.name, {"region"}),
    ):
        template_problem = _template_problem(template, names)
        if template_problem:
            problem(path, template_problem)
    for status in MEMBERSHIP_STATUSES:
        for animation in ANIMATION_KINDS if status == "member" else ("none",):
            first = next((r for r in definition.rules if rule_applies(r, status, animation)), None)
            if first is None:
                situation = f"ti_status {status}" + (f", animation {animation}" if status == "member" else "")
                problem(("rules",), f"aucune règle ne s'applique à une commune ({situation}) : ajoutez-en une")
            elif first.route_to == "industry_territory" and (status != "member" or animation == "none"):
                problem(
                    ("rules", definition.rules.index(first), "route_to"),
                    "industry_territory exige une commune membre d'un TI qui a un chef de projet ou un repli",
                )
    for code in definition.regional_queues.recipients:
        if code not in geography.regions:
            problem(("regional_queues", "recipients", code), f"code région « {code} » inconnu")
    if problems:
        return None, problems

    queues: dict[str, Queue] = {}
    for territory in perimeters.territories.values():
        animators = territory.definition.animation
        contact = animators.chef_de_projet or animators.fallback
        if contact is None:
            continue
        fallback = animators.chef_de_projet is None
        kind = "Interlocuteur de repli" if fallback else "Chef de projet"
        name = f"{kind} du Territoire d'industrie {territory.name} ({contact.organisation})"
        queue_id = f"ti:{territory.id}"
        queues[queue_id] = Queue(queue_id, "industry_territory", name, territory.id, None, contact, fallback)
    regional = definition.regional_queues
    for region in geography.regions.values():
        queue_id = f"region:{region.code}"
        name = regional.name.format(region=region.name)
        queues[queue_id] = Queue(queue_id, "region", name, None, region.code, regional.recipients.get(region.code))
    return Routing(definition, queues), []
