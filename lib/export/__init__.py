"""Export a workspace as a training dataset: one call that runs the whole contract.

``export(ws, fmt, out, opts)``: records the persona version used, brings the redaction scan up to date and applies it
to every string (messages through their spans, everything else by value), builds the records
(:mod:`lib.export.records`), mixes in the records of the augmenters its caller passes (MBTI's, when asked:
:class:`lib.export.records.Augmenter`; this package imports none of them), writes the format
(:mod:`lib.export.formats`) and a dataset card (``README.md``) beside the data, and logs the export in the workspace.

An export holds the workspace's writer lock and is written to ``<out>.partial-<random>``, then renamed into place as
a whole (:func:`lib.locking.publish`): the old export stays until the new one is complete, so a crash leaves one or
the other, never new train with old validation files.
"""
from __future__ import annotations

import json
import re
import time as _time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lib.export.formats import EXPORTERS, FORMATS, write
from lib.export.records import Augmenter, BuildReport, ExportOptions, Record, build

# What an export folder may hold (formats.write and the card): anything else means ``out`` is not an earlier export.
_EXPORT_FILE = re.compile(r"(README\.md|dataset_info\.json|(metwin_)?(train|val)\.jsonl?)(\.tmp)?|\.DS_Store")

__all__ = ["EXPORTERS", "FORMATS", "Augmenter", "ExportOptions", "ExportReport", "Record", "cached_records", "export",
           "export_dir", "past_exports", "training_sets", "records", "zip_name"]


@dataclass
class ExportReport:
    format: str
    out: Path
    files: dict[str, str]
    persona_version: int | None
    build: BuildReport
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0
    records: list[Record] = field(default_factory=list, repr=False)


def _context(ws, opts: ExportOptions, save: bool):
    from lib import persona
    from lib.pii.redactor import Redactor

    last = persona.latest(ws)
    version = persona.save_version(ws).id if save else (last.id if last else None)
    redactor = Redactor(ws)
    lang = persona.language(ws)
    tmpl = persona.template(ws)
    base_vals = persona.values(ws, lang=lang)
    cache: dict[int, str] = {}

    def system_for(chat_id: int) -> str:
        if chat_id not in cache:
            vals = {**base_vals, "relationship": persona.relationships(ws).get(int(chat_id), "")}
            cache[chat_id] = persona.render(tmpl, vals, redactor.text)  # the twin's own name is never redacted
        return cache[chat_id]

    return version, redactor, lang, system_for


def records(ws, opts: ExportOptions, save_version: bool = False,
            augmenters: Sequence[Augmenter] = ()) -> tuple[list[Record], BuildReport, int | None]:
    """The records an export would write (with the augmenters' records mixed in), without writing anything. Only a
    real export records a persona version (``save_version``); a preview reports the latest one."""
    recs, report, version, _ = _records(ws, opts, save_version, augmenters=augmenters)
    return recs, report, version


def _records(ws, opts: ExportOptions, save_version: bool, only: set[int] | None = None,
             augmenters: Sequence[Augmenter] = ()):
    version, redactor, lang, system_for = _context(ws, opts, save_version)
    recs, report = build(ws, opts, system_for, redactor, lang, only=only)
    if recs and augmenters:  # nothing of mine to export: no extra records either
        real = tuple(recs)
        for augment in augmenters:
            extra = augment(ws, opts, real, system_for(-1), redactor)
            report.augmented.update(r.source for r in extra)
            recs.extend(extra)
    return recs, report, version, redactor


def _augmenter_name(augment: Augmenter) -> str:
    """A stable name for the cache key: the function's (or the callable's class's) module and qualified name."""
    named = augment if hasattr(augment, "__qualname__") else type(augment)
    return f"{getattr(named, '__module__', '')}.{getattr(named, '__qualname__', repr(named))}"


def holdout_records(ws, opts: ExportOptions | None = None) -> list[Record]:
    """The held-out conversations as records (redacted like an export), for evaluation only."""
    from lib.curate.holdout import ids

    held = ids(ws)
    if not held:
        return []
    recs, _, _, _ = _records(ws, opts or ExportOptions(val_ratio=0, dedup="none", min_chars=0), False, only=held)
    return recs


def cached_records(ws, opts: ExportOptions,
                   augmenters: Sequence[Augmenter] = ()) -> tuple[list[Record], BuildReport, int | None]:
    """:func:`records`, reused across reruns of the Export and Statistics pages until anything that feeds them
    changes: messages, decisions (labels, curation: the undo log), persona, traits or MBTI settings, redaction. Values
    that a build itself creates for names outside the messages (``source = 'surface'``) do not count as a change."""
    from lib.pii.store import PiiStore

    store = PiiStore(ws)
    if not store.is_current():  # scanning writes: do it before taking the stamp, not inside the build
        store.scan()
    store.salt()  # created on first use: likewise
    stamp = ws.conn.execute(
        "SELECT (SELECT COALESCE(MAX(id), 0) FROM decision_log) || '|' || "
        "(SELECT COALESCE(group_concat(key || '=' || value), '') FROM settings WHERE key LIKE 'persona.%' "
        " OR key LIKE 'traits.%' OR key LIKE 'mbti.%' OR key LIKE 'pii.%') || '|' || "
        "(SELECT COALESCE(SUM(source != 'surface'), 0) || ':' || COALESCE(SUM(status = 'rejected'), 0) "
        " FROM pii_values) || '|' || "
        "(SELECT COUNT(*) FROM mbti_records) || '|' || "
        "(SELECT COALESCE(MAX(value), '') FROM settings WHERE key = 'eval.holdout')").fetchone()[0]
    key = ("export.records." + json.dumps(opts.to_dict(), sort_keys=True) + stamp + "|"
           + ",".join(_augmenter_name(a) for a in augmenters))
    old = [k for k in ws._cache if k.startswith("export.records.") and k != key]
    for k in old[:-3]:  # a few option sets stay warm (the Export and Statistics pages use different ones)
        del ws._cache[k]
    return ws.cached(key, lambda: records(ws, opts, augmenters=augmenters))


def past_exports(ws, limit: int = 10) -> pd.DataFrame:
    """The latest exports (newest first): when, format, folder, persona version and record count."""
    df = pd.read_sql_query("SELECT id, created, format, out_dir, persona_version, counts FROM exports "
                           "ORDER BY id DESC LIMIT ?", ws.conn, params=(int(limit),))
    df["counts"] = [json.loads(c or "{}").get("records", 0) for c in df["counts"]]
    return df


def training_sets(ws) -> pd.DataFrame:
    """Past exports in a ShareGPT shape whose folder still holds its training file: what the Train page offers
    (``train`` and ``val`` are the files' paths, ``val`` empty when there was none)."""
    shapes = [e for e in EXPORTERS.values() if e.sharegpt]
    df = pd.read_sql_query(f"SELECT id, created, format, out_dir FROM exports WHERE format IN "
                           f"({','.join('?' * len(shapes))}) ORDER BY id DESC", ws.conn,
                           params=[e.name for e in shapes])

    def path(row, split: str) -> str:
        f = Path(row.out_dir) / EXPORTERS[row.format].file(split)
        return str(f) if f.exists() else ""

    df["train"] = [path(r, "train") for r in df.itertuples()]
    df["val"] = [path(r, "val") for r in df.itertuples()]
    return df[df["train"] != ""].reset_index(drop=True)


def export_dir(ws, fmt: str, when: float | None = None) -> Path:
    """Where the app writes an export: ``<workspace>/exports/<format>-<time>/``. The folder's own name is made of the
    format and the time only, never of a workspace, chat or file name: those carry people's names."""
    return ws.path / "exports" / f"{fmt}-{_time.strftime('%Y%m%d-%H%M%S', _time.localtime(when))}"


def zip_name(ws, folder: Path) -> str:
    """The download name of an export folder as one zip, through the redaction contract: a folder named by hand (the
    command line takes any ``--out``) may carry a person's name."""
    from lib.pii.redactor import safe_file_name, surface_redactor

    return safe_file_name(Path(folder).name, surface_redactor(ws), default="metwin-export") + ".zip"


def export(ws, fmt: str, out: Path, opts: ExportOptions | None = None,
           augmenters: Sequence[Augmenter] = ()) -> ExportReport:
    """Write a dataset. The output folder gets the split files, ``dataset_info.json`` where the format has one, and
    ``README.md`` (the dataset card). An existing ``out`` is replaced as a whole, so it must hold an earlier export
    or nothing: a folder with other files is refused rather than emptied. ``augmenters`` add extra records (MBTI's:
    :func:`lib.persona.mbti_store.augmenter`); the caller passes them, so this package imports none."""
    from lib import locking
    from lib.errors import BadInputError
    from lib.export.card import dataset_card
    from lib.stats import export_stats

    if fmt not in FORMATS:
        raise BadInputError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    opts = (opts or ExportOptions()).check()
    t0 = _time.perf_counter()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise BadInputError(f"{out} is a file; give a folder for the dataset")
    if out.is_dir() and any(not _EXPORT_FILE.fullmatch(p.name) for p in out.iterdir()):
        raise BadInputError(f"{out} holds files that are not an export; an export replaces its folder as a whole, "
                            "so give a new or empty folder")
    with ws.writer("an export"):
        locking.recover(out)  # what an earlier crash left beside this folder
        recs, report, version, redactor = _records(ws, opts, save_version=True, augmenters=augmenters)
        if not recs:
            raise BadInputError("nothing to export: no trainable conversation has a reply of yours. Check the funnel "
                                "on the Home page, the curation decisions, and who is \"me\".")
        job = locking.partial_dir(out)
        with job as partial:  # removed if anything fails before it is published
            files = write(fmt, recs, partial, system_turn=opts.system_turn)
            counts = export_stats(recs)
            rep = ExportReport(fmt, out, files, version, report, counts, records=recs)
            (partial / "README.md").write_text(dataset_card(ws, rep, opts, redactor), encoding="utf-8")
            locking.publish(job, out)
    rep.seconds = _time.perf_counter() - t0
    ws.conn.execute("INSERT INTO exports(created, format, out_dir, options, persona_version, counts) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (_time.strftime("%Y-%m-%dT%H:%M:%S"), fmt, str(out), json.dumps(opts.to_dict()), version,
                     json.dumps({"records": len(recs), "files": files}, ensure_ascii=False)))
    return rep
