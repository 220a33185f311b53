"""The need taxonomy (catalogue/needs.yaml) and the mapping of free text to need codes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz, process

from app.territory.names import fold

NEED_MATCH_CUTOFF = 86.0
_PUNCTUATION_SPLIT = re.compile(r"[,;/\n]")
_CONJUNCTION_SPLIT = re.compile(r" et | ou | puis ")


class Need(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=3)
    description: str = Field(min_length=3)
    synonyms: list[str] = Field(min_length=1)


class NeedsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    needs: list[Need] = Field(min_length=1)


@dataclass(frozen=True)
class NeedMatch:
    code: str
    score: float
    matched: str  # the synonym that matched
    text: str  # the part of the applicant's text it matched


class NeedTaxonomy:
    def __init__(self, needs: list[Need]) -> None:
        self.needs = {need.code: need for need in needs}
        phrases: list[str] = []
        owners: list[str] = []
        for need in needs:
            for phrase in (need.label, *need.synonyms):
                phrases.append(fold(phrase))
                owners.append(need.code)
        self._phrases = phrases
        self._owners = owners
        self._token_sets = [frozenset(p.split()) for p in phrases]
        self._match_text = lru_cache(maxsize=4096)(self._match_text_uncached)

    def match_text(self, text: str) -> list[NeedMatch]:
        return list(self._match_text(text))

    def _match_text_uncached(self, text: str) -> tuple[NeedMatch, ...]:
        """Need codes for a free-text description, best first, each with its score and evidence.

        The text is cut at commas and conjunctions ("recruter un soudeur et agrandir l'usine"
        holds two needs); each part is compared with every label and synonym, word order and
        extra words ignored (token set ratio).
        """
        best: dict[str, NeedMatch] = {}
        # Punctuation first: folding turns it into spaces.
        parts = [p for chunk in _PUNCTUATION_SPLIT.split(text) for p in _CONJUNCTION_SPLIT.split(f" {fold(chunk)} ")]
        for part in parts:
            part = part.strip()
            if len(part) < 3:
                continue
            # Whole words first (what the token set ratio scores 100, at a fraction of its
            # cost); the fuzzy comparison only for parts without any, to forgive typos.
            words = frozenset(part.split())
            hits = [
                (self._phrases[i], 100.0, i)
                for i, tokens in enumerate(self._token_sets)
                if tokens <= words or words <= tokens
            ]
            if not hits:
                hits = process.extract(
                    part, self._phrases, scorer=fuzz.token_set_ratio, score_cutoff=NEED_MATCH_CUTOFF, limit=10
                )
            for phrase, score, index in hits:
                code = self._owners[index]
                if len(phrase) < 4:
                    continue
                if code not in best or score > best[code].score:
                    best[code] = NeedMatch(code, round(score, 1), phrase, part)
        return tuple(sorted(best.values(), key=lambda m: (-m.score, m.code)))
