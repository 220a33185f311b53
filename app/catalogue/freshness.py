"""How fresh the catalogue is on a given day: schemes to verify again, closing soon, or whose
opening window the sources leave unknown. A report, never an error: the catalogue stays valid.

The day is always given (the clock is read at the edges: `guichet catalogue check`, /health).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from app.catalogue.loader import Scheme
from app.rules.facts import format_date
from app.rules.outcome import Outcome

#: a scheme verified longer ago than this is to be verified again
DEFAULT_STALE_AFTER_DAYS = 180
#: a scheme whose closing date falls within this many days is closing soon
CLOSING_WITHIN_DAYS = 30


class Finding(StrEnum):
    STALE = "stale"
    CLOSING_SOON = "closing_soon"
    UNKNOWN_WINDOW = "unknown_window"


@dataclass(frozen=True)
class FreshnessNote:
    scheme_id: str
    finding: Finding
    #: the key of the scheme file the note is about (its line is where the report points)
    field: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class FreshnessReport:
    as_of: date
    stale_after_days: int
    notes: tuple[FreshnessNote, ...]

    def count(self, finding: Finding) -> int:
        return sum(n.finding is finding for n in self.notes)

    def counts(self) -> dict[str, int]:
        return {finding.value: self.count(finding) for finding in Finding}


def freshness(
    schemes: Iterable[Scheme], as_of: date, stale_after_days: int = DEFAULT_STALE_AFTER_DAYS
) -> FreshnessReport:
    """The notes of every scheme on `as_of`, scheme by scheme in id order."""
    notes: list[FreshnessNote] = []
    for scheme in sorted(schemes, key=lambda s: s.id):
        d = scheme.definition
        age = (as_of - d.verified_on).days
        if age > stale_after_days:
            notes.append(
                FreshnessNote(
                    d.id,
                    Finding.STALE,
                    ("verified_on",),
                    f"vérifié le {format_date(d.verified_on)}, il y a {age} jours "
                    f"(plus de {stale_after_days}) : à vérifier de nouveau",
                )
            )
        closes_on = d.validity.closes_on
        if closes_on is not None and as_of <= closes_on <= as_of + timedelta(days=CLOSING_WITHIN_DAYS):
            left = (closes_on - as_of).days
            when = "aujourd'hui" if left == 0 else f"dans {left} jour{'s' if left > 1 else ''}"
            notes.append(
                FreshnessNote(
                    d.id,
                    Finding.CLOSING_SOON,
                    ("validity", "closes_on"),
                    f"se clôt le {format_date(closes_on)}, {when}",
                )
            )
        if scheme.rules.validity.on(as_of).result is Outcome.UNKNOWN:
            notes.append(
                FreshnessNote(
                    d.id,
                    Finding.UNKNOWN_WINDOW,
                    ("validity",),
                    f"ouverture au {format_date(as_of)} non établie par les sources : {scheme.rules.validity.window}",
                )
            )
    return FreshnessReport(as_of, stale_after_days, tuple(notes))
