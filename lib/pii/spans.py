"""The owner corrects where a value starts and ends, or marks one the detectors missed: one decision per value.

Scans rebuild hits freely (a full rescan deletes them all), so a correction that lived only in ``pii_hits`` would be
lost at the next rescan. Every correction is therefore written as scan configuration, the owner-terms and allow-list
mechanism the scan already honours:

- *widening* ``12 Oak Road, London`` to ``12 Oak Road, London SW1A 1AA`` adds the literal term (ADDRESS, wider text).
  A term hit scores as validated and is the longest of its overlap cluster, so the analyzer's merge labels the whole
  cluster with it: every occurrence of the wider text is found as the wider span, by every later scan.
- *narrowing* drops the wider text as a detection: its term is removed when the owner made it (an earlier widening),
  else it goes on the allow list (the analyzer drops a candidate whose exact text is allowed), and the narrower text
  becomes a term.

The value row under review is renamed to the new text, so its decision, its edited replacement and its placeholder
index (``<ADDRESS_3>``) stay; when the new text already is another value, the two merge into that one. Occurrences
of the old text that are not part of the new one become a value of their own (a scan would make them one too) and
keep the old decision. The affected messages are rescanned at once, so the change is in SQLite before the call
returns; :func:`undo` puts configuration, rows and hits back.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from lib import db, decisions
from lib.errors import BadInputError
from lib.pii.base import KINDS, default_norm
from lib.pii.store import AREA, EDITS_JOIN, EFFECTIVE_TEXT, MAX_TERM_LENGTH, PiiStore, _ValueIndex

# The kind a marked value gets unless the owner picks another: CUSTOM has no side effects (a PERSON value becomes a
# known name whose parts are then searched in every message, which a mis-marked address must not trigger).
MARK_KIND = "CUSTOM"
SPAN_ACTION = "span"  # a correction's entry in the undo log (lib.decisions.record); PiiStore.undo reverses it
_ROW = "id, kind, norm, value, idx, status, replacement"


@dataclass
class SpanChange:
    """What a correction did, enough to undo it (kept in the page's undo stack)."""

    value_id: int                                   # the value that now holds the span (the card shows it next)
    rows: list[tuple] = field(default_factory=list)  # pii_values rows (_ROW) as they were before
    messages: list[int] = field(default_factory=list)  # messages whose hits were rebuilt
    terms_added: list[tuple[str, str]] = field(default_factory=list)    # (pattern, kind)
    terms_removed: list[tuple[str, str]] = field(default_factory=list)
    allow_added: list[str] = field(default_factory=list)
    allow_removed: list[str] = field(default_factory=list)
    max_value_id: int = 0                           # value rows above this id were created by the change
    span: tuple[int, int, int] | None = None        # (message_id, start, end) the value now holds there

    @classmethod
    def from_payload(cls, payload: dict) -> SpanChange:
        """Back from the undo log's JSON (tuples came back as lists)."""
        change = cls(**payload)
        change.rows = [tuple(r) for r in change.rows]
        change.terms_added = [tuple(t) for t in change.terms_added]
        change.terms_removed = [tuple(t) for t in change.terms_removed]
        change.span = tuple(change.span) if change.span else None
        return change

    def log(self, store: PiiStore) -> SpanChange:
        """Put this correction in the workspace's undo log, so it can be taken back after a reload too."""
        decisions.record(store.conn, AREA, SPAN_ACTION, asdict(self))
        return self


# ----- token steps ----------------------------------------------------------------------------------------------------
def _glued(ch: str) -> bool:
    """Letters and digits of alphabetic scripts glue into one token (a word, a digit run, a postcode half); a Han or
    kana character is a token of its own. Terms match whole ASCII words only, so a step never cuts a word."""
    return ch.isalnum() and ord(ch) < 0x2E80


def _sep(ch: str) -> bool:
    return not ch.isalnum()


def step(text: str, start: int, end: int, edge: str, grow: bool) -> tuple[int, int] | None:
    """The span one token wider or narrower at ``edge`` ("start" or "end"); None when there is no such span
    (the message ends there, or narrowing would leave nothing). Separators between tokens go with the token."""
    n = len(text)
    if edge == "end":
        i = end
        if grow:
            while i < n and _sep(text[i]):
                i += 1
            if i >= n:
                return None
            if _glued(text[i]):
                while i < n and _glued(text[i]):
                    i += 1
            else:
                i += 1
        else:
            if i > start and _glued(text[i - 1]):
                while i > start and _glued(text[i - 1]):
                    i -= 1
            else:
                i -= 1
            while i > start and _sep(text[i - 1]):
                i -= 1
            if i <= start:
                return None
        return start, i
    i = start
    if grow:
        while i > 0 and _sep(text[i - 1]):
            i -= 1
        if i <= 0:
            return None
        if _glued(text[i - 1]):
            while i > 0 and _glued(text[i - 1]):
                i -= 1
        else:
            i -= 1
    else:
        if i < end and _glued(text[i]):
            while i < end and _glued(text[i]):
                i += 1
        else:
            i += 1
        while i < end and _sep(text[i]):
            i += 1
        if i >= end:
            return None
    return i, end


def snap(text: str, start: int, end: int) -> tuple[int, int]:
    """A selection made whole: never half a word (terms match whole words), no spaces or punctuation at its edges."""
    start, end = max(0, start), min(len(text), end)
    while start > 0 and start < len(text) and _glued(text[start - 1]) and _glued(text[start]):
        start -= 1
    while 0 < end < len(text) and _glued(text[end - 1]) and _glued(text[end]):
        end += 1
    while start < end and _sep(text[start]):
        start += 1
    while end > start and _sep(text[end - 1]):
        end -= 1
    return start, end


# ----- corrections ----------------------------------------------------------------------------------------------------
def set_span(store: PiiStore, value_id: int, message_id: int, start: int, end: int) -> SpanChange:
    """Make ``text[start:end]`` of one of the value's messages the value (wider or narrower than its hit there).

    Raises ValueError (one line, nothing changed) when the message holds no hit of the value, or the new span is
    empty, too long, or does not overlap the old one."""
    conn = store.conn
    value = store.value(value_id)
    if value is None:
        raise BadInputError("this value no longer exists; reload the page")
    text = _text(store, message_id)
    hits = conn.execute("SELECT start, end FROM pii_hits WHERE value_id = ? AND message_id = ? ORDER BY start",
                        (value_id, message_id)).fetchall()
    if text is None or not hits:
        raise BadInputError("the value does not occur in this message any more; reload the page")
    start, end = snap(text, start, end)
    old = next((h for h in hits if h[0] < end and h[1] > start), hits[0])
    new = text[start:end]
    if not new.strip():
        raise BadInputError("the new span is empty")
    if len(new) > MAX_TERM_LENGTH:
        raise BadInputError(f"the new span is longer than {MAX_TERM_LENGTH} characters")
    if end <= old[0] or start >= old[1]:
        raise BadInputError("the new span does not overlap the value; mark it as a missed value instead")
    kind, old_text = value["kind"], text[old[0]:old[1]]
    norm = default_norm(new)
    if norm == default_norm(old_text):
        return SpanChange(value_id=value_id, span=(message_id, old[0], old[1]))
    change = SpanChange(value_id=value_id, max_value_id=_max_id(store))
    change.rows.append(_row(store, value_id))
    target = _ValueIndex(conn).find(kind, norm)
    if target is not None and target != value_id:
        change.rows.append(_row(store, target))
    change.messages = sorted(_hit_messages(store, [value_id]) | _containing(store, new))
    with db.transaction(conn):
        if not (start <= old[0] and old[1] <= end):  # narrower on some side: the wider text stops being a value
            if _has_term(store, old_text, kind):
                conn.execute("DELETE FROM pii_terms WHERE pattern = ? AND kind = ? AND is_regex = 0", (old_text, kind))
                change.terms_removed.append((old_text, kind))
            elif not conn.execute("SELECT 1 FROM pii_allow WHERE term = ?", (old_text,)).fetchone():
                conn.execute("INSERT INTO pii_allow(term, created) VALUES (?, datetime('now'))", (old_text,))
                change.allow_added.append(old_text)
        if not _has_term(store, new, kind):
            conn.execute("INSERT INTO pii_terms(pattern, kind, is_regex, created) VALUES (?, ?, 0, datetime('now'))",
                         (new, kind))
            change.terms_added.append((new, kind))
        if conn.execute("SELECT 1 FROM pii_allow WHERE term = ?", (new,)).fetchone():  # an earlier narrowing's
            conn.execute("DELETE FROM pii_allow WHERE term = ?", (new,))
            change.allow_removed.append(new)
        if target is None:  # the row under review becomes the new text: decision and placeholder index stay
            conn.execute("UPDATE pii_values SET norm = ?, value = ? WHERE id = ?", (norm, new, value_id))
        elif target != value_id:  # the new text is a value already: merge into it, an undecided one takes this decision
            conn.execute("UPDATE pii_values SET status = ?, replacement = COALESCE(replacement, ?), decided_at = "
                         "datetime('now') WHERE id = ? AND status = 'pending'",
                         (value["status"], value["replacement"], target))
            change.value_id = target
    store.forget_rescanned(change.terms_removed, change.allow_removed)
    if change.terms_added or change.allow_added:
        store.scan()  # the new term everywhere (other spellings and spacing too), and the allow-list dropped
    # The term pass adds the bare term span beside what was there; a rescan of these messages resolves overlaps
    # the way a full scan does (and splits off occurrences of the old text outside the new one).
    change.messages = sorted(set(change.messages) | _hit_messages(store, [value_id, change.value_id]))
    store.rescan_messages(change.messages)
    _inherit(store, change, kind, {value["norm"], default_norm(old_text)}, value["status"])
    held = _held(store, change.value_id, message_id, start, end)
    if held is not None:
        change.value_id, change.span = held[0], held[1:]
    return change.log(store)


def mark(store: PiiStore, text: str, kind: str = MARK_KIND) -> SpanChange:
    """A value the detectors missed: every occurrence of ``text`` in the workspace becomes a detection of ``kind``,
    accepted (the owner asked for it). Built on the owner terms, so later scans keep finding it."""
    text = " ".join(text.split()) if "\n" in text else text.strip()
    if not text:
        raise BadInputError("select or type the text to mark")
    if len(text) > MAX_TERM_LENGTH:
        raise BadInputError(f"the text is longer than {MAX_TERM_LENGTH} characters")
    if kind not in KINDS:
        raise BadInputError(f"unknown kind {kind!r}")
    norm = default_norm(text)
    before = _ValueIndex(store.conn).find(kind, norm)
    change = SpanChange(value_id=before or 0, max_value_id=_max_id(store))
    if before is not None:
        change.rows.append(_row(store, before))
    existed = _has_term(store, text, kind)
    allowed = [t for t in store.allow_list() if default_norm(t) == norm]
    store.add_term(text, kind)  # scans: every occurrence becomes a hit of (kind, norm), accepted
    if not existed:
        change.terms_added.append((text, kind))
    if allowed:  # marking beats an earlier "not private": a scan would otherwise keep dropping it
        with db.transaction(store.conn):
            store.conn.executemany("DELETE FROM pii_allow WHERE term = ?", [(t,) for t in allowed])
        change.allow_removed = allowed
        store.forget_rescanned([], allowed)
        store.rescan_messages(sorted(_containing(store, text)))
    vid = _ValueIndex(store.conn).find(kind, norm)
    if vid is None or not _hit_messages(store, [vid]):
        undo(store, change)
        raise BadInputError("the text was not found in any message")
    if store.value(vid)["status"] != "accepted":
        store.decide(vid, "accepted", undoable=False)  # part of this one action: undoing the mark undoes it
    change.value_id = vid
    change.messages = sorted(_hit_messages(store, [vid]))
    return change.log(store)


def undo(store: PiiStore, change: SpanChange) -> int:
    """Put everything a correction changed back (configuration, value rows, hits). Returns the value to show."""
    conn = store.conn
    created = [r[0] for r in conn.execute("SELECT id FROM pii_values WHERE id > ?", (change.max_value_id,))]
    ids = [r[0] for r in change.rows] + created + [change.value_id]
    messages = set(change.messages) | _hit_messages(store, ids)
    with db.transaction(conn):
        for pattern, kind in change.terms_added:
            conn.execute("DELETE FROM pii_terms WHERE pattern = ? AND kind = ? AND is_regex = 0", (pattern, kind))
        for pattern, kind in change.terms_removed:
            conn.execute("INSERT OR IGNORE INTO pii_terms(pattern, kind, is_regex, created) "
                         "VALUES (?, ?, 0, datetime('now'))", (pattern, kind))
        conn.executemany("DELETE FROM pii_allow WHERE term = ?", [(t,) for t in change.allow_added])
        conn.executemany("INSERT OR IGNORE INTO pii_allow(term, created) VALUES (?, datetime('now'))",
                         [(t,) for t in change.allow_removed])
        if created:  # rows this change made (a split-off old text): their hits are rebuilt below
            marks = ",".join("?" * len(created))
            conn.execute(f"DELETE FROM pii_hits WHERE value_id IN ({marks})", created)
            conn.execute(f"DELETE FROM pii_values WHERE id IN ({marks})", created)
        for vid, kind, norm, value, idx, status, replacement in change.rows:
            conn.execute("UPDATE pii_values SET kind = ?, norm = ?, value = ?, idx = ?, status = ?, replacement = ? "
                         "WHERE id = ?", (kind, norm, value, idx, status, replacement, vid))
    store.forget_rescanned(change.terms_added, change.allow_added)
    store.rescan_messages(sorted(messages))
    return change.rows[0][0] if change.rows else change.value_id


# ----- helpers --------------------------------------------------------------------------------------------------------
def _text(store: PiiStore, message_id: int) -> str | None:
    row = store.conn.execute(f"SELECT {EFFECTIVE_TEXT} FROM messages m {EDITS_JOIN} WHERE m.id = ?",
                             (int(message_id),)).fetchone()
    return row[0] if row else None


def _row(store: PiiStore, value_id: int) -> tuple:
    return tuple(store.conn.execute(f"SELECT {_ROW} FROM pii_values WHERE id = ?", (int(value_id),)).fetchone())


def _max_id(store: PiiStore) -> int:
    return store.conn.execute("SELECT COALESCE(MAX(id), 0) FROM pii_values").fetchone()[0]


def _has_term(store: PiiStore, pattern: str, kind: str) -> bool:
    return store.conn.execute("SELECT 1 FROM pii_terms WHERE pattern = ? AND kind = ? AND is_regex = 0",
                              (pattern, kind)).fetchone() is not None


def _hit_messages(store: PiiStore, value_ids: list[int]) -> set[int]:
    ids = [int(v) for v in value_ids if v]
    if not ids:
        return set()
    return {r[0] for r in store.conn.execute(
        f"SELECT DISTINCT message_id FROM pii_hits WHERE value_id IN ({','.join('?' * len(ids))})", ids)}


def _containing(store: PiiStore, text: str) -> set[int]:
    """Messages whose text holds ``text`` (ASCII case aside): the ones a new term changes."""
    like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return {r[0] for r in store.conn.execute(
        f"SELECT m.id FROM messages m {EDITS_JOIN} WHERE {EFFECTIVE_TEXT} LIKE ? ESCAPE '\\'", (like,))}


def _inherit(store: PiiStore, change: SpanChange, kind: str, norms: set[str], status: str) -> None:
    """Old-text occurrences left outside the new span became a new value: it keeps the decision the owner made."""
    if status == "pending":
        return
    with db.transaction(store.conn):
        store.conn.executemany("UPDATE pii_values SET status = ?, decided_at = datetime('now') "
                               "WHERE id > ? AND kind = ? AND norm = ? AND status = 'pending'",
                               [(status, change.max_value_id, kind, n) for n in norms])


def _held(store: PiiStore, value_id: int, message_id: int, start: int, end: int) -> tuple[int, int, int, int] | None:
    """``(value_id, message_id, start, end)`` of the detection that now covers the corrected span: the value itself,
    or the one whose longer or stronger detection swallowed it (the card shows that one next)."""
    rows = store.conn.execute(
        "SELECT h.value_id, h.start, h.end FROM pii_hits h JOIN pii_values v ON v.id = h.value_id "
        "WHERE h.message_id = ? AND h.start < ? AND h.end > ? AND v.status != 'rejected' "
        "ORDER BY h.value_id != ?, h.end - h.start DESC", (message_id, end, start, value_id)).fetchall()
    return (rows[0][0], message_id, rows[0][1], rows[0][2]) if rows else None
