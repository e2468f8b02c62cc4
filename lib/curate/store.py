"""Conversation curation: keep or drop, topic-jump flags, context notes, edited turns, splits and merges.

Every decision is a row keyed by a stable id -- a conversation's id is its first message's id, a message's id never
changes -- written through :mod:`lib.decisions` (undoable, committed at once). The effects reach the rest of MeTwin
through the database, not through this module:

- keep/drop: the ``conv_effective`` view (lib/db.py) turns them into the effective exclusion reason the funnel,
  the conversation browser and exports read;
- edits: ``message_edits`` holds the new text; browsing, labelling, redaction scans and exports read
  ``COALESCE(edit, original)``; the raw message stays untouched. An edit is rescanned for personal data at once;
- splits and merges: ``conv_bounds`` holds manual boundaries that :func:`lib.segment.segment` honours, so they
  survive any later change of the segmentation settings.

Suggested drops come from :mod:`lib.curate.rules`; they are suggestions only.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from lib import decisions
from lib.errors import BadInputError

AREA = "curation"
DECISIONS = ("", "keep", "drop")
DROP_REASONS = ("topic_jump", "too_short", "placeholders_only", "no_me", "duplicate", "private", "off_voice", "other")
PLACEMENTS = ("system", "turn")  # a context note goes into the system prompt, or as a leading turn
VIEWS = ("suggested", "undecided", "kept", "dropped", "flagged", "noted", "edited", "all")
MAX_NOTE = 2000
MAX_EDIT = 10_000


@dataclass
class CharacterTraits:
    """Trait tags in the shape exporters write (``character_traits``)."""

    personality: str = ""
    occupation: str = ""
    interests: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"personality": self.personality, "occupation": self.occupation, "interests": list(self.interests)}

    def empty(self) -> bool:
        return not (self.personality or self.occupation or self.interests)


class CurationStore:
    """Curation state of one workspace. Cheap to create per rerun."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.conn = ws.conn
        self._convs: pd.DataFrame | None = None

    def _changed(self) -> None:
        self.ws.touch()
        self._convs = None

    # ----- keep / drop / flag / note ------------------------------------------------------------------------------
    def _row(self, conv_id: int) -> dict:
        return decisions.row(self.conn, "curation", {"conv_id": int(conv_id)}) or {
            "decision": "", "reason": "", "topic_jump": 0, "note": "", "note_placement": "system"}

    def _exists(self, conv_id: int) -> None:
        if self.conn.execute("SELECT 1 FROM conversations WHERE id = ?", (int(conv_id),)).fetchone() is None:
            raise BadInputError(f"conversation {conv_id} no longer exists (it was merged or re-segmented); "
                                "reload the list")

    def _write(self, conv_id: int, **changes) -> None:
        self._exists(conv_id)
        cur = self._row(conv_id)
        new = {k: cur[k] for k in ("decision", "reason", "topic_jump", "note", "note_placement")}
        new.update(changes)
        new["decided_at"] = decisions.now()
        empty = not new["decision"] and not new["topic_jump"] and not new["note"]
        decisions.apply(self.conn, AREA, [("curation", {"conv_id": int(conv_id)}, None if empty else new)])
        self._changed()

    def decide(self, conv_id: int, decision: str, reason: str = "") -> None:
        """Keep or drop a conversation (``""`` returns it to the automatic rules). A drop keeps its reason."""
        if decision not in DECISIONS:
            raise ValueError(f"decision must be keep, drop or empty, not {decision!r}")
        self._write(conv_id, decision=decision, reason=str(reason)[:200] if decision == "drop" else "")

    def set_topic_jump(self, conv_id: int, on: bool) -> None:
        self._write(conv_id, topic_jump=int(bool(on)))

    def set_note(self, conv_id: int, note: str, placement: str = "system") -> None:
        """Background the model needs for this conversation, exported into the system prompt or as a leading turn."""
        if placement not in PLACEMENTS:
            raise ValueError(f"placement must be system or turn, not {placement!r}")
        note = str(note).strip()
        if len(note) > MAX_NOTE:
            raise BadInputError(f"the note has {len(note):,} characters; keep it under {MAX_NOTE:,}")
        self._write(conv_id, note=note, note_placement=placement)

    # ----- edits -----------------------------------------------------------------------------------------------
    def edit(self, message_id: int, text: str) -> bool:
        """Replace a message's text for training (the raw import is untouched). The original text again removes
        the edit. Returns True when an edit is now stored. The new text is scanned for personal data at once."""
        row = self.conn.execute("SELECT text, conv_id FROM messages WHERE id = ?", (int(message_id),)).fetchone()
        if row is None:
            raise BadInputError(f"message {message_id} does not exist")
        text = str(text).replace("\r\n", "\n").strip()
        if not text:
            raise BadInputError("a message cannot be empty: drop the conversation or split it instead")
        if len(text) > MAX_EDIT:
            raise BadInputError(f"the text has {len(text):,} characters; keep it under {MAX_EDIT:,}")
        new = None if text == row[0] else {"text": text, "edited_at": decisions.now()}
        decisions.apply(self.conn, AREA, [("message_edits", {"message_id": int(message_id)}, new)])
        self._after_edits([int(message_id)])
        return new is not None

    def _after_edits(self, message_ids: list[int]) -> None:
        from lib.label.store import LabelStore
        from lib.pii.store import PiiStore

        PiiStore(self.ws).rescan_messages(message_ids)
        LabelStore(self.ws).refresh_rules(message_ids)
        self._changed()

    # ----- split / merge -------------------------------------------------------------------------------------------
    def split(self, message_id: int) -> int:
        """Start a new conversation at ``message_id``. Returns the new conversation's id (= that message's id)."""
        row = self.conn.execute("SELECT chat_id, conv_id FROM messages WHERE id = ?", (int(message_id),)).fetchone()
        if row is None or row[1] is None:
            raise BadInputError(f"message {message_id} is not in a conversation")
        chat_id, conv_id = row
        if conv_id == int(message_id):
            raise BadInputError("a conversation already starts at this message")
        bound = self.conn.execute("SELECT action FROM conv_bounds WHERE message_id = ?", (int(message_id),)).fetchone()
        new = None if bound and bound[0] == "join" else {"action": "split", "created": decisions.now()}
        decisions.apply(self.conn, AREA, [("conv_bounds", {"message_id": int(message_id)}, new)])
        self.ws.resegment_chats([chat_id])
        self._changed()
        return int(message_id)

    def previous(self, conv_id: int) -> int | None:
        """The conversation just before this one in the same chat."""
        row = self.conn.execute(
            "SELECT p.id FROM conversations c JOIN conversations p ON p.chat_id = c.chat_id "
            "AND (p.start_time < c.start_time OR (p.start_time = c.start_time AND p.id < c.id)) "
            "WHERE c.id = ? ORDER BY p.start_time DESC, p.id DESC LIMIT 1", (int(conv_id),)).fetchone()
        return row[0] if row else None

    def merge_with_previous(self, conv_id: int) -> int:
        """Join this conversation to the one before it in the same chat. Returns the merged conversation's id."""
        self._exists(conv_id)
        prev = self.previous(conv_id)
        if prev is None:
            raise BadInputError("this is the first conversation of its chat: there is nothing before it to merge with")
        bound = self.conn.execute("SELECT action FROM conv_bounds WHERE message_id = ?", (int(conv_id),)).fetchone()
        new = None if bound and bound[0] == "split" else {"action": "join", "created": decisions.now()}
        chat_id = self.conn.execute("SELECT chat_id FROM conversations WHERE id = ?", (int(conv_id),)).fetchone()[0]
        decisions.apply(self.conn, AREA, [("conv_bounds", {"message_id": int(conv_id)}, new)])
        self.ws.resegment_chats([chat_id])
        self._changed()
        return int(prev)

    # ----- trait tags ----------------------------------------------------------------------------------------------
    def tags(self, scope: str, target_id: int) -> CharacterTraits:
        row = decisions.row(self.conn, "trait_tags", {"scope": scope, "target_id": int(target_id)})
        if not row:
            return CharacterTraits()
        return CharacterTraits(row["personality"], row["occupation"], json.loads(row["interests"] or "[]"))

    def set_tags(self, scope: str, target_id: int, tags: CharacterTraits) -> None:
        """Per-conversation or per-message trait tags (``character_traits`` in exports); empty tags remove the row."""
        if scope not in ("conversation", "message"):
            raise ValueError(f"scope must be conversation or message, not {scope!r}")
        interests = [i.strip() for i in tags.interests if i and i.strip()][:20]
        clean = CharacterTraits(tags.personality.strip()[:200], tags.occupation.strip()[:100], interests)
        new = None if clean.empty() else {
            "personality": clean.personality, "occupation": clean.occupation,
            "interests": json.dumps(clean.interests, ensure_ascii=False), "updated": decisions.now()}
        decisions.apply(self.conn, AREA, [("trait_tags", {"scope": scope, "target_id": int(target_id)}, new)])

    def tags_for(self, scope: str, target_ids: list[int]) -> dict[int, dict]:
        """Trait tags of many conversations or messages, in the export shape."""
        out: dict[int, dict] = {}
        ids = [int(i) for i in target_ids]
        if len(ids) > 5000:  # an export: one scan of the (small) tag table beats hundreds of IN (...) queries
            wanted = set(ids)
            return {tid: CharacterTraits(p, o, json.loads(interests or "[]")).to_dict()
                    for tid, p, o, interests in self.conn.execute(
                        "SELECT target_id, personality, occupation, interests FROM trait_tags WHERE scope = ?",
                        (scope,)) if tid in wanted}
        for i in range(0, len(ids), 900):
            chunk = ids[i:i + 900]
            for tid, p, o, interests in self.conn.execute(
                    f"SELECT target_id, personality, occupation, interests FROM trait_tags WHERE scope = ? "
                    f"AND target_id IN ({','.join('?' * len(chunk))})", [scope, *chunk]):
                out[tid] = CharacterTraits(p, o, json.loads(interests or "[]")).to_dict()
        return out

    # ----- undo ------------------------------------------------------------------------------------------------------
    def undo(self) -> list[tuple[str, dict]]:
        """Undo the last curation action, with its side effects (re-segmenting, rescanning an edited message)."""
        done = decisions.undo(self.conn, AREA)
        edited = [k["message_id"] for t, k in done if t == "message_edits"]
        bounds = [k["message_id"] for t, k in done if t == "conv_bounds"]
        if edited:
            self._after_edits(edited)
        if bounds:
            marks = ",".join("?" * len(bounds))
            chats = [r[0] for r in self.conn.execute(f"SELECT DISTINCT chat_id FROM messages WHERE id IN ({marks})",
                                                     bounds)]
            self.ws.resegment_chats(chats)
        self._changed()
        return done

    def undoable(self) -> int:
        return decisions.undoable(self.conn, AREA)

    # ----- reading ---------------------------------------------------------------------------------------------------
    def suggestions(self) -> pd.DataFrame:
        """Suggested drops for every conversation (shared across sessions until messages, edits, boundaries or the
        segmentation settings change)."""
        from lib.workspace import content_stamp, shared_cache

        return shared_cache(self.ws, "curation.suggestions", content_stamp(self.ws), self._suggest)

    def _suggest(self) -> pd.DataFrame:
        from lib.curate.rules import suggest_drops

        msgs = pd.read_sql_query(
            "SELECT m.id, m.conv_id, m.time, m.is_me, m.kind, COALESCE(e.text, m.text) AS text, m.turn "
            "FROM messages m LEFT JOIN message_edits e ON e.message_id = m.id "
            "WHERE m.conv_id IS NOT NULL ORDER BY m.conv_id, m.time, m.id", self.conn)
        msgs["is_me"] = msgs["is_me"].astype(bool)
        return suggest_drops(msgs)

    def conversations(self) -> pd.DataFrame:
        """Every conversation with its chat, curation state, edit count and suggested reasons (one frame; the page
        filters and pages it)."""
        def compute() -> pd.DataFrame:
            return pd.read_sql_query(
                "SELECT v.id, v.chat_id, c.name AS chat, c.is_group, v.start_time, v.end_time, v.n_messages, "
                "v.n_turns, v.n_my_turns, v.excluded_reason AS auto_reason, v.effective_reason, v.decision, "
                "v.decision_reason, v.topic_jump, v.note, COALESCE(x.n_edits, 0) AS n_edits "
                "FROM conv_effective v JOIN chats c ON c.id = v.chat_id "
                "LEFT JOIN (SELECT m.conv_id, COUNT(*) AS n_edits FROM message_edits e JOIN messages m "
                "ON m.id = e.message_id GROUP BY m.conv_id) x ON x.conv_id = v.id", self.conn)

        if self._convs is not None:  # one store per rerun asks several times (counts, list, card)
            return self._convs
        convs = self.ws.cached("curation.conversations", compute)
        agg = self._per_conversation()
        convs = convs.merge(agg, how="left", left_on="id", right_index=True)
        convs["suggested"] = convs["suggested"].fillna("")
        convs[["split_at", "same_as"]] = convs[["split_at", "same_as"]].fillna(-1).astype(int)
        self._convs = convs
        return convs

    def _per_conversation(self) -> pd.DataFrame:
        """Suggested reasons joined per conversation (``"duplicate,topic_jump"``), the suggested split point and the
        duplicated original; shared like the suggestions themselves."""
        from lib.workspace import content_stamp, shared_cache

        def compute() -> pd.DataFrame:
            sugg = self.suggestions()
            if sugg.empty:
                return pd.DataFrame({"suggested": pd.Series(dtype=str), "split_at": pd.Series(dtype="int64"),
                                     "same_as": pd.Series(dtype="int64")})
            sugg = sugg.sort_values(["conv_id", "reason"])
            g = sugg.groupby("conv_id", sort=False)
            return pd.DataFrame({"suggested": g["reason"].agg(",".join), "split_at": g["at_message"].max(),
                                 "same_as": g["other_conv"].max()})

        return shared_cache(self.ws, "curation.per_conversation", content_stamp(self.ws), compute)

    def queue(self, view: str = "suggested", chat_id: int | None = None, reason: str | None = None,
              offset: int = 0, limit: int = 20) -> tuple[pd.DataFrame, int]:
        """A page of conversations for one view (newest first) and how many match."""
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}")
        df = self.conversations()
        mask = pd.Series(True, index=df.index)
        if view == "suggested":
            mask &= (df["suggested"] != "") & (df["decision"] == "") & (df["auto_reason"] == "")
        elif view == "undecided":
            mask &= df["decision"] == ""
        elif view == "kept":
            mask &= df["decision"] == "keep"
        elif view == "dropped":
            mask &= df["decision"] == "drop"
        elif view == "flagged":
            mask &= df["topic_jump"] == 1
        elif view == "noted":
            mask &= df["note"] != ""
        elif view == "edited":
            mask &= df["n_edits"] > 0
        if chat_id is not None:
            mask &= df["chat_id"] == int(chat_id)
        if reason:
            mask &= df["suggested"].str.contains(reason, regex=False)
        out = df.loc[mask].sort_values(["start_time", "id"], ascending=False)
        return out.iloc[int(offset):int(offset) + int(limit)].reset_index(drop=True), int(mask.sum())

    def counts(self) -> dict[str, int]:
        df = self.conversations()
        return {
            "conversations": len(df),
            "trainable": int((df["effective_reason"] == "").sum()),
            "kept": int((df["decision"] == "keep").sum()),
            "dropped": int((df["decision"] == "drop").sum()),
            "suggested": int(((df["suggested"] != "") & (df["decision"] == "") & (df["auto_reason"] == "")).sum()),
            "flagged": int((df["topic_jump"] == 1).sum()),
            "noted": int((df["note"] != "").sum()),
        }

    def conversation(self, conv_id: int) -> dict | None:
        """One conversation for the curation card: its row, messages (edited text, original beside it) and
        suggestions."""
        df = self.conversations()
        hit = df.loc[df["id"] == int(conv_id)]
        if hit.empty:
            return None
        out = hit.iloc[0].to_dict()
        out["note_placement"] = self._row(conv_id)["note_placement"]
        msgs = self.ws.conversation_messages(conv_id)
        originals = dict(self.conn.execute("SELECT id, text FROM messages WHERE conv_id = ?", (int(conv_id),)))
        msgs["original"] = msgs["id"].map(originals)
        out["messages"] = msgs
        sugg = self.suggestions()
        out["suggestions"] = sugg.loc[sugg["conv_id"] == int(conv_id)].to_dict("records")
        return out

    def context_notes(self, conv_ids: list[int]) -> dict[int, tuple[str, str]]:
        """``conv_id -> (note, placement)`` for exporters."""
        out: dict[int, tuple[str, str]] = {}
        ids = [int(i) for i in conv_ids]
        for i in range(0, len(ids), 900):
            chunk = ids[i:i + 900]
            out.update({cid: (note, placement) for cid, note, placement in self.conn.execute(
                f"SELECT conv_id, note, note_placement FROM curation WHERE note != '' "
                f"AND conv_id IN ({','.join('?' * len(chunk))})", chunk)})
        return out
