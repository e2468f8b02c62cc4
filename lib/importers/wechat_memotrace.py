"""WeChat exports written by MemoTrace / WeChatMsg (github.com/LC044/WeChatMsg), spec in formats.md §1.

Four registry entries:

- ``memotrace_csv``: v2 CSV, English header, one row per DB message with ``IsSender`` and raw ``StrContent`` (XML for
  anything but text), read through pandas and mapped with column operations so a million rows take seconds.
- ``memotrace_csv_zh``: 2025 CSV, Chinese header, rendered ``to_text()`` content and no sender flag.
- ``memotrace_txt``: v2 and 2025 TXT, ``{time} {name}`` header blocks, no sender flag.
- ``memotrace_json``: the "for LLM training" JSON (v2 ``conversations``, 2025 ``messages`` and Alpaca), no times.

The CSV/XML helpers here (reading, times, XML to text) are shared with :mod:`lib.importers.wechat_pywxdump`.
"""
from __future__ import annotations

import contextlib
import csv
import html
import io
import json
import re
import warnings
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from lib.importers import register
from lib.importers.base import BadInputError, Importer, ParsedExport, finish
from lib.importers.damage import (
    csv_cut_message, csv_partial_last_row, csv_partial_row_note, csv_unclosed_quote, incomplete_utf8_tail,
    json_error_message,
)
from lib.textio import SNIFF_BYTES, detect_encoding, fallback_encodings

# --------------------------------------------------------------------------------------------------------------------
# Shared helpers: sniffing CSV headers
# --------------------------------------------------------------------------------------------------------------------


def header_columns(head: str) -> list[str]:
    """Column names of the first line of ``head`` (comma- or tab-separated, quotes and BOM removed)."""
    line = head.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    delim = "\t" if line.count("\t") > line.count(",") else ","
    return [c.strip().strip('"').strip() for c in line.split(delim)]


def header_score(head: str, expected: tuple[str, ...]) -> float:
    """0.95 for the exact header, 0.9 for the same columns in another order or with extras, less for a partial one.

    A header with at least half the expected columns still scores above the detection threshold so that a file with
    a column missing reaches the parser, whose error names the missing column (more useful than "unknown format").
    """
    cols = header_columns(head)
    if tuple(cols) == expected:
        return 0.95
    share = len(set(cols) & set(expected)) / len(expected)
    if share == 1:
        return 0.9
    if share >= 0.5:
        return 0.5 + 0.35 * share
    return 0.0


# --------------------------------------------------------------------------------------------------------------------
# Shared helpers: reading CSV fast and safely
# --------------------------------------------------------------------------------------------------------------------


def read_csv_frame(path: Path, what: str, skip: frozenset[str] = frozenset()) -> tuple[pd.DataFrame, list[str]]:
    """Read a whole CSV as strings ("" for empty cells). Returns ``(frame, notes)``.

    The encoding comes from the first 64 KB; a file that turns out not to be UTF-8 further in is read again in the
    legacy code page that fits where the UTF-8 stops (GB18030 from Excel on Chinese Windows, cp1252, Big5...), then
    with replacement characters rather than failing. A file cut off inside a quoted field is refused with the line
    the field starts on (:mod:`lib.importers.damage`). Lines with too many
    fields lose the extra fields (or, past the first line, are skipped), with a note, rather than failing the whole
    file. ``what`` names the export in error messages; columns named in ``skip`` are not read at all (a million rows
    of database ids cost parse time and memory for nothing).
    """
    with open(path, "rb") as fh:
        raw = fh.read(SNIFF_BYTES)
    enc = detect_encoding(raw)
    head = raw.decode(enc, errors="ignore")
    sep = "\t" if (line := head.lstrip("\ufeff").split("\n", 1)[0]).count("\t") > line.count(",") else ","
    notes: list[str] = []
    try:
        n_cols = len(next(csv.reader([line.rstrip("\r")], delimiter=sep)))
    except (csv.Error, StopIteration):
        n_cols = 0
    # A file cut inside its last character: read without those bytes (the partial row is dropped below).
    cut_bytes = incomplete_utf8_tail(path) if enc in ("utf-8", "utf-8-sig") else 0
    if enc in ("utf-8", "utf-8-sig") and sep == "," and not cut_bytes:
        fast = _read_csv_arrow(path, head, skip)
        if fast is not None:
            _check_complete(path, enc)
            return _drop_partial_row(fast, path, enc, sep, n_cols, 0, notes), notes
    if enc == "utf-8":  # UTF-8 at the start only: maybe a legacy code page (Excel re-save) further in
        attempts: list[tuple[str | None, str]] = [("utf-8", "strict"), (None, "strict"), (None, "replace")]
    else:
        attempts = [(enc, "strict"), (enc, "replace")]
    last: Exception | None = None
    later = ""
    for encoding, errors in attempts:
        if encoding is None:  # judged where the UTF-8 stops, and only once that happened
            encoding = later = later or fallback_encodings(path, "utf-8")[-1]
        for on_bad in ("error", "skip"):
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", pd.errors.ParserWarning)
                    # index_col=False: a long first row must not turn columns into an index (shifting every row).
                    with _Prefix.open(path, cut_bytes) if cut_bytes else contextlib.nullcontext(path) as source:
                        df = pd.read_csv(source, dtype=str, keep_default_na=False, encoding=encoding, sep=sep,
                                         index_col=False, encoding_errors=errors, on_bad_lines=on_bad,
                                         usecols=(lambda c: str(c).lstrip("\ufeff").strip() not in skip) if skip
                                         else None)
            except UnicodeError as exc:
                last = exc
                break  # next encoding
            except pd.errors.EmptyDataError:
                raise BadInputError(f"the file has no header line: this is not a complete {what} export; export it "
                                    "again and import the new file.") from None
            except (pd.errors.ParserError, ValueError, csv.Error, OverflowError) as exc:
                last = exc
                if "EOF inside string" in str(exc):
                    _check_complete(path, encoding)
                continue  # retry skipping malformed lines
            if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
                notes.append("some lines had more fields than the header; the extra fields were dropped")
            if on_bad == "skip":
                notes.append(f"some lines did not have the right number of fields and were skipped ({last})")
            if errors == "replace":
                notes.append(f"the file is not valid {encoding}; unreadable characters were replaced")
            _check_complete(path, encoding)
            df.columns = [str(c).lstrip("\ufeff").strip() for c in df.columns]
            return _drop_partial_row(df.fillna(""), path, encoding, sep, n_cols, cut_bytes, notes), notes
    raise BadInputError(f"could not read this file as a {what} CSV ({type(last).__name__}: {last}); export it again "
                        "and import the new file.")


class _Prefix(io.RawIOBase):
    """The file without its last ``cut`` bytes (an unfinished character), for the CSV readers."""

    def __init__(self, path: Path, size: int) -> None:
        super().__init__()
        self._fh = open(path, "rb")  # noqa: SIM115 - closed with the reader
        self._left = size

    @classmethod
    def open(cls, path: Path, cut: int) -> io.BufferedReader:
        return io.BufferedReader(cls(path, max(0, Path(path).stat().st_size - cut)))

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:  # type: ignore[no-untyped-def]
        n = self._fh.readinto(memoryview(buf)[:min(len(buf), self._left)]) or 0
        self._left -= n
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


def _drop_partial_row(df: pd.DataFrame, path: Path, encoding: str, sep: str, n_cols: int, cut_bytes: int,
                      notes: list[str]) -> pd.DataFrame:
    """Leave out a last row the file stops inside (:func:`lib.importers.damage.csv_partial_last_row`), with a note
    naming its line: its missing fields would otherwise import as a message without a time (sorted first)."""
    if df.empty or not n_cols:
        return df
    line = csv_partial_last_row(path, encoding, sep, n_cols, cut_bytes)
    if line is None:
        return df
    notes.append(csv_partial_row_note(line))
    return df.iloc[:-1]


def _check_complete(path: Path, encoding: str) -> None:
    """Raise BadInputError naming the line when the file stops inside a quoted field (a cut-off export or download):
    the readers would otherwise take the rest of the file as one cell, or drop the last rows without a word."""
    line = csv_unclosed_quote(path, encoding)
    if line is not None:
        raise BadInputError(csv_cut_message(line))


def _read_csv_arrow(path: Path, head: str, skip: frozenset[str]) -> pd.DataFrame | None:
    """The fast path: pyarrow's multithreaded CSV reader, about 4x pandas' C parser on a million-row export.

    Only for well-formed UTF-8 files; anything it rejects (bad lines, another encoding further in, odd headers)
    returns None and the careful pandas path below reads the file with its notes and fallbacks.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        header = next(csv.reader([head.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")]))
    except (csv.Error, StopIteration):
        return None
    names = [h.strip() for h in header]
    if not names or len(set(names)) != len(names) or any(not n for n in names):
        return None
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding="utf8", column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, include_columns=[n for n in names if n not in skip],
                strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError, UnicodeError, ValueError):
        return None
    dtype = pd.StringDtype("pyarrow", na_value=np.nan)
    table = table.cast(pa.schema([(n, pa.large_string()) for n in table.column_names])).combine_chunks()
    return table.to_pandas(types_mapper=lambda t: dtype if t in (pa.string(), pa.large_string()) else None)


def require_columns(df: pd.DataFrame, required: Iterable[str], what: str, how: str) -> None:
    """Raise BadInputError naming every required column the frame lacks."""
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise BadInputError(
            f"missing column(s) {', '.join(missing)}: this does not look like a complete {what} export; "
            f"{how}"
        )


# --------------------------------------------------------------------------------------------------------------------
# Shared helpers: times
# --------------------------------------------------------------------------------------------------------------------

_LOOSE_YMD = re.compile(
    r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T,]+(上午|下午)?\s*(\d{1,2})[:：](\d{1,2})(?:[:：](\d{1,2}))?(?:\.\d+)?\s*([AaPp][Mm]|上午|下午)?)?\s*$"
)
_LOOSE_DMY = re.compile(
    r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})"
    r"(?:[ T,]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\.\d+)?\s*([AaPp][Mm])?)?\s*$"
)
_MIXED_TRIES = 50
_FLAG = {"1": True, "0": False, "true": True, "false": False, "True": True, "False": False, "1.0": True, "0.0": False}


def iso_times(raw: pd.Series) -> pd.Series:
    """``YYYY-MM-DDTHH:MM:SS`` strings for ``raw``; "" where no date could be read.

    The common case (``YYYY-MM-DD HH:MM:SS``, as MemoTrace and PyWxDump write it) is validated by one vectorised
    ``to_datetime`` and rewritten with a string operation, which is much faster than ``strftime``. Only the other
    rows (Excel re-saves such as ``2024/10/4 11:42``) go through the lenient per-value parser.
    """
    s = raw.astype(str).str.strip()
    # 19 characters and a successful parse with the exact format = the zero-padded form we can reuse as is
    # (to_datetime alone also accepts "2024-1-5 1:02:03").
    ok = (s.str.len() == 19).fillna(False).astype(bool)
    parsed = pd.to_datetime(s.where(ok), format="%Y-%m-%d %H:%M:%S", errors="coerce")
    ok &= parsed.notna()
    out = s.str.replace(" ", "T", n=1).where(ok, "")
    rest = (~ok & (s != "")).to_numpy()
    if rest.any():
        out[rest] = lenient_times(s[rest].tolist())
    return out


def lenient_times(values: list[str]) -> list[str]:
    """Parse dates in the shapes Excel and other tools produce; "" where none fits.

    Year-first dates are read directly. Day/month-first dates are read month-first (US Excel) unless some value
    has a first number above 12, then day-first for the whole batch. Anything else gets pandas' ``format="mixed"``,
    but only if one of the first values parses that way, so a column of junk costs little.
    """
    out = [_loose_ymd(v) for v in values]
    left = [i for i, v in enumerate(out) if v is None]
    if left:
        dmy = {i: m for i in left if (m := _LOOSE_DMY.match(values[i]))}
        dayfirst = any(int(m.group(1)) > 12 for m in dmy.values())
        for i, m in dmy.items():
            d, mo = (m.group(1), m.group(2)) if dayfirst else (m.group(2), m.group(1))
            out[i] = _build(m.group(3), mo, d, m.group(4), m.group(5), m.group(6), m.group(7))
        left = [i for i in left if out[i] is None and sum(ch.isdigit() for ch in values[i]) >= 6]
        if left:
            _mixed_fill(values, out, left)
    return [v or "" for v in out]


def _loose_ymd(value: str) -> str | None:
    m = _LOOSE_YMD.match(value)
    if not m:
        return None
    ampm = m.group(8) or m.group(4)
    return _build(m.group(1), m.group(2), m.group(3), m.group(5), m.group(6), m.group(7), ampm)


def _build(y: str, mo: str, d: str, h: str | None, mi: str | None, s: str | None, ampm: str | None) -> str | None:
    hour = int(h or 0)
    if ampm:
        pm = ampm.lower() == "pm" or ampm == "下午"
        if hour > 12:
            return None
        hour = (hour % 12) + (12 if pm else 0)
    try:
        return datetime(int(y), int(mo), int(d), hour, int(mi or 0), int(s or 0)).strftime("%Y-%m-%dT%H:%M:%S")
    except (ValueError, OverflowError):
        return None


def _mixed_fill(values: list[str], out: list[str | None], left: list[int]) -> None:
    """Fill ``out[left]`` with pandas' mixed-format parse, giving up early when it parses none of a sample."""
    uniq = list(dict.fromkeys(values[i] for i in left))
    sample = _mixed(uniq[:_MIXED_TRIES])
    if not any(sample.values()):
        return
    got = sample if len(uniq) <= _MIXED_TRIES else {**sample, **_mixed(uniq[_MIXED_TRIES:])}
    for i in left:
        out[i] = got.get(values[i])


def _mixed(values: list[str]) -> dict[str, str | None]:
    try:
        ts = pd.to_datetime(pd.Series(values, dtype=object), format="mixed", errors="coerce")
    except (ValueError, OverflowError, TypeError):
        return {v: None for v in values}
    return {v: (None if pd.isna(t) else t.strftime("%Y-%m-%dT%H:%M:%S")) for v, t in zip(values, ts)}


def map_values(values: pd.Series, func: Callable[[str], str]) -> pd.Series:
    """String column of ``func`` applied to each distinct value only (type codes: a handful in a million rows).

    Built with a take from the few mapped values, so the result is already a ``str`` column (converting a million
    Python strings costs more than the whole mapping).
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return _take([func(str(u)) for u in uniques], codes, values.index)


def map_pairs(a: pd.Series, b: pd.Series, func: Callable[[str, str], str]) -> pd.Series:
    """Like :func:`map_values` for ``func(a, b)`` over distinct pairs, e.g. ``(Type, SubType)``."""
    ca, ua = pd.factorize(a, use_na_sentinel=False)
    cb, ub = pd.factorize(b, use_na_sentinel=False)
    width = max(len(ub), 1)
    uniq, inverse = np.unique(ca.astype(np.int64) * width + cb, return_inverse=True)
    return _take([func(str(ua[u // width]), str(ub[u % width])) for u in uniq], inverse.reshape(-1), a.index)


def _take(mapped: list[str], codes: np.ndarray, index: pd.Index) -> pd.Series:
    small = pd.Series(pd.array(mapped, dtype="str"))
    return pd.Series(small.take(codes).array, index=index)


def flags(values: pd.Series) -> pd.Series:
    """0/1 (or true/false) sender flags as a nullable boolean column; anything else is NA."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    got = [_FLAG.get(str(u).strip()) for u in uniques]
    vals = np.array([bool(g) for g in got], dtype=bool)
    mask = np.array([g is None for g in got], dtype=bool)
    return pd.Series(pd.arrays.BooleanArray(vals[codes], mask[codes]), index=values.index)


def const(value: object, index: pd.Index) -> pd.Series:
    """A constant column (chat name, key): typed up front so ``finish`` need not convert a million objects."""
    if isinstance(value, bool):
        return pd.Series(np.full(len(index), value), index=index)
    return pd.Series(value, index=index, dtype="str")


def time_note(times: pd.Series, raw: pd.Series) -> list[str]:
    """A note when some non-empty times could not be read."""
    bad = int(((times == "") & (raw.astype(str).str.strip() != "")).sum())
    return [f"{bad} message(s) had a time that could not be read and were given no time"] if bad else []


# --------------------------------------------------------------------------------------------------------------------
# Shared helpers: XML payloads to plain text
# --------------------------------------------------------------------------------------------------------------------

_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
_TAG = re.compile(r"<[^<>]*>")
_REEDIT = re.compile(r"<a\b[^>]*>\s*重新编辑\s*</a>")
_MARKUP = re.compile(r"<\s*[A-Za-z?!/]")
_TEMPLATE_VAR = re.compile(r"\$\{([^}]*)\}")
_XML_START = re.compile(r"<\?xml|<msg[\s>]|<appmsg[\s>]|<img\s|<emoji\s|<voicemsg|<videomsg|<sysmsg|<location\s")
KIND_PLACEHOLDERS: dict[str, str] = {
    "image": "[图片]", "voice": "[语音]", "video": "[视频]", "sticker": "[表情包]", "file": "[文件]", "link": "[链接]",
    "location": "[位置]", "call": "[通话]",
}
QUOTE_PLACEHOLDERS: dict[str, str] = {
    "3": "[图片]", "34": "[语音]", "43": "[视频]", "47": "[表情包]", "48": "[位置]", "49": "[链接]", "50": "[通话]",
}


def has_markup(text: str) -> bool:
    """True when ``text`` contains something that looks like an XML/HTML tag."""
    return bool(_MARKUP.search(text))


def strip_markup(text: str) -> str:
    """Plain text of an XML/HTML fragment: CDATA kept, tags dropped, entities decoded, whitespace collapsed.

    Runs twice because decoding entities can reveal escaped tags (``&lt;msg&gt;``).
    """
    if "<" not in text and "&" not in text:
        return " ".join(text.split())
    for _ in range(2):
        text = _CDATA.sub(lambda m: m.group(1), text)
        text = _REEDIT.sub("", text)
        text = _TAG.sub(" ", text)
        text = html.unescape(text)
    text = _TAG.sub(" ", text)
    return " ".join(text.split())


def _tag_re(tag: str) -> re.Pattern[str]:
    """``<tag …>…</tag>``, not matching a self-closed ``<tag/>`` (which would swallow up to the next close tag)."""
    pattern = _TAG_RES.get(tag)
    if pattern is None:
        pattern = _TAG_RES[tag] = re.compile(rf"<{tag}(?:\s[^>]*)?(?<!/)>(.*?)</{tag}\s*>", re.S)
    return pattern


_TAG_RES: dict[str, re.Pattern[str]] = {}


def tag_raw(text: str, tag: str) -> str:
    """Decoded content of the first ``<tag>…</tag>`` (CDATA unwrapped, entities decoded, whitespace kept)."""
    m = _tag_re(tag).search(text)
    return html.unescape(_CDATA.sub(lambda x: x.group(1), m.group(1))).strip() if m else ""


def tag_text(text: str, tag: str) -> str:
    """Plain one-line text of the first ``<tag>…</tag>`` in ``text`` ("" if none)."""
    m = _tag_re(tag).search(text)
    return strip_markup(m.group(1)) if m else ""


def attr_text(text: str, name: str) -> str:
    """Regex: decoded value of the first ``name="…"`` attribute in ``text`` ("" if none)."""
    m = re.search(rf"\b{name}\s*=\s*\"([^\"]*)\"", text)
    return strip_markup(m.group(1)) if m else ""


def system_text(text: str) -> str:
    """The human sentence of a system line: revoke notices, pat-pats, ``<sysmsg>`` templates, or the plain text."""
    if "<" not in text:
        return text.strip()
    for tag in ("replacemsg", "revokemsg", "template", "content", "title"):
        found = tag_text(text, tag)
        if found:
            return _TEMPLATE_VAR.sub(lambda m: m.group(1), found)
    return strip_markup(text)


def split_refermsg(text: str) -> tuple[str, str]:
    """``(appmsg part before <refermsg>, refermsg inner XML)``: fields are looked up in the first part so that the
    quoted message's own title never stands in for the reply's."""
    refer = _tag_re("refermsg").search(text)
    return (text[:refer.start()], refer.group(1)) if refer else (text, "")


def appmsg_title(text: str) -> str:
    """``appmsg.title`` (multi-line text kept).

    Regular expressions rather than an XML parser: WeChat writes these payloads in one regular shape, regexes are
    several times faster (this runs on every card/quote row of a million-row export), and they still work on the
    truncated or badly escaped payloads an XML parser rejects.
    """
    return tag_raw(split_refermsg(text)[0], "title")


def quote_text(refer_type: str, content: str) -> str:
    """The quoted message as context text: plain text, the title of a quoted card, or a placeholder."""
    if _XML_START.search(content):
        inner = appmsg_title(content)
        return inner or QUOTE_PLACEHOLDERS.get(refer_type.strip(), "")
    return strip_markup(content) if has_markup(content) else content.strip()


def clean_nontext(text: str) -> str:
    """Last guard for non-text kinds: never let markup through."""
    return strip_markup(text) if has_markup(text) else text.strip()


# --------------------------------------------------------------------------------------------------------------------
# Shared helpers: chat names from paths, "me" candidates
# --------------------------------------------------------------------------------------------------------------------

_WXID = re.compile(r"^(?:wxid_[A-Za-z0-9_-]+|[A-Za-z][A-Za-z0-9_-]{5,}|[A-Za-z0-9_-]+@(?:chatroom|openim|stranger))$")
_NAME_ID = re.compile(r"^(.*)\(([^()]+)\)$")
_STEM_SUFFIX = re.compile(r"(?:_utf8|_train|_dev|_chat)$")


def wechat_people(remark: pd.Series, nick: pd.Series, ids: pd.Series) -> list[tuple[str, str]]:
    """Every remark, nickname and wxid the file shows: the sender column keeps only one name per person (the remark
    when there is one), but the nickname and the id name the same person in other exports and in free text."""
    out: set[tuple[str, str]] = set()
    for col, source in ((remark, "remark"), (nick, "nickname"), (ids, "wxid")):
        for value in pd.unique(col.astype(str)):
            value = value.strip()
            if value and value.lower() not in ("nan", "none"):
                out.add((value, source))
    return sorted(out)


def looks_like_wxid(value: str) -> bool:
    """True for WeChat ids (``wxid_…``, custom ids, ``…@chatroom``); false for numbers and display names."""
    return bool(_WXID.match(value))


def chat_from_path(path: Path) -> tuple[str, str | None]:
    """``(chat name, chat id or None)`` from MemoTrace's file layout ``{remark}({wxid})/{remark}.ext``.

    MemoTrace names files after the contact's remark; the 2025 tree and later GUI builds put them in a folder
    ``{remark}({wxid})``. A ``(1)`` counter added for duplicate names is not an id and is dropped.
    """
    path = Path(path)
    stem = _STEM_SUFFIX.sub("", path.stem)
    name, wxid = stem, None
    m = _NAME_ID.match(stem)
    if m and m.group(1).strip():
        if looks_like_wxid(m.group(2)):
            name, wxid = m.group(1).strip(), m.group(2)
        elif m.group(2).isdigit():
            name = m.group(1).strip()
    if wxid is None:
        pm = _NAME_ID.match(path.parent.name)
        if pm and looks_like_wxid(pm.group(2)):
            wxid = pm.group(2)
    return name or path.name, wxid


def rank_me_candidates(senders: pd.Series, contact_names: set[str]) -> list[str]:
    """Distinct sender names, likeliest "me" first.

    Names that are not the contact's (the file is named after the contact's remark, and MemoTrace shows the contact
    under that remark) come first; within each group, the most frequent sender first, ties in order of appearance.
    """
    s = senders[senders.astype(str) != ""].astype(str)
    if s.empty:
        return []
    counts = s.groupby(s, sort=False).size().sort_values(ascending=False, kind="stable")
    names = [str(n) for n in counts.index]
    return [n for n in names if n not in contact_names] + [n for n in names if n in contact_names]


def empty_frame() -> pd.DataFrame:
    """A zero-row frame with every required column."""
    cols = ("chat", "chat_key", "is_group", "sender", "sender_id", "is_me", "time", "kind", "text", "quote")
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})


# --------------------------------------------------------------------------------------------------------------------
# memotrace_csv (v2, English header)
# --------------------------------------------------------------------------------------------------------------------

V2_HEADER: tuple[str, ...] = (
    "localId", "TalkerId", "Type", "SubType", "IsSender", "CreateTime", "Status", "StrContent", "StrTime", "Remark",
    "NickName", "Sender",
)
_V2_REQUIRED = ("Type", "SubType", "IsSender", "StrContent")
_V2_HOW = "export the chat again as CSV from MemoTrace and import the new file."
V2_TYPE_KIND: dict[str, str] = {
    "1": "text", "3": "image", "34": "voice", "42": "other", "43": "video", "47": "sticker", "48": "location",
    "50": "call", "10000": "system", "10002": "system",
}
# (49, SubType): 57 quote and 1 pasted text carry real text in appmsg.title; 8 is a user-uploaded GIF sticker.
V2_APPMSG_KIND: dict[str, str] = {"57": "text", "1": "text", "4": "link", "5": "link", "6": "file", "8": "sticker"}
_TRANSTEXT = re.compile(r"\btranstext\s*=\s*\"([^\"]*)\"")


def _sniff_v2_csv(head: str, name: str) -> float:
    return header_score(head, V2_HEADER)


def _v2_kind(typ: str, sub: str) -> str:
    if typ == "49":
        return V2_APPMSG_KIND.get(sub, "other")
    return V2_TYPE_KIND.get(typ, "other")


def _v2_payload(typ: str, sub: str, content: str) -> tuple[str, str]:
    """``(text, quote)`` of one non-plain-text v2 row from its raw ``StrContent``."""
    if typ in ("3", "43", "47") or (typ == "49" and sub == "8"):
        return "", ""
    if typ == "34":
        m = _TRANSTEXT.search(content)
        return (strip_markup(m.group(1)) if m else ""), ""
    if typ == "48":
        return (attr_text(content, "poiname") or attr_text(content, "label")), ""
    if typ == "49":
        return _v2_appmsg(sub, content)
    if typ == "50":
        if "<" not in content:
            return content.strip(), ""
        return tag_text(content, "msg"), ""
    if typ in ("10000", "10002"):
        return system_text(content), ""
    if typ == "42":
        return attr_text(content, "nickname"), ""
    if "<" not in content:
        return content.strip(), ""
    return appmsg_title(content), ""


def _v2_appmsg(sub: str, content: str) -> tuple[str, str]:
    if "<" not in content:
        return content.strip(), ""
    head, refer = split_refermsg(content)
    title = tag_raw(head, "title")
    if sub == "57":
        return title, quote_text(tag_text(refer, "type"), tag_raw(refer, "content"))
    if sub in ("4", "5"):
        return title or tag_text(head, "des"), ""
    if sub == "2000":
        return f"{title} {tag_text(content, 'feedesc')}".strip(), ""
    return title, ""


def _v2_times(df: pd.DataFrame) -> tuple[pd.Series, list[str]]:
    """StrTime as shown (local wall clock); rows without a readable one fall back to CreateTime."""
    raw = _col(df, "StrTime")
    times = iso_times(raw)
    notes: list[str] = []
    need = (times == "").to_numpy()
    if need.any() and "CreateTime" in df.columns:
        created = df["CreateTime"].astype(str).str.strip()[need]
        epoch = created.str.fullmatch(r"\d{9,13}").fillna(False).astype(bool).to_numpy()
        if epoch.any():
            times.loc[created.index[epoch]] = [_epoch_local(v) for v in created[epoch]]
            notes.append(f"{int(epoch.sum())} message(s) had no StrTime; their time was computed from CreateTime "
                         "in this computer's time zone")
        if (~epoch).any():
            times.loc[created.index[~epoch]] = iso_times(created[~epoch]).tolist()
    empty = (times == "").to_numpy()
    bad = 0
    if empty.any():
        given = (raw.str.strip() != "") | (_col(df, "CreateTime").str.strip() != "")
        bad = int((empty & given.to_numpy()).sum())
    if bad:
        notes.append(f"{bad} message(s) had a time that could not be read and were given no time")
    return times, notes


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name].astype(str) if name in df.columns else pd.Series("", index=df.index, dtype=object)


def _epoch_local(value: str) -> str:
    secs = int(value) / (1000 if len(value) == 13 else 1)
    try:
        return datetime.fromtimestamp(secs).strftime("%Y-%m-%dT%H:%M:%S")
    except (ValueError, OverflowError, OSError):
        return ""


def _v2_chat(df: pd.DataFrame, is_me: pd.Series, kind: pd.Series, path: Path) -> tuple[str, str, bool]:
    """``(chat, chat_key, is_group)`` of a v2 CSV (one file = one chat).

    Group: TalkerId or the folder id ends with ``@chatroom``, or the other side has several sender ids (in a private
    chat every non-me row carries the contact's wxid). The key prefers a wxid (stable across exports and accounts)
    over the numeric TalkerId of older builds (an index into one account's database), then the name.
    """
    path_name, path_id = chat_from_path(path)
    talkers = _col(df, "TalkerId").str.strip()
    talkers = talkers[talkers != ""].value_counts()
    talker = str(talkers.index[0]) if len(talkers) else ""
    other = (~is_me.fillna(False).astype(bool) & (kind != "system")).to_numpy()
    other_ids = [str(i) for i in _col(df, "Sender")[other].str.strip().unique() if str(i)]
    is_group = talker.endswith("@chatroom") or (path_id or "").endswith("@chatroom") or len(other_ids) > 1
    if is_group:
        chat = path_name
    else:
        names = [str(n) for col in ("Remark", "NickName") for n in _col(df, col)[other].str.strip().unique()]
        chat = next((n for n in names if n), path_name)
    if looks_like_wxid(talker):
        key = talker
    elif path_id:
        key = path_id
    elif not is_group and len(other_ids) == 1 and looks_like_wxid(other_ids[0]):
        key = other_ids[0]
    else:
        key = talker or chat
    return chat or path_name, key or chat, bool(is_group)


def _v2_chats(df: pd.DataFrame, is_me: pd.Series, kind: pd.Series,
              path: Path) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Chat columns. MemoTrace writes one file per chat, but files concatenated by hand (or by other tools) hold
    several ``TalkerId`` values: each becomes its own chat instead of one fake group."""
    talkers = _col(df, "TalkerId").str.strip()
    distinct = [t for t in talkers.unique().tolist() if t]
    if len(distinct) <= 1:
        chat, key, is_group = _v2_chat(df, is_me, kind, path)
        return const(chat, df.index), const(key, df.index), const(is_group, df.index)
    codes, uniques = pd.factorize(talkers, sort=False)
    # The same rules as _v2_chat, computed for all talkers at once from a few group-bys (no per-chat scans).
    other = (~is_me.fillna(False).astype(bool) & (kind != "system")).to_numpy()
    o = pd.DataFrame({"code": codes[other]})
    for col in ("Sender", "Remark", "NickName"):
        o[col] = _col(df, col)[other].str.strip().to_numpy()
    ids = o.loc[o["Sender"] != ""].groupby("code")["Sender"].unique()
    names = {col: o.loc[o[col] != ""].groupby("code")[col].first() for col in ("Remark", "NickName")}
    chats, keys, groups = [], [], []
    for code, talker in enumerate(uniques):
        talker = str(talker)
        other_ids = [str(i) for i in ids.get(code, [])]
        is_group = talker.endswith("@chatroom") or len(other_ids) > 1
        name = next((str(names[c][code]) for c in ("Remark", "NickName") if code in names[c].index), "")
        chat = talker if is_group or not name else name
        if looks_like_wxid(talker) or not (not is_group and len(other_ids) == 1 and looks_like_wxid(other_ids[0])):
            key = talker or chat
        else:
            key = other_ids[0]
        chats.append((code, chat)), keys.append((code, key)), groups.append((code, is_group))
    chat_col = _spread(codes, [v for _, v in sorted(chats)], df.index)
    key_col = _spread(codes, [v for _, v in sorted(keys)], df.index)
    group_col = pd.Series(np.array([v for _, v in sorted(groups)], dtype=bool)[codes], index=df.index)
    return chat_col, key_col, group_col


def _spread(codes: np.ndarray, per_code: list[str], index: pd.Index) -> pd.Series:
    """One value per talker code spread over all rows, as a categorical: one string per chat instead of a million
    copies, and nothing to build row by row."""
    value_codes, values = pd.factorize(pd.Series(per_code, dtype=object), sort=False)
    return pd.Series(pd.Categorical.from_codes(value_codes[codes], list(values)), index=index)


def _v2_texts(typ: pd.Series, sub: pd.Series, kind: pd.Series, content: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``(text, quote)`` columns. Text rows keep StrContent; media rows become "" by a column operation; only the
    remaining rows (voice, location, cards, quotes, calls, system lines: a small share) run per-row extraction."""
    media = (typ.isin(("3", "43", "47")) | ((typ == "49") & (sub == "8"))).to_numpy()
    parse = ((typ != "1") | (kind != "text")).to_numpy() & ~media
    text_col = content.mask(media, "")
    quote = pd.Series("", index=content.index, dtype=content.dtype)
    if parse.any():
        pairs = [_v2_payload(t, s, c)
                 for t, s, c in zip(typ[parse].tolist(), sub[parse].tolist(), content[parse].tolist())]
        texts = [clean_nontext(p[0]) if k != "text" else p[0] for p, k in zip(pairs, kind[parse].tolist())]
        text_col[parse] = texts
        quote[parse] = [p[1] for p in pairs]
    return text_col, quote


OWNER_FALLBACK = "我"  # WeChat's own word for "me", and PyWxDump's talker on my rows


def owner_on_my_rows(sender: pd.Series, sender_id: pd.Series, is_me: pd.Series, system: np.ndarray,
                     notes: list[str]) -> tuple[pd.Series, pd.Series]:
    """Every IsSender=1 row under the owner's name and id.

    Some MemoTrace builds write the contact's Remark/NickName/Sender on rows I sent in a private chat, which would
    make the contact the author of my words. The owner is the name (and id) on my rows that no row of another
    sender carries, the commonest if several; when every row of mine carries another sender's name, it is "我".
    """
    mine = is_me.fillna(False).astype(bool).to_numpy() & ~system
    if not mine.any():
        return sender, sender_id
    others = ~is_me.fillna(True).astype(bool).to_numpy() & ~system
    other_ids = set(sender_id[others].unique()) - {""}
    other_names = set(sender[others].unique()) - {""}
    own = (mine & ~sender_id.isin(other_ids).to_numpy() & ~sender.isin(other_names).to_numpy()
           & (sender != "").to_numpy())
    if own.any():
        name = str(sender[own].value_counts().index[0])
        ids = sender_id[own & (sender == name).to_numpy() & (sender_id != "").to_numpy()]
        owner_id = str(ids.value_counts().index[0]) if len(ids) else name
    else:
        name = owner_id = OWNER_FALLBACK
    wrong = mine & ((sender != name).to_numpy() | (sender_id != owner_id).to_numpy())
    if wrong.any():
        notes.append(f"{int(wrong.sum())} message(s) you sent (IsSender=1) carried another name or id; they are shown "
                     f"under your name ({name})")
        sender, sender_id = sender.mask(mine, name), sender_id.mask(mine, owner_id)
    return sender, sender_id


def parse_v2_csv(path: Path, text: str | None = None) -> ParsedExport:
    """MemoTrace v2 CSV. Plain text rows are used as they are; only the other rows run per-row XML extraction."""
    df, notes = read_csv_frame(path, "MemoTrace", skip=frozenset({"localId", "Status"}))
    require_columns(df, _V2_REQUIRED, "MemoTrace", _V2_HOW)
    if "StrTime" not in df.columns and "CreateTime" not in df.columns:
        require_columns(df, ("StrTime",), "MemoTrace", _V2_HOW)
    if df.empty:
        return ParsedExport(finish(empty_frame()), "memotrace_csv", notes=notes + ["the file holds no messages"])
    typ = df["Type"].astype(str).str.strip()
    sub = df["SubType"].astype(str).str.strip()
    kind = map_pairs(typ, sub, _v2_kind)
    content = df["StrContent"].astype(str)
    text_col, quote = _v2_texts(typ, sub, kind, content)
    is_me = flags(df["IsSender"].astype(str))
    unknown = int(is_me.isna().sum())
    if unknown:
        notes.append(f"{unknown} message(s) had no IsSender flag; choose who you are with --me")
    remark, nick = _col(df, "Remark").str.strip(), _col(df, "NickName").str.strip()
    system = (kind == "system").to_numpy()
    sender = remark.where(remark != "", nick).mask(system, "")
    sender_id = _col(df, "Sender").str.strip().mask(system, "")
    sender, sender_id = owner_on_my_rows(sender, sender_id, is_me, system, notes)
    times, time_notes = _v2_times(df)
    chat_col, key_col, group_col = _v2_chats(df, is_me, kind, path)
    out = pd.DataFrame({
        "chat": chat_col, "chat_key": key_col, "is_group": group_col,
        "sender": sender, "sender_id": sender_id, "is_me": is_me, "time": times, "kind": kind, "text": text_col,
        "quote": quote,
    })
    me = rank_me_candidates(sender[is_me.fillna(False).astype(bool).to_numpy()], set())
    return ParsedExport(finish(out), "memotrace_csv", me_candidates=me, notes=notes + time_notes,
                        people=wechat_people(remark, nick, sender_id))


# --------------------------------------------------------------------------------------------------------------------
# 2025 renderings (Message.to_text), shared by memotrace_csv_zh and memotrace_txt
# --------------------------------------------------------------------------------------------------------------------

_QUOTE_SPLIT = re.compile(r"^(.*?)\n引用[:：](.*)$", re.S)
_NAME_SPLIT = re.compile(r"^(.*?)[:：] ?(.*)$", re.S)
_FILE_2025 = re.compile(r"^(.*?) \d+(?:\.\d+)? (?:B|KB|MB|GB)(?: |$)", re.S)
_TRANSFER = re.compile(r"^【(发起转账|已收款|已退还|非实时转账收款|发起非实时转账|未知|转账[^】]*)】"
                       r"[:：]?\s*(.*)$", re.S)
_UNKNOWN_2025 = re.compile(r"^-?\d+\n\s*(?:<|\{|OrderedDict)")
_EXACT_PLACEHOLDERS: dict[str, str] = {
    "[图片]": "image", "【图片】": "image", "[语音]": "voice", "【语音】": "voice", "[视频]": "video",
    "【视频】": "video", "[表情包]": "sticker", "【表情包】": "sticker", "[文件]": "file", "[音乐分享]": "other",
    "[链接]": "link",
}


def split_quote(body: str) -> tuple[str, str] | None:
    """``(reply, quoted)`` of ``{reply}\\n引用:{name}:{quoted}`` (v2) or ``…\\n引用：{name}: {quoted}`` (2025)."""
    m = _QUOTE_SPLIT.match(body)
    if not m:
        return None
    rest = m.group(2)
    nm = _NAME_SPLIT.match(rest)
    quoted = nm.group(2) if nm else ""
    return m.group(1), quote_from_rendering(quoted)


def quote_from_rendering(quoted: str) -> str:
    """Quoted text with MemoTrace's rendering undone: ``【语音】hi`` → ``hi``, ``【图片】`` → ``[图片]``."""
    found = rendered_kind(quoted)
    if found is None:
        return quote_text("", quoted)
    return clean_nontext(found[1]) or KIND_PLACEHOLDERS.get(found[0], "")


def _field(text: str, label: str) -> str:
    m = re.search(rf"^\s*{label}\s*[:：]\s?(.*)$", text, re.M)
    return m.group(1).strip() if m else ""


def rendered_kind(body: str) -> tuple[str, str] | None:
    """``(kind, text)`` for a MemoTrace placeholder rendering (``[图片]``, ``【表情包】 desc``, ``[链接]:title:…``), or
    None when ``body`` is ordinary text."""
    s = body.strip()
    if s in _EXACT_PLACEHOLDERS:
        return _EXACT_PLACEHOLDERS[s], ""
    if s.startswith("[链接]:"):
        first = s.split("\n", 1)[0][len("[链接]:"):]
        return "link", (first[len("title:"):] if first.startswith("title:") else first).strip()
    if not s.startswith("【"):
        return ("other", "") if _UNKNOWN_2025.match(s) else None
    return _rendered_2025(s)


def _rendered_2025(s: str) -> tuple[str, str] | None:
    prefix, _, rest = s.partition("】")
    label = prefix[1:]
    simple = {"语音": "voice", "表情包": "sticker", "音视频通话": "call"}
    if label in simple:
        return simple[label], rest.strip()
    if label == "文件":
        m = _FILE_2025.match(rest)
        return "file", (m.group(1) if m else rest).strip()
    if label == "分享链接":
        return "link", _field(rest, "标题")
    if label in ("位置分享", "位置"):
        return "location", _field(rest, "名称") or _field(rest, "标签")
    if label == "红包":
        return "other", rest.lstrip(":： ").strip()
    if label == "合并转发的聊天记录":
        return "other", ""
    if label == "视频号":
        return "other", _field(rest, "描述")
    if label == "名片":
        return "other", _field(rest, "昵称")
    if label == "笔记":
        return "other", rest.strip().split("\n", 1)[0].strip()
    m = _TRANSFER.match(s)
    if m:
        return "other", f"{m.group(1)} {m.group(2).split(chr(10), 1)[0]}".strip()
    return None


_LABEL_PREFIX = re.compile(r"^【[^】]*】[:：]?\s*")


def _strip_lenticular(text: str) -> str:
    """Drop a leading ``【…】`` label and separators: what is left is the human part."""
    return _LABEL_PREFIX.sub("", text.strip()).strip()


# --------------------------------------------------------------------------------------------------------------------
# memotrace_csv_zh (2025, Chinese header)
# --------------------------------------------------------------------------------------------------------------------

ZH_HEADER: tuple[str, ...] = ("消息ID", "类型", "发送人", "时间", "内容", "备注", "昵称", "更多信息")
_ZH_REQUIRED = ("类型", "发送人", "时间", "内容")
ZH_LABEL_KIND: dict[str, str] = {
    "文本": "text", "引用消息": "text", "图片": "image", "视频": "video", "语音": "voice", "表情包": "sticker",
    "系统消息": "system", "拍一拍": "system", "文件": "file", "分享链接": "link", "链接": "link", "位置": "location",
    "位置分享": "location", "音视频通话": "call", "转账": "other", "红包": "other", "合并转发的聊天记录": "other",
    "合并转发": "other", "小程序": "other", "视频号": "other", "音乐分享": "other", "收藏笔记": "other",
    "个人/公众号名片": "other", "企业微信名片": "other", "未知类型": "other",
}


def _sniff_zh_csv(head: str, name: str) -> float:
    return header_score(head, ZH_HEADER)


def _zh_payload(label: str, kind: str, content: str) -> tuple[str, str]:
    """``(text, quote)`` of one 2025 row from its rendered content, given the type label's kind."""
    if label == "引用消息":
        split = split_quote(content)
        return (split if split else (content, ""))
    if kind == "system":
        return system_text(content), ""
    if kind in ("image", "video"):
        return "", ""
    found = rendered_kind(content)
    if found is not None:
        return found[1], ""
    if kind == "text":
        return content, ""
    if _UNKNOWN_2025.match(content.strip()):
        return "", ""
    return _strip_lenticular(content).split("\n", 1)[0], ""


def parse_zh_csv(path: Path, text: str | None = None) -> ParsedExport:
    """MemoTrace 2025 CSV (Chinese header). There is no sender flag: ``is_me`` is NA and ``me_candidates`` ranks the
    senders.

    Heuristic for "me": MemoTrace names the file after the contact's remark and fills 备注/昵称 with the sender's own
    remark/nickname, so in a private chat the contact is the sender whose 发送人, 备注 or 昵称 equals the file name;
    every other sender is listed first. In a group chat the most active sender comes first.
    """
    df, notes = read_csv_frame(path, "MemoTrace")
    require_columns(df, _ZH_REQUIRED, "MemoTrace (2025)", _V2_HOW)
    if df.empty:
        return ParsedExport(finish(empty_frame()), "memotrace_csv_zh", notes=notes + ["the file holds no messages"])
    label = df["类型"].astype(str).str.strip()
    kind = map_values(label, lambda v: ZH_LABEL_KIND.get(v, "other"))
    content = df["内容"].astype(str)
    text_col = content.copy()
    quote = pd.Series("", index=df.index, dtype=content.dtype)
    need = ((label != "文本") | (kind != "text")).to_numpy()
    if need.any():
        kinds = kind[need].tolist()
        pairs = [_zh_payload(lb, k, c) for lb, k, c in zip(label[need].tolist(), kinds, content[need].tolist())]
        text_col[need] = [clean_nontext(p[0]) if k != "text" else p[0] for p, k in zip(pairs, kinds)]
        quote[need] = [p[1] for p in pairs]
    system = (kind == "system").to_numpy()
    sender = df["发送人"].astype(str).str.strip().mask(system, "")
    times = iso_times(df["时间"])
    chat, path_id = chat_from_path(path)
    people = sender[~system]
    is_group = (path_id or "").endswith("@chatroom") or people[people != ""].nunique() > 2
    contact = {chat}
    if not is_group:
        match = (people == chat) | (_col(df, "备注").str.strip()[~system] == chat) | (
            _col(df, "昵称").str.strip()[~system] == chat)
        contact |= set(people[match.to_numpy()])
    out = pd.DataFrame({
        "chat": const(chat, df.index), "chat_key": const(path_id or chat, df.index),
        "is_group": const(bool(is_group), df.index), "sender": sender, "sender_id": sender,
        "is_me": pd.Series(pd.NA, index=df.index, dtype="boolean"), "time": times, "kind": kind, "text": text_col,
        "quote": quote,
    })
    me = rank_me_candidates(people, contact if not is_group else set())
    return ParsedExport(finish(out), "memotrace_csv_zh", me_candidates=me,
                        notes=notes + time_note(times, df["时间"]))


# --------------------------------------------------------------------------------------------------------------------
# memotrace_txt (v2 and 2025)
# --------------------------------------------------------------------------------------------------------------------

_TXT_HEADER = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?: (.*))?$", re.M)
_QQ_MARKERS = ("消息对象:", "消息分组:", "消息记录（此消息记录为文本格式")
_QQ_HEADER = re.compile(r"^\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}:\d{2}(?: [AP]M)? .*(?:\(\d{5,}\)|<[^<>@]+@[^<>]+>)$", re.M)
_QQ_ONE_DIGIT_HOUR = re.compile(r"^\d{4}-\d{2}-\d{2} \d:\d{2}:\d{2} ", re.M)
_PAT = re.compile(r'^(?:"[^"\n]{1,64}"|你|我) ?拍了拍[^\n]*$')


def _sniff_txt(head: str, name: str) -> float:
    """MemoTrace TXT: blocks starting with ``YYYY-MM-DD HH:MM:SS name``. QQ TXT looks alike, so its file header,
    1-digit hours and ``name(QQ number)`` senders make this sniffer step aside."""
    if any(marker in head for marker in _QQ_MARKERS):
        return 0.05
    head = head.replace("\r\n", "\n")
    headers = _txt_header_matches(head)
    if not headers:
        return 0.0
    if _QQ_ONE_DIGIT_HOUR.search(head) or len(_QQ_HEADER.findall(head)) * 2 > len(headers):
        return 0.2
    first = head.lstrip().split("\n", 1)[0].rstrip("\r")
    if _TXT_HEADER.match(first):
        return 0.8 if len(headers) >= 2 else 0.7
    return 0.55 if len(headers) >= 3 else 0.3


def _txt_header_matches(text: str) -> list[re.Match[str]]:
    """Header lines that start a block: at the start of the file or right after a blank line.

    Requiring the blank line keeps a timestamp at the start of a message line from splitting that message.
    """
    out = []
    for m in _TXT_HEADER.finditer(text):
        if not out or _after_blank_line(text, m.start()):
            out.append(m)
    return out


def _after_blank_line(text: str, start: int) -> bool:
    if start == 0:
        return True
    prev_end = start - 1  # the "\n" ending the previous line
    prev_start = text.rfind("\n", 0, prev_end) + 1
    return text[prev_start:prev_end].strip() == ""


def _txt_body(text: str, start: int, end: int) -> str:
    lines = text[start:end].split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def _txt_message(name: str | None, body: str) -> tuple[str, str, str, str]:
    """``(sender, kind, text, quote)`` of one TXT block."""
    name = (name or "").strip()
    if not name:  # 2025 system line: "{time}\n{text}"
        return "", "system", system_text(body), ""
    if not body.strip() or name.startswith("<") or ("<sysmsg" in name or "<revokemsg" in name):
        # v2 system line: "{time} {text}" with no body
        return "", "system", system_text(f"{name}\n{body}".strip()), ""
    sender = html.unescape(name.replace('\\"', '"'))
    if _PAT.match(body.strip()):  # 2025 pat-pat lines carry the patter's name
        return "", "system", body.strip(), ""
    split = split_quote(body)
    if split is not None:
        return sender, "text", split[0], split[1]
    found = rendered_kind(body)
    if found is not None:
        return sender, found[0], clean_nontext(found[1]), ""
    return sender, "text", body, ""


def parse_txt(path: Path, text: str | None) -> ParsedExport:
    """MemoTrace TXT (v2 and 2025). No sender flag: ``is_me`` is NA and ``me_candidates`` ranks the senders, those
    other than the contact (whose remark names the file) first."""
    if text is None:
        raise BadInputError("internal: the TXT importer needs the decoded text")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    headers = _txt_header_matches(text)
    if not headers:
        raise BadInputError("no message header lines (\"YYYY-MM-DD HH:MM:SS name\") were found: this is not a "
                            "MemoTrace TXT export; export the chat again as TXT from MemoTrace and import the new "
                            "file.")
    rows = []
    for i, m in enumerate(headers):
        end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
        body = _txt_body(text, m.end() + 1, end) if m.end() < end else ""
        rows.append((m.group(1), *_txt_message(m.group(2), body)))
    df = pd.DataFrame(rows, columns=["raw_time", "sender", "kind", "text", "quote"])
    notes = []
    skipped = text[:headers[0].start()].strip()
    if skipped:
        notes.append(f"{len(skipped.splitlines())} line(s) before the first message were ignored")
    chat, path_id = chat_from_path(path)
    people = df.loc[df["kind"] != "system", "sender"]
    is_group = (path_id or "").endswith("@chatroom") or people[people != ""].nunique() > 2
    times = iso_times(df["raw_time"])
    out = pd.DataFrame({
        "chat": const(chat, df.index), "chat_key": const(path_id or chat, df.index),
        "is_group": const(bool(is_group), df.index), "sender": df["sender"],
        "sender_id": df["sender"], "is_me": pd.NA, "time": times, "kind": df["kind"], "text": df["text"],
        "quote": df["quote"],
    })
    me = rank_me_candidates(people, set() if is_group else {chat})
    return ParsedExport(finish(out), "memotrace_txt", me_candidates=me, notes=notes + time_note(times, df["raw_time"]))


# --------------------------------------------------------------------------------------------------------------------
# memotrace_json (training JSON)
# --------------------------------------------------------------------------------------------------------------------

_JSON_HOW = "export it again from MemoTrace (\"export for AI training\") and import the new file."
_ROLE_ME = {"assistant", "gpt", "model", "bot"}
_ROLE_THEM = {"user", "human"}


def _sniff_json(head: str, name: str) -> float:
    """MemoTrace training JSON: a list of ``conversations``/``messages`` with role/content, or Alpaca with history."""
    start = head.lstrip()
    if not start.startswith("["):
        return 0.0
    has_role = re.search(r'"role"\s*:', head) is not None
    if re.search(r'"conversations"\s*:\s*\[', head) and has_role:
        return 0.95 if "一个聪明、热情、善良的人" in head else 0.85
    if re.search(r'"messages"\s*:\s*\[', head) and has_role:
        return 0.9 if "一个聪明、热情、善良的人" in head else 0.75
    if all(re.search(rf'"{k}"\s*:', head) for k in ("instruction", "output", "history")):
        return 0.8 if re.search(r'"system"\s*:', head) else 0.7
    return 0.0


def _content_str(value: object) -> str:
    """Message content as text (OpenAI-style lists of parts are joined)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in value
                         if isinstance(p, (dict, str)))
    return str(value)


def _item_turns(item: object) -> tuple[list[tuple[bool, str]], int, int] | None:
    """``([(is_me, text)], system prompts, other roles skipped)`` of one JSON item, or None for an unknown shape."""
    if not isinstance(item, dict):
        return None
    msgs = item.get("conversations", item.get("messages"))
    if isinstance(msgs, list):
        turns, system, other = [], 0, 0
        for msg in msgs:
            if not isinstance(msg, dict):
                other += 1
                continue
            role = str(msg.get("role", msg.get("from", ""))).strip().lower()
            content = _content_str(msg.get("content", msg.get("value")))
            if role == "system":
                system += 1
            elif role in _ROLE_ME or role in _ROLE_THEM:
                turns.append((role in _ROLE_ME, content))
            else:
                other += 1
        return turns, system, other
    if "instruction" in item and "output" in item:
        return _alpaca_turns(item)
    return None


def _alpaca_turns(item: dict) -> tuple[list[tuple[bool, str]], int, int]:
    turns: list[tuple[bool, str]] = []
    other = 0
    history = item.get("history") or []
    for pair in history if isinstance(history, list) else []:
        if isinstance(pair, (list, tuple)) and len(pair) == 2:
            turns += [(False, _content_str(pair[0])), (True, _content_str(pair[1]))]
        else:
            other += 1
    prompt = _content_str(item.get("instruction"))
    extra = _content_str(item.get("input"))
    if extra.strip():
        prompt = f"{prompt}\n{extra}" if prompt else extra
    if prompt:
        turns.append((False, prompt))
    turns.append((True, _content_str(item.get("output"))))
    system = 1 if _content_str(item.get("system")).strip() else 0
    return turns, system, other


def _load_json(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInputError(json_error_message(text, exc, _JSON_HOW)) from None
    except RecursionError:
        raise BadInputError(f"the JSON nests too deeply to be a MemoTrace export; {_JSON_HOW}") from None


def parse_json(path: Path, text: str | None) -> ParsedExport:
    """MemoTrace training JSON. Each item is one conversation (``conv_hint`` = its index); there are no times.

    assistant = me (sender "me"), user = the contact (sender = the chat name from the file name without
    ``_train``/``_dev``). System prompts are instructions, not messages: they are skipped and counted in a note.
    """
    if text is None:
        raise BadInputError("internal: the JSON importer needs the decoded text")
    data = _load_json(text)
    if isinstance(data, dict) and _item_turns(data) is not None:
        data = [data]
    if not isinstance(data, list):
        raise BadInputError(f"expected a JSON list of conversations but found a {type(data).__name__}: this is not a "
                            f"MemoTrace training JSON; {_JSON_HOW}")
    chat, path_id = chat_from_path(path)
    rows: list[tuple[str, bool, str, int]] = []
    system = other = bad = 0
    for index, item in enumerate(data):
        parsed = _item_turns(item)
        if parsed is None:
            bad += 1
            continue
        turns, n_sys, n_other = parsed
        system, other = system + n_sys, other + n_other
        rows += [("me" if me else chat, me, content, index) for me, content in turns]
    if data and bad == len(data):
        raise BadInputError("no item has a \"conversations\" or \"messages\" list or Alpaca \"instruction\"/\"output\" "
                            f"fields: this is not a MemoTrace training JSON; {_JSON_HOW}")
    notes = []
    if system:
        notes.append(f"skipped {system} system prompt(s)")
    if other:
        notes.append(f"skipped {other} message(s) with an unknown role or shape")
    if bad:
        notes.append(f"skipped {bad} item(s) that are not conversations")
    df = pd.DataFrame(rows, columns=["sender", "is_me", "text", "conv_hint"])
    out = pd.DataFrame({
        "chat": chat, "chat_key": path_id or chat, "is_group": False, "sender": df["sender"],
        "sender_id": df["sender"], "is_me": df["is_me"].astype("boolean"), "time": "", "kind": "text",
        "text": df["text"], "quote": "", "conv_hint": df["conv_hint"],
    }, index=df.index)
    return ParsedExport(finish(out), "memotrace_json", notes=notes)


# --------------------------------------------------------------------------------------------------------------------
# Registration
# --------------------------------------------------------------------------------------------------------------------

register(Importer("memotrace_csv", "WeChat · MemoTrace CSV", _sniff_v2_csv, parse_v2_csv, binary=True,
                  reads="csv"))
register(Importer("memotrace_csv_zh", "WeChat · MemoTrace CSV (2025, Chinese header)", _sniff_zh_csv, parse_zh_csv,
                  binary=True, reads="csv"))
register(Importer("memotrace_txt", "WeChat · MemoTrace TXT", _sniff_txt, parse_txt))
register(Importer("memotrace_json", "WeChat · MemoTrace training JSON", _sniff_json, parse_json, reads="json"))
