"""Case statistics for the queues a token sees: counts by TI, scheme and status, the median time to
acknowledgement, the overdue count. No personal data, by construction: only case columns that
describe the request are read."""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.cases.lifecycle import CaseStatus
from app.models import CaseFile, CaseScheme
from app.services.cases.access import readable_cases
from app.services.cases.overdue import overdue_condition
from app.services.matching import MatchContext
from app.services.tokens import Staff


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class CaseStats:
    scope: str
    total: int
    by_ti: list[Count]
    by_scheme: list[Count]
    by_status: list[Count]
    acknowledged: int
    median_hours_to_acknowledgement: float | None
    overdue: int

    def as_json(self) -> dict[str, Any]:
        def counts(items: list[Count]) -> list[dict[str, Any]]:
            return [{"key": c.key, "label": c.label, "count": c.count} for c in items]

        return {
            "scope": self.scope,
            "total": self.total,
            "by_ti": counts(self.by_ti),
            "by_scheme": counts(self.by_scheme),
            "by_status": counts(self.by_status),
            "acknowledged": self.acknowledged,
            "median_hours_to_acknowledgement": self.median_hours_to_acknowledgement,
            "overdue": self.overdue,
        }

    def as_csv(self) -> str:
        """One row per figure: dimension;key;label;value (semicolons, as French spreadsheets expect)."""
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(["dimension", "cle", "libelle", "valeur"])
        writer.writerow(["total", "", "Dossiers", self.total])
        for dimension, items in (("ti", self.by_ti), ("dispositif", self.by_scheme), ("statut", self.by_status)):
            for c in items:
                writer.writerow([dimension, c.key, c.label, c.count])
        median = self.median_hours_to_acknowledgement
        writer.writerow(["delai", "mediane_heures_prise_en_compte", "Délai médian de prise en compte (heures)", median])
        writer.writerow(["retard", "", "Dossiers en retard", self.overdue])
        return out.getvalue()


def case_stats(session: Session, ctx: MatchContext, staff: Staff, now: datetime) -> CaseStats:
    cases = (
        readable_cases(staff)
        .with_only_columns(
            CaseFile.id, CaseFile.ti_id, CaseFile.status, CaseFile.submitted_at, CaseFile.acknowledged_at
        )
        .subquery()
    )
    territories = ctx.territories.perimeters.territories
    schemes = ctx.catalogue.schemes

    by_ti = [
        Count(ti or "", territories[ti].name if ti in territories else (ti or "Hors TI ou statut inconnu"), n)
        for ti, n in session.execute(
            select(cases.c.ti_id, func.count()).group_by(cases.c.ti_id).order_by(cases.c.ti_id)
        )
    ]
    by_status = [
        Count(status, CaseStatus(status).label, n)
        for status, n in session.execute(
            select(cases.c.status, func.count()).group_by(cases.c.status).order_by(cases.c.status)
        )
    ]
    by_scheme = [
        Count(scheme_id, schemes[scheme_id].definition.name if scheme_id in schemes else scheme_id, n)
        for scheme_id, n in session.execute(
            select(CaseScheme.scheme_id, func.count())
            .join(cases, cases.c.id == CaseScheme.case_id)
            .group_by(CaseScheme.scheme_id)
            .order_by(CaseScheme.scheme_id)
        )
    ]
    delays = [
        (acknowledged - submitted).total_seconds() / 3600
        for submitted, acknowledged in session.execute(
            select(cases.c.submitted_at, cases.c.acknowledged_at).where(cases.c.acknowledged_at.is_not(None))
        )
        if acknowledged is not None
    ]
    overdue = session.scalar(
        select(func.count()).select_from(CaseFile).where(CaseFile.id.in_(select(cases.c.id)), overdue_condition(now))
    )
    return CaseStats(
        scope="toutes les files" if staff.is_admin else ", ".join(sorted(staff.queue_ids)),
        total=sum(c.count for c in by_status),
        by_ti=by_ti,
        by_scheme=by_scheme,
        by_status=by_status,
        acknowledged=len(delays),
        median_hours_to_acknowledgement=round(statistics.median(delays), 1) if delays else None,
        overdue=overdue or 0,
    )
