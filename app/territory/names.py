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


# The same table where every other ASCII character (hyphen, apostrophe, space...) also becomes a
# space: a name whose letters are all in the table is folded by one translate and one split.
_LATIN_WORDS = _LATIN | {code: " " for code in range(128) if not chr(code).isalnum()}


def fold(text: str) -> str:
    """Lower case, no accents, ligatures opened (œ -> oe), words separated by single spaces."""
    lowered = text.lower()
    words = lowered.translate(_LATIN_WORDS)
    if words.isascii():
        return " ".join(words.split())
    # A letter beyond the table: decomposed the slow way.
    return _NON_ALNUM.sub(" ", _unaccented(lowered.translate(_LATIN))).strip()


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
