""""Who said it?": a friend sees a real context and two replies, the owner's real one and the twin's, shuffled, and
picks the real one. The fooling rate (how often the twin's reply was picked) with a Wilson interval is the most human
measure of the twin we have.

Items come from held-out conversations (never trained on) when there are any, else from the validation split; every text
is redacted like an export, then shown through the output guard (placeholders as the owner's surrogates, as in the
twin's replies, so a tag cannot give the real reply away). Answers are stored anonymously: a random token per browser
session, the item, the backend and whether the real reply was found. No names, no addresses, nothing the friend typed.

In demo mode (friends on their own devices) an item shows its context only if the owner approved it
(:func:`approve`, the toggle on the owner's game page); otherwise only the owner's own lines of the context are shown,
and the other person's messages never reach the browser. The twin still answers the whole context, server-side.
"""
from __future__ import annotations

import hashlib
import random
import secrets
import time
from dataclasses import dataclass

from lib import settings
from lib.chat.base import ChatError, ChatParams
from lib.errors import BadInputError

CONTEXT_TURNS = 4
# workspace settings: the item keys whose full context friends may see in demo mode, and the hashed sessions of the
# owner, left out of the fooling rate
APPROVED = settings.GAME_APPROVED.key
OWNER_SESSIONS = settings.GAME_OWNER_SESSIONS.key


@dataclass
class Item:
    key: str  # stable id of the (conversation, turn) shown
    context: list[dict]  # [{"role": "user"|"assistant", "content"}], oldest first, ending with the other side
    real: str
    twin: str = ""
    real_first: bool = True  # which side shows the real reply (shuffled per session)
    shown: list[dict] | None = None  # the context a player sees; None: all of ``context``
    hidden: int = 0  # how many of the other person's messages ``shown`` leaves out

    @property
    def visible(self) -> list[dict]:
        """What the page shows: never ``context`` itself when a filtered view was set."""
        return self.context if self.shown is None else self.shown


def approved(ws) -> set[str]:
    """Item keys whose full context the owner lets friends see in demo mode."""
    return set(ws.get_setting(APPROVED) or [])


def approve(ws, key: str, allow: bool = True) -> None:
    """Let friends see (``allow``) or stop them seeing the full context of item ``key`` in demo mode; persisted."""
    parts = str(key).split(":")
    if len(parts) != 3 or not all(p.lstrip("-").isdigit() for p in parts):
        raise BadInputError(f"{key!r} is not a game item key (conversation:part:turn, as the game page shows)")
    keys = approved(ws)
    if allow:
        keys.add(key)
    else:
        keys.discard(key)
    ws.set_setting(APPROVED, sorted(keys))


def owner_only(context: list[dict]) -> list[dict]:
    """The owner's own lines of a context (the twin's side, ``assistant``): nothing the other person wrote."""
    return [m for m in context if m["role"] == "assistant"]


def new_session() -> str:
    return secrets.token_hex(8)


def _pool(ws) -> list:
    from lib.chat.offline import index_options
    from lib.export import cached_records, holdout_records

    recs = holdout_records(ws)
    if not recs:  # the records the twin is built from too (one build for both)
        recs = [r for r in cached_records(ws, index_options())[0] if r.split == "val"]
    return [r for r in recs if r.source == "chat"]


Candidate = tuple[str, tuple[dict, ...], str]  # (item key, context oldest first, the owner's real reply)
_LAST: dict[str, tuple[object, list[Candidate]]] = {}  # workspace -> (the records built on, their candidates)


def _build_candidates(recs: list) -> list[Candidate]:
    """Every context a round can show, with the owner's real reply, in the pool's order. The neutral opening turn an
    export adds ("(starts the chat)") is not part of any context: a friend would see "Friend: (starts the chat)"; an
    item left with no line of the other side is skipped."""
    from lib.export.records import NEUTRAL_OPENING

    openings = {_norm(v) for v in NEUTRAL_OPENING.values()}
    out: list[Candidate] = []
    for r in recs:
        if r.source != "chat":
            continue
        for i in range(1, len(r.turns), 2):
            real = r.turns[i].text.strip()
            if len(real) < 2 or real.startswith("["):
                continue
            ctx = tuple({"role": "user" if t.role == "human" else "assistant", "content": t.text}
                        for t in r.turns[max(0, i - CONTEXT_TURNS):i]
                        if not (t.role == "human" and _norm(t.text) in openings))
            if not ctx or ctx[-1]["role"] != "user":
                continue
            out.append((f"{r.conv_id}:{r.part}:{i}", ctx, real))
    return out


def candidates(ws) -> list[Candidate]:
    """The candidates of :func:`_build_candidates`, built once per change of the records they come from, not once
    per player: every new tab of the game deals a round, and walking 4,000 contexts took a fifth of a second at
    100,000 messages. The validation records come from the export's record cache, which hands back the very same list
    until something changes, so that list is the key (kept alive with the result, so its id is never reused).
    Held-out records are rebuilt on each call, so their candidates are kept until the next commit of any connection."""
    from lib.curate.holdout import ids
    from lib.chat.offline import index_options
    from lib.export import cached_records

    if ids(ws):
        held = ws.per_commit("game.holdout_candidates", lambda: _build_candidates(_pool(ws)))
        if held:
            return held
    recs = cached_records(ws, index_options())[0]  # the records the twin is built from too (one build for both)
    slot = str(ws.path.resolve())
    last = _LAST.get(slot)
    if last is not None and last[0] is recs:
        return last[1]
    found = _build_candidates([r for r in recs if r.split == "val"])
    _LAST[slot] = (recs, found)
    return found


def _norm(text: str) -> str:
    return "".join(str(text).lower().split())


def _gives_away(real: str, context: list[dict]) -> bool:
    """Whether ``real`` can be read in ``context``: as a whole message, one of its lines, or (long enough to be no
    coincidence) inside one."""
    want = _norm(real)
    for m in context:
        body = _norm(m["content"])
        if want == body or want in {_norm(line) for line in str(m["content"]).splitlines()}:
            return True
        if len(want) >= 8 and want in body:
            return True
    return False


def _clash(a: Item, b: Item) -> bool:
    """Two items may not share a session when one's real answer shows in the other's context."""
    ra, rb = a.key.rsplit(":", 1), b.key.rsplit(":", 1)
    if ra[0] == rb[0] and abs(int(ra[1]) - int(rb[1])) <= CONTEXT_TURNS:
        return True
    return _gives_away(a.real, b.context) or _gives_away(b.real, a.context) or _norm(a.real) == _norm(b.real)


def items(ws, n: int = 10, seed: int = 0, demo: bool = False, seen: list[Item] | None = None) -> list[Item]:
    """``n`` contexts with the owner's real reply (without the twin's yet: :func:`fill` asks the backend).

    No picked item's real reply can be read in another picked item's context, nor in ``seen`` (the items of earlier
    rounds of the same session): pairs of one conversation overlap, and the answer of pair 1 would otherwise be the
    context of pair 2. The neutral opening turn an export adds ("(starts the chat)") is not part of any context: a
    friend would see "Friend: (starts the chat)"; an item left with no line of the other side is skipped.
    ``demo``: friends play on their own devices; unapproved items show only the owner's own lines (``Item.shown``)."""
    seen = list(seen or [])
    seen_keys = {it.key for it in seen}
    out = [c for c in candidates(ws) if c[0] not in seen_keys]
    rng = random.Random(seed)
    rng.shuffle(out)
    picked: list[Item] = []
    for key, ctx, real in out:  # greedy in the shuffled order: the round stays random, and stays honest
        if len(picked) >= n:
            break
        cand = Item(key, list(ctx), real)
        if not any(_clash(cand, other) for other in (*picked, *seen)):
            picked.append(cand)
    from lib.pii.guard import guard_for

    guard = guard_for(ws)  # a friend plays: the real side's placeholders become the same fakes the twin's side shows
    for it in picked:
        it.real_first = rng.random() < 0.5
        it.real = guard(it.real)
        it.context = [{**m, "content": guard(m["content"])} for m in it.context]
    if demo:
        allowed = approved(ws)
        for it in picked:
            if it.key not in allowed:
                it.shown = owner_only(it.context)
                it.hidden = len(it.context) - len(it.shown)
    return picked


def fill(item: Item, backend, params: ChatParams) -> Item:
    """Ask the twin for its reply to the item's context. A backend error leaves ``twin`` empty (the item is skipped).

    The offline twin is asked without the item's own conversation: it indexes validation conversations too, and
    would otherwise quote the real reply it is being compared with."""
    inner = getattr(backend, "inner", backend)
    if hasattr(inner, "without_conversations"):
        honest = inner.without_conversations([int(item.key.split(":", 1)[0])])
        backend = backend.with_inner(honest) if inner is not backend else honest
    try:
        item.twin = "".join(backend.stream(item.context, params)).strip()
    except ChatError:
        item.twin = ""
    return item


def _session_hash(session: str) -> str:
    return hashlib.sha256(session.encode()).hexdigest()[:16]


def owner_sessions(ws) -> set[str]:
    """Hashed sessions played by the owner (outside demo mode)."""
    return set(ws.get_setting(OWNER_SESSIONS) or [])


def record(ws, session: str, item: Item, backend: str, picked_real: bool, owner: bool = False) -> None:
    """Store one answer anonymously. ``owner``: the owner played (the app outside demo mode); the owner knows their
    own replies, so their answers give their own score but never the twin's fooling rate."""
    hashed = _session_hash(session)
    ws.conn.execute("INSERT INTO game_answers(session, item, backend, picked_real, at) VALUES (?, ?, ?, ?, ?)",
                    (hashed, item.key, backend, int(picked_real), time.strftime("%Y-%m-%dT%H:%M:%S")))
    if owner and hashed not in owner_sessions(ws):
        ws.set_setting(OWNER_SESSIONS, sorted(owner_sessions(ws) | {hashed}))


def score(ws, session: str | None = None, backend: str | None = None, players_only: bool = False) -> dict:
    """Answers, how many found the real reply, the fooling rate and its 95 % Wilson interval. ``players_only``
    leaves out the owner's own sessions (see :func:`record`): the fooling rate is about friends."""
    from lib.eval.metrics import wilson_interval

    where, params = [], []
    if players_only:
        mine = sorted(owner_sessions(ws))
        if mine:
            where.append(f"session NOT IN ({','.join('?' * len(mine))})")
            params.extend(mine)
    if session is not None:
        where.append("session = ?")
        params.append(_session_hash(session))
    if backend is not None:
        where.append("backend = ?")
        params.append(backend)
    w = ("WHERE " + " AND ".join(where)) if where else ""
    n, real = ws.conn.execute(f"SELECT COUNT(*), COALESCE(SUM(picked_real), 0) FROM game_answers {w}",
                              params).fetchone()
    fooled = int(n) - int(real)
    lo, hi = wilson_interval(fooled, int(n)) if n else (0.0, 1.0)
    return {"answers": int(n), "found_real": int(real), "fooled": fooled,
            "fooling_rate": fooled / n if n else 0.0, "ci95": (lo, hi),
            "sessions": ws.conn.execute(f"SELECT COUNT(DISTINCT session) FROM game_answers {w}", params).fetchone()[0]}
