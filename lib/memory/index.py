"""The memory index: the owner's real exchanges, searchable, each linked back to the messages it came from.

What is indexed is what an export would write (:func:`lib.export.records`, with the offline twin's options): curated,
**redacted** turns, so nothing the owner dropped and no value the redaction replaces can reach a prompt through it.
Each owner (``gpt``) turn that answers a ``human`` turn becomes one **exchange**: up to ``CONTEXT_TURNS`` turns before
the prompt, the prompt, and the reply -- a conversation window small enough to quote in a system prompt as a style
example, and specific enough to cite as the source of a fact. Its ``message_ids`` are the ids of the stored messages
its turns were merged from (records keep no ids, so the turns are re-aligned with the conversation's runs of messages,
the same runs the export merged).

Retrieval is BM25 (k1 = 1.2, b = 0.75) over the offline twin's tokens (:func:`lib.chat.offline.tokens`: CJK characters
and bigrams, Latin words and trigrams, emoji), with the prompt counting fully, the reply ``REPLY_WEIGHT`` and the
earlier context ``CONTEXT_WEIGHT``: a question finds the exchanges where someone asked something like it, and the
owner's answer still counts (a memory question about "hotpot" finds the reply that mentions it). When an embedding
model is installed and configured (:mod:`lib.memory.embed`), its cosine similarity is blended in; it is never needed.

The index is built once per process and reused until anything that feeds the export records changes (the same stamp
as the offline twin's), so every reply of a prompt-only backend costs one sparse scoring pass, not a rebuild.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from lib.bm25 import Bm25Field, gather

from lib.chat.offline import tokens

CONTEXT_TURNS = 2  # turns before the prompt kept in an exchange (a window of up to four turns)
REPLY_WEIGHT = 0.7  # the reply's tokens relative to the prompt's
CONTEXT_WEIGHT = 0.4  # the earlier turns' tokens relative to the prompt's
QUERY_DECAY = 0.5  # each earlier message of a conversation weighs this much less in the query
QUERY_MESSAGES = 4
EMBED_WEIGHT = 0.5  # share of the cosine similarity in the blended score when vectors exist
NEUTRAL_OPENINGS = frozenset({"（开始聊天）", "(starts the chat)"})


@dataclass
class Exchange:
    """One window of a conversation that ends with a reply of the owner's."""

    id: int
    conv_id: int
    chat: str  # the chat's (redacted) name
    turns: list[tuple[str, str]]  # (role "them" | "me", redacted text), oldest first; the last is the owner's reply
    message_ids: list[int] = field(default_factory=list)  # the stored messages these turns came from
    private: bool = False  # shows a redaction form (a placeholder or a mask): kept out of prompts when others fit

    @property
    def prompt(self) -> str:
        return self.turns[-2][1] if len(self.turns) >= 2 else ""

    @property
    def reply(self) -> str:
        return self.turns[-1][1]


@dataclass
class Hit:
    exchange: Exchange
    score: float


def _norm(text: str) -> str:
    return "".join(str(text).split())


class MemoryIndex:
    """Exchanges and their BM25 index (plus optional vectors). Build with :meth:`from_records` or
    :meth:`for_workspace`."""

    def __init__(self, exchanges: Sequence[Exchange], embedder=None) -> None:
        self.exchanges = list(exchanges)
        self.size = len(self.exchanges)
        vocab: dict[str, int] = {}
        # Each distinct text is tokenised once and its token ids laid out in one flat array: a turn is the reply of
        # one exchange, the prompt of the next and the context of two more. At 1,000,000 messages, tokenising every
        # part of every exchange and appending each token to three lists took 45 s of a 54 s build.
        text_id: dict[str, int] = {}
        flat: list[int] = []
        starts: list[int] = []
        lengths: list[int] = []
        part_doc: list[int] = []
        part_text: list[int] = []
        part_weight: list[float] = []
        for i, ex in enumerate(self.exchanges):
            parts = [(ex.prompt, 1.0), (ex.reply, REPLY_WEIGHT)] + [(txt, CONTEXT_WEIGHT) for _, txt in ex.turns[:-2]]
            for text, weight in parts:
                k = text_id.get(text)
                if k is None:
                    ids = [vocab.setdefault(tok, len(vocab)) for tok in tokens(text)]
                    k = text_id[text] = len(starts)
                    starts.append(len(flat))
                    lengths.append(len(ids))
                    flat.extend(ids)
                part_doc.append(i)
                part_text.append(k)
                part_weight.append(weight)
        self._vocab = vocab
        which = np.array(part_text, dtype=np.int64)
        n = np.array(lengths, dtype=np.int64)[which] if len(which) else np.zeros(0, dtype=np.int64)
        at = gather(np.array(starts, dtype=np.int64)[which], n) if len(which) else np.zeros(0, dtype=np.int64)
        self._bm25 = Bm25Field(np.repeat(np.array(part_doc, dtype=np.int64), n),
                               np.array(flat, dtype=np.int64)[at] if len(at) else np.zeros(0, dtype=np.int64),
                               np.repeat(np.array(part_weight, dtype=np.float64), n), self.size, max(len(vocab), 1))
        self._private = np.array([ex.private for ex in self.exchanges], dtype=bool)
        self.embedder = None
        self.vectors: np.ndarray | None = None
        if embedder is not None:
            self.attach(embedder)

    # ------------------------------------------------------------------------------------------------- building
    @classmethod
    def from_records(cls, records: Iterable, runs: dict[int, list[tuple[bool, list[int]]]] | None = None,
                     private=None, embedder=None) -> MemoryIndex:
        """From export records. ``runs``: per conversation, its runs of messages in order, ``(is_me, ids)``, to link
        the turns back to message ids (see :func:`message_runs`); ``private(text)``: which texts show a redaction
        form (default: :func:`lib.pii.guard.holds_redaction_form`)."""
        from lib.pii.guard import holds_redaction_form

        private = private or holds_redaction_form
        by_conv: dict[int, list] = {}
        for rec in records:
            if getattr(rec, "source", "chat") == "mbti":
                continue
            by_conv.setdefault(rec.conv_id, []).append(rec)
        out: list[Exchange] = []
        for conv_id, recs in by_conv.items():
            recs.sort(key=lambda r: r.part)
            turns = [tt for r in recs for tt in r.turns]
            ids = _align(turns, (runs or {}).get(conv_id, []))
            chat = recs[0].chat
            for i, turn in enumerate(turns):
                if i and turn.role == "gpt" and turns[i - 1].role == "human" and _norm(turn.text):
                    lo = max(0, i - 1 - CONTEXT_TURNS)
                    win = [("me" if x.role == "gpt" else "them", x.text) for x in turns[lo:i + 1]]
                    mids = [m for j in range(lo, i + 1) for m in ids[j]]
                    out.append(Exchange(len(out), conv_id, chat, win, mids,
                                        bool(private(turn.text) or private(turns[i - 1].text))))
        return cls(out, embedder)

    @classmethod
    def for_workspace(cls, ws) -> MemoryIndex:
        """The workspace's index, built once per process and reused until the export records would change."""
        from lib.memory.embed import load_embedder
        from lib.workspace import shared_cache

        embedder = load_embedder(ws)

        def build() -> MemoryIndex:
            from lib.chat.offline import index_options
            from lib.export import cached_records

            recs = cached_records(ws, index_options())[0]  # the build the twin and the game read too
            return cls.from_records(recs, message_runs(ws, {r.conv_id for r in recs}), embedder=embedder)

        return shared_cache(ws, cls._key(embedder), records_stamp(ws), build)

    @classmethod
    def built(cls, ws) -> MemoryIndex | None:
        """The index if this process has already built it for the data as it is now, else None (nothing is built).
        Why: at 1,000,000 messages a build takes about 40 s (the records, then the index); the Memory page shows
        its figures from a built index and builds one only when something on it needs one."""
        from lib.memory.embed import peek_embedder
        from lib.workspace import shared_peek

        known, embedder = peek_embedder(ws)
        if not known:
            return None
        return shared_peek(ws, cls._key(embedder), records_stamp(ws))

    @staticmethod
    def _key(embedder) -> str:
        return "memory.index" + ("|" + embedder.name if embedder is not None else "")

    def attach(self, embedder) -> None:
        """Encode every exchange (prompt and reply) with ``embedder`` and keep unit vectors; on any failure the
        index stays BM25-only (an embedding model is a bonus, never a requirement)."""
        if not self.size:
            return
        try:
            vecs = np.asarray(embedder.encode([f"{ex.prompt}\n{ex.reply}" for ex in self.exchanges]), dtype=np.float32)
        except Exception:  # noqa: BLE001 - a broken optional model must not break the chat
            return
        if vecs.ndim != 2 or len(vecs) != self.size:
            return
        self.vectors = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
        self.embedder = embedder

    # ---------------------------------------------------------------------------------------------------- search
    def query(self, messages: Sequence[dict] | str) -> dict[int, float]:
        """Token id -> weight: the last message 1.0, each earlier one ``QUERY_DECAY`` times less, a token once per
        message."""
        texts = [messages] if isinstance(messages, str) else [
            str(m.get("content", "")) for m in messages if m.get("role") in ("user", "assistant")]
        q: dict[int, float] = {}
        for k, text in enumerate(reversed(texts[-QUERY_MESSAGES:])):
            for tok in set(tokens(text)):
                t = self._vocab.get(tok)
                if t is not None:
                    q[t] = q.get(t, 0.0) + QUERY_DECAY ** k
        return q

    def scores(self, messages: Sequence[dict] | str) -> np.ndarray:
        """Every exchange's score for this query: BM25, blended with the cosine similarity when vectors exist."""
        bm = self._bm25.score(self.query(messages), self.size)
        if self.vectors is None or self.embedder is None:
            return bm
        text = messages if isinstance(messages, str) else next(
            (str(m.get("content", "")) for m in reversed(messages) if m.get("role") == "user"), "")
        try:
            qv = np.asarray(self.embedder.encode([text]), dtype=np.float32)[0]
        except Exception:  # noqa: BLE001 - fall back to BM25 alone
            return bm
        cos = self.vectors @ (qv / max(float(np.linalg.norm(qv)), 1e-9))
        top = float(bm.max()) if bm.size else 0.0
        lexical = bm / top if top > 0 else bm
        return ((1 - EMBED_WEIGHT) * lexical + EMBED_WEIGHT * np.maximum(cos, 0)).astype(np.float32)

    def search(self, messages: Sequence[dict] | str, k: int = 5, avoid_private: bool = True,
               exclude: Iterable[str] = ()) -> list[Hit]:
        """The ``k`` best exchanges with a positive score, best first, one per distinct reply; exchanges showing a
        redaction form only when nothing else fits (``avoid_private``); replies in ``exclude`` (normalised) skipped."""
        if not self.size or k <= 0:
            return []
        sc = self.scores(messages)
        if avoid_private and self._private.any():
            sc = np.where(self._private, sc * np.float32(0.25), sc)
        positive = int(np.count_nonzero(sc > 0))
        if not positive:
            return []
        width = min(positive, max(8 * k, 64))
        top = np.argpartition(-sc, width - 1)[:width] if width < self.size else np.arange(self.size)
        top = top[np.lexsort((top, -sc[top]))]
        seen = {_norm(x) for x in exclude}
        out: list[Hit] = []
        for i in top.tolist():
            if sc[i] <= 0:
                break
            r = _norm(self.exchanges[i].reply)
            if r in seen:
                continue
            seen.add(r)
            out.append(Hit(self.exchanges[i], float(sc[i])))
            if len(out) == k:
                break
        return out

    def by_message(self, message_ids: Iterable[int]) -> list[Exchange]:
        """The exchanges that hold any of these messages (a fact's sources, shown back to the owner)."""
        wanted = set(message_ids)
        return [ex for ex in self.exchanges if wanted.intersection(ex.message_ids)]


# ------------------------------------------------------------------------------------------------------ helpers

def records_stamp(ws) -> str:
    """What the export records depend on (the offline twin's stamp): messages, edits, segmentation, decisions,
    persona language, holdout and redaction. Scans first when the scan is stale (scanning writes)."""
    from lib.pii.store import PiiStore
    from lib.workspace import content_stamp

    store = PiiStore(ws)
    if not store.is_current():
        store.scan()
    store.salt()
    raw = content_stamp(ws) + "|" + ws.conn.execute(
        "SELECT (SELECT COALESCE(MAX(id), 0) || ':' || COUNT(*) FROM decision_log) || '|' || "
        "(SELECT COALESCE(group_concat(key || '=' || value), '') FROM settings WHERE key LIKE 'persona.%' "
        " OR key = 'eval.holdout' OR key LIKE 'pii.%') || '|' || "
        "(SELECT COALESCE(SUM(source != 'surface'), 0) || ':' || COALESCE(SUM(status = 'rejected'), 0) "
        " FROM pii_values) || '|' || (SELECT COUNT(*) FROM pii_hits)").fetchone()[0]
    return hashlib.sha256(raw.encode()).hexdigest()


def message_runs(ws, conv_ids: set[int]) -> dict[int, list[tuple[bool, list[int]]]]:
    """Per conversation, its messages in the export's order, grouped into runs of one side: ``(is_me, [ids])``."""
    out: dict[int, list[tuple[bool, list[int]]]] = {}
    if not conv_ids:
        return out
    prev_conv, prev_me = None, None
    for mid, conv_id, is_me in ws.conn.execute(
            "SELECT id, conv_id, is_me FROM messages WHERE conv_id IS NOT NULL ORDER BY conv_id, time, id"):
        if conv_id not in conv_ids:
            continue
        runs = out.setdefault(conv_id, [])
        if conv_id != prev_conv or bool(is_me) != prev_me or not runs:
            runs.append((bool(is_me), []))
        runs[-1][1].append(int(mid))
        prev_conv, prev_me = conv_id, bool(is_me)
    return out


def _align(turns: list, runs: list[tuple[bool, list[int]]]) -> list[list[int]]:
    """Each record turn's message ids: turns and runs alternate sides in the same order, so each turn takes the next
    run of its side (a leading run of mine the export dropped, or a trailing one of theirs, is skipped; the neutral
    opening the export may insert has no message)."""
    out: list[list[int]] = []
    p = 0
    for t in turns:
        me = t.role == "gpt"
        if not me and t.text in NEUTRAL_OPENINGS and (p >= len(runs) or runs[p][0]):
            out.append([])
            continue
        while p < len(runs) and runs[p][0] != me:
            p += 1
        if p < len(runs):
            out.append(list(runs[p][1]))
            p += 1
        else:
            out.append([])
    return out


__all__ = ["Exchange", "Hit", "MemoryIndex", "message_runs", "records_stamp"]
