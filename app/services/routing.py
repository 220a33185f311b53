"""Which queue receives a request: the catalogue's routing rules applied to a commune."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.catalogue.routing import AnimationKind, Queue, Routing, RoutingRuleFile, animation_of, rule_applies
from app.territory.geography import Commune, Geography
from app.territory.perimeters import IndustryTerritory, MembershipStatus, PerimeterSet


@dataclass(frozen=True)
class RouteDecision:
    queue: Queue
    rule_id: str
    reason: str
    message: str
    ti_status: str
    ti_id: str | None

    def record(self) -> dict[str, Any]:
        """What is stored with the case: the decision and its reasons, as words and as data."""
        return {
            "queue_id": self.queue.id,
            "queue_name": self.queue.name,
            "fallback": self.queue.fallback,
            "rule": self.rule_id,
            "ti_status": self.ti_status,
            "ti_id": self.ti_id,
            "reason": self.reason,
            "message": self.message,
        }


def route_commune(routing: Routing, perimeters: PerimeterSet, geography: Geography, commune: Commune) -> RouteDecision:
    membership = perimeters.membership(commune)
    region = geography.regions[commune.region_code]
    # A commune in several TIs goes to the first (by id) that a rule routes to its own queue;
    # when none does, the first TI's rule decides (a regional queue).
    candidates: list[tuple[IndustryTerritory | None, AnimationKind]] = [
        (t, animation_of(t)) for t in sorted(membership.territories, key=lambda t: t.id)
    ] or [(None, "none")]
    decisions = [(t, _first_rule(routing, membership.status, a)) for t, a in candidates]
    territory, rule = next(((t, r) for t, r in decisions if r.route_to == "industry_territory"), decisions[0])
    others = [t.name for t, _ in candidates if t is not None and t is not territory]
    values = {
        "commune": f"{commune.name} ({commune.code})",
        "ti": territory.name if territory else "",
        "region": region.name,
        "others": f" La commune fait aussi partie de : {', '.join(others)}." if others else "",
    }
    if rule.route_to == "industry_territory":
        assert territory is not None  # the loader allows this destination for members only
        queue = routing.queues[f"ti:{territory.id}"]
        assert queue.recipient is not None
        values |= {"organisation": queue.recipient.organisation, "role": queue.recipient.role}
    else:
        queue = routing.queues[f"region:{region.code}"]
    reason = " ".join(rule.reason.format(**values).split())
    return RouteDecision(
        queue=queue,
        rule_id=rule.id,
        reason=reason,
        message=routing.definition.message.format(queue=queue.name),
        ti_status=membership.status,
        ti_id=territory.id if territory else None,
    )


def _first_rule(routing: Routing, status: MembershipStatus, animation: AnimationKind) -> RoutingRuleFile:
    # The loader checked that every situation has a rule.
    return next(r for r in routing.rules if rule_applies(r, status, animation))
