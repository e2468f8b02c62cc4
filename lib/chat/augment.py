"""Your own words in every prompt: a wrapper backend whose system prompt carries the persona, the owner's most similar
real exchanges as style examples, and the facts relevant to the conversation, within a token budget.

Why a wrapper and not code in each backend: every generative backend (OpenAI-compatible, Spark, the local model)
already sends ``params.system`` as its system message (:func:`lib.chat.base.window`), so one wrapper that rewrites
``params.system`` per request serves them all, and the twin server, which builds its backend with
:func:`lib.chat.get_backend`, gets it too.

What goes in, in this order, until the budget (a rough count: one token per CJK character, one per four others) is
spent: the persona (always); the relevant facts (accepted ones only, ranked by overlap with the conversation, profile
facts first among equals); the owner's ``k`` most similar exchanges from the memory index. Everything except the
persona comes from redacted sources (the export's records; facts checked when written), and the assembled prompt
passes the workspace's surface redactor once more before it leaves.

On by default for the prompt-only backends (``openai``, ``spark``); off by default for ``local`` (a LoRA adapter
already carries the style), and switchable per backend with the ``chat.memory`` setting. The last retrieval is kept
on the wrapper (``retrieved``) for the Chat page's "why this reply".
"""
from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from lib.chat import REGISTRY
from lib.chat.base import ChatParams, Message
from lib.settings import CHAT_MEMORY

SETTING = CHAT_MEMORY.key
# Which generative backends get memory in the prompt by default: derived from their specs (lib.chat.REGISTRY).
DEFAULT_ON: dict[str, bool] = {s.name: s.prompt_memory for s in REGISTRY.values() if s.generative}
DEFAULT_K = 4
DEFAULT_FACTS = 8
DEFAULT_BUDGET = 1200  # rough tokens for the whole system prompt: room for a small model's context and the chat
MAX_TURN_CHARS = 240  # one turn of an example, clipped: examples show a style, not a whole story

_HEADERS = {
    "en": {"facts": "What you know about your own life (use it when it fits; never invent beyond it):",
           "examples": "Real exchanges of yours, to show how you write (match the tone, length and habits; do not "
                       "copy them unless they fit):",
           "them": "Them", "me": "You"},
    "zh": {"facts": "关于你自己生活的事实（合适时使用，不要编造之外的内容）：",
           "examples": "你过去真实的对话，展示你的说话方式（模仿语气、长度和习惯，不合适就不要照抄）：",
           "them": "对方", "me": "你"},
}


def rough_tokens(text: str) -> int:
    """One token per CJK (or other wide-script) character, one per four others: good enough for a budget."""
    wide = sum(1 for ch in text if ord(ch) >= 0x2E80)
    return wide + math.ceil((len(text) - wide) / 4)


@dataclass
class Retrieved:
    """What one request's system prompt was built from (shown in "why this reply")."""

    system: str
    persona: str
    examples: list = field(default_factory=list)  # lib.memory.index.Hit
    facts: list = field(default_factory=list)  # lib.memory.facts.Fact
    tokens: int = 0
    budget: int = DEFAULT_BUDGET
    left_out: int = 0  # examples or facts that did not fit the budget


def settings(ws, name: str) -> dict:
    """``{"on": bool, "k": int, "budget": int}`` for backend ``name``."""
    saved = CHAT_MEMORY.get(ws).get(name, {})
    return {"on": bool(saved.get("on", DEFAULT_ON.get(name, False))), "k": int(saved.get("k", DEFAULT_K)),
            "budget": int(saved.get("budget", DEFAULT_BUDGET))}


def set_settings(ws, name: str, on: bool, k: int = DEFAULT_K, budget: int = DEFAULT_BUDGET) -> None:
    from lib.errors import BadInputError

    if name not in DEFAULT_ON:
        raise BadInputError(f"memory in the prompt applies to {', '.join(DEFAULT_ON)}, not {name!r}")
    if not 0 <= int(k) <= 20:
        raise BadInputError("the number of examples must be between 0 and 20")
    if not 200 <= int(budget) <= 32_000:
        raise BadInputError("the prompt budget must be between 200 and 32,000 tokens")
    cfg = CHAT_MEMORY.get(ws)
    cfg[name] = {"on": bool(on), "k": int(k), "budget": int(budget)}
    CHAT_MEMORY.set(ws, cfg)


def _clip(text: str, limit: int = MAX_TURN_CHARS) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit - 1] + "…"


def example_text(hit, lang: str) -> str:
    """One exchange as the prompt shows it: the message answered, then the owner's reply (the earlier turns helped find
    it; quoting them would repeat neighbouring examples and spend the budget)."""
    h = _HEADERS.get(lang, _HEADERS["en"])
    return "\n".join(f"{h['me'] if who == 'me' else h['them']}: {_clip(text)}" for who, text in hit.exchange.turns[-2:])


def rank_facts(facts: Sequence, messages: Sequence[Message] | str, n: int = DEFAULT_FACTS) -> list:
    """The ``n`` facts most relevant to the conversation: shared tokens with its last messages (rarer tokens among the
    facts count more), profile facts first among equals; facts sharing nothing come last, in the order written."""
    from lib.chat.offline import tokens

    if not facts or n <= 0:
        return []
    texts = [messages] if isinstance(messages, str) else [str(m.get("content", "")) for m in messages[-4:]
                                                            if m.get("role") in ("user", "assistant")]
    query = set(tokens(" ".join(texts)))
    toks = [set(tokens(f"{f.subject} {f.text}")) for f in facts]
    df: dict[str, int] = {}
    for ts in toks:
        for t in ts:
            df[t] = df.get(t, 0) + 1
    scores = [sum(math.log1p(len(facts) / df[t]) for t in ts & query) for ts in toks]
    order = sorted(range(len(facts)), key=lambda i: (-scores[i], facts[i].kind != "profile", i))
    return [facts[i] for i in order[:n]]


def compose(ws, messages: Sequence[Message], persona: str, k: int = DEFAULT_K, budget: int = DEFAULT_BUDGET,
            index=None, facts=None, lang: str | None = None) -> Retrieved:
    """The system prompt for this conversation and what it was built from. ``index``/``facts`` default to the
    workspace's (:meth:`MemoryIndex.for_workspace`, accepted facts)."""
    from lib import persona as persona_lib
    from lib.memory.facts import FactStore
    from lib.memory.index import MemoryIndex

    lang = lang or persona_lib.language(ws)
    h = _HEADERS.get(lang, _HEADERS["en"])
    if index is None:
        index = MemoryIndex.for_workspace(ws)
    if facts is None:
        facts = FactStore(ws).facts("accepted")
    convo = [m for m in messages if m.get("role") in ("user", "assistant")]
    given = [str(m.get("content", "")) for m in convo if m.get("role") == "assistant"]
    used = rough_tokens(persona)
    left_out = 0
    chosen_facts = []
    for f in rank_facts(facts, convo, DEFAULT_FACTS):
        cost = rough_tokens(f.line()) + 1
        if used + cost + rough_tokens(h["facts"]) > budget:
            left_out += 1
            continue
        chosen_facts.append(f)
        used += cost
    if chosen_facts:
        used += rough_tokens(h["facts"]) + 2
    chosen = []
    for hit in index.search(convo, k, exclude=given) if k > 0 else []:
        cost = rough_tokens(example_text(hit, lang)) + 2
        extra = 0 if chosen else rough_tokens(h["examples"]) + 2
        if used + cost + extra > budget:
            left_out += 1
            continue
        chosen.append(hit)
        used += cost + extra
    parts = [persona.strip()] if persona.strip() else []
    if chosen_facts:
        parts.append(h["facts"] + "\n" + "\n".join(f"- {f.line()}" for f in chosen_facts))
    if chosen:
        parts.append(h["examples"] + "\n" + "\n---\n".join(example_text(x, lang) for x in chosen))
    system = "\n\n".join(parts)
    system = _redact(ws, system, persona)
    return Retrieved(system, persona, chosen, chosen_facts, rough_tokens(system), budget, left_out)


def _redact(ws, system: str, persona: str) -> str:
    """The assembled prompt through the workspace's surface redactor (the persona, which holds the twin's own name,
    is left as the caller gave it): a last check that no value the export would redact leaves in a prompt."""
    from lib.pii.redactor import surface_redactor

    rest = system[len(persona.strip()):] if persona.strip() and system.startswith(persona.strip()) else system
    head = system[:len(system) - len(rest)]
    return head + surface_redactor(ws).text(rest) if rest else system


class AugmentedBackend:
    """``inner`` with the augmented system prompt. Keeps ``inner``'s name, label, check and settings."""

    def __init__(self, inner, ws, k: int = DEFAULT_K, budget: int = DEFAULT_BUDGET) -> None:
        self.inner = inner
        self.ws = ws
        self.k = k
        self.budget = budget
        self.name = getattr(inner, "name", "backend")
        self.label = getattr(inner, "label", self.name)
        self.retrieved: Retrieved | None = None

    def prepare(self, messages: list[Message], params: ChatParams) -> ChatParams:
        """``params`` with the augmented system prompt; records what it was built from in ``retrieved``."""
        from lib import persona as persona_lib

        base = params.system or next((m["content"] for m in messages if m.get("role") == "system"), "") \
            or persona_lib.prompt(self.ws)
        self.retrieved = compose(self.ws, messages, base, self.k, self.budget)
        return replace(params, system=self.retrieved.system)

    def stream(self, messages: list[Message], params: ChatParams) -> Iterator[str]:
        yield from self.inner.stream(messages, self.prepare(messages, params))

    def check(self) -> str:
        return self.inner.check()

    def __getattr__(self, attr: str):
        """The inner backend's settings (``endpoint``, ``base_model``...) read through."""
        if attr.startswith("__") or attr in ("inner", "ws"):
            raise AttributeError(attr)
        return getattr(self.inner, attr)


def augmented(backend, ws, name: str | None = None):
    """``backend`` wrapped when memory in the prompt is on for it (see :func:`settings`), else as it is."""
    name = name or getattr(backend, "name", "")
    if name not in DEFAULT_ON:
        return backend
    s = settings(ws, name)
    return AugmentedBackend(backend, ws, s["k"], s["budget"]) if s["on"] else backend




ENOUGH_MESSAGES = 3000  # below this many messages of the owner, importing more is the first advice


def advice(ws, name: str) -> tuple[tuple[str, dict], list[tuple[str, dict]]]:
    """Which twin is speaking and what would make it sound more like the owner, as i18n keys with their values:
    ``((key, values), [(tip key, values), ...])``. The page translates; the logic stays here."""
    from lib.chat import config
    from lib.memory.facts import FactStore

    n_mine = int(ws.conn.execute("SELECT COUNT(*) FROM messages WHERE is_me = 1").fetchone()[0])
    n_facts = FactStore(ws).counts().get("accepted", 0)
    cfg = config(ws).get(name, {})
    tips: list[tuple[str, dict]] = []
    if n_mine < ENOUGH_MESSAGES:
        tips.append(("chat.tip.import", {"n": f"{n_mine:,}"}))
    if name == "offline":
        speaking = ("chat.speaking.offline", {"n": f"{n_mine:,}"})
        tips.append(("chat.tip.model", {}))
    else:
        model = cfg.get("model") or cfg.get("domain") or cfg.get("base_model") or name
        on = name in DEFAULT_ON and settings(ws, name)["on"]
        speaking = ("chat.speaking.memory" if on else "chat.speaking.plain",
                    {"model": str(model).rstrip("/").rsplit("/", 1)[-1], "k": settings(ws, name)["k"]})
        if not on:
            tips.append(("chat.tip.memory_on", {}))
    if n_facts < 5:
        tips.append(("chat.tip.memory", {"n": n_facts}))
    if not (name == "local" and cfg.get("adapter")):
        tips.append(("chat.tip.train", {}))
    return speaking, tips


__all__ = [
    "DEFAULT_BUDGET",
    "DEFAULT_ON",
    "AugmentedBackend",
    "Retrieved",
    "advice",
    "augmented",
    "compose",
    "example_text",
    "rank_facts",
    "rough_tokens",
    "set_settings",
    "settings",
]
