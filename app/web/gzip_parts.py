"""A page sent gzip-compressed from parts, the parts that many pages share compressed once.

A results page is about a hundred kilobytes, most of it the schemes' cards, which are the same
for every company with the same verdicts (app.web.results caches them). Compressing the whole
page on every request cost more than rendering it. Here a card is compressed once, on its own,
into deflate blocks that end on a full flush: they refer to nothing before them and end on a
byte boundary, so that they can be laid between the blocks of the rest of the page, which is
compressed as it is written (the same full flush before each shared part, so that nothing after
a part refers back across it: RFC 1951 distances would otherwise count the part's bytes). The
gzip member (RFC 1952) wraps them with the CRC-32 and length of the whole page.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from functools import cached_property

#: the page's own text, compressed as it is sent: as the application's gzip middleware does (app.main)
LEVEL = 1
#: a shared part, compressed once: as tightly as deflate can
SHARED_LEVEL = 9
#: magic, deflate, no flags, no time, no extra flags, unknown system (RFC 1952, 2.3)
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def _raw_deflate(level: int = LEVEL) -> zlib._Compress:
    return zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS, memLevel=9)


class SharedPart:
    """Text that many pages include: encoded, and compressed on its own, once."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def encoded(self) -> bytes:
        return self.text.encode()

    @cached_property
    def deflated(self) -> bytes:
        compressor = _raw_deflate(SHARED_LEVEL)
        return compressor.compress(self.encoded) + compressor.flush(zlib.Z_FULL_FLUSH)


#: the page's own text between two shared parts (a group's heading) is sent as it is below this
#: size: a full flush of the compressor, which resets its tables, costs more than it would save
_STORED_BELOW = 512


def _stored(data: bytes) -> bytes:
    """`data` as a stored (uncompressed) deflate block, on a byte boundary (RFC 1951, 3.2.4)."""
    return b"\x00" + struct.pack("<HH", len(data), len(data) ^ 0xFFFF) + data


def plain(parts: Iterable[str | SharedPart]) -> bytes:
    """The page, uncompressed."""
    return b"".join(part.encoded if isinstance(part, SharedPart) else part.encode() for part in parts)


def gzipped(parts: Iterable[str | SharedPart]) -> bytes:
    """The page as one gzip member, each shared part's blocks laid as they were compressed."""
    compressor = _raw_deflate()
    out = [_GZIP_HEADER]
    crc = size = 0
    written = False  # text given to the compressor since its last flush
    for part in parts:
        data = part.encoded if isinstance(part, SharedPart) else part.encode()
        if not data:
            continue
        if isinstance(part, SharedPart) or len(data) < _STORED_BELOW:
            if written:
                out.append(compressor.flush(zlib.Z_FULL_FLUSH))
                written = False
            out.append(part.deflated if isinstance(part, SharedPart) else _stored(data))
        else:
            out.append(compressor.compress(data))
            written = True
        crc = zlib.crc32(data, crc)
        size += len(data)
    out.append(compressor.flush(zlib.Z_FINISH))
    out.append(struct.pack("<II", crc, size & 0xFFFFFFFF))
    return b"".join(out)
