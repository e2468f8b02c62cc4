"""Which phone regions a workspace needs: inferred from what its messages and exports show.

A national-format number ("07700 900123") is only a phone for ``phonenumbers`` given its region, so defaulting to CN
misses every British, American or German number written the local way. The owner's own setting wins; without one,
:func:`infer_regions` reads cheap evidence:

- international numbers already written in messages (``+44 …``, ``0044 …``, ``+1 …``): their country codes, mapped
  with ``phonenumbers.region_code_for_country_code``; from a bounded sample of messages plus the PHONE values earlier
  scans found written that way;
- the exports' locale: WhatsApp writes dates in the phone's locale (month-first → US, day-first in English → GB,
  day-first in German/French/… → that country), read from the head of each raw WhatsApp file; WeChat and QQ exports
  are Chinese apps;
- Chinese text dominating the sample → CN.

The evidence is weighted and the strongest regions come first (the first region decides a number valid in several).
At most :data:`MAX_REGIONS` are kept, because each one costs a ``phonenumbers`` pass over every number-like run.
"""
from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from pathlib import Path

import phonenumbers

DEFAULT_REGION = "CN"   # nothing to go by (an empty workspace): the project's historic default
MAX_REGIONS = 4
SAMPLE_WINDOWS = 20     # the sample: this many evenly spaced runs of consecutive messages...
SAMPLE_WINDOW = 500     # ...of this many messages each (10,000 messages at most, read by primary key)
RAW_HEAD = 64 * 1024    # bytes read from the start of a raw WhatsApp export to see its date layout

# weights: one international number is one vote; an export's locale and the language of the text count more
W_NUMBER = 1
W_LOCALE = 5
W_CHINESE = 10
CHINESE_SHARE = 0.5     # Han characters vs Latin words (letters / 5) in the sample

_INTL = re.compile(r"(?<![0-9A-Za-z+])(?:\+|00)([1-9][0-9 ().-]{6,18}[0-9])(?![0-9])")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"[a-zà-ÿ']+")
# Words frequent in one language's chat and rare in the others (shared ones like "de", "que" are left out).
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and you what that have for with this just your yeah don't i'm it's can will".split()),
    "de": frozenset("und ich nicht das ist auch wir ja aber noch mal schon heute".split()),
    "fr": frozenset("je et est pas les tu une pour oui c'est moi mais avec bien".split()),
    "es": frozenset("el los pero gracias muy está estoy bueno hola también".split()),
    "it": frozenset("che non il sono ma ciao anche però grazie della".split()),
    "pt": frozenset("não você uma obrigado tá está muito também então".split()),
    "nl": frozenset("het een ik niet dat ook wat maar wel nog".split()),
}
# Day-first dates in a language → its main region; month-first dates are American.
_DAY_FIRST = {"en": "GB", "de": "DE", "fr": "FR", "es": "ES", "it": "IT", "pt": "BR", "nl": "NL"}
# Nothing but the language to go by: its largest numbering plan.
_LANGUAGE_REGION = {"en": "US", "de": "DE", "fr": "FR", "es": "ES", "it": "IT", "pt": "BR", "nl": "NL"}
_CHINESE_FORMATS = ("wechat", "qq")


def infer_regions(ws) -> tuple[str, ...]:
    """The workspace's phone regions, strongest evidence first; never empty (see the module docstring)."""
    conn = ws.conn
    texts = _sample(conn)
    han = sum(len(_HAN.findall(t)) for t in texts)
    latin = sum(len(_LATIN.findall(t)) for t in texts)
    chinese = han > 0 and han / (han + latin / 5) >= CHINESE_SHARE
    language = None if chinese else _language(texts)
    votes: Counter[str] = Counter()
    for region, n in number_regions(conn, texts).items():
        if n >= (2 if chinese else 1):  # one stray +1 number in a Chinese chat is not worth a US pass
            votes[region] += n * W_NUMBER
    for fmt, raw_path in conn.execute("SELECT format, raw_path FROM imports"):
        if fmt.startswith(_CHINESE_FORMATS):
            votes["CN"] += W_LOCALE
        elif fmt.startswith("whatsapp"):
            region = _whatsapp_region(Path(ws.path) / raw_path, language)
            if region:
                votes[region] += W_LOCALE
    if chinese:
        votes["CN"] += W_CHINESE
    if not votes and language in _LANGUAGE_REGION:
        votes[_LANGUAGE_REGION[language]] += 1
    regions = [r for r, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))][:MAX_REGIONS]
    return tuple(regions) or (DEFAULT_REGION,)


def _sample(conn) -> list[str]:
    """Up to SAMPLE_WINDOWS × SAMPLE_WINDOW message texts spread over the whole id range (primary-key reads only)."""
    lo, hi = conn.execute("SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM messages").fetchone()
    if hi == 0:
        return []
    span = hi - lo + 1
    if span <= SAMPLE_WINDOWS * SAMPLE_WINDOW:
        starts = [lo]
        size = span
    else:
        step = span // SAMPLE_WINDOWS
        starts = [lo + i * step for i in range(SAMPLE_WINDOWS)]
        size = SAMPLE_WINDOW
    out: list[str] = []
    for s in starts:
        out += [r[0] for r in conn.execute("SELECT text FROM messages WHERE id >= ? AND id < ? AND text != ''",
                                           (s, s + size))]
    return out


def number_regions(conn, texts: list[str]) -> Counter[str]:
    """Distinct international numbers per region: written in the sample, or PHONE values a scan found so written."""
    numbers: set[str] = set()
    for t in texts:
        if "+" in t or "00" in t:
            numbers.update(_e164(m.group(0)) for m in _INTL.finditer(t))
    rows = conn.execute("SELECT value FROM pii_values WHERE kind = 'PHONE' AND n_hits > 0 AND status != 'rejected' "
                        "AND (value LIKE '+%' OR value LIKE '00%')")
    numbers.update(_e164(r[0]) for r in rows)
    out: Counter[str] = Counter()
    for e164 in numbers - {""}:
        cc = int(e164.split(":", 1)[0])
        region = phonenumbers.region_code_for_country_code(cc)
        if region and region != phonenumbers.UNKNOWN_REGION:
            out[region] += 1
    return out


def _e164(raw: str) -> str:
    """``"cc:national"`` of a possible international number, else ""."""
    digits = "".join(c for c in raw if c.isdigit())
    if raw.startswith("00"):
        digits = digits[2:]
    try:
        num = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return ""
    # possible, not valid: a fictional or newly allocated range still says which country the chat deals with
    return f"{num.country_code}:{num.national_number}" if phonenumbers.is_possible_number(num) else ""


def _language(texts: list[str]) -> str | None:
    """The sample's language among :data:`_STOPWORDS`, when one clearly leads."""
    counts: Counter[str] = Counter()
    for t in texts:
        for w in _WORD.findall(t.lower()):
            for lang, words in _STOPWORDS.items():
                if w in words:
                    counts[lang] += 1
    if not counts:
        return None
    (best, n), *rest = counts.most_common(2) + [("", 0)]
    return best if n >= 5 and n >= 2 * rest[0][1] else None


def whatsapp_layout(head: str) -> tuple[str, bool] | None:
    """(date order, 12-hour clock) of a WhatsApp export's first lines, or None when none are WhatsApp headers."""
    from lib.importers.whatsapp import CLOCK_PARTS, DATE_PARTS, HEADER, decide_order

    dates, twelve = [], False
    for m in HEADER.finditer(head):
        parts = DATE_PARTS.findall(m.group("date"))
        if len(parts) == 3:
            dates.append(parts)
        clock = CLOCK_PARTS.match(m.group("clock"))
        twelve = twelve or bool(clock and clock.group(4))
    if not dates:
        return None
    order = decide_order([int(d[0]) for d in dates], [int(d[1]) for d in dates], [int(d[2]) for d in dates],
                         any(len(d[0]) > 2 for d in dates), any(len(d[2]) > 2 for d in dates))
    return order, twelve


def _whatsapp_region(path: Path, language: str | None) -> str | None:
    """The region a WhatsApp export's date layout points to: month-first → US; day-first → the language's country."""
    head = _read_head(path)
    layout = whatsapp_layout(head) if head else None
    if layout is None:
        return None
    order, _twelve = layout  # 12- or 24-hour: both are common on either side of the Atlantic, so it decides nothing
    if order == "mdy":
        return "US"
    if order == "dmy":
        return _DAY_FIRST.get(language or "")
    return None


def _read_head(path: Path) -> str:
    """The first RAW_HEAD bytes of the export's text (the first .txt inside a zip), or "" when unreadable."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                name = next((n for n in z.namelist() if n.lower().endswith(".txt")), None)
                if name is None:
                    return ""
                with z.open(name) as fh:
                    data = fh.read(RAW_HEAD)
        else:
            with open(path, "rb") as fh:
                data = fh.read(RAW_HEAD)
    except (OSError, zipfile.BadZipFile):
        return ""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="replace").read().replace("\r\n", "\n")
