"""A k-way "pick the real reply" judge: an OpenAI-compatible model (:mod:`lib.llm`) is shown the context and ``k``
candidate replies (the owner's real one, the twin's, and random replies of the owner's), shuffled with a seed, and
asked which one the owner really wrote.

Why: the counted discriminator of :mod:`lib.eval.metrics` is a floor; a language model reads meaning and tone. The
twin is good when the judge takes its reply for the real one about as often as chance (``1 / k``) or more, and the
real reply's pick rate falls towards chance when the twin is in the pool.

Privacy, as the labelling page does it: the messages are built by pure functions, so the page shows exactly what
would leave the machine (:func:`prompt_preview`) before anything is sent. Every text sent is what the fidelity report
already holds -- the export's redacted records -- rendered through the workspace's output guard (placeholders as
consistent fakes, any detected value replaced: :func:`redactor`), and an item still holding an original PII value
is withheld, never sent. Answers are stored one per line as they return (``judge.jsonl``: indices only, no text).
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAX_CHARS = 400  # one candidate or context message, clipped: a judge needs the tone, not an essay
LETTERS = "ABCDEFGHIJ"

_SYSTEM = {
    "en": ("You judge a chat. Below is a conversation, then {k} candidate replies labelled {letters}. Exactly one of "
           "them is what the person really wrote next; the others were written by someone or something else. "
           "Answer with the letter of the real reply only."),
    "zh": ("你来判断一段聊天。下面是对话，然后是 {k} 个候选回复，标为 {letters}。其中只有一个是这个人接下来真正写的，"
           "其余是别人或程序写的。只回答真实回复的字母。"),
}


@dataclass
class Item:
    """One round: the context (role, text) pairs and the candidates in the order shown; ``real``/``twin`` are their
    positions in ``candidates``."""

    context: list[tuple[str, str]]
    candidates: list[str]
    real: int
    twin: int


@dataclass
class JudgeResult:
    k: int
    n: int = 0  # rounds answered (any answer, parsed or not)
    twin_picked: int = 0
    real_picked: int = 0
    no_answer: int = 0  # answers that named no candidate
    withheld: int = 0  # rounds not sent: a text still held an original value
    failed: int = 0  # requests that failed (LLMError)
    picks: list = field(default_factory=list)  # per round: the position picked or None

    @property
    def chance(self) -> float:
        return 1 / self.k

    @property
    def judged_real_rate(self) -> float:
        """Share of answered rounds where the judge took the twin's reply for the real one."""
        return self.twin_picked / self.n if self.n else 0.0

    @property
    def real_pick_rate(self) -> float:
        return self.real_picked / self.n if self.n else 0.0

    def as_dict(self) -> dict:
        return {"k": self.k, "chance": round(self.chance, 4), "n": self.n, "judged_real_rate":
                round(self.judged_real_rate, 4), "real_pick_rate": round(self.real_pick_rate, 4),
                "no_answer": self.no_answer, "withheld": self.withheld, "failed": self.failed}


def _clip(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS - 1] + "…"


def build_items(pairs: Sequence[tuple[list[dict], str]], twin: Sequence[str | None], pool: Sequence[str], k: int = 4,
                seed: int = 0, clean: Callable[[str], str] = str) -> list[Item]:
    """One round per item whose twin reply exists: the real reply, the twin's and ``k - 2`` replies drawn from
    ``pool`` (the owner's training-side replies, none equal to the real or twin one), shuffled with ``seed``.
    ``clean`` is applied to every text (the guard: see :func:`redactor`)."""
    if not 2 <= k <= len(LETTERS):
        raise ValueError(f"k must be between 2 and {len(LETTERS)}")
    rng = np.random.default_rng(seed)
    pool = [p for p in dict.fromkeys(str(p).strip() for p in pool) if p]
    out = []
    for (ctx, real), mine in zip(pairs, twin):
        if mine is None or not str(mine).strip():
            continue
        others = [p for p in pool if p != real.strip() and p != str(mine).strip()]
        if len(others) < k - 2:
            continue
        drawn = [others[int(j)] for j in rng.choice(len(others), size=k - 2, replace=False)] if k > 2 else []
        cands = [real, str(mine), *drawn]
        order = [int(j) for j in rng.permutation(k)]
        out.append(Item([("them" if m["role"] == "user" else "me", clean(m["content"])) for m in ctx],
                        [clean(cands[j]) for j in order], order.index(0), order.index(1)))
    return out


def build_messages(item: Item, lang: str = "en") -> list[dict[str, str]]:
    """The chat messages for one round: the task, then the conversation and the lettered candidates (data, not
    instructions: each candidate is one JSON string)."""
    zh = str(lang).lower().startswith("zh")
    k = len(item.candidates)
    system = _SYSTEM["zh" if zh else "en"].format(k=k, letters=", ".join(LETTERS[:k]))
    convo = "\n".join(f"{who}: {_clip(text)}" for who, text in item.context) or "(—)"
    cands = "\n".join(f"{LETTERS[i]}: {json.dumps(_clip(c), ensure_ascii=False)}"
                      for i, c in enumerate(item.candidates))
    head = ("对话：", "候选回复：", "真实回复是哪一个？只回答字母。") if zh else \
        ("Conversation:", "Candidate replies:", "Which one is the real reply? Answer with the letter only.")
    return [{"role": "system", "content": system},
            {"role": "user", "content": f"{head[0]}\n{convo}\n\n{head[1]}\n{cands}\n\n{head[2]}"}]


def prompt_preview(items: Sequence[Item], lang: str = "en") -> str:
    """Exactly what :func:`judge` sends for these rounds, as readable text."""
    return "\n\n".join(f"=== {m['role']} ===\n{m['content']}" for it in items for m in build_messages(it, lang))


_THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.DOTALL | re.IGNORECASE)
_LETTER = re.compile(r"(?<![A-Za-z])([A-J])(?![A-Za-z])")
_NUMBER = re.compile(r"(?<!\d)(\d{1,2})(?!\d)")


def parse_answer(text: str, k: int) -> int | None:
    """The position picked (0-based), or None. Reads a letter ("B", "(b)", "Answer: B", "选B") or a number from 1
    to ``k``; an answer naming several different candidates, or none, is no answer."""
    text = _THINK.sub("", str(text or "")).strip()
    if not text:
        return None
    low = text.strip().strip(".。:：()（）[]【】*\"' ")
    if len(low) == 1 and low.upper() in LETTERS[:k]:
        return LETTERS.index(low.upper())
    letters = {m.group(1) for m in _LETTER.finditer(text.upper()) if m.group(1) in LETTERS[:k]}
    # Upper-casing the whole answer would read the English article "a" as a pick: count only letters written as
    # capitals, or a lone lower-case letter (handled above).
    letters = {c for c in letters if re.search(rf"(?<![A-Za-z]){c}(?![A-Za-z])", text)}
    if len(letters) == 1:
        return LETTERS.index(letters.pop())
    if letters:
        return None
    numbers = {int(m.group(1)) for m in _NUMBER.finditer(text)}
    numbers = {n for n in numbers if 1 <= n <= k}
    return numbers.pop() - 1 if len(numbers) == 1 else None


def redactor(ws, secret_values: Sequence[str]) -> tuple[Callable[[str], str], Callable[[str], bool]]:
    """``(clean, holds_secret)``: the workspace's output guard over a text (what a friend would see), and the check
    that a text still holds an original PII value (such a round is withheld)."""
    from lib.eval.metrics import leaks
    from lib.pii.guard import guard_for

    guard = guard_for(ws)
    return guard.guard, lambda text: bool(leaks([text], secret_values))


def judge(items: Sequence[Item], endpoint, lang: str = "en", store: Path | None = None, label: str = "",
          holds_secret: Callable[[str], bool] = lambda _t: False, chat=None,
          progress: Callable[[float], None] | None = None) -> JudgeResult:
    """Ask the model round by round (temperature 0); each answer is appended to ``store`` as it returns (round,
    positions, pick: no text). ``chat``: the completion function (default :func:`lib.llm.chat`). A failed request
    counts in ``failed``; LLMError is not raised, so the rounds already answered stay."""
    from lib.llm import LLMError

    if chat is None:
        from lib.llm import chat
    k = len(items[0].candidates) if items else 2
    res = JudgeResult(k)
    fh = None
    if store is not None:
        Path(store).parent.mkdir(parents=True, exist_ok=True)
        fh = open(store, "a", encoding="utf-8")
    try:
        for i, it in enumerate(items):
            msgs = build_messages(it, lang)
            if any(holds_secret(m["content"]) for m in msgs):
                res.withheld += 1
                res.picks.append(None)
                continue
            try:
                answer = chat(endpoint, msgs, temperature=0.0, max_tokens=16)
            except LLMError:
                res.failed += 1
                res.picks.append(None)
                continue
            pick = parse_answer(answer, len(it.candidates))
            res.n += 1
            res.picks.append(pick)
            if pick is None:
                res.no_answer += 1
            elif pick == it.twin:
                res.twin_picked += 1
            elif pick == it.real:
                res.real_picked += 1
            if fh is not None:
                fh.write(json.dumps({"row": label, "round": i, "real": it.real, "twin": it.twin, "pick": pick}) + "\n")
                fh.flush()
            if progress is not None:
                progress((i + 1) / len(items))
    finally:
        if fh is not None:
            fh.close()
    return res


__all__ = ["Item", "JudgeResult", "build_items", "build_messages", "judge", "parse_answer", "prompt_preview",
           "redactor"]
