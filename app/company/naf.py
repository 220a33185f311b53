"""The NAF rév. 2 nomenclature (activity codes, "code APE"), loaded once from `data/naf.json`.

A company's activity is given as a sous-classe, the fifth and finest level ("25.62A"); each one
belongs to a classe ("25.62"), a groupe ("25.6"), a division ("25") and a section ("C").
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from rapidfuzz import fuzz

from app.sourcefiles.data_files import read_data_file

#: the file's name in the data directory (`GUICHET_DATA_DIR`)
NAF_FILE_NAME = "naf.json"

# "25.62A" once spaces are removed; the dot is optional because SIRENE exports and users
# often drop it ("2562A").
_SUBCLASS = re.compile(r"^(\d{2})\.?(\d{2})([A-Z])$")
# Closest codes: each leading character shared with the query is worth this many points on
# top of rapidfuzz's 0-100 ratio, so that "25.62Z" ranks 25.62A and 25.62B (same classe) before
# codes that merely share as many characters elsewhere.
_PREFIX_WEIGHT = 5
# Below this, a "suggestion" only shares a digit or two with the query ("abc" has nothing).
_MIN_RESEMBLANCE = 60.0
# A misspelt word ("decoletage") resembles its label word above this; another word below.
_MIN_WORD_RESEMBLANCE = 86.0
_WORD = re.compile(r"[a-z0-9]+")
# Words that say nothing of an activity: "fabrication de pièces" is about the pièces.
_STOP_WORDS = frozenset({"de", "des", "du", "la", "le", "les", "et", "en", "a", "au", "aux", "d", "l", "pour", "par"})


class NafDataError(Exception):
    """The committed NAF file is missing or not in the expected format."""


class InvalidNafCode(ValueError):
    """The text cannot be a NAF rév. 2 sous-classe code, whatever the nomenclature holds."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(
            f"« {code} » n'est pas un code NAF rév. 2 : il faut quatre chiffres et une lettre, "
            "par exemple 25.62A ou 2562A."
        )


@dataclass(frozen=True, slots=True)
class NafCode:
    """A sous-classe and the four levels above it, each with its French label."""

    code: str
    label: str
    section: str
    section_label: str
    division: str
    division_label: str
    group: str
    group_label: str
    class_: str
    class_label: str


@dataclass(frozen=True)
class NafNomenclature:
    codes: dict[str, NafCode]  # by sous-classe code, "25.62A"
    sections: dict[str, str]  # letter -> label
    sources: tuple[dict[str, str], ...]
    version: str

    def __len__(self) -> int:
        return len(self.codes)

    @staticmethod
    def normalise(code: str) -> str:
        """Canonical spelling: "2562A", "25.62a", "25.62 A", " 25.62A " -> "25.62A"; else InvalidNafCode."""
        match = _SUBCLASS.match("".join(code.split()).upper())
        if match is None:
            raise InvalidNafCode(code)
        division, rest, letter = match.groups()
        return f"{division}.{rest}{letter}"

    def get(self, code: str) -> NafCode | None:
        """The sous-classe, whatever the spelling; None if it does not exist or is not a code."""
        try:
            return self.codes.get(self.normalise(code))
        except InvalidNafCode:
            return None

    def closest(self, code: str, limit: int = 5) -> list[NafCode]:
        """Sous-classes resembling `code`, best first, for a "did you mean" answer."""
        query = _compact(code)
        if not query or limit <= 0:
            return []
        scored = [(_resemblance(query, _compact(naf.code)), naf) for naf in self.codes.values()]
        ranked = sorted((item for item in scored if item[0] >= _MIN_RESEMBLANCE), key=lambda i: (-i[0], i[1].code))
        return [naf for _score, naf in ranked[:limit]]

    @cached_property
    def _folded_labels(self) -> tuple[tuple[NafCode, str, tuple[str, ...]], ...]:
        return tuple((naf, folded := fold(naf.label), tuple(_WORD.findall(folded))) for naf in self.codes.values())

    def search(self, text: str, limit: int = 8) -> list[NafCode]:
        """Sous-classes whose label answers words ("décolletage" -> 25.62A), best first.

        A label that is the text itself comes first; then labels holding every word of the text
        (a word matches a label word it begins, so "plastique" finds "plastiques"); then labels
        that resemble the text as a whole, for a misspelt word.
        """
        query = fold(text)
        words = [w for w in _WORD.findall(query) if w not in _STOP_WORDS]
        if not words or limit <= 0:
            return []
        scored: list[tuple[float, NafCode]] = []
        for naf, label, label_words in self._folded_labels:
            if label == query:
                score = 300.0
            elif all(any(lw.startswith(w[: max(4, len(w) - 1)]) for lw in label_words) for w in words):
                # Shorter labels say more precisely what the words ask for.
                score = 200.0 - len(label_words)
            else:
                # Each word close to a word of the label: a misspelling, not another activity.
                closeness = [max((fuzz.ratio(w, lw) for lw in label_words), default=0.0) for w in words]
                if min(closeness) < _MIN_WORD_RESEMBLANCE:
                    continue
                score = sum(closeness) / len(closeness)
            scored.append((score, naf))
        scored.sort(key=lambda item: (-item[0], item[1].code))
        return [naf for _score, naf in scored[:limit]]


def load_naf(path: Path) -> NafNomenclature:
    raw_bytes, raw = read_data_file(path, "de la nomenclature NAF", NafDataError)

    sections: dict[str, str] = dict(raw["sections"])
    divisions = {code: label for code, label, _section in raw["divisions"]}
    groups: dict[str, str] = dict(raw["groups"])
    classes: dict[str, str] = dict(raw["classes"])
    codes = {
        code: NafCode(
            code=code,
            label=label,
            section=section,
            section_label=sections[section],
            division=division,
            division_label=divisions[division],
            group=group,
            group_label=groups[group],
            class_=klass,
            class_label=classes[klass],
        )
        for code, label, section, division, group, klass in raw["subclasses"]
    }
    sources = tuple(raw["sources"])
    # The file's own digest, not the tarball's: it changes whenever what we serve changes.
    version = (
        "+".join(f"{s['package']}@{s['version']}" for s in sources) + "#" + hashlib.sha256(raw_bytes).hexdigest()[:12]
    )
    return NafNomenclature(codes=codes, sections=sections, sources=sources, version=version)


def fold(text: str) -> str:
    """Lower case without accents: "Décolletage" -> "decolletage"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _compact(code: str) -> str:
    """Letters and digits only, upper case: "25.62 a" -> "2562A"."""
    return "".join(ch for ch in code.upper() if ch.isascii() and ch.isalnum())


def _resemblance(query: str, candidate: str) -> float:
    prefix = 0
    for a, b in zip(query, candidate, strict=False):
        if a != b:
            break
        prefix += 1
    return fuzz.ratio(query, candidate) + _PREFIX_WEIGHT * prefix
