"""MBTI augmentation in a workspace: imported Machine-Mindset records, the owner's type, and the records an export
mixes in (:func:`augmenter`, which the export's callers pass to it). Parsing, sampling and restyling are in
:mod:`lib.persona.mbti`; this module only stores and picks.
"""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from lib import db, settings
from lib.errors import BadInputError

MAX_BYTES = 50 * 1024 * 1024


def import_bytes(ws, data: bytes, name: str) -> int:
    """Store one MBTI file's records (again importing the same file adds nothing). Returns records stored."""
    from lib.persona import mbti

    if len(data) > MAX_BYTES:
        raise BadInputError(f"{name}: {len(data) / 1024**2:.0f} MB is more than the 50 MB an MBTI file may have")
    parsed = mbti.parse(data, name)
    meta, recs = parsed[0], parsed[1]
    before = ws.conn.execute("SELECT COUNT(*) FROM mbti_records").fetchone()[0]
    with db.transaction(ws.conn):
        ws.conn.executemany(
            "INSERT OR IGNORE INTO mbti_records(file, lang, kind, dimension, pole, mbti_type, instruction, output) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(meta.name, meta.lang, meta.kind, meta.dimension, meta.pole, meta.mbti_type, r.instruction, r.output)
             for r in recs])
    return ws.conn.execute("SELECT COUNT(*) FROM mbti_records").fetchone()[0] - before


def files(ws) -> pd.DataFrame:
    return pd.read_sql_query("SELECT file, lang, kind, COALESCE(pole, mbti_type, '') AS what, COUNT(*) AS records "
                             "FROM mbti_records GROUP BY file ORDER BY file", ws.conn)


def remove_file(ws, name: str) -> None:
    ws.conn.execute("DELETE FROM mbti_records WHERE file = ?", (name,))


def chosen_type(ws) -> str:
    """The type set for augmentation, else the one on the trait card (without -A/-T), else ""."""
    from lib.persona.traits import load_card

    return (settings.MBTI_TYPE.get(ws) or load_card(ws).mbti.split("-")[0])


def set_type(ws, value: str) -> None:
    from lib.persona.traits import MBTI

    value = value.strip().upper()
    if value and not MBTI.fullmatch(value):
        raise BadInputError(f"{value!r} is not an MBTI type: four letters such as INFP or ESTJ")
    settings.MBTI_TYPE.set(ws, value)


def chosen_files(ws) -> list[str]:
    """Files picked by hand (dimension files, say); they override the type when set."""
    return [str(n) for n in settings.MBTI_FILES.get(ws)]


def set_files(ws, names: list[str]) -> None:
    settings.MBTI_FILES.set(ws, sorted(set(names)))


def preview(ws, system: str, n: int = 2, seed: int = 42) -> list[dict]:
    """A few converted pairs as the export would write them (restyled when on), for the page."""
    from lib.persona import mbti
    from lib.persona.traits import cached_traits

    pool = _pool(ws)
    style = cached_traits(ws) if restyle_on(ws) else None
    return [mbti.to_pair(r, system, style, seed + k) for k, r in enumerate(mbti.sample(pool, n, seed))]


def restyle_on(ws) -> bool:
    return settings.MBTI_RESTYLE.get(ws)


def set_restyle(ws, on: bool) -> None:
    settings.MBTI_RESTYLE.set(ws, bool(on))


def _pool(ws) -> list:
    """The records to sample from: the files picked by hand; else the owner's type's files when a type is chosen and
    present; else every file."""
    from lib.persona import mbti
    from lib.persona import language

    rows = ws.conn.execute("SELECT file, instruction, output FROM mbti_records ORDER BY id").fetchall()
    if not rows:
        return []
    names = sorted({r[0] for r in rows})
    wanted = set(names)
    kind = chosen_type(ws)
    picked_by_hand = [n for n in chosen_files(ws) if n in wanted]
    if picked_by_hand:
        wanted = set(picked_by_hand)
    elif kind:
        langs = dict(ws.conn.execute("SELECT file, MAX(lang) FROM mbti_records GROUP BY file"))
        # the language parse() read from the content, not only what the file name says
        available = [replace(mbti.describe(n), lang=langs.get(n) or mbti.describe(n).lang) for n in names]
        picked = mbti.files_for_type(kind, available, language(ws))
        if picked:
            wanted = {f.name for f in picked}
    return [mbti.MbtiRecord(instruction=i, output=o, file=f) for f, i, o in rows if f in wanted]


def augment(ws, n_real: int, ratio: float, system: str, seed: int = 42, redactor=None) -> list:
    """Augmented training records for an export: ``ratio`` per real training record, sampled (balanced across files)
    and turned into chat pairs under the persona's system prompt, restyled toward the owner's habits when on."""
    from lib.persona import mbti
    from lib.export.records import Record, Turn
    from lib.persona.traits import cached_traits

    pool = _pool(ws)
    n = mbti.records_for_ratio(n_real, ratio)
    if not pool or n <= 0:
        return []
    style = cached_traits(ws) if restyle_on(ws) else None
    out = []
    for k, rec in enumerate(mbti.sample(pool, n, seed)):
        pair = mbti.to_pair(rec, system, style, seed + k)
        turns = [Turn(t["role"], redactor.text(t["text"]) if redactor else t["text"]) for t in pair["turns"]]
        out.append(Record(-1, -1, "", "", system, turns, source="mbti"))
    return out


def augmenter(ws, opts, real, system: str, redactor) -> list:
    """MBTI's :class:`lib.export.records.Augmenter`: what the command line and the Export page pass to an export.
    On only when ``opts.include_mbti``; ``opts.mbti_ratio`` records per real *training* record (validation stays the
    owner's own), seeded by the export's seed so a rerun writes the same records."""
    if not opts.include_mbti:
        return []
    n_real = sum(1 for r in real if r.split == "train")
    return augment(ws, n_real, opts.mbti_ratio, system, seed=opts.seed, redactor=redactor)
