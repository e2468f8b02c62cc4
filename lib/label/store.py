"""Emotion labels per message: the taxonomy, suggestions (rules and LLM), the owner's decisions and the review queue.

A *suggestion* is never a label. Rules (:mod:`lib.label.emotion`) and an optional LLM (:mod:`lib.label.llm`) write
``emotion_suggestions``; only the owner's action (a key press, accepting, a bulk fix) writes ``emotion_labels``,
through :mod:`lib.decisions` so the last ten actions can be undone after a closed tab too.

What gets labelled: kept text and sticker messages (a sticker is emotion in its purest form), mine by default and
theirs when the owner asks, in trainable conversations unless the queue is widened. Exporters read the final labels
with :meth:`LabelStore.labels_for`.
"""
from __future__ import annotations

import json
import time as _time
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import pandas as pd

from lib import db, decisions
from lib.label.emotion import DEFAULT_TAXONOMY, LABEL_ZH, Suggestion, suggest_many
from lib.errors import BadInputError
from lib import settings

AREA = "labels"
RULES_VERSION = 1  # bump when lib/label/emotion.py changes what it suggests: stored rule suggestions are then redone
DEFAULT_THRESHOLD = 0.3  # rule suggestions below this are noise (a lone "?" or "…")
LOW_CONFIDENCE = 0.6  # the "low confidence" queue: suggested below this
QUEUES = ("unlabelled", "low_confidence", "flagged", "labelled", "skipped", "all")
SOURCES = ("manual", "rules", "llm", "bulk")
MAX_LABELS = 20
LABEL_KINDS = ("text", "sticker")
BATCH = 20_000
ORDERS = {"queue": "m.id", "uncertain": "s.s_conf IS NULL, s.s_conf, m.id"}  # queue(order=...)

EFFECTIVE_TEXT = "COALESCE(e.text, m.text)"
BEST = ("(SELECT message_id, label AS s_label, MAX(confidence) AS s_conf, source AS s_source "
        "FROM emotion_suggestions GROUP BY message_id)")


@dataclass
class RunReport:
    """What one suggestion run did."""

    scanned: int = 0
    stored: int = 0
    seconds: float = 0.0


# queues whose size is one of :meth:`LabelStore.counts` when no chat, emotion or search narrows them
_COUNTED = {"unlabelled": "unlabelled", "labelled": "labelled", "skipped": "skipped", "flagged": "flagged",
            "all": "total"}


class LabelStore:
    """Labelling state of one workspace. Cheap to create per rerun; every write commits before returning."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.conn = ws.conn

    # ----- settings ----------------------------------------------------------------------------------------------
    def taxonomy(self) -> list[str]:
        return list(self.ws.get_setting(settings.LABELS_TAXONOMY.key, list(DEFAULT_TAXONOMY)))

    def set_taxonomy(self, labels: Iterable[str]) -> list[str]:
        """Store an edited label list. Labels already given stay in the data even if removed from the list."""
        out: list[str] = []
        for raw in labels:
            label = " ".join(str(raw).split()).lower()
            if not label:
                continue
            if len(label) > 30:
                raise BadInputError(f"label {label[:30]!r}… is longer than 30 characters; use a short name")
            if label not in out:
                out.append(label)
        if not out:
            raise BadInputError("the taxonomy needs at least one label")
        if len(out) > MAX_LABELS:
            raise BadInputError(f"{len(out)} labels is more than {MAX_LABELS}; keys 1–9 reach the first nine")
        self.ws.set_setting(settings.LABELS_TAXONOMY.key, out)
        return out

    def include_theirs(self) -> bool:
        return bool(self.ws.get_setting(settings.LABELS_THEIRS.key, False))

    def set_include_theirs(self, on: bool) -> None:
        self.ws.set_setting(settings.LABELS_THEIRS.key, bool(on))

    def guidelines(self) -> str:
        return str(self.ws.get_setting(settings.LABELS_GUIDELINES.key, ""))

    def set_guidelines(self, text: str) -> None:
        self.ws.set_setting(settings.LABELS_GUIDELINES.key, str(text)[:5000])

    def threshold(self) -> float:
        return float(self.ws.get_setting(settings.LABELS_THRESHOLD.key, DEFAULT_THRESHOLD))

    def set_threshold(self, value: float) -> None:
        if not 0.0 <= float(value) <= 1.0:
            raise BadInputError("the threshold is a confidence between 0 and 1")
        self.ws.set_setting(settings.LABELS_THRESHOLD.key, float(value))

    @staticmethod
    def display(label: str | None, lang: str) -> str:
        """A label as the owner reads it: Chinese names for the default labels in the Chinese UI."""
        if not label:
            return ""
        return LABEL_ZH.get(label, label) if lang == "zh" else label

    # ----- candidates ------------------------------------------------------------------------------------------
    def _where(self, trainable_only: bool = True) -> tuple[str, str]:
        """(join, where) selecting the messages to label."""
        who = "" if self.include_theirs() else " AND m.is_me = 1"
        kinds = ",".join(f"'{k}'" for k in LABEL_KINDS)
        join = ""
        where = f"m.drop_reason = '' AND m.kind IN ({kinds}){who}"
        if trainable_only:
            join = "JOIN conv_effective v ON v.id = m.conv_id"
            where += " AND v.effective_reason = ''"
        return join, where

    # ----- rule suggestions --------------------------------------------------------------------------------------
    def _rules_state(self) -> dict:
        return {"version": RULES_VERSION, "taxonomy": self.taxonomy(), "threshold": self.threshold()}

    def rules_pending(self) -> int:
        """Messages the rules have not looked at yet (all of them after a taxonomy or threshold change). Counted
        again only when the messages, their segmentation or the rules' progress change, not after every label: the
        page asks on every run, and before the rules run on a large history that is a pass over every message (0.11 s
        at 1,000,000)."""
        from lib.workspace import content_stamp, shared_cache

        st = self.ws.get_setting(settings.LABELS_RULES.key, {})
        upto = int(st.get("upto", 0)) if {k: st.get(k) for k in self._rules_state()} == self._rules_state() else 0
        kinds = ",".join(f"'{k}'" for k in LABEL_KINDS)
        return int(shared_cache(self.ws, "label.rules_pending", f"{content_stamp(self.ws)}|{upto}",
                                lambda: self.conn.execute(f"SELECT COUNT(*) FROM messages WHERE id > ? AND "
                                                          f"drop_reason = '' AND kind IN ({kinds})",
                                                          (upto,)).fetchone()[0]))

    def suggest_rules(self, progress: Callable[[float, str], None] | None = None) -> RunReport:
        """Run the rule suggester over messages it has not seen (incremental by message id), storing suggestions at
        or above the threshold. Both sides are covered, so switching "theirs" on needs no new run."""
        t0 = _time.perf_counter()
        state = self._rules_state()
        st = self.ws.get_setting(settings.LABELS_RULES.key, {})
        upto = int(st.get("upto", 0))
        if {k: st.get(k) for k in state} != state:
            with db.transaction(self.conn):
                self.conn.execute("DELETE FROM emotion_suggestions WHERE source = 'rules'")
                self.ws.set_setting(settings.LABELS_RULES.key, {**state, "upto": 0})
            upto = 0
        report = RunReport()
        taxonomy, threshold = state["taxonomy"], state["threshold"]
        kinds = ",".join(f"'{k}'" for k in LABEL_KINDS)
        total = self.conn.execute(f"SELECT COUNT(*) FROM messages WHERE id > ? AND drop_reason = '' "
                                  f"AND kind IN ({kinds})", (upto,)).fetchone()[0]
        stamp = decisions.now()
        while True:
            rows = self.conn.execute(
                f"SELECT m.id, {EFFECTIVE_TEXT} FROM messages m LEFT JOIN message_edits e ON e.message_id = m.id "
                f"WHERE m.id > ? AND m.drop_reason = '' AND m.kind IN ({kinds}) ORDER BY m.id LIMIT ?",
                (upto, BATCH)).fetchall()
            if not rows:
                break
            found = suggest_many([r[1] or "" for r in rows], taxonomy)
            out = [(mid, s.label, round(s.confidence, 3), json.dumps(list(s.reasons), ensure_ascii=False), stamp)
                   for (mid, _), s in zip(rows, found) if s is not None and s.confidence >= threshold]
            upto = rows[-1][0]
            with db.transaction(self.conn):
                self.conn.executemany("INSERT OR REPLACE INTO emotion_suggestions(message_id, source, label, "
                                      "confidence, reasons, created) VALUES (?, 'rules', ?, ?, ?, ?)", out)
                self.ws.set_setting(settings.LABELS_RULES.key, {**state, "upto": upto})
            report.scanned += len(rows)
            report.stored += len(out)
            if progress and total:
                progress(min(1.0, report.scanned / total), "rules")
        last = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM messages").fetchone()[0]
        if last > upto:
            self.ws.set_setting(settings.LABELS_RULES.key, {**state, "upto": last})
        self.ws.touch()
        report.seconds = _time.perf_counter() - t0
        return report

    def refresh_rules(self, message_ids: Iterable[int]) -> None:
        """Suggest again for messages whose text the owner edited."""
        ids = sorted({int(i) for i in message_ids})
        if not ids:
            return
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(f"SELECT m.id, {EFFECTIVE_TEXT} FROM messages m LEFT JOIN message_edits e "
                                 f"ON e.message_id = m.id WHERE m.id IN ({marks})", ids).fetchall()
        found = suggest_many([r[1] or "" for r in rows], self.taxonomy())
        stamp = decisions.now()
        with db.transaction(self.conn):
            self.conn.execute(f"DELETE FROM emotion_suggestions WHERE source = 'rules' AND message_id IN ({marks})",
                              ids)
            self.conn.executemany(
                "INSERT INTO emotion_suggestions(message_id, source, label, confidence, reasons, created) "
                "VALUES (?, 'rules', ?, ?, ?, ?)",
                [(mid, s.label, round(s.confidence, 3), json.dumps(list(s.reasons), ensure_ascii=False), stamp)
                 for (mid, _), s in zip(rows, found) if s is not None and s.confidence >= self.threshold()])

    def store_suggestions(self, found: dict[int, Suggestion], source: str = "llm") -> int:
        """Store suggestions from another source (the LLM) for review; never labels."""
        if source not in ("rules", "llm"):
            raise ValueError(f"unknown suggestion source {source!r}")
        stamp = decisions.now()
        with db.transaction(self.conn):
            self.conn.executemany(
                "INSERT OR REPLACE INTO emotion_suggestions(message_id, source, label, confidence, reasons, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(int(mid), source, s.label, round(float(s.confidence), 3),
                  json.dumps(list(s.reasons), ensure_ascii=False), stamp) for mid, s in found.items()])
        self.ws.touch()
        return len(found)

    def suggest_llm(self, endpoint, items: list, batch_size: int = 20, lang: str = "en",
                    progress: Callable[[float, str], None] | None = None) -> int:
        """Send ``items`` to the endpoint in batches and store each batch's answers as suggestions at once (an error
        mid-way keeps the batches already answered). Returns how many suggestions were stored."""
        from lib.label.llm import suggest

        stored = 0
        done = 0
        for batch, found in suggest(endpoint, items, self.taxonomy(), self.guidelines(), lang=lang,
                                    batch_size=batch_size):
            stored += self.store_suggestions(found, "llm")
            done += len(batch)
            if progress:
                progress(min(1.0, done / max(1, len(items))), "llm")
        return stored

    # ----- decisions -------------------------------------------------------------------------------------------
    def _label_row(self, message_id: int) -> dict:
        return decisions.row(self.conn, "emotion_labels", {"message_id": int(message_id)}) or {
            "label": None, "status": "", "flagged": 0, "source": "manual"}

    def set_label(self, message_ids: int | Iterable[int], label: str, source: str = "manual") -> int:
        """Label one message, or many as one undoable action (the bulk view)."""
        ids = [int(message_ids)] if isinstance(message_ids, int) else [int(i) for i in message_ids]
        label = str(label).strip().lower()
        if not label:
            raise BadInputError("choose a label")
        if source not in SOURCES:
            raise ValueError(f"unknown label source {source!r}")
        stamp = decisions.now()
        changes = []
        for mid in ids:
            cur = self._label_row(mid)
            changes.append(("emotion_labels", {"message_id": mid},
                            {"label": label, "status": "labelled", "flagged": cur["flagged"], "source": source,
                             "decided_at": stamp}))
        return decisions.apply(self.conn, AREA, changes)

    def bulk_edit(self, changes: dict[int, dict], source: str = "bulk") -> int:
        """Apply edits from the bulk view -- ``{message_id: {"label": str|None, "flagged": bool}}``, either key
        optional -- as one undoable action. A label of None or "" clears the label."""
        stamp = decisions.now()
        rows = []
        for mid, change in changes.items():
            cur = self._label_row(int(mid))
            new = {k: cur[k] for k in ("label", "status", "flagged", "source")}
            if "label" in change:
                label = (change["label"] or "").strip().lower()
                new.update(label=label or None, status="labelled" if label else "", source=source)
            if "flagged" in change:
                new["flagged"] = int(bool(change["flagged"]))
            empty = new["status"] == "" and not new["flagged"]
            rows.append(("emotion_labels", {"message_id": int(mid)}, None if empty else {**new, "decided_at": stamp}))
        return decisions.apply(self.conn, AREA, rows)

    def accept(self, message_id: int) -> str | None:
        """Make the best suggestion the label. Returns it, or None when there is no suggestion."""
        best = self.conn.execute("SELECT label, source FROM emotion_suggestions WHERE message_id = ? "
                                 "ORDER BY confidence DESC, source LIMIT 1", (int(message_id),)).fetchone()
        if best is None:
            return None
        self.set_label(message_id, best[0], source=best[1])
        return best[0]

    def skip(self, message_id: int) -> None:
        cur = self._label_row(message_id)
        decisions.apply(self.conn, AREA, [("emotion_labels", {"message_id": int(message_id)},
                                           {"label": None, "status": "skipped", "flagged": cur["flagged"],
                                            "source": "manual", "decided_at": decisions.now()})])

    def flag(self, message_id: int, on: bool | None = None) -> bool:
        """Flag a message for a second look (toggles without ``on``). Returns the new state."""
        cur = self._label_row(message_id)
        new = (not cur["flagged"]) if on is None else bool(on)
        decisions.apply(self.conn, AREA, [("emotion_labels", {"message_id": int(message_id)},
                                           {**{k: cur[k] for k in ("label", "status", "source")},
                                            "flagged": int(new), "decided_at": decisions.now()})])
        return new

    def clear(self, message_id: int) -> None:
        decisions.apply(self.conn, AREA, [("emotion_labels", {"message_id": int(message_id)}, None)])

    def undo(self) -> list[int]:
        """Undo the last action; returns the message ids it touched (the page shows the first again)."""
        return [k["message_id"] for _t, k in decisions.undo(self.conn, AREA)]

    def undoable(self) -> int:
        return decisions.undoable(self.conn, AREA)

    # ----- reading -----------------------------------------------------------------------------------------------
    def _filters(self, queue: str, chat_id: int | None, emotion: str | None, search: str,
                 trainable_only: bool) -> tuple[str, list]:
        if queue not in QUEUES:
            raise ValueError(f"unknown queue {queue!r}")
        join, where = self._where(trainable_only)
        params: list = []
        cond = {
            "unlabelled": "COALESCE(l.status, '') = ''",
            "low_confidence": f"COALESCE(l.status, '') = '' AND s.s_conf < {LOW_CONFIDENCE}",
            "flagged": "l.flagged = 1",
            "labelled": "l.status = 'labelled'",
            "skipped": "l.status = 'skipped'",
            "all": "1",
        }[queue]
        where += f" AND {cond}"
        if chat_id is not None:
            where += " AND m.chat_id = ?"
            params.append(int(chat_id))
        if emotion:
            where += " AND COALESCE(l.label, s.s_label) = ?"
            params.append(emotion)
        if search:
            where += f" AND {EFFECTIVE_TEXT} LIKE ? ESCAPE '\\'"
            params.append("%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        sql = (f"FROM messages m {join} LEFT JOIN message_edits e ON e.message_id = m.id "
               f"LEFT JOIN emotion_labels l ON l.message_id = m.id LEFT JOIN {BEST} s ON s.message_id = m.id "
               f"WHERE {where}")
        return sql, params

    def queue(self, queue: str = "unlabelled", chat_id: int | None = None, emotion: str | None = None,
              search: str = "", offset: int = 0, limit: int = 1,
              trainable_only: bool = True, order: str = "queue") -> tuple[pd.DataFrame, int]:
        """A page of messages to label and how many match: in message order, or (``order="uncertain"``) the least
        certain suggestion first (messages without one last), so a reviewer spends time where the rules are unsure."""
        sql, params = self._filters(queue, chat_id, emotion, search, trainable_only)
        best_join = f" LEFT JOIN {BEST} s ON s.message_id = m.id "
        where = sql.split(" WHERE ", 1)[1]
        # The best-suggestion subquery reads every suggestion; a key press reruns this, so it is joined only where the
        # filter or the order needs it. Otherwise the page's few rows get their suggestion from the same GROUP BY,
        # restricted to their ids: the same rows and values, in a fraction of the time at 100k messages.
        lean = sql.replace(best_join, " ") if "s.s_" not in where and "s.s_" not in ORDERS[order] else None
        count_sql = lean.replace(" LEFT JOIN message_edits e ON e.message_id = m.id ", " ") \
            if lean and "e." not in where else (lean or sql)
        if chat_id is None and not emotion and not search and queue in _COUNTED:
            # the unfiltered queues are the progress bar's counts, computed once per commit: a key press then scans
            # the candidates once for both instead of twice
            total = self.counts(trainable_only)[_COUNTED[queue]]
        else:
            total = self.conn.execute(f"SELECT COUNT(*) {count_sql}", params).fetchone()[0]
        cols = (f"SELECT m.id, m.chat_id, m.conv_id, m.time, m.sender, m.is_me, m.kind, {EFFECTIVE_TEXT} AS text, "
                f"l.label, COALESCE(l.status, '') AS status, COALESCE(l.flagged, 0) AS flagged, l.source")
        tail = f"ORDER BY {ORDERS[order]} LIMIT ? OFFSET ?"
        if lean is None:
            page = pd.read_sql_query(
                f"{cols}, s.s_label AS suggestion, s.s_conf AS confidence, s.s_source AS suggestion_source "
                f"{sql} {tail}", self.conn, params=[*params, int(limit), int(offset)])
        else:
            page = pd.read_sql_query(f"{cols} {lean} {tail}", self.conn, params=[*params, int(limit), int(offset)])
            ids = [int(i) for i in page["id"]]
            best = {r[0]: r[1:] for r in self.conn.execute(
                f"SELECT message_id, label, MAX(confidence), source FROM emotion_suggestions "
                f"WHERE message_id IN ({','.join('?' * len(ids))}) GROUP BY message_id", ids)} if ids else {}
            page["suggestion"] = [best.get(i, (None, None, None))[0] for i in ids]
            page["confidence"] = pd.array([best.get(i, (None, None, None))[1] for i in ids], dtype="Float64") \
                .astype(float) if ids else pd.Series([], dtype=object)
            page["suggestion_source"] = [best.get(i, (None, None, None))[2] for i in ids]
        return page.astype({"is_me": bool, "flagged": bool}), total

    def item(self, message_id: int, context: int = 3) -> dict | None:
        """One message with its label, every suggestion, and ``context`` turns before and after it (folded bubbles
        of the same conversation, so the card reads like the chat)."""
        r = self.conn.execute(
            f"SELECT m.id, m.chat_id, c.name, m.conv_id, m.turn, m.time, m.sender, m.is_me, m.kind, {EFFECTIVE_TEXT} "
            f"FROM messages m JOIN chats c ON c.id = m.chat_id LEFT JOIN message_edits e ON e.message_id = m.id "
            f"WHERE m.id = ?", (int(message_id),)).fetchone()
        if r is None:
            return None
        keys = ("id", "chat_id", "chat", "conv_id", "turn", "time", "sender", "is_me", "kind", "text")
        out = dict(zip(keys, r))
        out["is_me"] = bool(out["is_me"])
        out.update(self._label_row(message_id))
        out["flagged"] = bool(out["flagged"])
        out["suggestions"] = [
            {"source": s, "label": lab, "confidence": conf, "reasons": json.loads(rs or "[]")}
            for s, lab, conf, rs in self.conn.execute(
                "SELECT source, label, confidence, reasons FROM emotion_suggestions WHERE message_id = ? "
                "ORDER BY confidence DESC", (int(message_id),))]
        out["before"], out["after"] = self._context(out, context)
        return out

    def _context(self, item: dict, n: int) -> tuple[list[dict], list[dict]]:
        if item["conv_id"] is None or n <= 0:
            return [], []
        rows = self.conn.execute(
            f"SELECT m.id, m.turn, m.sender, m.is_me, m.kind, {EFFECTIVE_TEXT} FROM messages m "
            f"LEFT JOIN message_edits e ON e.message_id = m.id WHERE m.conv_id = ? AND m.turn BETWEEN ? AND ? "
            f"ORDER BY m.time, m.id", (item["conv_id"], item["turn"] - n, item["turn"] + n)).fetchall()
        before: dict[int, dict] = {}
        after: dict[int, dict] = {}
        for mid, turn, sender, is_me, kind, text in rows:
            if mid == item["id"]:
                continue
            side = before if (turn, mid) < (item["turn"], item["id"]) else after
            t = side.setdefault(turn, {"turn": turn, "sender": sender, "is_me": bool(is_me), "texts": []})
            t["texts"].append(text if kind == "text" else f"[{kind}] {text}".strip())
        return list(before.values()), list(after.values())

    def counts(self, trainable_only: bool = True) -> dict[str, int]:
        """Candidates by status, plus flagged and suggested, for the progress bar.

        Two parts, because a label changes only one of them. The candidates and how many have a suggestion are a
        pass over every message (0.25 s at 1,000,000): kept until the messages, the curation or the suggestions
        change. The statuses are read from the labels' side, which is as large as the owner's decisions."""
        from lib.workspace import content_stamp, shared_cache

        join, where = self._where(trainable_only)

        def candidates() -> tuple[int, int]:
            r = self.conn.execute(
                f"SELECT COUNT(*), SUM(m.id IN (SELECT message_id FROM emotion_suggestions)) "
                f"FROM messages m {join} WHERE {where}").fetchone()
            return int(r[0] or 0), int(r[1] or 0)

        stamp = "|".join([content_stamp(self.ws), *(str(x) for x in self.conn.execute(
            "SELECT (SELECT COUNT(*) || ':' || COALESCE(SUM(conv_id * (decision = 'drop')), 0) || ':' || "
            "COALESCE(SUM(conv_id * (decision = 'keep')), 0) FROM curation), "
            "(SELECT COUNT(*) || ':' || COALESCE(MAX(rowid), 0) || ':' || COALESCE(SUM(message_id), 0) "
            " FROM emotion_suggestions)").fetchone())])
        total, suggested = shared_cache(self.ws, f"label.candidates.{join}.{where}", stamp, candidates)

        def statuses() -> tuple[int, int, int]:
            r = self.conn.execute(
                f"SELECT SUM(l.status = 'labelled'), SUM(l.status = 'skipped'), SUM(l.flagged = 1) "
                # CROSS JOIN keeps the labels first: left to itself, SQLite walks every message (0.14 s at 1M)
                f"FROM emotion_labels l CROSS JOIN messages m ON m.id = l.message_id {join} WHERE {where}").fetchone()
            return tuple(int(x or 0) for x in r)

        labelled, skipped, flagged = self.ws.per_commit(f"label.statuses.{join}.{where}", statuses)
        return {"total": total, "labelled": labelled, "skipped": skipped, "flagged": flagged,
                "unlabelled": total - labelled - skipped, "suggested": suggested}

    def distribution(self, trainable_only: bool = True) -> pd.DataFrame:
        """Labels given and suggestions still open, per label: the chart beside the queue and the CLI's summary."""
        join, where = self._where(trainable_only)
        return pd.read_sql_query(
            f"SELECT COALESCE(l.label, s.s_label) AS label, "
            f"SUM(l.status = 'labelled') AS labelled, "
            f"SUM(COALESCE(l.status, '') = '' AND s.s_label IS NOT NULL) AS suggested "
            f"FROM messages m {join} LEFT JOIN emotion_labels l ON l.message_id = m.id "
            f"LEFT JOIN {BEST} s ON s.message_id = m.id "
            f"WHERE {where} AND COALESCE(l.label, s.s_label) IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 3 DESC",
            self.conn).fillna(0).astype({"labelled": int, "suggested": int})

    def labels_for(self, message_ids: Sequence[int]) -> dict[int, str]:
        """The owner's final labels for some messages (exports write these, never suggestions)."""
        out: dict[int, str] = {}
        ids = [int(i) for i in message_ids]
        if len(ids) > 5000:  # an export: one scan of the (small) label table beats hundreds of IN (...) queries
            wanted = set(ids)
            return {m: lab for m, lab in self.conn.execute(
                "SELECT message_id, label FROM emotion_labels WHERE status = 'labelled'") if m in wanted}
        for i in range(0, len(ids), 900):
            chunk = ids[i:i + 900]
            out.update(self.conn.execute(
                f"SELECT message_id, label FROM emotion_labels WHERE status = 'labelled' "
                f"AND message_id IN ({','.join('?' * len(chunk))})", chunk).fetchall())
        return out


# ----- LLM suggestions ----------------------------------------------------------------------------------------------
def llm_items(store: LabelStore, limit: int = 200, queue: str = "unlabelled", chat_id: int | None = None,
              context: int = 2) -> list:
    """Unlabelled messages with no LLM suggestion yet, with a little context each, ready for
    :func:`lib.label.llm.suggest`. Context lines are prefixed "me:"/"them:" so the model knows who speaks."""
    from lib.label.llm import Item

    page, _ = store.queue(queue, chat_id=chat_id, limit=max(1, limit) * 3)
    have = {r[0] for r in store.conn.execute("SELECT message_id FROM emotion_suggestions WHERE source = 'llm'")} \
        if len(page) else set()
    items = []
    for r in page.itertuples():
        if r.id in have:
            continue
        it = store.item(int(r.id), context=context)
        if it is None:
            continue

        def lines(turns: list[dict]) -> list[str]:
            return [("me: " if t["is_me"] else "them: ") + " / ".join(t["texts"])[:200] for t in turns]

        items.append(Item(int(r.id), (it["text"] or f"[{it['kind']}]")[:500], lines(it["before"]),
                          lines(it["after"])))
        if len(items) >= limit:
            break
    return items
