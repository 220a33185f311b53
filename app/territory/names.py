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


def fold(text: str) -> str:
    """Lower case, no accents, ligatures opened (œ -> oe), words separated by single spaces."""
    text = unicodedata.normalize("NFKD", text.lower().replace("œ", "oe").replace("æ", "ae"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", text).strip()


def name_words(text: str) -> list[str]:
    return [_ABBREVIATIONS.get(word, word) for word in fold(text).split()]


def name_key(text: str) -> str:
    """The comparison key of a place name: folded, abbreviations expanded, no spaces.

    Removing spaces makes "lisle jourdain" and "L'Isle-Jourdain" (folded to "l isle jourdain")
    one and the same key.
    """
    return "".join(name_words(text))
