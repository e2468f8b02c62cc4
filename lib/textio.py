"""Decoding chat exports whatever encoding they were saved in.

Exports arrive as UTF-8, UTF-8 with BOM (MemoTrace CSV), UTF-16 (old QQ clients, Excel "Unicode text") and
GB18030/GBK (files re-saved by Excel on a Chinese Windows). We pick by BOM, then by a strict UTF-8 trial, then by
the NUL pattern of BOM-less UTF-16, and fall back to GB18030, which can decode any byte sequence that GBK can.
"""
from __future__ import annotations

import codecs
from pathlib import Path

SNIFF_BYTES = 64 * 1024


def detect_encoding(sample: bytes) -> str:
    """Return a Python codec name for ``sample`` (the start of a file). BOM-carrying codecs strip the BOM."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith(codecs.BOM_UTF16_LE) or sample.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    if len(sample) >= 4:
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        half = len(sample) / 2
        if odd_nuls > 0.3 * half and even_nuls < 0.05 * half:
            return "utf-16-le"
        if even_nuls > 0.3 * half and odd_nuls < 0.05 * half:
            return "utf-16-be"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut off at the end of the sample is still UTF-8.
        if exc.reason == "unexpected end of data" and exc.start >= len(sample) - 3:
            return "utf-8"
    return "gb18030"


def looks_binary(sample: bytes, encoding: str) -> bool:
    """True when the bytes are not text in any encoding we read (images, databases, executables)."""
    if encoding.startswith("utf-16"):
        return False
    if b"\x00" in sample[:8192]:
        return True
    if encoding == "gb18030":
        text = sample[:8192].decode("gb18030", errors="replace")
        return text.count("\ufffd") > 0.01 * max(1, len(text))
    return False


def read_text(path: Path) -> tuple[str, str]:
    """Read a whole file as text. Returns ``(text, encoding)``; a BOM is never part of ``text``.

    Falls back to GB18030 when a file that started as valid UTF-8 turns out not to be further in.
    """
    raw = Path(path).read_bytes()
    return decode_bytes(raw)


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """Decode a whole byte string like :func:`read_text`."""
    enc = detect_encoding(raw[:SNIFF_BYTES])
    try:
        text = raw.decode(enc)
    except UnicodeDecodeError:
        enc = "gb18030"
        text = raw.decode(enc, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, enc


def read_head(path: Path, n: int = SNIFF_BYTES) -> tuple[str, str, bytes]:
    """Decode the first ``n`` bytes for format sniffing. Returns ``(text, encoding, raw_head)``."""
    with open(path, "rb") as fh:
        raw = fh.read(n)
    enc = detect_encoding(raw)
    text = raw.decode(enc, errors="ignore")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, enc, raw
