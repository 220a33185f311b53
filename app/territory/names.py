"""Normalisation of French place names, so that "St Claude", "saint-claude" and
"SAINT CLAUDE" meet, and "lisle jourdain" meets "L'Isle-Jourdain"."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Common abbreviations of the names in the COG, as people type them.
_ABBREVIATIONS = {
    "st": "saint",
    "ste": "sainte",
    "sts": "saints",
    "stes": "saintes",
}


def _unaccented(ch: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))


# The letters of French and neighbouring place names, each with its unaccented spelling: one
# str.translate instead of a decomposition per character (the 37,590 names are folded at start-up).
_LATIN = {ord(ch): _unaccented(ch) for ch in map(chr, range(0xC0, 0x250)) if ch.lower() == ch}
_LATIN |= {ord("œ"): "oe", ord("æ"): "ae"}


def fold(text: str) -> str:
    """Lower case, no accents, ligatures opened (œ -> oe), words separated by single spaces."""
    text = text.lower().translate(_LATIN)
    if not text.isascii():  # a letter beyond the table: decomposed the slow way
        text = _unaccented(text)
    return _NON_ALNUM.sub(" ", text).strip()


def name_words(text: str) -> list[str]:
    return [_ABBREVIATIONS.get(word, word) for word in fold(text).split()]


_ABBREVIATED = re.compile(r"\b(?:" + "|".join(_ABBREVIATIONS) + r")\b")


def name_key(text: str) -> str:
    """The comparison key of a place name: folded, abbreviations expanded, no spaces.

    Removing spaces makes "lisle jourdain" and "L'Isle-Jourdain" (folded to "l isle jourdain")
    one and the same key.
    """
    folded = fold(text)
    if _ABBREVIATED.search(folded):
        return "".join(name_words(text))
    # Most names (all but a few of the 37,590 at start-up) have no abbreviation to expand.
    return folded.replace(" ", "")
