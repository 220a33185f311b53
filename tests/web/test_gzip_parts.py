"""Pages compressed from parts, the shared parts compressed once."""

from __future__ import annotations

import gzip
import random
import zlib
from urllib.parse import urlencode

from fastapi.testclient import TestClient

from app.web.gzip_parts import SharedPart, gzipped, plain

_WORDS = ("<li>", "critère", " rempli", "é", "€", "source", "\n", "aide", "Rempli :", "0123456789")


def _random_parts(rng: random.Random) -> list[str | SharedPart]:
    parts: list[str | SharedPart] = []
    for _ in range(rng.randint(0, 12)):
        text = "".join(rng.choice(_WORDS) for _ in range(rng.randint(0, 600)))
        parts.append(SharedPart(text) if rng.random() < 0.5 else text)
    return parts


def test_parts_compressed_apart_make_one_gzip_member_of_the_whole_text() -> None:
    rng = random.Random(2026)
    for _ in range(300):
        parts = _random_parts(rng)
        compressed = gzipped(parts)
        assert gzip.decompress(compressed) == plain(parts)
        # one member, as a browser's decoder reads it
        decoder = zlib.decompressobj(wbits=31)
        assert decoder.decompress(compressed) == plain(parts)
        assert decoder.eof
        assert not decoder.unused_data


def test_a_shared_part_is_compressed_once_for_every_page_that_includes_it() -> None:
    card = SharedPart("<article>" + "critère rempli " * 200 + "</article>")
    first = gzipped(["<main>", card, "</main>"])
    deflated = card.deflated
    second = gzipped(["<main>autre page", card, card, "</main>"])
    assert card.deflated is deflated
    assert gzip.decompress(first).count(b"<article>") == 1
    assert gzip.decompress(second).count(b"<article>") == 2


def test_the_results_page_compressed_is_the_page_sent_plain(client: TestClient) -> None:
    path = "/resultats?" + urlencode({"commune": "Morez", "code_commune": "39368", "effectif": "30", "naf": "25.62A"})
    compressed = client.get(path, headers={"Accept-Encoding": "gzip"})
    sent_plain = client.get(path, headers={"Accept-Encoding": "identity"})

    assert compressed.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in sent_plain.headers
    assert compressed.text == sent_plain.text  # decoded by the client
    assert int(compressed.headers["content-length"]) < len(sent_plain.content) / 3
    assert compressed.headers["vary"] == sent_plain.headers["vary"] == "Accept-Encoding"
    assert sent_plain.headers["content-type"] == "text/html; charset=utf-8"
    assert sent_plain.text.count('<article class="guichet-card') >= 10
    assert "<!--carte-" not in sent_plain.text
