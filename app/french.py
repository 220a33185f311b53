"""French formatting of numbers, dates and lists at the edges (company, services), by babel.

The engine (app/rules, standard library only) keeps its own small formatter in app/rules/facts.py;
everything else formats through here, so that typography (the narrow no-break space U+202F that
groups digits, the decimal comma, "a, b et c") is decided once, by CLDR's fr_FR data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Literal

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.lists import format_list
from babel.numbers import format_decimal

# Parsed once: babel would otherwise parse the locale name again at every call.
LOCALE = Locale.parse("fr_FR")
# At most two decimals, none when they are zeros: "2,5", "8", "1 500 000".
_AMOUNT = "#,##0.##"


def number(value: float) -> str:
    """`1500000` -> "1 500 000" (U+202F), `2.5` -> "2,5", `-0.5` -> "-0,5"."""
    return str(format_decimal(value, format=_AMOUNT, locale=LOCALE))


# Pages write the same few dates (today's, the sources' reading dates) on every request: babel's
# formatting costs more than the rest of a result page's own text.
@lru_cache(maxsize=4096)
def day(value: date) -> str:
    """`2022-06-30` -> "30/06/2022"."""
    return str(format_date(value, format="dd/MM/yyyy", locale=LOCALE))


def day_and_time(value: datetime) -> str:
    """`2026-11-30T14:05` -> "30/11/2026 14:05", in the time zone of `value` (say which to the reader)."""
    return str(format_datetime(value, format="dd/MM/yyyy HH:mm", tzinfo=value.tzinfo, locale=LOCALE))


def enumeration(items: Sequence[str], conjunction: Literal["et", "ou"] = "et") -> str:
    """["a", "b", "c"] -> "a, b et c" (or "a, b ou c"); one item alone; nothing -> ""."""
    return _enumeration(tuple(items), conjunction) if items else ""


@lru_cache(maxsize=4096)
def _enumeration(items: tuple[str, ...], conjunction: Literal["et", "ou"]) -> str:
    return str(format_list(list(items), style="standard" if conjunction == "et" else "or", locale=LOCALE))
