"""The offline twin: the embedded default backend, which answers with the owner's own real replies.

No model, key or server: on first run, right after an import, the chat page already talks back. Every reply is one
the owner really sent, taken from the curated, **redacted** records an export would write
(:func:`lib.export.records`), so nothing the owner dropped and no personal data the redaction replaces can surface.

How a reply is chosen
---------------------

*Index.* Every ``gpt`` turn of a record (MBTI records excluded) is a candidate reply. It is indexed under two fields:
the **prompt**, the ``human`` turn right before it (what the reply answered), and the **context**, the turns before
that prompt (up to ``CONTEXT_TURNS`` of them, each counting ``CONTEXT_DECAY`` times less than the next one).

*Tokens.* Text is NFKC-normalised and lowercased, then cut into runs. Chinese (and Japanese, Korean)
has no spaces, so word tokens would need a segmenter and its dictionary; character n-grams need
neither: a CJK run gives its **characters and character bigrams** ("吃火锅" -> 吃 火 锅 吃火 火锅), so
"晚上吃火锅吗" meets "今晚吃火锅去不" on 晚, 吃, 火锅... with bigrams rewarding the shared phrase over scattered
characters. Latin (and other spaced scripts) give the **lowercased word** plus, for words of four
letters or more, its **character trigrams** with boundary marks ("haha" -> haha ~#ha ~hah ~aha
~ha#), so "hahaha" still meets "haha" and a typo still matches most of a word. Emoji are one token
each; punctuation is dropped. BM25's IDF then sorts out which tokens matter ("的", "了", "[表情包]" weigh
little).

*Scoring.* BM25 (k1 = 1.2, b = 0.75) per field (:mod:`lib.bm25`, shared with the memory index): each field is a CSR
inverted index built once (token -> sorted document ids and their precomputed BM25 contribution), so a query touches
only the postings of its own tokens and scoring is one scatter-add per query token. The query is the conversation so
far, newest first: the last message weighs 1.0, the one before 0.5, then 0.25... (``QUERY_DECAY``). A candidate's
score is its prompt's BM25 plus ``CONTEXT_WEIGHT`` times its context's BM25: the last message mostly picks the reply,
earlier turns break ties between prompts that look alike (the same "好呀" after talk of hiking or of a film).

*Privacy.* A reply that shows a redaction form (``<PHONE_1>``, ``138****5678``) scores ``PRIVATE_PENALTY`` times
its match: the twin prefers replies that hold none. Such a reply is still chosen when only it fits; the output guard
(:mod:`lib.pii.guard`) then renders its placeholders as the owner's surrogates, so a friend never sees a tag.

*Fit.* The best ``POOL`` distinct matches stand for "what I would say here". The first ``CANDIDATES`` of them are
re-ranked on how the **reply itself** fits: its expected character-n-gram F-score (chrF's statistics, orders 1..4,
beta 2) against that pool weighted by match, plus the last message itself (people take up the words they answer);
plus ``MATCH_WEIGHT`` times its match; plus the agreement of the **kind** of message it once answered with the kind
of the last message (:mod:`lib.chat.reply_kinds`: question, greeting, good night, thanks, apology, laughter, plan or
time; answering a good night or a greeting with what answered neither costs ``MISMATCH_PENALTY``; a reply that itself
says the good night or greeting the message says fits it, whatever it once answered); minus
``LENGTH_PENALTY`` per unit of log-distance from ``LENGTH_TARGET`` times the owner's **mean** reply length (no
winning by length: the twin's mean length stays at the owner's; ``LENGTH_TOLERANCE`` of log-distance is free). The
mean, not the median: the n-grams a reply shares with the real one grow about as min(its length, the real one's);
with the real length unknown that is concave in the reply's length, so at a given mean length, replies near the mean
share the most (measured on two real chats: a random reply of the owner's within 0.8..1.25 times the mean scores
1.2-1.3 times the chrF of any random reply, one near the median 0.9-1.0 times; ``bench/chrf_headroom.py``). A best
match ``DECISIVE`` times ahead of the next one is the very exchange coming back (a friend replays it or asks about
it): it gets ``DECISIVE_BONUS``, so the twin recalls what the owner said then even when that reply is long or
unusual.

*Answered in kind.* A message that is a good night or a greeting and (almost) nothing else
(:func:`lib.chat.reply_kinds.answered_in_kind`) also gets up to ``IN_KIND`` of my frequent good nights (greetings) as
candidates, whatever prompt they answered: my "晚安～" often answered "快睡 明天你可以的", which shares no word with
"晚安". When any candidate answers it in kind, only those may be given; when none does and every match answered
something else, a short reply of mine is given instead of a long wrong one. A match on a character or two is then
never "this very exchange again".

*Learned order.* With at least :data:`lib.chat.rerank.MIN_EXCHANGES` exchanges indexed, the order above is not
hand-set but learned from the owner's own history when the index is built (:mod:`lib.chat.rerank`): each sampled
exchange of theirs is a query whose pool is retrieved as here, with its own conversation left out, and a ridge
regression learns which features of a candidate (match, fit, kinds, echo, length, time, frequency, typicality ...)
predict its contribution to corpus chrF against the real reply. Its length cost is chosen there too, so the picks
keep the owner's mean length. The learned scores are mapped onto the hand-set scale, so what follows is unchanged.
Training never sees "this very exchange again", so that stays hand-set: a decisive match still gets
``DECISIVE_BONUS``, and one whose last two turns are the conversation's last two word for word (the exchange
replayed) comes first. The model is part of the index and cached with it (:meth:`OfflineTwin.from_workspace`),
in memory and as a few numbers in the workspace's ``cache/`` folder (no text), so that only the first build after a
change of the data trains.

*Recency.* The twin speaks now, after all of the owner's history, and people talk like their recent selves. The
index is in time order, so a pair's position says how recent it is (0 the oldest, 1 the newest): its match counts
``1 + RECENCY x position`` times (which replies enter the pool) and its final score gains ``RECENCY_SCORE x
position``. Only at reply time: the re-ranker's training queries sit inside the history, where "now" is their own
time. Both strengths are 0 (off): chosen on the dev halves of two real chats, the best setting did not improve
both test halves, so no prior is applied until a measure says it helps (see ``RECENCY``).

*Choice.* Replies the twin already gave in this conversation are skipped. Temperature 0 takes the best; above 0 the
top ``TOP_K`` are sampled with a softmax over their scores (``params.top_p`` applies as nucleus sampling), from an
RNG seeded by ``params.seed`` when given ("Regenerate" passes a new one) or else by the conversation's text: the same
conversation asked again gets the same reply (remembered for the last ``MEMO`` conversations). Above temperature 0,
a reply the twin gave lately in *another* conversation (the last ``RECENT``) scores ``RECENT_PENALTY`` lower per
time given, among the candidates that fit nearly as well as the best (``RELEVANT``): a person does not send the
same message to everyone, but a good night said ten times still beats an unrelated reply to "晚安".

*Openers.* When the conversation is only the export's neutral opening ("(starts the chat)"), the twin answers with
one of the owner's real openers, drawn afresh for every new chat (least recently given first).

*Nothing fits.* When no token of the query is in the index, the twin answers with one of the owner's most frequent
short replies written in the conversation's script (Chinese for a Chinese message, Latin letters for an English one).
"""
from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
import threading
import time
import unicodedata
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from lib.bm25 import Bm25Field
from lib.bm25 import gather as _gather

from lib.chat import rerank
from lib.chat.base import ChatError, ChatParams, Message, window
from lib.chat.reply_kinds import answered_in_kind, kinds
from lib.chat.reply_kinds import fit as kind_fit
from lib.segment import PLACEHOLDERS

CONTEXT_TURNS = 4  # turns before the prompt indexed as the candidate's wider context
CONTEXT_DECAY = 0.6  # each earlier context turn counts this much less than the next one
CONTEXT_WEIGHT = 0.5  # the context field's BM25 relative to the prompt's
QUERY_DECAY = 0.5  # weight of each earlier message of the conversation relative to the next one
QUERY_MESSAGES = 6  # messages of the conversation that form the query (0.5**5 ~ 3%; older ones barely matter)
TOP_K = 5  # distinct replies sampled among when temperature > 0
SHARPNESS = 0.02  # at temperature 1, a reply scoring 0.02 below the best (a fit of 0.30 vs 0.32) is e times less likely
PRIVATE_PENALTY = 0.5  # a reply showing a placeholder or a masked value scores half: chosen only when nothing safe fits
PRIVATE_FIT_PENALTY = 0.3  # the same preference in the fit score (about a whole fit apart)
COMMON_REPLIES = 20  # frequent short replies used when nothing in the query is known
CANDIDATES = 40  # the best-matching distinct replies re-ranked on how the reply itself fits (12 measured worse)
POOL = 40  # replies (best matches first) whose words stand for "what I would say here" in the fit score
FIT_ORDERS = 4  # character 1..4-grams compare a candidate with the pool (1..6 measured no better, and slower)
FIT_BETA = 2.0  # chrF's own beta (recall-weighted); LENGTH_PENALTY keeps that from favouring ever longer replies
FIT_CHARS = 300  # characters of a reply compared (a long one's tail says little about its fit, and costs time)
POOL_POWER = 2.0  # the pool weighs a reply by its match squared: the best matches say most about "here"
LAST_WEIGHT = 0.1  # the last message's share of the pool: a reply that takes up its words fits it
MATCH_WEIGHT = 0.1  # the BM25 match (relative to the best) next to the fit score
DECISIVE = 1.2  # the best match scoring this many times the next one's is "this very exchange again" ...
DECISIVE_BONUS = 0.5  # ... and scores this much more (about the whole range of the fit score)
KIND_WEIGHT = 0.05  # agreement of the kinds of the prompt a candidate answered and of the last message
MISMATCH_PENALTY = 0.3  # a good night or greeting answered with what answered neither (or the reverse)
LENGTH_PENALTY = 0.3  # per unit of |log(length / LENGTH_TARGET x my mean length)|: no winning by length
LENGTH_TOLERANCE = 0.22  # log-distance from that target that costs nothing (a few characters more or less)
LENGTH_TARGET = 0.92  # share of my mean reply length the penalty centres on (the mean, not the median: see below)
RECENT = 1000  # replies the twin gave lately, in any conversation, that it avoids giving again ...
RECENT_PENALTY = 1.0  # ... by scoring them this much lower per time given (temperature > 0 only: 0 is the best)
RELEVANT = 0.2  # the penalty reorders only candidates scoring at least this share of the best
MEMO = 1024  # conversations remembered with the reply they got, so asking again gives the same reply
SHORT = 20  # characters of a "short reply" used when nothing fits
IN_KIND = 6  # my good nights (greetings) added to the candidates for a good night (greeting), whatever they answered
IN_KIND_FROM = 2000  # ... drawn from this many of my most frequent replies of at most IN_KIND_CHARS characters
IN_KIND_CHARS = 40
CHUNK_CHARS = 6  # stream chunk size when no line break or punctuation comes sooner
RECENCY = 0.0  # the match of the newest pair counts (1 + RECENCY) times the oldest's, linear in index position ...
RECENCY_SCORE = 0.0  # ... and its re-ranked score gains this much over the oldest's (hand-set units; a fit of
# 0.30 vs 0.32 is 0.02). Off: on the dev halves of two real chats no strength beat none by more than the noise
# (bench_twin_fidelity.py --sweep-recency: best 2.0/0.2, mean ratio 1.190 vs 1.177), and on the test halves it
# helped one chat and hurt the other (--test-recency 2.0/0.2: 1.159 -> 1.142, 1.056 -> 1.069).
RECENCY_MIN_PAIRS = 200  # fewer indexed replies: no recency prior (the re-ranker's own threshold, MIN_EXCHANGES)

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


def index_options():
    """The options of the records that the twin, the memory index and "Who said it?" read: :func:`export_options`
    with a 20 % validation split. The game plays validation conversations; the twin and the memory index read
    training and validation alike. One set of options means one cached build of the records for all three
    (:func:`lib.export.cached_records`): at 1,000,000 messages a build takes about 18 s, and the game's first round
    waited for two."""
    from dataclasses import replace

    return replace(export_options(), val_ratio=0.2)


def _norm(text: str) -> str:
    return "".join(str(text).split())


def _script(text: str) -> str:
    """"cjk" when the text has Chinese, Japanese or Korean letters, "latin" when it has other letters, else "other"
    (emoji, numbers): the conversation's language as far as choosing a short reply needs it."""
    if re.search(f"[{_CJK}]", text):
        return "cjk"
    return "latin" if re.search(r"[^\W\d_]", text) else "other"


def _char_grams(text: str) -> list[Counter]:
    """Character 1..FIT_ORDERS-grams of ``text`` without whitespace, as chrF counts them."""
    s = _norm(text[:FIT_CHARS])
    return [Counter(s[i:i + n] for i in range(len(s) - n + 1)) for n in range(1, FIT_ORDERS + 1)]


Grams = tuple[np.ndarray, np.ndarray, np.ndarray]  # (n-gram keys, counts, order - 1), keys distinct


_MIX = np.uint64(0x9E3779B97F4A7C15)  # 64-bit multiplicative hashing (golden ratio): n-gram keys in a few array ops
_AVALANCHE = np.uint64(0xBF58476D1CE4E5B9)
_SALT = [np.uint64((n + 1) * 0xBF58476D1CE4E5B9 % 2 ** 64) for n in range(FIT_ORDERS)]  # one per order
_EMPTY: Grams = (np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=np.int64))


def _gram_arrays(text: str) -> Grams:
    """:func:`_char_grams` as arrays, for vectorised comparison: each distinct n-gram's key, its count and its order
    (0-based), keys sorted. Why arrays: the re-ranker's training compares tens of thousands of replies at build time,
    and a Python loop per n-gram was half of it. A key is a 64-bit hash of the n-gram's code points and its order,
    computed for every position at once (order n from order n - 1 by one multiply-add); stable across processes,
    unlike ``hash``. Two distinct n-grams of one pool sharing a key is a 1-in-10^14 event."""
    s = _norm(text[:FIT_CHARS])
    if not s:
        return _EMPTY
    cp = np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    h = np.zeros(len(cp), dtype=np.uint64)
    keys, orders = [], []
    for n in range(min(FIT_ORDERS, len(cp))):
        h = h[:len(cp) - n] * _MIX + cp[n:] + np.uint64(1)  # the n-gram starting at each position (wraps mod 2^64)
        k = h ^ _SALT[n]
        k = (k ^ (k >> np.uint64(31))) * _AVALANCHE
        keys.append(k ^ (k >> np.uint64(29)))
        orders.append(np.full(len(k), n, dtype=np.int64))
    uniq, first, counts = np.unique(np.concatenate(keys).view(np.int64), return_index=True, return_counts=True)
    return uniq, counts.astype(np.float64), np.concatenate(orders)[first]


def _concat(grams: Sequence[Grams]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Several texts' n-grams in one set of arrays, plus the text each n-gram came from."""
    if not grams:
        z = np.zeros(0, dtype=np.int64)
        return z, np.zeros(0), z, z
    which = np.repeat(np.arange(len(grams)), [len(g[0]) for g in grams])
    return (np.concatenate([g[0] for g in grams]), np.concatenate([g[1] for g in grams]),
            np.concatenate([g[2] for g in grams]), which)


def matched(cands: Sequence[Grams], ref_keys: np.ndarray, ref_counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(matched, n-grams) per candidate and order: chrF's clipped counts of each candidate against a reference whose
    distinct n-gram keys are ``ref_keys`` (sorted) with (possibly weighted) ``ref_counts``."""
    keys, counts, orders, which = _concat(cands)
    m = np.zeros(len(keys))
    if len(ref_keys) and len(keys):
        pos = np.minimum(np.searchsorted(ref_keys, keys), len(ref_keys) - 1)
        m = np.where(ref_keys[pos] == keys, np.minimum(counts, ref_counts[pos]), 0.0)
    slots = which * FIT_ORDERS + orders
    size = len(cands) * FIT_ORDERS
    shape = (len(cands), FIT_ORDERS)
    return (np.bincount(slots, m, size).reshape(shape), np.bincount(slots, counts, size).reshape(shape))


def _bm25(fld: Bm25Field, query: dict[int, float], n_docs: int) -> np.ndarray:
    """``fld.score(query, n_docs)`` in one gather and one bincount instead of one scatter-add per query token (a
    query of English words with their trigrams has a hundred tokens; the re-ranker's training scores a thousand)."""
    if not query:
        return np.zeros(n_docs, dtype=np.float32)
    ts = np.fromiter(query.keys(), dtype=np.int64, count=len(query))
    ws = np.fromiter(query.values(), dtype=np.float32, count=len(query))
    lo = fld.indptr[ts]
    n = fld.indptr[ts + 1] - lo
    at = _gather(lo, n)
    w = np.repeat(ws, n) * fld.weight[at]
    return np.bincount(fld.docs[at], w, n_docs).astype(np.float32)


MODEL_FILE = "cache/offline_ranker.json"  # the learned re-ranker of the workspace's twin (numbers only, no text)


def _read_model(path, key: str) -> object:
    """The stored re-ranker for ``key`` (the data's stamp and the re-ranker's version), or None: missing, stale or
    unreadable all mean "train"."""
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return d.get("model") if isinstance(d, dict) and d.get("key") == key else None


def _write_model(path, key: str, model: dict) -> None:
    """Stores the re-ranker atomically (a reader never sees half a file); a read-only workspace just trains again."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            tmp.write_text(json.dumps({"key": key, "model": model}), encoding="utf-8")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    except OSError:
        pass


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
    index: int = -1  # the pair's position in the index


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
                     private: Callable[[str], bool] | None = None, model: object = None) -> OfflineTwin:
        """From export records (:class:`lib.export.records.Record`): every gpt turn answering a human turn, train and
        validation alike; MBTI augmentation is not the owner talking and stays out. ``private`` says which replies
        to rank lower (default: those showing a redaction form). ``model``: a re-ranker stored for these very
        records (:meth:`lib.chat.rerank.Ranker.to_dict`), used instead of training when it fits the index."""
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
        twin._build(turns, spans, convs, model)
        return twin

    @classmethod
    def from_workspace(cls, ws, delay: float = 0.0) -> OfflineTwin:
        """The twin of a workspace, built once per process and reused until anything that feeds the export records
        changes (messages, edits, segmentation, curation and label decisions, redaction, persona language)."""
        from lib.export import cached_records
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
            # The re-ranker learned for this very data by an earlier process (the app restarted, `serve` started):
            # reused, so only the first build after a change trains (about a second at 100,000 messages).
            path = ws.path / MODEL_FILE
            key = hashlib.sha256(f"{stamp}|{rerank.VERSION}".encode()).hexdigest()
            stored = _read_model(path, key)
            twin = cls.from_records(cached_records(ws, index_options())[0], private=private, model=stored)
            if twin._ranker is not None and not twin._ranker_restored:
                _write_model(path, key, twin._ranker.to_dict(twin.size))
            return twin

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

    def without_conversations(self, conv_ids: Iterable[int]) -> OfflineTwin:
        """The same index, never answering with a reply from these conversations (shared, not copied).

        Why: "Who said it?" asks the twin about a held-out or validation pair; a twin that may quote that very
        conversation would answer with the real reply itself, and the game would have nothing to compare."""
        other = self.__class__.__new__(self.__class__)
        other.__dict__.update(self.__dict__)
        other._excluded = frozenset(int(c) for c in conv_ids)
        return other

    # ----------------------------------------------------------------------------------------------------- index
    def _build(self, turns: list[str], spans: list[tuple[int, int, int]], convs: list[int | None],
               model: object = None) -> None:
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
        self._fp = Bm25Field(np.repeat(docs, lengths[self._prompt]), tok[idx], np.ones(len(idx)), n, v)
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

        def cat(parts: list[np.ndarray], dt: type) -> np.ndarray:
            return np.concatenate(parts) if parts else np.zeros(0, dtype=dt)

        self._fc = Bm25Field(cat(d_parts, np.int64), cat(t_parts, np.int64), cat(w_parts, np.float64), n, v)
        # Fallback: the most frequent short replies (by first occurrence), for a query with nothing known, per script
        # so that a Chinese message never gets an English "ok" from a bilingual owner.
        counts = Counter(r for r in self._reply_norm if len(r) <= SHORT)
        first: dict[str, int] = {}
        for i, r in enumerate(self._reply_norm):
            first.setdefault(r, i)
        self._common = [first[r] for r, _ in counts.most_common(COMMON_REPLIES)]
        by_script: dict[str, list[int]] = {}
        for r, _ in counts.most_common():
            lst = by_script.setdefault(_script(r), [])
            if len(lst) < COMMON_REPLIES:
                lst.append(first[r])
        self._common_by_script = by_script
        # My frequent replies that may answer a good night or a greeting in kind (sorted out by kind when first asked).
        frequent = Counter(r for r in self._reply_norm if len(r) <= IN_KIND_CHARS)
        self._frequent = [first[r] for r, _ in frequent.most_common(IN_KIND_FROM)]
        self._in_kind: dict[frozenset[str], list[int]] = {}
        from lib.export.records import NEUTRAL_OPENING

        openings = {_norm(v) for v in NEUTRAL_OPENING.values()}
        # Replies that opened a conversation: what the twin says when it starts one.
        self._openers = [i for i, p in enumerate(self._prompt.tolist()) if _norm(turns[p]) in openings]
        lengths = [len(turns[r].strip()) for r in self._reply.tolist()]
        self._median_len = float(np.median(lengths)) if lengths else 1.0
        # The length replies are pulled towards: the mean, not the median. Why: a reply's character n-grams shared
        # with the real one grow about as min(mine, real); with the real length unknown that expectation is concave,
        # so for a given mean length, replies close to the mean share the most (a skewed median would be too short).
        self._target_len = LENGTH_TARGET * (float(np.mean(lengths)) if lengths else 1.0)
        self._grams: dict[int, Grams] = {}  # reply -> its character n-grams, filled as replies are compared
        # What the twin said lately (in any conversation) and which conversation got which reply: shared by every
        # copy of this index (with_delay), guarded by one lock (the server answers several clients at once).
        self._recent: deque[str] = deque(maxlen=RECENT)
        self._recent_count: Counter[str] = Counter()  # how often each of those was given: the penalty grows with it
        self._memo: OrderedDict[bytes, int] = OrderedDict()
        self._lock = threading.Lock()
        self._draws = itertools.count()  # openers: each new chat draws afresh, even from the same empty start
        # What the learned re-ranker reads per pair (lib.chat.rerank): reply length, how often I sent it, its script,
        # and each pair's conversation as a range of the index (its pairs are contiguous: training leaves it out).
        self._len = np.array(lengths, dtype=np.float64)
        freq = Counter(self._reply_norm)
        self._logfreq = np.log([float(freq[r]) for r in self._reply_norm]) if n else np.zeros(0)
        self._script_of = [_script(turns[r]) for r in self._reply.tolist()]
        first_of, end_of = np.arange(n), np.arange(1, n + 1)
        j = 0
        while j < n:
            e = j + 1
            while self._convs[j] is not None and e < n and self._convs[e] == self._convs[j]:
                e += 1
            first_of[j:e], end_of[j:e] = j, e
            j = e
        self._span_first, self._span_end = first_of, end_of
        # Where each pair sits in my history, 0 the oldest, 1 the newest (index order is time order): the recency
        # prior. The twin speaks now, after all of it, and people talk like their recent selves.
        # A short history is one period: no prior there (nor does a pair's place among a few dozen say its age).
        self._pos = (np.arange(n, dtype=np.float64) / max(1, n - 1)).astype(np.float32)
        self._prior = n >= RECENCY_MIN_PAIRS
        restored = rerank.restore(self, model) if model is not None else None
        self._ranker_restored = restored is not None
        self._ranker: rerank.Ranker | None = restored or rerank.train(self)

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

    def _ngrams(self, i: int) -> Grams:
        g = self._grams.get(i)
        if g is None:
            if len(self._grams) > 50_000:  # bounded: a long-running server must not grow without end
                self._grams.clear()
            g = self._grams[i] = _gram_arrays(self._turns[int(self._reply[i])])
        return g

    def _fit(self, cands: list[int], weights: np.ndarray, last: str) -> np.ndarray:
        """How well each of the first ``CANDIDATES`` of ``cands`` fits, in [0, 1]: its expected character-n-gram F1
        against "what I would say here" -- the replies that answered the best-matching prompts (``cands``, weighted
        by their match) and the last message itself (people take up the words they answer). A reply of common
        words of this kind of exchange beats an odd one that happened to answer a similar prompt. Vectorised: the
        pool is one sorted key array, each candidate's clipped matches one gather and one bincount."""
        w = weights / weights.sum() * (1.0 - LAST_WEIGHT)
        sources = [self._ngrams(i) for i in cands]
        scale = list(w)
        if last.strip():
            sources.append(_gram_arrays(last))
            scale.append(LAST_WEIGHT)
        keys, counts, orders, which = _concat(sources)
        values = counts * np.asarray(scale, dtype=np.float64)[which]
        plen = np.bincount(orders, values, FIT_ORDERS)
        uniq, inv = np.unique(keys, return_inverse=True)
        pool = np.bincount(inv, values, len(uniq))
        n = min(len(cands), CANDIDATES)
        first = which < n  # the candidates' own n-grams come first in ``keys``: ``inv`` already places them
        slots = which[first] * FIT_ORDERS + orders[first]
        m = np.bincount(slots, np.minimum(counts[first], pool[inv[first]]), n * FIT_ORDERS).reshape(n, FIT_ORDERS)
        h = np.bincount(slots, counts[first], n * FIT_ORDERS).reshape(n, FIT_ORDERS)
        ok = (h > 0) & (plen[None, :] > 0)
        prec = np.where(ok, m / np.where(h > 0, h, 1.0), 0.0).sum(axis=1)
        rec = np.where(ok, m / np.where(plen > 0, plen, 1.0)[None, :], 0.0).sum(axis=1)
        eff = ok.sum(axis=1)
        b2 = FIT_BETA ** 2
        den = b2 * prec + rec
        good = (eff > 0) & (prec + rec > 0)
        return np.where(good, (1 + b2) * prec * rec / np.where(good, den, 1.0) / np.maximum(eff, 1), 0.0)

    def kind_fit(self, i: int, last_kinds: frozenset[str]) -> float:
        """Pair ``i``'s fit by kind to a last message of ``last_kinds`` (:func:`lib.chat.reply_kinds.fit`)."""
        return kind_fit(kinds(self._turns[int(self._prompt[i])]), kinds(self._turns[int(self._reply[i])]), last_kinds)

    def _answered_in_kind(self, said: frozenset[str], idx: list[int], given: set[str] | frozenset[str],
                          excluded: frozenset) -> list[int]:
        """Up to ``IN_KIND`` of my frequent replies that themselves say what ``said`` says (a good night, a
        greeting), most frequent first, not already among ``idx`` nor given. Why: BM25 finds prompts that share the
        message's words, and the owner's "晚安～" often answered "快睡 明天你可以的", which shares none with "晚安"."""
        with self._lock:
            pool = self._in_kind.get(said)
            if pool is None:
                pool = self._in_kind[said] = [i for i in self._frequent
                                              if said <= kinds(self._turns[int(self._reply[i])])]
        have = {self._reply_norm[i] for i in idx} | set(given)
        out = []
        for i in pool:
            if self._reply_norm[i] in have or (excluded and self._convs[i] in excluded):
                continue
            have.add(self._reply_norm[i])
            out.append(i)
            if len(out) == IN_KIND:
                break
        return out

    @staticmethod
    def _kind_term(a: float) -> float:
        """Agreement of kinds as a score term: a small bonus when they agree, a large penalty when a good night or a
        greeting is answered with what answered something else (or the reverse)."""
        return KIND_WEIGHT * a if a >= 0 else MISMATCH_PENALTY * a

    def _hand(self, idx: list[int], total: np.ndarray, fit: np.ndarray, last: str, decisive: bool) -> np.ndarray:
        """The hand-set score of the first ``len(fit)`` candidates (used when the history is too small to learn
        from): fit, match, the decisive bonus, agreement of kinds, distance from the target length, privacy."""
        last_kinds = kinds(last)
        best = max(float(total[idx[0]]), 1e-9)
        out = np.zeros(len(fit))
        for j, i in enumerate(idx[:len(fit)]):
            reply = self._turns[int(self._reply[i])].strip()
            out[j] = (fit[j] + MATCH_WEIGHT * float(total[i]) / best + (DECISIVE_BONUS if decisive and j == 0 else 0.0)
                      + self._kind_term(self.kind_fit(i, last_kinds))
                      - LENGTH_PENALTY * max(0.0, abs(math.log((len(reply) + 1) / (self._target_len + 1)))
                                             - LENGTH_TOLERANCE)
                      - (PRIVATE_FIT_PENALTY if self._private[i] else 0.0))
        return out

    def _rank(self, messages: list[Message], params: ChatParams, k: int
              ) -> tuple[list[Candidate], np.random.Generator, bytes | None]:
        """The candidate replies, best first, not repeating the twin's earlier replies in this conversation, the
        RNG (``params.seed`` when given, else seeded by the conversation) and the conversation's memo key (None for
        an opener: a new chat has nothing to remember it by)."""
        if not self.size:
            raise ChatError("not_found", "The offline twin has no reply of yours to answer with. Import your chats "
                                         "and keep at least one conversation with your replies (Curation page).")
        convo = [m for m in window(messages, params) if m.get("role") in ("user", "assistant")]
        text = "\x00".join(f"{m['role']}\x01{m.get('content', '')}" for m in convo)
        seed = hashlib.sha256(text.encode() + (b"" if params.seed is None else f"\x02{params.seed}".encode())).digest()
        rng = np.random.default_rng(int.from_bytes(seed[:8], "little"))
        given = {_norm(m.get("content", "")) for m in messages if m.get("role") == "assistant"}
        warm = params.temperature > 0
        with self._lock:
            recent = Counter(self._recent_count) if warm else Counter()
        from lib.export.records import NEUTRAL_OPENING

        openings = {_norm(v) for v in NEUTRAL_OPENING.values()}
        if self._openers and all(_norm(m.get("content", "")) in openings for m in convo if m["role"] == "user") \
                and not any(m["role"] == "assistant" for m in convo):
            # I start the chat: one of my real openers, drawn afresh each time (none of the latest ones again).
            pool = [i for i in self._openers if self._reply_norm[i] not in given]
            if warm:
                draw = rng if params.seed is not None else np.random.default_rng([int(rng.integers(2**32)),
                                                                                   next(self._draws)])
                order = draw.permutation(len(pool)).tolist()
                pool = sorted((pool[j] for j in order), key=lambda i: recent[self._reply_norm[i]])  # stable
            if pool:
                return [self._candidate(i, 1.0, 0.0, 0.0) for i in pool[:k]], rng, None
        q = self._query(convo)
        excluded = getattr(self, "_excluded", frozenset())
        idx, total, sp, sc = self._pool(q, max(k, POOL), given, excluded)
        key = hashlib.sha256(seed + b"memo").digest()[:16]
        last = str(convo[-1].get("content", "")) if convo else ""
        said = answered_in_kind(last)  # a good night or a greeting, nothing more: answered in kind
        extra = self._answered_in_kind(said, idx, given, excluded) if said else []
        lk = kinds(last)
        # Only a good night or a greeting reorders by kind here (elsewhere the kind is one term of the score).
        in_kind = {i: self.kind_fit(i, lk) >= 0 for i in idx[:CANDIDATES] + extra} if said else {}

        def answers_in_kind(i: int) -> bool:
            return in_kind[i] if i in in_kind else self.kind_fit(i, lk) >= 0

        # A good night or a greeting that none of my candidates answers in kind, and whose matches all answered
        # something else ("早上好" against "好了 14号早上 9:05 出发"): a short reply of mine, not a long wrong one.
        clash = bool(said) and not any(in_kind.values())
        if (not idx and not extra) or clash:  # nothing in common with the query, or every match already said
            common = self._common_by_script.get(_script(last)) or self._common or [0]
            common = [i for i in common if self._reply_norm[i] not in given] or common
            if said:  # and not a good night to a greeting (or the reverse)
                common = [i for i in common if self.kind_fit(i, lk) >= 0] or common
            least = min(recent[self._reply_norm[i]] for i in common)
            common = [i for i in common if recent[self._reply_norm[i]] == least]
            i = common[int(rng.integers(len(common)))]
            return [self._candidate(i, 0.0, 0.0, 0.0)], rng, key
        # A match far ahead of the next one is this very exchange coming back (the friend replays what was said, or
        # asks about it): recall what I said then, whatever its length or its words -- and however old it is, so
        # this is judged on the match without the recency prior, and that pair leads the pool.
        if not idx:
            decisive = False
        elif RECENCY and self._prior:
            first, decisive = self._recall(total / (np.float32(1.0) + np.float32(RECENCY) * self._pos), given,
                                           excluded)
            if decisive:
                norm = self._reply_norm[first]
                idx = [first] + [i for i in idx if self._reply_norm[i] != norm][:len(idx) - 1]
        else:
            decisive = len(idx) == 1 or float(total[idx[1]]) * DECISIVE <= float(total[idx[0]])
        if decisive and said and not answers_in_kind(idx[0]):
            decisive = False  # "晚安" matching "新家安顿好了吗" on one character is not that exchange again
        if extra:  # among the candidates that get re-ranked; they weigh nothing in the pool (no match)
            cut = max(0, min(len(idx), CANDIDATES - len(extra)))
            idx = idx[:cut] + extra + idx[cut:]
        weights = np.maximum(total[idx].astype(np.float64), 1e-9) ** POOL_POWER
        fit = self._fit(idx, weights, last)
        ranker = getattr(self, "_ranker", None)
        if ranker is not None:  # learned from my own history (lib.chat.rerank); else today's hand-set weights
            scores = ranker.score(rerank.features(self, idx, total, sp, sc, fit, last, decisive, self.size))
            if RECENCY_SCORE and self._prior:
                scores = scores + RECENCY_SCORE * self._pos[idx[:len(scores)]]
            # Training leaves the query's own conversation out, so "this very exchange again" is never seen there:
            # the recall rule stays hand-set (the scores are on the hand-set scale). A decisive match gets
            # DECISIVE_BONUS; one whose last two turns are the conversation's last two, word for word, is the
            # exchange replayed (a friend asks about it again) and comes first.
            if decisive:
                scores[0] += DECISIVE_BONUS
                if self._replayed(idx[0], convo):
                    scores[0] = max(scores[0], float(scores.max()) + DECISIVE_BONUS)
            if said:  # a good night or a greeting: answered in kind, never with what answered something else
                scores = scores + np.array([self._kind_term(self.kind_fit(i, lk)) for i in idx[:len(scores)]])
            scores = scores.tolist()
        else:
            hand = self._hand(idx, total, fit, last, decisive)
            prior = RECENCY_SCORE * self._pos[idx[:len(hand)]] if RECENCY_SCORE and self._prior else 0.0
            scores = (hand + prior).tolist()
        # What I said lately elsewhere counts against a reply, but only among those that fit about as well as the
        # best: a good night said ten times is still a better answer to "晚安" than a film booking.
        # A good night or a greeting: when some candidate answers it in kind (there is one, or we would have given a
        # short reply above), only those may be given.
        allowed = [answers_in_kind(i) for i in idx[:len(scores)]] if said else [True] * len(scores)
        top = max(sc for sc, ok in zip(scores, allowed) if ok)
        fits = [ok and (sc >= RELEVANT * top or sc == top) for sc, ok in zip(scores, allowed)]
        scores = [sc - RECENT_PENALTY * recent[self._reply_norm[i]] if ok else sc
                  for sc, ok, i in zip(scores, fits, idx)]
        floor = min(sc for sc, ok in zip(scores, fits) if ok)
        # The rest stay below, and what answers a good night or a greeting out of kind far below (never sampled).
        scores = [sc if ok else floor - max(top - sc, 0.0) - (0.0 if fine else 1.0)
                  for sc, ok, fine in zip(scores, fits, allowed)]
        order = sorted(range(len(scores)), key=lambda j: (not fits[j], -scores[j], j))
        out = [self._candidate(idx[j], float(scores[j]), float(sp[idx[j]]), float(sc[idx[j]])) for j in order]
        return out[:max(k, CANDIDATES)], rng, key

    def _pool(self, q: dict[int, float], want: int, given: set[str] | frozenset[str] = frozenset(),
              excluded: frozenset = frozenset(), span: tuple[int, int] | None = None
              ) -> tuple[list[int], np.ndarray, np.ndarray, np.ndarray]:
        """The best ``want`` distinct replies for query ``q`` (best match first) and the match scores of every pair
        (total, prompt, context). Skipped: replies already ``given``, pairs of ``excluded`` conversations, and the pairs
        ``span`` = [first, end) (the re-ranker's training leaves out the query's own conversation this way: a
        conversation's pairs are contiguous in the index)."""
        sp = _bm25(self._fp, q, self.size)
        sc = _bm25(self._fc, q, self.size)
        total = sp + np.float32(CONTEXT_WEIGHT) * sc
        if self._private.any():
            total = np.where(self._private, total * np.float32(PRIVATE_PENALTY), total)
        if span is not None:
            total = total.copy()
            total[span[0]:span[1]] = 0
        elif RECENCY and self._prior:  # reply time only: a training query's "now" is its own time, inside the history
            total = total * (np.float32(1.0) + np.float32(RECENCY) * self._pos)
        idx: list[int] = []
        positive = int(np.count_nonzero(total > 0))
        width = min(max(4 * want, 64), positive)
        while positive:
            top = np.argpartition(-total, width - 1)[:width] if width < self.size else np.arange(self.size)
            top = top[np.lexsort((top, -total[top]))]  # best first; ties: the earlier pair
            idx, seen = [], set()
            for i in top.tolist():
                if total[i] <= 0:
                    break
                r = self._reply_norm[i]
                if r in given or r in seen or (excluded and self._convs[i] in excluded):
                    continue
                seen.add(r)
                idx.append(i)
                if len(idx) == want:
                    break
            if len(idx) == want or width >= positive:
                break
            width = min(width * 4, positive)
        return idx, total, sp, sc

    def _recall(self, match: np.ndarray, given: set[str] | frozenset[str], excluded: frozenset
                ) -> tuple[int, bool]:
        """The best ``match`` among replies that may be given, and whether it is ``DECISIVE`` times ahead of the
        best match with another reply (this very exchange again)."""
        top = np.argpartition(-match, 255)[:256] if len(match) > 256 else np.arange(len(match))
        best = -1
        for i in top[np.lexsort((top, -match[top]))].tolist():  # best first, ties: the earlier pair (as _pool)
            if match[i] <= 0:
                break
            if self._reply_norm[i] in given or (excluded and self._convs[i] in excluded):
                continue
            if best < 0:
                best = i
            elif self._reply_norm[i] != self._reply_norm[best]:
                return best, float(match[i]) * DECISIVE <= float(match[best])
        return best, best >= 0

    def _replayed(self, i: int, convo: list[Message]) -> bool:
        """Whether pair ``i``'s prompt and the turn before it (if any) are the conversation's last two messages."""
        lo, p = int(self._lo[i]), int(self._prompt[i])
        mine = [_norm(t).lower() for t in self._turns[max(lo, p - 1):p + 1]]
        theirs = [_norm(str(m.get("content", ""))).lower() for m in convo[-len(mine):]]
        return len(theirs) == len(mine) and mine == theirs and any(mine)

    def _conv_span(self, i: int) -> tuple[int, int]:
        """[first, end) of the pairs of pair ``i``'s conversation (a pair without one: itself)."""
        return int(self._span_first[i]), int(self._span_end[i])

    def _candidate(self, i: int, score: float, sp: float, sc: float) -> Candidate:
        lo, p, r = int(self._lo[i]), int(self._prompt[i]), int(self._reply[i])
        return Candidate(self._turns[r], self._turns[p], self._turns[lo:p], score, sp, sc, self._convs[i],
                         bool(self._private[i]), index=i)

    def _choose(self, cands: list[Candidate], params: ChatParams, rng: np.random.Generator) -> int:
        """Temperature 0: the best. Above: a softmax over the scores (``SHARPNESS`` apart at temperature 1 is e
        times less likely), restricted to ``TOP_K`` and to ``params.top_p``'s nucleus."""
        if params.temperature <= 0 or len(cands) == 1:
            return 0
        s = np.array([c.score for c in cands[:TOP_K]])
        p = np.exp((s - s.max()) / (SHARPNESS * params.temperature))
        p /= p.sum()
        if params.top_p is not None and params.top_p < 1.0:
            keep = int(np.searchsorted(np.cumsum(p), params.top_p)) + 1
            p = p[:keep] / p[:keep].sum()
        return int(rng.choice(len(p), p=p))

    def _decide(self, messages: list[Message], params: ChatParams, k: int) -> tuple[list[Candidate], int]:
        """The candidates and the index of the one given. A conversation asked again (same messages, same seed)
        gets the reply it got; a new one avoids what the twin said lately elsewhere (``RECENT``)."""
        cands, rng, key = self._rank(messages, params, k)
        with self._lock:
            memo = self._memo.get(key) if key is not None else None
            if memo is not None:
                self._memo.move_to_end(key)
                pick = next((j for j, c in enumerate(cands) if c.index == memo), None)
                if pick is not None:
                    return cands, pick
            pick = self._choose(cands, params, rng)
            chosen = cands[pick].reply
            if len(self._recent) == self._recent.maxlen:
                old = self._recent[0]
                self._recent_count[old] -= 1
                if self._recent_count[old] <= 0:
                    del self._recent_count[old]
            self._recent.append(_norm(chosen))
            self._recent_count[_norm(chosen)] += 1
            if key is not None:
                self._memo[key] = cands[pick].index
                while len(self._memo) > MEMO:
                    self._memo.popitem(last=False)
        return cands, pick

    def explain(self, messages: list[Message], params: ChatParams, k: int = 3) -> list[Candidate]:
        """The top ``k`` candidates for this conversation with their scores and the prompts they answered, best first;
        the one :meth:`stream` gives is marked ``chosen`` (it may rank below ``k``: then it is appended)."""
        cands, pick = self._decide(messages, params, max(k, TOP_K))
        cands[pick].chosen = True
        return cands[:k] + ([cands[pick]] if pick >= k else [])

    def reply(self, messages: list[Message], params: ChatParams) -> str:
        """The whole reply :meth:`stream` gives."""
        cands, pick = self._decide(messages, params, TOP_K)
        return cands[pick].reply

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
