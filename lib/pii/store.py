"""Detections and the owner's decisions, kept in the workspace database.

A *value* (kind + normalised text, table ``pii_values``) is what the owner decides on: one accept, reject or edited
replacement covers every occurrence, and it carries the stable placeholder index (``<PHONE_3>``). *Hits*
(``pii_hits``) are where values occur; scans rebuild them freely, values and decisions are never deleted, so a rescan
after new imports or detector changes keeps every earlier decision.

Scans are incremental: new messages (ids above the last scanned one) get the full analyzer; names, terms or allow-list
entries added since the last scan get a targeted pass; anything that could *remove* detections the old way (a new
detector version, other regions, a lower threshold, a removed name or term) triggers a full rescan. The scan state is
committed batch by batch, so an interrupted scan resumes where it stopped.
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
import time as _time
from dataclasses import dataclass
from datetime import datetime, timezone
from collections import deque
from typing import Callable, Iterable, Iterator

import pandas as pd

from lib import db
from lib.errors import BadInputError
from lib.pii.analyzer import Analyzer
from lib import decisions
from lib.pii import kinds
from lib.pii.base import KINDS, AnalyzerConfig, Recognizer, Term, default_norm
from lib.pii.recognizers.person import KNOWN_NAME_REASONS
from lib import settings

# Bump when the analyzer's own logic changes (a recognizer bumps its KindSpec.version instead): the next scan of every
# workspace is then a full rescan.
DETECTOR_VERSION = 2
AREA = "redaction"  # this module's actions in the shared undo log (lib.decisions)
STATUSES: tuple[str, ...] = ("pending", "accepted", "rejected", "skipped")
BATCH = 5000
MAX_TERM_LENGTH = 200
MIN_KNOWN_VALUE = 6  # shorter values found once are not looked for everywhere ("1234" is in too many messages)


@dataclass
class ScanReport:
    scanned: int = 0
    hits: int = 0
    new_values: int = 0
    full: bool = False
    seconds: float = 0.0


# The text a message has now: the owner's edit (lib/curate/store.py) when there is one. Spans are offsets into it.
EDITS_JOIN = "LEFT JOIN message_edits e ON e.message_id = m.id"
EFFECTIVE_TEXT = "COALESCE(e.text, m.text)"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class PiiStore:
    """Redaction state of one workspace. Cheap to create; all reads go to SQLite so several tabs stay consistent."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.conn = ws.conn

    # ----- configuration ------------------------------------------------------------------------------------------
    def regions(self) -> tuple[str, ...]:
        """Phone regions for national formats: the owner's setting, else those the workspace shows (never empty)."""
        return self.owner_regions() or self.inferred_regions()

    def owner_regions(self) -> tuple[str, ...]:
        """The owner's explicit phone regions; empty when the owner never set any (the inferred ones apply)."""
        return tuple(self.ws.get_setting(settings.PII_REGIONS.key, None) or ())

    def inferred_regions(self) -> tuple[str, ...]:
        """Regions read from the messages and exports (:mod:`lib.pii.regions`), kept until what they are read from
        changes: the import (:meth:`_import_stamp`) or the international PHONE values a scan found. Not on every
        commit: at 1,000,000 messages reading them again took 0.1 s after each label or curation decision."""
        from lib.pii.regions import infer_regions
        from lib.workspace import shared_cache

        phones = self.conn.execute(
            "SELECT COUNT(*) || ':' || COALESCE(MAX(id), 0) || ':' || COALESCE(SUM(n_hits > 0), 0) || ':' || "
            "COALESCE(SUM(status = 'rejected'), 0) FROM pii_values WHERE kind = 'PHONE'").fetchone()[0]
        return shared_cache(self.ws, "pii.inferred_regions", f"{self._import_stamp()}|{phones}",
                            lambda: infer_regions(self.ws))

    def set_regions(self, regions: Iterable[str]) -> None:
        """Pin the phone regions. Empty, or exactly the inferred ones while nothing is pinned (a settings form saved
        unchanged), leaves them inferred, so they keep following the workspace."""
        import phonenumbers

        clean = []
        for r in regions:
            r = r.strip().upper()
            if r not in phonenumbers.SUPPORTED_REGIONS:
                raise BadInputError(f"unknown phone region {r!r}: use a two-letter country code such as CN, US or GB")
            if r not in clean:
                clean.append(r)
        if not clean or (not self.owner_regions() and tuple(clean) == self.inferred_regions()):
            self.conn.execute("DELETE FROM settings WHERE key = 'pii.regions'")
        else:
            self.ws.set_setting(settings.PII_REGIONS.key, clean)

    def threshold(self) -> float:
        return float(self.ws.get_setting(settings.PII_THRESHOLD.key, 0.5))

    def set_threshold(self, value: float) -> None:
        self.ws.set_setting(settings.PII_THRESHOLD.key, min(1.0, max(0.0, float(value))))

    def owner_names(self) -> list[str]:
        return list(self.ws.get_setting(settings.PII_NAMES.key, []))

    def set_owner_names(self, names: Iterable[str]) -> None:
        self.ws.set_setting(settings.PII_NAMES.key, sorted({n.strip() for n in names if n.strip()}))

    def modes(self) -> dict[str, str]:
        """Replacement mode per kind (placeholder, mask or surrogate); placeholders unless the owner chose otherwise."""
        stored = self.ws.get_setting(settings.PII_MODES.key, {})
        return {s.name: stored.get(s.name, s.mode) for s in kinds.kind_specs()}

    def set_mode(self, kind: str, mode: str) -> None:
        from lib.pii.operators import MODES

        if kind not in KINDS or mode not in MODES:
            raise BadInputError(f"unknown kind or mode: {kind} {mode}")
        stored = dict(self.ws.get_setting(settings.PII_MODES.key, {}))
        stored[kind] = mode
        self.ws.set_setting(settings.PII_MODES.key, stored)

    def salt(self) -> str:
        """Per-workspace secret for surrogates: fakes are consistent inside a workspace, unlinkable across them."""
        value = self.ws.get_setting(settings.PII_SALT.key)
        if not value:
            value = secrets.token_hex(16)
            self.ws.set_setting(settings.PII_SALT.key, value)
        return value

    def gazetteer(self) -> tuple[str, ...]:
        """Known names: the export's own people, the owner's list, and every name found in free text anywhere.

        The export's people are chat partners, senders, the owner (per chat), chat names of one-to-one chats, and the
        names a format keeps outside its sender column (``known_names``: WeChat remarks and nicknames, Telegram
        usernames and contacts). A PERSON value a recognizer found in some message and the owner did not reject
        joins them, so a name mentioned once in full is known in every other message (its parts too:
        :mod:`lib.pii.names`). Group names are left out (a group title is not a person); ``wxid_…`` ids are
        WECHAT_ID's business.
        """
        from lib.workspace import shared_cache

        names = set(shared_cache(self.ws, "pii.import_names", self._import_stamp(), self._import_names))
        names |= set(self.owner_names())
        names |= set(self.learned_names())
        return tuple(sorted(n.strip() for n in names if n and n.strip() and not n.startswith("wxid_")))

    def _import_stamp(self) -> str:
        """What the names and regions read from the import depend on, in a few index reads. Messages and imports are
        only ever appended (raw imports stay as they are), so their largest ids and counts say when they change; the
        chats (names, owner, group flag) and the export's own names are small tables, summed whole."""
        return self.conn.execute(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM messages) || '|' || "
            "(SELECT COUNT(*) || ':' || COALESCE(MAX(id), 0) FROM imports) || '|' || "
            "(SELECT COUNT(*) || ':' || COALESCE(SUM(length(COALESCE(name, '')) + length(COALESCE(me_name, ''))), 0) "
            " || ':' || COALESCE(group_concat(COALESCE(me_name, ''), char(31)), '') "
            " || ':' || COALESCE(SUM(is_group), 0) FROM chats) || '|' || "
            "(SELECT COUNT(*) || ':' || COALESCE(MAX(rowid), 0) FROM known_names)").fetchone()[0]

    def _import_names(self) -> frozenset[str]:
        """A full pass over the senders (0.17 s at 1,000,000 messages): kept until the import changes
        (:meth:`_import_stamp`), not recomputed after every decision the owner makes."""
        names = {r[0] for r in self.conn.execute("SELECT name FROM chats WHERE is_group = 0")}
        names |= {r[0] for r in self.conn.execute("SELECT me_name FROM chats")}
        names |= {r[0] for r in self.conn.execute("SELECT DISTINCT sender FROM messages")}
        names = {n for n in names if not _looks_like_id(n)}
        names |= {r[0] for r in self.conn.execute("SELECT DISTINCT name FROM known_names WHERE source != 'wxid'")}
        return frozenset(names)

    def learned_names(self) -> list[str]:
        """Names found in messages (PERSON values with detections that the owner has not rejected).

        Found by any recognizer: a known name found again adds nothing, and a free-text name becomes known. Rejecting
        the value removes it (and its parts) at the next scan, which is then a full rescan."""
        rows = self.conn.execute(
            "SELECT value, norm FROM pii_values WHERE kind = 'PERSON' AND status != 'rejected' AND n_hits > 0")
        # a value first seen through a part ("Tom" of Tom Hartley) keeps that surface; it is not a name of its own
        return [value for value, norm in rows if default_norm(value) == norm]

    def known_values(self) -> tuple[Term, ...]:
        """Values found somewhere (with context, or validated) and not rejected: the same text elsewhere is the same
        value, even where its context is missing ("身份证号3201…" once, "3201… 帮我订票" later). Names have their own
        path (:meth:`gazetteer`); short values are left out, a 3-character code would match everywhere."""
        rows = self.conn.execute(
            "SELECT kind, value, norm FROM pii_values WHERE kind NOT IN ('PERSON', 'CUSTOM') AND status != 'rejected' "
            "AND n_hits > 0 AND length(value) >= ?", (MIN_KNOWN_VALUE,))
        return tuple(Term(v, k, norm=n) for k, v, n in rows if v.strip())

    def known_ids(self) -> tuple[Term, ...]:
        """User-chosen WeChat ids the export shows (``lily_w88``): known WECHAT_ID values wherever they appear."""
        rows = self.conn.execute("SELECT DISTINCT name FROM known_names WHERE source = 'wxid'")
        return tuple(Term(r[0], "WECHAT_ID") for r in rows
                     if len(r[0]) >= 6 and not r[0].startswith("wxid_") and "@" not in r[0])

    def terms(self) -> list[tuple[int, Term]]:
        return [(r[0], Term(r[1], r[2], bool(r[3]))) for r in
                self.conn.execute("SELECT id, pattern, kind, is_regex FROM pii_terms ORDER BY id")]

    def allow_list(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT term FROM pii_allow ORDER BY term")]

    def config(self) -> AnalyzerConfig:
        return AnalyzerConfig(regions=self.regions(), names=self.gazetteer(),
                              terms=tuple(t for _, t in self.terms()) + self.known_ids() + self.known_values(),
                              allow=frozenset(self.allow_list()), threshold=self.threshold())

    @staticmethod
    def fingerprint(cfg: AnalyzerConfig) -> str:
        """What forces a full rescan when it changes (additions of names, terms and allow entries do not)."""
        return hashlib.sha256(json.dumps([DETECTOR_VERSION, kinds.signature(), list(cfg.regions),
                                          cfg.threshold]).encode()).hexdigest()[:16]

    # ----- scanning -----------------------------------------------------------------------------------------------
    def _state(self) -> dict:
        return self.ws.get_setting(settings.PII_SCAN.key, {})

    def pending_messages(self) -> int:
        """Messages a scan still has to look at (all of them when a full rescan is due)."""
        cfg, st = self.config(), self._state()
        return self._unscanned(0 if self._needs_full(cfg, st) else st.get("upto", 0))

    def is_current(self) -> bool:
        """True when every message was scanned with the current configuration: safe to export."""
        cfg, st = self.config(), self._state()
        if self._needs_full(cfg, st) or self._additions(cfg, st) != ((), (), ()):
            return False
        return self._unscanned(st.get("upto", 0)) == 0

    def _unscanned(self, upto: int) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM messages WHERE id > ? AND text != ''", (upto,)).fetchone()[0]

    def _needs_full(self, cfg: AnalyzerConfig, st: dict) -> bool:
        if st.get("fingerprint") != self.fingerprint(cfg):
            return True
        if set(st.get("names", [])) - set(cfg.names):
            return True
        if {tuple(t) for t in st.get("terms", [])} - {_term_key(t) for t in cfg.terms}:
            return True
        return bool(set(st.get("allow", [])) - {default_norm(a) for a in cfg.allow})

    def _additions(self, cfg: AnalyzerConfig, st: dict) -> tuple[tuple[str, ...], tuple[Term, ...], tuple[str, ...]]:
        old_names = set(st.get("names", []))
        old_terms = {tuple(t) for t in st.get("terms", [])}
        old_allow = set(st.get("allow", []))
        return (tuple(n for n in cfg.names if n not in old_names),
                tuple(t for t in cfg.terms if _term_key(t) not in old_terms),
                tuple(sorted({default_norm(a) for a in cfg.allow} - old_allow)))

    def scan(self, progress: Callable[[float, str], None] | None = None, full: bool = False) -> ScanReport:
        """Bring detections up to date with the messages and the configuration (see the module docstring).

        One scan at a time per workspace (the writer lock: :class:`lib.errors.WorkspaceBusy` while an import, an
        export or another tab's scan runs): two scans would both rebuild the same hits. Decisions stay unlocked."""
        from lib.pii.parallel import no_cycle_collection

        with self.ws.writer("a redaction scan"), no_cycle_collection():
            return self._scan(progress, full)

    def _scan(self, progress: Callable[[float, str], None] | None, full: bool) -> ScanReport:
        t0 = _time.perf_counter()
        cfg = self.config()
        st = self._state()
        report = ScanReport(full=full or self._needs_full(cfg, st))
        new_state = {"fingerprint": self.fingerprint(cfg), "names": list(cfg.names),
                     "terms": [list(_term_key(t)) for t in cfg.terms],
                     "allow": sorted({default_norm(a) for a in cfg.allow})}
        values = _ValueIndex(self.conn)
        if report.full:
            with db.transaction(self.conn):
                self.conn.execute("DELETE FROM pii_hits")
                self.ws.set_setting(settings.PII_SCAN.key, {**new_state, "upto": 0})
            upto = 0
        else:
            upto = int(st.get("upto", 0))
            names, terms, allow = self._additions(cfg, st)
            if allow:
                with db.transaction(self.conn):
                    self._drop_allowed(allow)
            if (names or terms) and upto:
                from lib.pii.recognizers.custom import CustomRecognizer
                from lib.pii.recognizers.person import PersonRecognizer

                recs: list[Recognizer] = []
                if names:
                    recs.append(PersonRecognizer(names))
                if terms:
                    recs.append(CustomRecognizer(terms))
                self._scan_range(Analyzer(cfg, recognizers=recs), values, 0, upto, report, progress,
                                 "names and terms")
            with db.transaction(self.conn):
                self.ws.set_setting(settings.PII_SCAN.key, {**new_state, "upto": upto})
        analyzer = Analyzer(cfg)
        last = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM messages").fetchone()[0]
        self._scan_range(analyzer, values, upto, last, report, progress, "messages", state=new_state)
        with db.transaction(self.conn):
            self._refresh_aggregates()
        self._spread_names(cfg, new_state, values, last, report, progress)
        self.ws.touch()
        report.new_values = values.created
        report.seconds = _time.perf_counter() - t0
        return report

    def _spread_names(self, cfg: AnalyzerConfig, state: dict, values: "_ValueIndex", last: int, report: ScanReport,
                      progress) -> None:
        """Names and values this scan found become known: look for them (names with their parts) in every message,
        earlier ones included, so "Emma" three weeks before "my sister Emma Rossi" is found too, and so is a number
        sent once with its context and once without."""
        from lib.pii.recognizers.custom import CustomRecognizer
        from lib.pii.recognizers.person import PersonRecognizer

        known_names, known_terms = set(cfg.names), {_term_key(t) for t in cfg.terms}
        for _ in range(3):  # a pass finds known names and values only, so one pass settles it; the bound is a guard
            now = self.config()
            names = tuple(n for n in now.names if n not in known_names)
            terms = tuple(t for t in now.terms if _term_key(t) not in known_terms)
            if not names and not terms:
                # what is known now ("Daniel" found alone may have become a part of Daniel Okafor) is what the
                # next scan compares with: recorded as it is, so that scan has nothing to add or redo
                with db.transaction(self.conn):
                    self.ws.set_setting(settings.PII_SCAN.key, {**state, "names": list(now.names),
                                                     "terms": [list(_term_key(t)) for t in now.terms], "upto": last})
                return
            known_names |= set(names)
            known_terms |= {_term_key(t) for t in terms}
            recs: list[Recognizer] = []
            if names:
                recs.append(PersonRecognizer(names))
            if terms:
                recs.append(CustomRecognizer(terms, reason="known value (found elsewhere in the workspace)"))
            again = ScanReport()  # the same messages a second time: their count is not "scanned" twice
            self._scan_range(Analyzer(cfg, recognizers=recs), values, 0, last, again, progress,
                             "names and values found in messages")
            report.hits += again.hits
            with db.transaction(self.conn):
                if names:
                    self._prefer_known_names()
                self.ws.set_setting(settings.PII_SCAN.key, {**state, "names": sorted(known_names),
                                                 "terms": [list(k) for k in sorted(known_terms)], "upto": last})
                self._refresh_aggregates()

    def _prefer_known_names(self) -> None:
        """Where a free-text name hit ("Daniel", found alone) and a known-name hit (the part "Daniel" of Daniel
        Okafor) cover the same span, keep the known one: it groups the mention under the full name's value, so the
        person has one placeholder and one decision. A scan of new messages does the same through the analyzer's
        overlap rule (known names score higher)."""
        known = " OR ".join(f"h2.reason LIKE '{r}%'" for r in KNOWN_NAME_REASONS)
        self.conn.execute(f"""
            DELETE FROM pii_hits WHERE id IN (
              SELECT h1.id FROM pii_hits h1
              JOIN pii_hits h2 ON h2.message_id = h1.message_id AND h2.start = h1.start AND h2.end = h1.end
                               AND h2.value_id != h1.value_id
              JOIN pii_values v1 ON v1.id = h1.value_id
              JOIN pii_values v2 ON v2.id = h2.value_id
              WHERE v1.kind = 'PERSON' AND v2.kind = 'PERSON' AND ({known})
                AND NOT ({known.replace('h2.', 'h1.')}))""")

    def _scan_range(self, analyzer: Analyzer, values: "_ValueIndex", lo: int, hi: int, report: ScanReport,
                    progress, what: str, state: dict | None = None) -> None:
        """Analyze messages with lo < id <= hi in batches, one transaction per batch (with the resume point when
        ``state`` is given)."""
        total = self.conn.execute("SELECT COUNT(*) FROM messages WHERE id > ? AND id <= ? AND text != ''",
                                  (lo, hi)).fetchone()[0]
        done, cursor = 0, lo
        # The message before each one in its chat is its context (a question it may answer). Batches go by id, which
        # follows (time, id) within a chat import by import: the last text seen per chat is the predecessor, and only
        # a chat's first message in this range (or one out of time order) asks the database, when it could be a value.
        # Writing stays in this process and thread; for big ranges the workers read and analyze id ranges themselves
        # (lib.pii.parallel.map_ranges, :func:`_read_range` keeps this predecessor rule), hits coming back in order.
        last: dict[int, tuple[str, int, str]] = {}
        read: deque = deque()

        # Without a recognizer that reads the message before (the pass for known names and values), no context is
        # needed: only ids and texts are read (a quarter less reading), and every prev is None as wants_prev says.
        context = bool(getattr(analyzer, "_followups", True))
        cols = "m.id, m.chat_id, m.time" if context else "m.id"

        def batches() -> Iterator[list[tuple[str, str | None]]]:
            start = lo
            while True:
                rows = self.conn.execute(f"SELECT {cols}, {EFFECTIVE_TEXT} FROM messages m "
                                         f"{EDITS_JOIN} WHERE m.id > ? AND m.id <= ? AND m.text != '' "
                                         "ORDER BY m.id LIMIT ?", (start, hi, BATCH)).fetchall()
                if not rows:
                    return
                if not context:
                    read.append(rows)
                    yield [(text, None) for _, text in rows]
                    start = rows[-1][0]
                    continue
                items = _with_context(self.conn, analyzer, rows, last)
                read.append(rows)
                yield items
                start = rows[-1][0]

        def ranges() -> Iterator[tuple[int, int, int, bool]]:
            # BATCH ids each (a few fewer messages with text: stickers and images have none), by arithmetic: counting
            # off BATCH messages with text would have the parent read every row before the workers do. A range gives
            # the same hits wherever its edges fall (_read_range's predecessor rule).
            for start in range(lo, hi, BATCH):
                yield lo, start, min(start + BATCH, hi), context

        def from_ranges(pool: "AnalyzerPool") -> Iterator[tuple[int, int, list]]:
            path = self.conn.execute("PRAGMA database_list").fetchone()[2]
            ends: deque = deque()

            def jobs() -> Iterator[tuple[int, int, int, bool]]:
                for job in ranges():
                    ends.append(job[2])
                    yield job

            for n, out in pool.map_ranges(path, jobs(), _read_range, self.conn):
                yield n, ends.popleft(), out

        def from_batches(pool: "AnalyzerPool") -> Iterator[tuple[int, int, list]]:
            for found in pool.map(batches()):
                rows = read.popleft()
                yield len(rows), rows[-1][0], [(row[0], h, row[-1][h.start:h.end])
                                               for row, hits in zip(rows, found) if hits for h in hits]

        from lib.pii.parallel import AnalyzerPool

        insert = ("INSERT OR IGNORE INTO pii_hits(message_id, start, end, value_id, score, reason) "
                  "VALUES (?, ?, ?, ?, ?, ?)")
        with AnalyzerPool(analyzer, total, own_reads=True) as pool:
            # Workers read their own ranges (a read-only connection each, lib.pii.parallel.map_ranges): the parent
            # reading and pickling every text kept it busy while the workers waited. In process they are read here.
            results = from_ranges(pool) if pool.parallel else from_batches(pool)
            for n_rows, end, out in results:
                if not n_rows and not out:
                    continue
                with db.transaction(self.conn):
                    if out:
                        # values first (each may insert a row), then every hit of the batch in one executemany
                        self.conn.executemany(insert, [
                            (mid, h.start, h.end, values.get(h.kind, h.norm or default_norm(surface), surface),
                             h.score, h.reason) for mid, h, surface in out])
                    cursor = end
                    if state is not None:
                        self.ws.set_setting(settings.PII_SCAN.key, {**state, "upto": cursor})
                done += n_rows
                report.scanned += n_rows
                report.hits += len(out)
                if progress and total:
                    progress(min(1.0, done / total), what)
        if state is not None and cursor < hi:
            with db.transaction(self.conn):
                self.ws.set_setting(settings.PII_SCAN.key, {**state, "upto": hi})

    def forget_rescanned(self, terms: Iterable[tuple[str, str]], allow: Iterable[str]) -> None:
        """Literal terms ``(pattern, kind)`` and allow entries the caller removed after rescanning their messages
        itself (:mod:`lib.pii.spans`): drop them from the scan state too, or the next scan would take their removal
        for a reason to rescan everything."""
        terms, allow = list(terms), list(allow)
        state = self._state()
        if (not terms and not allow) or not state:
            return
        gone_terms = {(p, k, 0) for p, k in terms}
        gone_allow = {default_norm(a) for a in allow} - {default_norm(a) for a in self.allow_list()}
        self.ws.set_setting(settings.PII_SCAN.key, {**state,
                                         "terms": [t for t in state.get("terms", []) if tuple(t) not in gone_terms],
                                         "allow": [a for a in state.get("allow", []) if a not in gone_allow]})

    def rescan_messages(self, message_ids: Iterable[int]) -> ScanReport:
        """Detect again in a few messages whose text the owner edited: their old spans no longer fit the new text.

        Decisions stay with their values, so an edit that keeps a phone number keeps its accepted replacement.
        """
        t0 = _time.perf_counter()
        ids = sorted({int(i) for i in message_ids})
        report = ScanReport(full=False)
        if not ids:
            return report
        analyzer = Analyzer(self.config())
        values = _ValueIndex(self.conn)
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(f"SELECT m.id, m.chat_id, m.time, {EFFECTIVE_TEXT} FROM messages m {EDITS_JOIN} "
                                 f"WHERE m.id IN ({marks})", ids).fetchall()
        with db.transaction(self.conn):
            touched = {r[0] for r in self.conn.execute(
                f"SELECT DISTINCT value_id FROM pii_hits WHERE message_id IN ({marks})", ids)}
            self.conn.execute(f"DELETE FROM pii_hits WHERE message_id IN ({marks})", ids)
            for mid, chat_id, t, text in rows:
                text = text or ""
                prev = self._previous_text(chat_id, t, mid) if analyzer.wants_prev(text) else None
                for h in analyzer.analyze(text, prev):
                    vid = values.get(h.kind, h.norm or default_norm(text[h.start:h.end]), text[h.start:h.end])
                    touched.add(vid)
                    self.conn.execute("INSERT OR IGNORE INTO pii_hits(message_id, start, end, value_id, score, "
                                      "reason) VALUES (?, ?, ?, ?, ?, ?)", (mid, h.start, h.end, vid, h.score,
                                                                            h.reason))
                    report.hits += 1
                report.scanned += 1
            self._refresh_aggregates(touched)
        self.ws.touch()
        report.new_values = values.created
        report.seconds = _time.perf_counter() - t0
        return report

    def _previous_text(self, chat_id: int, t: str, mid: int) -> str | None:
        """The (effective) text of the message before ``(t, mid)`` in its chat, skipping media without text."""
        return _previous_text(self.conn, chat_id, t, mid)

    def _drop_allowed(self, norms: Iterable[str]) -> None:
        norms = set(norms)
        ids = [vid for vid, norm, value in self.conn.execute("SELECT id, norm, value FROM pii_values")
               if norm in norms or default_norm(value) in norms]
        self.conn.executemany("DELETE FROM pii_hits WHERE value_id = ?", [(i,) for i in ids])

    def _refresh_aggregates(self, value_ids: Iterable[int] | None = None) -> None:
        only = ""
        ids: list[int] = []
        if value_ids is not None:
            ids = sorted(value_ids)
            if not ids:
                return
            only = f" WHERE id IN ({','.join('?' * len(ids))})"
        self.conn.execute("""
            UPDATE pii_values SET
              n_hits = COALESCE((SELECT COUNT(*) FROM pii_hits h WHERE h.value_id = pii_values.id), 0),
              max_score = COALESCE((SELECT MAX(score) FROM pii_hits h WHERE h.value_id = pii_values.id), 0),
              reason = COALESCE((SELECT reason FROM pii_hits h WHERE h.value_id = pii_values.id
                                 ORDER BY score DESC, id LIMIT 1), reason)""" + only, ids)

    # ----- decisions ----------------------------------------------------------------------------------------------
    def decide(self, value_ids: int | Iterable[int], status: str, undoable: bool = True) -> None:
        """Record the owner's decision at once (committed before returning), as one undoable action: a bulk accept
        of five hundred values is undone in one step, after a reload too (:mod:`lib.decisions`)."""
        if status not in STATUSES:
            raise BadInputError(f"unknown status {status!r}")
        ids = [value_ids] if isinstance(value_ids, int) else list(value_ids)
        stamp = _now()
        if undoable:
            decisions.apply(self.conn, AREA, [("pii_values", {"id": int(i)}, {"status": status, "decided_at": stamp})
                                              for i in ids])
        else:
            with db.transaction(self.conn):
                self.conn.executemany("UPDATE pii_values SET status = ?, decided_at = ? WHERE id = ?",
                                      [(status, stamp, int(i)) for i in ids])
        self.ws.touch()

    def set_replacement(self, value_id: int, replacement: str | None) -> None:
        """The owner's own replacement for a value (None restores the mode's default). Editing implies accepting."""
        rep = (replacement or "").strip() or None
        if rep is not None:
            original = self.conn.execute("SELECT value FROM pii_values WHERE id = ?", (value_id,)).fetchone()
            if original and default_norm(rep) == default_norm(original[0]):
                raise BadInputError("the replacement is the original value; reject the detection instead")
        decisions.apply(self.conn, AREA, [("pii_values", {"id": int(value_id)},
                                           {"replacement": rep, "status": "accepted", "decided_at": _now()})])
        self.ws.touch()

    def restore(self, value_id: int, status: str, replacement: str | None) -> None:
        """Put a value back exactly as it was (status and replacement), itself undoable."""
        if status not in STATUSES:
            raise BadInputError(f"unknown status {status!r}")
        decisions.apply(self.conn, AREA, [("pii_values", {"id": int(value_id)},
                                           {"status": status, "replacement": replacement, "decided_at": _now()})])
        self.ws.touch()

    def undoable(self) -> int:
        """How many of the last redaction actions can still be undone (they are in the workspace: a reload keeps
        them)."""
        return decisions.undoable(self.conn, AREA)

    def undo(self) -> int | None:
        """Take back the last redaction action (a decision, a bulk accept, an edited replacement, a widened span or
        a marked value). Returns the value to show next, or None when there was nothing to undo."""
        from lib.pii import spans  # spans builds on this module

        focus = None
        for table, key in decisions.undo(self.conn, AREA):
            if table == decisions.ACTION + spans.SPAN_ACTION:
                focus = spans.undo(self, spans.SpanChange.from_payload(key))
            elif focus is None and table == "pii_values":
                focus = int(key["id"])
        self.ws.touch()
        return focus

    def bulk_candidates(self, kind: str | None, min_score: float) -> list[int]:
        """Pending values a bulk accept would cover (shown in the confirmation before it runs)."""
        sql = "SELECT id FROM pii_values WHERE status IN ('pending', 'skipped') AND n_hits > 0 AND max_score >= ?"
        params: list = [float(min_score)]
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        return [r[0] for r in self.conn.execute(sql, params)]

    def bulk_accept(self, kind: str | None, min_score: float) -> int:
        ids = self.bulk_candidates(kind, min_score)
        self.decide(ids, "accepted")
        return len(ids)

    def add_term(self, pattern: str, kind: str = "CUSTOM", is_regex: bool = False) -> ScanReport:
        """Add an owner term: every occurrence becomes a detection (accepted: the owner asked for it)."""
        pattern = pattern.strip()
        if not pattern:
            raise BadInputError("the term is empty")
        if len(pattern) > MAX_TERM_LENGTH:
            raise BadInputError(f"the term is longer than {MAX_TERM_LENGTH} characters")
        if kind not in KINDS:
            raise BadInputError(f"unknown kind {kind!r}")
        if is_regex:
            try:
                rx = re.compile(pattern)
            except re.error as e:
                raise BadInputError(f"not a valid regular expression ({e}): {pattern}") from None
            if rx.search(""):
                raise BadInputError("this regular expression matches empty text; make it match at least one character")
        with db.transaction(self.conn):
            self.conn.execute("INSERT OR IGNORE INTO pii_terms(pattern, kind, is_regex, created) VALUES (?, ?, ?, ?)",
                              (pattern, kind, int(is_regex), _now()))
            self.conn.execute("DELETE FROM pii_allow WHERE term = ?", (pattern,))
        report = self.scan()
        if not is_regex:
            vid = _ValueIndex(self.conn).find(kind, default_norm(pattern))
            if vid is not None:  # part of adding the term (undone by removing it), not a review decision
                self.decide(vid, "accepted", undoable=False)
        return report

    def remove_term(self, term_id: int) -> None:
        with db.transaction(self.conn):
            self.conn.execute("DELETE FROM pii_terms WHERE id = ?", (int(term_id),))
        self.ws.touch()

    def add_allow(self, term: str) -> None:
        """Never flag this value again (in any kind). Its detections disappear at the next scan."""
        term = term.strip()
        if not term:
            raise BadInputError("the term is empty")
        with db.transaction(self.conn):
            self.conn.execute("INSERT OR IGNORE INTO pii_allow(term, created) VALUES (?, ?)", (term, _now()))
        self.ws.touch()

    def remove_allow(self, term: str) -> None:
        with db.transaction(self.conn):
            self.conn.execute("DELETE FROM pii_allow WHERE term = ?", (term,))
        self.ws.touch()

    # ----- reading ------------------------------------------------------------------------------------------------
    def queue(self, kinds: Iterable[str] | None = None, statuses: Iterable[str] | None = None, min_score: float = 0.0,
              chat_id: int | None = None, search: str = "", offset: int = 0,
              limit: int = 50) -> tuple[pd.DataFrame, int]:
        """A page of values to review (pending first, then strongest and most frequent) and the matching total."""
        where = ["v.n_hits > 0", "v.max_score >= ?"]
        params: list = [float(min_score)]
        kinds = list(kinds or [])
        statuses = list(statuses or [])
        if kinds:
            where.append(f"v.kind IN ({','.join('?' * len(kinds))})")
            params += kinds
        if statuses:
            where.append(f"v.status IN ({','.join('?' * len(statuses))})")
            params += statuses
        if chat_id is not None:
            where.append("v.id IN (SELECT h.value_id FROM pii_hits h JOIN messages m ON m.id = h.message_id "
                         "WHERE m.chat_id = ?)")
            params.append(int(chat_id))
        if search.strip():
            where.append("(v.value LIKE ? OR v.norm LIKE ?)")
            params += [f"%{search.strip()}%"] * 2
        w = " AND ".join(where)
        total = self.conn.execute(f"SELECT COUNT(*) FROM pii_values v WHERE {w}", params).fetchone()[0]
        page = pd.read_sql_query(
            f"""SELECT v.id, v.kind, v.value, v.norm, v.idx, v.status, v.replacement, v.n_hits, v.max_score, v.reason
                FROM pii_values v WHERE {w}
                ORDER BY v.status = 'pending' DESC, v.status = 'skipped' DESC, v.max_score DESC, v.n_hits DESC, v.id
                LIMIT ? OFFSET ?""", self.conn, params=[*params, int(limit), int(offset)])
        return page, total

    def value(self, value_id: int) -> dict | None:
        row = self.conn.execute("SELECT id, kind, value, norm, idx, status, replacement, n_hits, max_score, reason "
                                "FROM pii_values WHERE id = ?", (int(value_id),)).fetchone()
        if row is None:
            return None
        keys = ("id", "kind", "value", "norm", "idx", "status", "replacement", "n_hits", "max_score", "reason")
        return dict(zip(keys, row))

    def replacement_of(self, value: dict) -> str:
        """What a value becomes in exports: the owner's edit, else its kind's mode (placeholder by default)."""
        from lib.pii.operators import replacement

        if value.get("replacement"):
            return value["replacement"]
        return replacement(value["kind"], value["value"], self.modes().get(value["kind"], "placeholder"),
                           int(value["idx"]), self.salt())

    def replacements(self, value_ids: Iterable[int]) -> dict[int, str]:
        out = {}
        for vid in set(value_ids):
            v = self.value(vid)
            if v is not None:
                out[vid] = self.replacement_of(v)
        return out

    def counts(self) -> dict[str, int]:
        """Values with detections per status, plus ``values`` and ``hits`` totals (the progress counters)."""
        out = {s: 0 for s in STATUSES}
        for status, n in self.conn.execute("SELECT status, COUNT(*) FROM pii_values WHERE n_hits > 0 GROUP BY status"):
            out[status] = n
        out["values"] = sum(out[s] for s in STATUSES)
        out["hits"] = self.conn.execute("SELECT COUNT(*) FROM pii_hits").fetchone()[0]
        return out

    def counts_by_kind(self) -> pd.DataFrame:
        """Rows kind × status with value and hit counts, for ``python -m lib redact`` and the page's chart."""
        return pd.read_sql_query(
            "SELECT kind, status, COUNT(*) AS vals, SUM(n_hits) AS hits FROM pii_values WHERE n_hits > 0 "
            "GROUP BY kind, status ORDER BY kind, status", self.conn)

    def occurrences(self, value_id: int, limit: int = 3, context: int = 1) -> list[dict]:
        """Where a value occurs: each message with the value's span, all its other live spans, and the ``context``
        messages before and after it in the same chat (for the before/after diff)."""
        rows = self.conn.execute(
            f"""SELECT h.message_id, h.start, h.end, m.chat_id, c.name, m.time, m.sender, m.is_me, {EFFECTIVE_TEXT}
               FROM pii_hits h JOIN messages m ON m.id = h.message_id JOIN chats c ON c.id = m.chat_id {EDITS_JOIN}
               WHERE h.value_id = ? ORDER BY m.time, m.id LIMIT ?""", (int(value_id), int(limit))).fetchall()
        out = []
        for mid, start, end, chat_id, chat, t, sender, is_me, text in rows:
            out.append({"message_id": mid, "start": start, "end": end, "chat_id": chat_id, "chat": chat, "time": t,
                        "sender": sender, "is_me": bool(is_me), "text": text,
                        "before": self._neighbours(chat_id, t, mid, context, before=True),
                        "after": self._neighbours(chat_id, t, mid, context, before=False)})
        return out

    def _neighbours(self, chat_id: int, t: str, mid: int, n: int, before: bool) -> list[dict]:
        if n <= 0:
            return []
        if before:
            sql = (f"SELECT m.id, m.time, m.sender, m.is_me, {EFFECTIVE_TEXT} FROM messages m {EDITS_JOIN} "
                   "WHERE m.chat_id = ? AND (m.time < ? OR (m.time = ? AND m.id < ?)) "
                   "ORDER BY m.time DESC, m.id DESC LIMIT ?")
        else:
            sql = (f"SELECT m.id, m.time, m.sender, m.is_me, {EFFECTIVE_TEXT} FROM messages m {EDITS_JOIN} "
                   "WHERE m.chat_id = ? AND (m.time > ? OR (m.time = ? AND m.id > ?)) ORDER BY m.time, m.id LIMIT ?")
        rows = self.conn.execute(sql, (chat_id, t, t, mid, n)).fetchall()
        if before:
            rows.reverse()
        return [{"message_id": r[0], "time": r[1], "sender": r[2], "is_me": bool(r[3]), "text": r[4]} for r in rows]

    def message_hits(self, message_ids: Iterable[int]) -> dict[int, list[tuple[int, int, int, float]]]:
        """Live (not rejected) spans per message: ``(start, end, value_id, score)``."""
        ids = list(message_ids)
        out: dict[int, list[tuple[int, int, int, float]]] = {}
        for i in range(0, len(ids), 900):
            chunk = ids[i:i + 900]
            for mid, s, e, vid, score in self.conn.execute(
                    f"SELECT h.message_id, h.start, h.end, h.value_id, h.score FROM pii_hits h "
                    f"JOIN pii_values v ON v.id = h.value_id WHERE v.status != 'rejected' "
                    f"AND h.message_id IN ({','.join('?' * len(chunk))})", chunk):
                out.setdefault(mid, []).append((s, e, vid, score))
        return out


_ID_SHAPE = re.compile(r"^[A-Za-z0-9_-]+$")


def _looks_like_id(name: str) -> bool:
    """A sender id used as a name by formats without display names (``user12345``, a QQ number): not a person's
    name to look for in text, and other recognizers (QQ, WECHAT_ID) own those shapes."""
    return bool(_ID_SHAPE.match(name)) and any(ch.isdigit() for ch in name)


def _term_key(t: Term) -> tuple[str, str, int]:
    return (t.pattern, t.kind, int(t.is_regex))


class _ValueIndex:
    """(kind, norm) → value id, creating values with the next per-kind placeholder index on first sight.

    Values are created by writers that do not take the workspace lock too (an edit's rescan, an export's surface
    names), so a value missing from this copy may exist by now: creation asks the table (inside the caller's
    transaction) for the next index and for an existing row, never trusting the copy."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.ids = {(k, n): i for i, k, n in conn.execute("SELECT id, kind, norm FROM pii_values")}
        self.created = 0

    def find(self, kind: str, norm: str) -> int | None:
        return self.ids.get((kind, norm))

    def get(self, kind: str, norm: str, surface: str) -> int:
        key = (kind, norm)
        vid = self.ids.get(key)
        if vid is None:
            cur = self.conn.execute(
                "INSERT OR IGNORE INTO pii_values(kind, norm, value, idx) VALUES "
                "(?, ?, ?, (SELECT COALESCE(MAX(idx), 0) + 1 FROM pii_values WHERE kind = ?))",
                (kind, norm, surface, kind))
            if cur.rowcount:
                vid = cur.lastrowid
                self.created += 1
            else:
                vid = self.conn.execute("SELECT id FROM pii_values WHERE kind = ? AND norm = ?",
                                        (kind, norm)).fetchone()[0]
            self.ids[key] = vid
        return vid


def _previous_text(conn, chat_id: int, t: str, mid: int) -> str | None:
    """The (effective) text of the message before ``(t, mid)`` in its chat, skipping media without text."""
    row = conn.execute(
        f"SELECT {EFFECTIVE_TEXT} FROM messages m {EDITS_JOIN} WHERE m.chat_id = ? AND m.text != '' "
        "AND (m.time < ? OR (m.time = ? AND m.id < ?)) ORDER BY m.time DESC, m.id DESC LIMIT 1",
        (chat_id, t, t, mid)).fetchone()
    return row[0] if row else None


def _with_context(conn, analyzer: Analyzer, rows: list, last: dict[int, tuple[str, int, str]],
                  before: Callable[[int], tuple[str, int, str] | None] | None = None) -> list[tuple[str, str | None]]:
    """``(text, the message before it)`` for each ``(id, chat_id, time, text)`` row: the one rule for the context a
    message is judged with, shared by the scan in process and its workers so both give the same hits. The chat's
    message seen last in this scan (``last``, updated here; else ``before(chat_id)``, what a worker's range did not
    see) costs nothing when it is older; otherwise the database's predecessor is read, only when the analyzer wants
    one."""
    items = []
    for mid, chat_id, t, text in rows:
        seen = last[chat_id] if chat_id in last else (before(chat_id) if before else None)
        if seen is not None and (seen[0], seen[1]) < (t, mid):
            prev = seen[2]
        else:
            prev = _previous_text(conn, chat_id, t, mid) if analyzer.wants_prev(text) else None
        last[chat_id] = (t, mid, text)
        items.append((text, prev))
    return items


def _read_range(analyzer: Analyzer, conn, job: tuple[int, int, int, bool]) -> tuple[int, list]:
    """Read and analyze the messages ``start < id <= end`` of a scan over ``lo < id <= hi`` (in a worker, on its own
    read-only connection): ``(messages read, [(message id, hit, surface)])``.

    The predecessor rule is :meth:`PiiStore._scan_range`'s over the whole range, so a range gives byte-identical
    hits wherever it runs: a chat's message seen earlier in the scan (the last one by id in ``lo < id <= start``)
    is the context when it is older, else the database's predecessor when the analyzer wants one."""
    lo, start, end, context = job
    cols = "m.id, m.chat_id, m.time" if context else "m.id"
    rows = conn.execute(f"SELECT {cols}, {EFFECTIVE_TEXT} FROM messages m {EDITS_JOIN} "
                        "WHERE m.id > ? AND m.id <= ? AND m.text != '' ORDER BY m.id", (start, end)).fetchall()
    if not context:
        found = analyzer.analyze_batch([(text, None) for _, text in rows])
    else:
        def before(chat_id: int) -> tuple[str, int, str] | None:
            """What the scan saw of this chat before this range: its last message by id in ``lo < id <= start``."""
            if start <= lo:
                return None
            return conn.execute(
                f"SELECT m.time, m.id, {EFFECTIVE_TEXT} FROM messages m {EDITS_JOIN} WHERE m.chat_id = ? "
                "AND m.id > ? AND m.id <= ? AND m.text != '' ORDER BY m.id DESC LIMIT 1",
                (chat_id, lo, start)).fetchone()

        found = analyzer.analyze_batch(_with_context(conn, analyzer, rows, {}, before))
    return len(rows), [(row[0], h, row[-1][h.start:h.end]) for row, hits in zip(rows, found) if hits for h in hits]
