"""Decoding chat exports whatever encoding they were saved in.

Exports arrive as UTF-8, UTF-8 with BOM (MemoTrace CSV), UTF-16 (old QQ clients, Excel "Unicode text"), and in the
legacy code page of the Windows that re-saved them: GB18030/GBK (mainland China), Big5 (Taiwan, Hong Kong), Shift-JIS
(Japan), cp1252/Latin-1 (Western Europe and the Americas). We pick by BOM, then by the NUL pattern of BOM-less UTF-16,
then by a strict UTF-8 trial, and only then score the legacy code pages (:func:`_score_legacy`): each candidate that
decodes strictly is scored by how much the result looks like chat text in its script (common hanzi, kana, accented
letters between plain ones) versus mojibake (kana in "Chinese", a run of accented capitals, control characters).
bench/bench_encoding.py measures this against charset-normalizer on short chat samples.
"""
from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

SNIFF_BYTES = 64 * 1024
SCORE_BYTES = 16 * 1024  # how much of a sample the legacy code-page scorer reads

# Legacy code pages in tie-break order (cp1252 before latin-1: it is latin-1 plus the Windows punctuation).
LEGACY = ("gb18030", "big5", "shift_jis", "cp1252", "latin-1")
# A legacy decode scoring below this (points per non-ASCII byte) is not text in any code page we know: binary.
MIN_LEGACY_SCORE = 0.05
# Share of control characters (besides tab, newlines, form feed, ESC) above which decoded bytes are not text.
MAX_CONTROL_SHARE = 0.01

_CJK_PUNCT = set("，。！？、：；“”‘’（）《》【】…—～·「」『』")
_LATIN_PUNCT = set("’‘“”–—…€«»¿¡°£§©®ºª·•")
_WIN_PUNCT = set("’‘“”–—…€•")  # cp1252's 0x80-0x9F punctuation: sits right next to accents ("L’été…")
_ALLOWED_CONTROLS = set("\t\n\r\f\v\x1b")


def detect_encoding(sample: bytes) -> str:
    """Return a Python codec name for ``sample`` (the start of a file). BOM-carrying codecs strip the BOM."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith(codecs.BOM_UTF32_LE) or sample.startswith(codecs.BOM_UTF32_BE):
        return "utf-32"
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
    if sample.isascii() or _is_utf8(sample):
        return "utf-8"
    best = _best_legacy(sample)
    return best[0] if best else "gb18030"


def _is_utf8(sample: bytes) -> bool:
    """Strict UTF-8, allowing a multi-byte character cut off at the end of the sample."""
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(sample, final=False)
        return True
    except UnicodeDecodeError:
        return False


def _best_legacy(sample: bytes) -> tuple[str, float] | None:
    """The legacy code page whose strict decode of ``sample`` scores best, with its score; None if none decodes.

    Scores the first 16 KB: enough text to judge, and the per-character loop stays around a millisecond per code page.
    """
    sample = sample[:SCORE_BYTES]
    high = sum(1 for b in sample if b >= 0x80) or 1
    best: tuple[str, float] | None = None
    for enc in LEGACY:
        try:
            # final=False: a double-byte character cut off by the sample's end is not an error.
            text = codecs.getincrementaldecoder(enc)("strict").decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        score = _score_legacy(text, enc) / high
        if best is None or score > best[1]:
            best = (enc, score)
    return best


def _score_legacy(text: str, enc: str) -> float:
    """Points for characters that chat in ``enc``'s script uses, penalties for mojibake. Only non-ASCII counts."""
    score = 0.0
    latin = enc in ("cp1252", "latin-1")
    prev_high = False
    prev = ""
    for i, ch in enumerate(text):
        o = ord(ch)
        if o < 0x80:
            if ch < " " and ch not in _ALLOWED_CONTROLS:
                score -= 2
            prev_high = False
            continue
        if 0x80 <= o < 0xA0 or 0xE000 <= o < 0xF900 or ch == "\ufffd":
            score -= 2  # C1 control, private use, replacement: never in real chat text
        elif latin:
            if prev_high and ch not in _WIN_PUNCT and prev not in _WIN_PUNCT:
                score -= 2  # two accented characters in a row: CJK bytes read as Latin ("ÄãºÃ")
            elif ch in _LATIN_PUNCT or ch.isalpha():
                score += 1.5  # one byte of Latin text is worth a two-byte common hanzi: 1.5 > 2 / 2
        elif ch in _CJK_PUNCT:
            # Full-width punctuation sits next to hanzi or kana. Alone between ASCII it is a Latin accent read as
            # Big5 or GBK ("¡n" is Big5 "》"): no points.
            if prev_high or text[i + 1:i + 2] >= "\x80":
                score += 2
        elif "\u3040" <= ch <= "\u30ff":  # kana
            score += 2 if enc == "shift_jis" else -2
        elif "\uff61" <= ch <= "\uff9f":  # half-width katakana: where Latin or GBK lead bytes land in Shift-JIS
            score -= 1
        elif "\u4e00" <= ch <= "\u9fff":
            score += 2 if _common_hanzi(ch, enc) else -0.5
        elif unicodedata.category(ch)[0] in "LN":
            score -= 1  # Greek, Cyrillic, box drawing and other letters a Chinese or Japanese chat rarely has
        else:
            score -= 0.5
        prev_high = True
        prev = ch
    return score


def _common_hanzi(ch: str, enc: str) -> bool:
    """True for the frequent characters of the code page's own first level, where everyday chat text lives.

    GB2312 level 1 (lead bytes B0-D7) holds the 3,755 commonest simplified characters, Big5 level 1 (A440-C67E) the
    5,401 commonest traditional ones, JIS level 1 (Shift-JIS 889F-9872) the 2,965 commonest kanji. Mojibake lands
    in the rare levels (or decodes to kana, symbols and Latin letters) far more often.
    """
    try:
        if enc == "gb18030":
            b = ch.encode("gb2312")
            return 0xB0 <= b[0] <= 0xD7
        if enc == "big5":
            b = ch.encode("big5")
            return 0xA440 <= (b[0] << 8 | b[1]) <= 0xC67E
        if enc == "shift_jis":
            b = ch.encode("shift_jis")
            return 0x889F <= (b[0] << 8 | b[1]) <= 0x9872
    except UnicodeEncodeError:
        return False
    return False


def looks_binary(sample: bytes, encoding: str) -> bool:
    """True when the bytes are not text in any encoding we read (images, databases, executables, archives)."""
    if encoding.startswith(("utf-16", "utf-32")):
        text = sample[:16384].decode(encoding, errors="replace")
        return _control_share(text) > MAX_CONTROL_SHARE
    if b"\x00" in sample[:8192]:
        return True
    head = sample[:16384]
    text = codecs.getincrementaldecoder(encoding)("replace").decode(head, final=False)
    if text.count("\ufffd") > 0.01 * max(1, len(text)) or _control_share(text) > MAX_CONTROL_SHARE:
        return True
    if encoding in LEGACY and not head.isascii():
        high = sum(1 for b in head if b >= 0x80) or 1
        return _score_legacy(text, encoding) / high < MIN_LEGACY_SCORE
    return False


def _control_share(text: str) -> float:
    n = sum(1 for ch in text if (ch < " " and ch not in _ALLOWED_CONTROLS) or "\x7f" <= ch < "\xa0")
    return n / max(1, len(text))


def read_text(path: Path, max_bytes: int | None = None) -> tuple[str, str]:
    """Read a whole file as text. Returns ``(text, encoding)``; a BOM is never part of ``text``.

    With ``max_bytes`` at most that many bytes (plus one) are ever read, so a file that grows or lies about its
    size cannot take the memory; the caller checks the size first and gives the user the message
    (:func:`lib.importers.limits.check_part`). Falls back to a legacy code page when a file that started as valid
    UTF-8 turns out not to be further in.
    """
    with open(path, "rb") as fh:
        raw = fh.read() if max_bytes is None else fh.read(max_bytes + 1)
    if max_bytes is not None and len(raw) > max_bytes:
        raise ValueError(f"{Path(path).name} grew past {max_bytes} bytes while being read")
    return decode_bytes(raw)


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """Decode a whole byte string like :func:`read_text`."""
    enc = detect_encoding(raw[:SNIFF_BYTES])
    try:
        text = raw.decode(enc)
    except UnicodeDecodeError as exc:
        # Valid in the first 64 KB, not further in: an ASCII or UTF-8 head and a legacy code page later (an Excel
        # re-save of a file someone had appended to). Judge the code page where the trouble starts.
        enc = legacy_at(raw, exc.start)
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            text = raw.decode(enc, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, enc


def legacy_at(raw: bytes, pos: int) -> str:
    """The legacy code page of the text around ``pos`` (the first byte that is not UTF-8), from the line start
    before it, since a newline is never part of a multi-byte character in any of them."""
    start = max(0, pos - 1024)
    nl = raw.find(b"\n", start, pos)
    best = _best_legacy(raw[nl + 1 if nl >= 0 else start:pos + SCORE_BYTES])
    return best[0] if best else "gb18030"


def fallback_encodings(path: Path, first: str) -> list[str]:
    """Encodings to try, in order, for a file whose first 64 KB decode as ``first``: ``first``, then the legacy code
    page that fits the first bytes that are not ``first`` (found by reading the file in 1 MB steps, never whole)."""
    out = [first]
    if first not in ("utf-8", "utf-8-sig"):
        return out
    dec = codecs.getincrementaldecoder("utf-8")("strict")
    offset = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            try:
                dec.decode(chunk, final=False)
            except UnicodeDecodeError as exc:
                at = offset + exc.start
                fh.seek(max(0, at - 1024))
                window = fh.read(SNIFF_BYTES)
                out.append(legacy_at(window, at - max(0, at - 1024)))
                break
            offset += len(chunk)
    if len(out) == 1:
        out.append("gb18030")
    return out


def read_head(path: Path, n: int = SNIFF_BYTES) -> tuple[str, str, bytes]:
    """Decode the first ``n`` bytes for format sniffing. Returns ``(text, encoding, raw_head)``."""
    with open(path, "rb") as fh:
        raw = fh.read(n)
    enc = detect_encoding(raw)
    text = raw.decode(enc, errors="ignore")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, enc, raw
