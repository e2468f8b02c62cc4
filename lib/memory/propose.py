"""Facts proposed by a language model, as the emotion labelling does it (:mod:`lib.label.llm`): the prompt is built
by pure functions so the page shows exactly what would leave the machine first; exchanges go as one JSON object per
line (their text stays data); the answer is parsed leniently and never raises; each batch is stored as it returns, as
*proposed* facts that become facts only when the owner accepts them.

Only redacted exchanges are sent (the memory index holds the export's text), and a proposal is checked like any fact:
one holding a value the export would redact is stored redacted, never in clear.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from lib.errors import BadInputError
from lib.memory.facts import KINDS, FactStore
from lib.memory.index import Exchange, MemoryIndex

MAX_TURN_CHARS = 300
MIN_REPLY_CHARS = 8  # exchanges where the owner says little tell little about their life

_SYSTEM = {
    "en": ("You read short excerpts of one person's chats (\"me\" is that person) and note durable facts about "
           "\"me\": who they are, the people in their life, places, preferences, opinions and events.\n"
           "Kinds: profile (job, city, studies, age group), person (someone in their life; subject = an alias such as "
           "\"Mum\" or \"my flatmate\", never a real name), "
           "place, preference, opinion, timeline (what happened when).\n"
           "Only what the excerpts clearly say about \"me\"; nothing about the other people alone; no guesses. Never "
           "copy a name, phone number, address, account or placeholder like <PHONE_1> into a fact.\n"
           "Answer with a JSON array only, one object per fact: "
           "[{\"kind\": \"preference\", \"subject\": \"\", \"text\": \"loves hotpot\", \"ids\": [3]}] "
           "where ids are the excerpts it comes from. Answer [] when there is nothing."),
    "zh": ("你将读到一个人聊天记录的片段（\"me\" 就是这个人），"
           "请记下关于 \"me\" 的长期事实：身份、生活中的人、地点、喜好、观点和经历。\n"
           "类型：profile（职业、城市、学业、年龄段），"
           "person（生活中的人；subject 用称呼如“妈妈”“室友”，不要真名），place，"
           "preference，opinion，timeline（什么时候发生了什么）。\n"
           "只写片段里明确说到的关于 \"me\" 的事；不写只关于别人的事；不要猜。"
           "不要把姓名、电话、地址、账号或 <PHONE_1> 这样的占位符写进事实。\n"
           "只回答一个 JSON 数组，每个事实一个对象："
           "[{\"kind\": \"preference\", \"subject\": \"\", \"text\": \"喜欢吃火锅\", "
           "\"ids\": [3]}]，ids 是事实来自的片段编号。没有就回答 []。"),
}


def pick(index: MemoryIndex, n: int, skip: set[int] = frozenset()) -> list[Exchange]:
    """``n`` exchanges worth reading, spread over the history: the owner says something (``MIN_REPLY_CHARS``), no
    redaction form, none whose messages already back a fact (``skip``: message ids)."""
    pool = [ex for ex in index.exchanges if len(ex.reply) >= MIN_REPLY_CHARS and not ex.private
            and not skip.intersection(ex.message_ids)]
    if n <= 0 or not pool:
        return []
    if len(pool) <= n:
        return pool
    step = len(pool) / n
    return [pool[int(i * step)] for i in range(n)]


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TURN_CHARS else text[:MAX_TURN_CHARS - 1] + "…"


def build_messages(exchanges: Sequence[Exchange], lang: str = "en") -> list[dict[str, str]]:
    """The chat messages for one batch: the task and format, then one JSON line per exchange."""
    zh = str(lang).lower().startswith("zh")
    intro = (f"以下是 {len(exchanges)} 个片段，每行一个 JSON："
             "\"id\" 和 \"lines\"（按顺序，\"me:\" 或 \"them:\" 开头）。" if zh
             else f"Here are {len(exchanges)} excerpts, one JSON object per line: \"id\" and \"lines\" (in order, "
                  "each starting with \"me:\" or \"them:\").")
    lines = [json.dumps({"id": ex.id, "lines": [f"{who}: {_clip(text)}" for who, text in ex.turns]},
                        ensure_ascii=False) for ex in exchanges]
    return [{"role": "system", "content": _SYSTEM["zh" if zh else "en"]},
            {"role": "user", "content": "\n".join([intro, "", *lines])}]


def prompt_preview(exchanges: Sequence[Exchange], lang: str = "en") -> str:
    """Exactly what :func:`propose` sends for one batch, as readable text."""
    return "\n\n".join(f"=== {m['role']} ===\n{m['content']}" for m in build_messages(exchanges, lang))


_THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.DOTALL | re.IGNORECASE)
_ARRAY = re.compile(r"\[.*\]", re.DOTALL)
_OBJECT = re.compile(r"\{[^{}]*\}")


def parse_answer(text: str, ids: Sequence[int]) -> list[dict[str, Any]]:
    """``[{"kind", "subject", "text", "ids"}]`` read from a model's answer; never raises. Unknown kinds, empty texts
    and facts citing no excerpt of this batch are dropped."""
    text = _THINK.sub("", str(text or ""))
    rows: list[Any] = []
    m = _ARRAY.search(text)
    if m:
        try:
            data = json.loads(m.group(0))
            rows = data if isinstance(data, list) and any(isinstance(r, dict) for r in data) else []
        except ValueError:
            rows = []
    if not rows:
        for obj in _OBJECT.findall(text):
            try:
                rows.append(json.loads(obj))
            except ValueError:
                continue
    wanted = set(ids)
    out = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        kind = str(row.get("kind", "")).strip().lower()
        fact = str(row.get("text", row.get("fact", ""))).strip()
        cited = row.get("ids", row.get("id", []))
        cited = cited if isinstance(cited, list) else [cited]
        cited = [int(c) for c in cited if isinstance(c, (int, str)) and str(c).strip().isdigit() and int(c) in wanted]
        if kind in KINDS and fact and cited:
            out.append({"kind": kind, "subject": str(row.get("subject") or "").strip(), "text": fact, "ids": cited})
    return out


def propose(store: FactStore, endpoint, exchanges: Sequence[Exchange], lang: str = "en", batch_size: int = 12,
            progress: Callable[[int, int], None] | None = None, chat=None) -> Iterator[int]:
    """Ask the model batch by batch (temperature 0) and store each batch's proposals at once; yields how many each
    batch stored. ``chat``: the completion function (default :func:`lib.llm.chat`). LLMError propagates; the batches
    already stored stay."""
    if not isinstance(batch_size, int) or batch_size < 1:
        raise BadInputError("The batch size must be a whole number of at least 1.")
    if chat is None:
        from lib.llm import chat
    exchanges = list(exchanges)
    by_id = {ex.id: ex for ex in exchanges}
    for start in range(0, len(exchanges), batch_size):
        batch = exchanges[start:start + batch_size]
        answer = chat(endpoint, build_messages(batch, lang), temperature=0.0)
        found = parse_answer(answer, [ex.id for ex in batch])
        bid = store.new_batch(getattr(endpoint, "model", ""), len(batch))
        stored = 0
        for f in found:
            sources = sorted({m for i in f["ids"] for m in by_id[i].message_ids})
            try:  # what the export would redact is stored redacted, never in clear
                store.add(f["kind"], f["text"], sources, f["subject"], status="proposed", origin="llm", batch=bid,
                          redact=True)
                stored += 1
            except BadInputError:
                continue
        store.close_batch(bid, stored)
        if progress is not None:
            progress(start + len(batch), len(exchanges))
        yield stored


__all__ = ["build_messages", "parse_answer", "pick", "prompt_preview", "propose"]
