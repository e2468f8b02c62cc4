"""The offline twin: the embedded default backend, which answers with the owner's own real replies.

No model, key or server: on first run, right after an import, the chat page already talks back. Every reply is one
the owner really sent, taken from the curated, **redacted** records an export would write
(:func:`lib.export.records`), so nothing the owner dropped and no personal data the redaction replaces can surface.

How a reply is chosen
---------------------

*Index.* Every ``gpt`` turn of a record (MBTI records excluded) is a candidate reply. It is indexed under two fields:
the **prompt**, the ``human`` turn right before it (what the reply answered), and the **context**, the turns before
that prompt (up to ``CONTEXT_TURNS`` of them, each counting ``CONTEXT_DECAY`` times less than the next one).

*Tokens.* Text is NFKC-normalised and lowercased, then cut into runs. Chinese (and Japanese, Korean) has no spaces, so
word tokens would need a segmenter and its dictionary; character n-grams need neither: a CJK run gives its
**characters and character bigrams** ("吃火锅" -> 吃 火 锅 吃火 火锅), so "晚上吃火锅吗" meets "今晚吃火锅去不" on 晚, 吃,
火锅... with bigrams rewarding the shared phrase over scattered characters. Latin (and other spaced scripts) give the
**lowercased word** plus, for words of four letters or more, its **character trigrams** with boundary marks
("haha" -> haha ~#ha ~hah ~aha ~ha#), so "hahaha" still meets "haha" and a typo still matches most of a word. Emoji
are one token each; punctuation is dropped. BM25's IDF then sorts out which tokens matter ("的", "了", "[表情包]" weigh
little).

*Scoring.* BM25 (k1 = 1.2, b = 0.75) per field, implemented here: each field is a CSR inverted index built once
(token -> sorted document ids and their precomputed BM25 contribution), so a query touches only the postings of its
own tokens and scoring is one scatter-add per query token. The query is the conversation so far, newest first: the
last message weighs 1.0, the one before 0.5, then 0.25... (``QUERY_DECAY``). A candidate's score is its prompt's
BM25 plus ``CONTEXT_WEIGHT`` times its context's BM25: the last message mostly picks the reply, earlier turns break
ties between prompts that look alike (the same "好呀" after talk of hiking or of a film).

*Privacy.* A reply that shows a redaction form (``<PHONE_1>``, ``138****5678``) scores ``PRIVATE_PENALTY`` times
its match: the twin prefers replies that hold none. Such a reply is still chosen when only it fits; the output guard
(:mod:`lib.pii.guard`) then renders its placeholders as the owner's surrogates, so a friend never sees a tag.

*Choice.* Replies the twin already gave in this conversation are skipped. Temperature 0 takes the best; above 0 the
top ``TOP_K`` distinct replies scoring at least half the best are sampled with a softmax over their scores relative
to the best (``params.top_p`` applies as nucleus sampling), from an RNG seeded by the conversation's text: the same conversation always gets the
same reply, which keeps tests (and "why this reply") reproducible. When no token of the query is in the index, the
twin answers with one of the owner's most frequent short replies.
"""
from __future__ import annotations

import hashlib
import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from lib.chat.base import ChatError, ChatParams, Message, window
from lib.segment import PLACEHOLDERS

K1 = 1.2
B = 0.75
CONTEXT_TURNS = 4  # turns before the prompt indexed as the candidate's wider context
CONTEXT_DECAY = 0.6  # each earlier context turn counts this much less than the next one
CONTEXT_WEIGHT = 0.5  # the context field's BM25 relative to the prompt's
QUERY_DECAY = 0.5  # weight of each earlier message of the conversation relative to the next one
QUERY_MESSAGES = 6  # messages of the conversation that form the query (0.5**5 ~ 3%; older ones barely matter)
TOP_K = 5  # distinct replies sampled among when temperature > 0
MIN_RELATIVE = 0.5  # candidates scoring below half the best are not sampled
SHARPNESS = 0.1  # at temperature 1, a reply scoring 10% below the best is e times less likely
PRIVATE_PENALTY = 0.5  # a reply showing a placeholder or a masked value scores half: chosen only when nothing safe fits
COMMON_REPLIES = 20  # frequent short replies used when nothing in the query is known
CHUNK_CHARS = 6  # stream chunk size when no line break or punctuation comes sooner

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_EMOJI = "\u2600-\u27bf\U0001f000-\U0001faff"
_RUNS = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)|([{_EMOJI}])")
_BREAK = set("\n，。！？、；：,.!?;:~～…")
_PLACEHOLDER_LINES = frozenset(v for lang in PLACEHOLDERS.values() for v in lang.values())


def tokens(text: str) -> list[str]:
    """The index's tokens of ``text`` (see the module docstring): CJK characters and bigrams, Latin words and their
    boundary-marked trigrams (``~`` keeps them apart from words), emoji."""
    out: list[str] = []
    for cjk, word, emoji in _RUNS.findall(unicodedata.normalize("NFKC", text).lower()):
        if cjk:
            out.extend(cjk)
            out.extend(cjk[i:i + 2] for i in range(len(cjk) - 1))
        elif word:
            out.append(word)
            if len(word) >= 4 and not word.isdigit():
                marked = f"#{word}#"
                out.extend("~" + marked[i:i + 3] for i in range(len(marked) - 2))
        else:
            out.append(emoji)
    return out


def chunks(text: str, size: int = CHUNK_CHARS) -> Iterator[str]:
    """``text`` in small pieces, cut after a line break or punctuation or every ``size`` characters, so the page
    shows the reply growing like a model's; the pieces join back to ``text`` exactly (newlines between bubbles
    included)."""
    buf = ""
    for ch in text:
        buf += ch
        if ch in _BREAK or len(buf) >= size:
            yield buf
            buf = ""
    if buf:
        yield buf


def export_options():
    """The export options the twin's records are built with: the export's defaults (near-duplicates still go) minus
    what does not shape the turns -- emotion labels, trait tags, context notes, MBTI augmentation."""
    from lib.export import ExportOptions

    return ExportOptions(emotion=False, traits="none", notes=False, include_mbti=False)


def _norm(text: str) -> str:
    return "".join(str(text).split())


@dataclass
class Candidate:
    """One reply of the owner's and why it was picked: the prompt it answered, the turns before, the scores."""

    reply: str
    prompt: str
    context: list[str] = field(default_factory=list)  # the turns before the prompt, oldest first
    score: float = 0.0
    prompt_score: float = 0.0
    context_score: float = 0.0
    conv_id: int | None = None
    private: bool = False  # shows a placeholder or a masked value (ranked lower; the guard renders it)
    chosen: bool = False  # the one stream() gives for this conversation and these parameters


class _Field:
    """One BM25 field as a CSR inverted index: the postings of token ``t`` are ``docs[indptr[t]:indptr[t + 1]]`` with
    their BM25 contribution (IDF and length normalisation already applied) in ``weight``."""

    def __init__(self, doc: np.ndarray, term: np.ndarray, tf: np.ndarray, n_docs: int, n_terms: int) -> None:
        key = term.astype(np.int64) * max(n_docs, 1) + doc
        uniq, inv = np.unique(key, return_inverse=True)
        tf = np.bincount(inv, weights=tf, minlength=len(uniq))
        term, doc = uniq // max(n_docs, 1), (uniq % max(n_docs, 1)).astype(np.int32)
        dl = np.bincount(doc, weights=tf, minlength=n_docs)
        avgdl = float(dl[dl > 0].mean()) if (dl > 0).any() else 1.0
        df = np.bincount(term, minlength=n_terms)
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
        self.weight = (idf[term] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl[doc] / avgdl))).astype(np.float32)
        self.docs = doc
        self.indptr = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)

    def score(self, query: dict[int, float], n_docs: int) -> np.ndarray:
        out = np.zeros(n_docs, dtype=np.float32)
        for t, w in query.items():
            lo, hi = self.indptr[t], self.indptr[t + 1]
            if hi > lo:
                out[self.docs[lo:hi]] += np.float32(w) * self.weight[lo:hi]
        return out


def _gather(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices of several slices ``[start, start + length)`` of one flat array, concatenated."""
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return np.arange(total, dtype=np.int64) + offsets


class OfflineTwin:
    """Backend over an index of (context, reply) pairs; see the module docstring for the retrieval."""

    name = "offline"
    label = "Offline twin (your own replies)"

    def __init__(self, pairs: Iterable[tuple[Sequence[str] | str, str]] = (), delay: float = 0.0) -> None:
        """``pairs``: (context, reply) where context is the turns before the reply, oldest first, the last being the
        message it answered (a plain string is a one-turn context). ``delay``: seconds between streamed chunks (the
        UI may set one; tests and the server do not)."""
        turns: list[str] = []
        spans: list[tuple[int, int, int]] = []  # (first context turn, prompt turn, reply turn) into ``turns``
        for context, reply in pairs:
            ctx = [context] if isinstance(context, str) else list(context)
            base = len(turns)
            turns.extend(ctx or [""])
            turns.append(reply)
            prompt = len(turns) - 2
            spans.append((max(base, prompt - CONTEXT_TURNS), prompt, prompt + 1))
        self.delay = delay
        self._private_test = None
        self._build(turns, spans, [None] * len(spans))

    @classmethod
    def from_records(cls, records: Iterable, delay: float = 0.0,
                     private: Callable[[str], bool] | None = None) -> OfflineTwin:
        """From export records (:class:`lib.export.records.Record`): every gpt turn answering a human turn, train and
        validation alike; MBTI augmentation is not the owner talking and stays out. ``private`` says which replies
        to rank lower (default: those showing a redaction form)."""
        twin = cls.__new__(cls)
        twin._private_test = private
        turns: list[str] = []
        spans: list[tuple[int, int, int]] = []
        convs: list[int | None] = []
        for rec in records:
            if getattr(rec, "source", "chat") == "mbti":
                continue
            base = len(turns)
            turns.extend(t.text for t in rec.turns)
            for i, t in enumerate(rec.turns):
                if i and t.role == "gpt" and rec.turns[i - 1].role == "human":
                    prompt = base + i - 1
                    spans.append((max(base, prompt - CONTEXT_TURNS), prompt, prompt + 1))
                    convs.append(rec.conv_id)
        twin.delay = delay
        twin._build(turns, spans, convs)
        return twin

    @classmethod
    def from_workspace(cls, ws, delay: float = 0.0) -> OfflineTwin:
        """The twin of a workspace, built once per process and reused until anything that feeds the export records
        changes (messages, edits, segmentation, curation and label decisions, redaction, persona language)."""
        from lib.export import records
        from lib.pii.store import PiiStore
        from lib.workspace import content_stamp, shared_cache

        store = PiiStore(ws)
        if not store.is_current():  # scanning writes: do it before taking the stamp, not inside the build
            store.scan()
        store.salt()
        stamp = content_stamp(ws) + "|" + ws.conn.execute(
            "SELECT (SELECT COALESCE(MAX(id), 0) || ':' || COUNT(*) FROM decision_log) || '|' || "
            "(SELECT COALESCE(group_concat(key || '=' || value), '') FROM settings WHERE key LIKE 'persona.%' "
            " OR key = 'eval.holdout' OR key LIKE 'pii.%') || '|' || "
            "(SELECT COALESCE(SUM(source != 'surface'), 0) || ':' || COALESCE(SUM(status = 'rejected'), 0) "
            " FROM pii_values) || '|' || "  # values the build itself creates (chat names) are no change
            "(SELECT COUNT(*) FROM pii_hits)").fetchone()[0]
        def build() -> OfflineTwin:
            from lib.pii.guard import OutputGuard

            # Ranked lower: replies the output guard would change (a tag, or a value the export left in clear).
            private = OutputGuard.for_workspace(ws).holds_private
            return cls.from_records(records(ws, export_options())[0], private=private)

        twin = shared_cache(ws, "chat.offline", stamp, build)
        if delay != twin.delay:
            twin = twin.with_delay(delay)
        return twin

    def with_delay(self, delay: float) -> OfflineTwin:
        """The same index with another streaming delay (the index is shared, not copied)."""
        other = self.__class__.__new__(self.__class__)
        other.__dict__.update(self.__dict__)
        other.delay = delay
        return other

    # ----------------------------------------------------------------------------------------------------- index
    def _build(self, turns: list[str], spans: list[tuple[int, int, int]], convs: list[int | None]) -> None:
        keep = [i for i, (_, _, r) in enumerate(spans)
                if _norm(turns[r]) and not all(ln.strip() in _PLACEHOLDER_LINES or not ln.strip()
                                               for ln in turns[r].split("\n"))]
        spans = [spans[i] for i in keep]
        self._turns = turns
        self._convs = [convs[i] for i in keep]
        self._lo = np.array([s[0] for s in spans], dtype=np.int64)
        self._prompt = np.array([s[1] for s in spans], dtype=np.int64)
        self._reply = np.array([s[2] for s in spans], dtype=np.int64)
        self._reply_norm = [_norm(turns[r]) for r in self._reply.tolist()]
        from lib.pii.guard import holds_redaction_form

        test = getattr(self, "_private_test", None) or holds_redaction_form
        memo: dict[str, bool] = {}  # short replies repeat a lot: test each text once
        flags = []
        for r in self._reply.tolist():
            if turns[r] not in memo:
                memo[turns[r]] = bool(test(turns[r]))
            flags.append(memo[turns[r]])
        self._private = np.array(flags, dtype=bool)
        self._private_test = None  # not kept: the shared index must not hold a workspace's guard
        n = len(spans)
        self.size = n
        vocab: dict[str, int] = {}
        # Each turn is tokenised once; fields gather their turns' token ids from one flat array.
        needed = sorted(set(self._prompt.tolist()) | {t for s in spans for t in range(s[0], s[1])})
        flat: list[int] = []
        starts, lengths = np.zeros(len(turns), dtype=np.int64), np.zeros(len(turns), dtype=np.int64)
        memo: dict[str, list[int]] = {}  # short turns repeat a lot ("好的", "哈哈哈"): tokenise each text once
        for t in needed:
            ids = memo.get(turns[t])
            if ids is None:
                ids = memo[turns[t]] = [vocab.setdefault(tok, len(vocab)) for tok in tokens(turns[t])]
            starts[t], lengths[t] = len(flat), len(ids)
            flat.extend(ids)
        self._vocab = vocab
        tok = np.array(flat, dtype=np.int64)
        docs = np.arange(n, dtype=np.int64)
        v = max(len(vocab), 1)
        # Prompt field: the tokens of the turn each reply answered.
        idx = _gather(starts[self._prompt], lengths[self._prompt])
        self._fp = _Field(np.repeat(docs, lengths[self._prompt]), tok[idx], np.ones(len(idx)), n, v)
        # Context field: the turns before the prompt, each CONTEXT_DECAY times lighter than the next.
        d_parts, t_parts, w_parts = [], [], []
        for j in range(1, CONTEXT_TURNS + 1):
            turn = self._prompt - j
            ok = turn >= self._lo
            if not ok.any():
                break
            idx = _gather(starts[turn[ok]], lengths[turn[ok]])
            d_parts.append(np.repeat(docs[ok], lengths[turn[ok]]))
            t_parts.append(tok[idx])
            w_parts.append(np.full(len(idx), CONTEXT_DECAY ** (j - 1)))
        cat = (lambda parts, dt: np.concatenate(parts) if parts else np.zeros(0, dtype=dt))
        self._fc = _Field(cat(d_parts, np.int64), cat(t_parts, np.int64), cat(w_parts, np.float64), n, v)
        # Fallback: the most frequent short replies (by first occurrence), for a query with nothing known.
        counts = Counter(r for r in self._reply_norm if len(r) <= 20)
        first: dict[str, int] = {}
        for i, r in enumerate(self._reply_norm):
            first.setdefault(r, i)
        self._common = [first[r] for r, _ in counts.most_common(COMMON_REPLIES)]

    # --------------------------------------------------------------------------------------------------- queries
    def _query(self, convo: list[Message]) -> dict[int, float]:
        """Token id -> weight: the last message 1.0, each earlier one QUERY_DECAY times less; a token counts once per
        message (a "哈哈哈哈哈" does not outweigh the rest)."""
        q: dict[int, float] = {}
        for k, m in enumerate(reversed(convo[-QUERY_MESSAGES:])):
            w = QUERY_DECAY ** k
            for tok in set(tokens(str(m.get("content", "")))):
                t = self._vocab.get(tok)
                if t is not None:
                    q[t] = q.get(t, 0.0) + w
        return q

    def _rank(self, messages: list[Message], params: ChatParams, k: int) -> tuple[list[Candidate], np.random.Generator]:
        """The best ``k`` distinct candidate replies, best first, not repeating the twin's earlier replies, and the
        conversation's RNG."""
        if not self.size:
            raise ChatError("not_found", "The offline twin has no reply of yours to answer with. Import your chats "
                                         "and keep at least one conversation with your replies (Curation page).")
        convo = [m for m in window(messages, params) if m.get("role") in ("user", "assistant")]
        seed = hashlib.sha256("\x00".join(f"{m['role']}\x01{m.get('content', '')}" for m in convo).encode()).digest()
        rng = np.random.default_rng(int.from_bytes(seed[:8], "little"))
        given = {_norm(m.get("content", "")) for m in messages if m.get("role") == "assistant"}
        q = self._query(convo)
        sp = self._fp.score(q, self.size)
        sc = self._fc.score(q, self.size)
        total = sp + np.float32(CONTEXT_WEIGHT) * sc
        if self._private.any():
            total = np.where(self._private, total * np.float32(PRIVATE_PENALTY), total)
        out: list[Candidate] = []
        seen: set[str] = set()
        positive = int(np.count_nonzero(total > 0))
        width = min(max(4 * k, 64), positive)  # independent of k up to 16: explain() and stream() agree on ties
        while positive:
            top = np.argpartition(-total, width - 1)[:width] if width < self.size else np.arange(self.size)
            top = top[np.lexsort((top, -total[top]))]  # best first; ties: the earlier pair
            out, seen = [], set()
            for i in top.tolist():
                if total[i] <= 0:
                    break
                r = self._reply_norm[i]
                if r in given or r in seen:
                    continue
                seen.add(r)
                out.append(self._candidate(i, float(total[i]), float(sp[i]), float(sc[i])))
                if len(out) == k:
                    break
            if len(out) == k or width >= positive:
                break
            width = min(width * 4, positive)
        if not out:  # nothing in common with the query, or every match already said: a frequent reply of mine
            common = [i for i in self._common if self._reply_norm[i] not in given] or self._common or [0]
            i = common[int(rng.integers(len(common)))]
            out = [self._candidate(i, 0.0, 0.0, 0.0)]
        return out, rng

    def _candidate(self, i: int, score: float, sp: float, sc: float) -> Candidate:
        lo, p, r = int(self._lo[i]), int(self._prompt[i]), int(self._reply[i])
        return Candidate(self._turns[r], self._turns[p], self._turns[lo:p], score, sp, sc, self._convs[i],
                         bool(self._private[i]))

    def _choose(self, cands: list[Candidate], params: ChatParams, rng: np.random.Generator) -> int:
        if params.temperature <= 0 or len(cands) == 1 or cands[0].score <= 0:
            return 0
        rel = np.array([c.score for c in cands]) / cands[0].score
        rel = rel[rel >= MIN_RELATIVE]  # sorted best first: the rest are weak matches, never worth a gamble
        p = np.exp((rel - 1.0) / (SHARPNESS * params.temperature))
        p /= p.sum()
        if params.top_p is not None and params.top_p < 1.0:
            keep = int(np.searchsorted(np.cumsum(p), params.top_p)) + 1
            p = p[:keep] / p[:keep].sum()
        return int(rng.choice(len(p), p=p))

    def explain(self, messages: list[Message], params: ChatParams, k: int = 3) -> list[Candidate]:
        """The top ``k`` candidates for this conversation with their scores and the prompts they answered, best first;
        the one :meth:`stream` gives is marked ``chosen`` (it may rank below ``k``: then it is appended)."""
        cands, rng = self._rank(messages, params, max(k, TOP_K))
        pick = self._choose(cands[:TOP_K], params, rng)
        cands[pick].chosen = True
        return cands[:k] + ([cands[pick]] if pick >= k else [])

    def reply(self, messages: list[Message], params: ChatParams) -> str:
        """The whole reply :meth:`stream` gives."""
        cands, rng = self._rank(messages, params, TOP_K)
        return cands[self._choose(cands, params, rng)].reply

    def stream(self, messages: list[Message], params: ChatParams) -> Iterator[str]:
        """Yield the chosen reply in small chunks. Raises ChatError(not_found) when no reply of the owner's is
        indexed. ``params.max_tokens`` does not cut a reply: it is the owner's, whole."""
        text = self.reply(messages, params)
        for piece in chunks(text):
            if self.delay:
                time.sleep(self.delay)
            yield piece

    def check(self) -> str:
        if not self.size:
            raise ChatError("not_found", "No reply of yours is indexed yet: import your chats and keep at least one "
                                         "conversation with your replies.")
        return f"{self.size:,} of your replies indexed"


__all__ = ["Candidate", "OfflineTwin", "chunks", "export_options", "tokens"]
