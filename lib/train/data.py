"""ShareGPT records (our export) into token ids and loss masks, with the base model's own chat template.

Why the model's own template: the twin is served with ``apply_chat_template`` (vLLM, transformers), so training on
anything else teaches it a prompt format it never sees. Why mask everything but the replies: the owner's voice is
in the ``gpt`` turns; learning to predict the other side's messages (or the system prompt) only dilutes it.

Assistant spans come from rendering the conversation prefix by prefix: the text that ``messages[:i+1]`` adds to
``messages[:i]`` + generation prompt is the reply plus the template's end-of-turn marker (``<|im_end|>\\n``,
``<|eot_id|>``, ...), exactly what the model must learn to produce, stop marker included. Templates that render
history differently from the latest turn (Qwen3 drops ``<think>`` from earlier replies) fall back to locating each
reply in the full rendering. Character spans become token labels through the fast tokenizer's offsets, so the ids
are those of the whole conversation tokenised at once, as at inference.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from lib.errors import BadInputError

IGNORE = -100
ROLES = {"human": "user", "gpt": "assistant", "system": "system"}
_PERSONA = re.compile(r"Persona version \*\*(\d+)\*\*")


@dataclass
class Encoded:
    """One tokenised record: ``labels`` is ``input_ids`` with everything but the replies set to -100."""

    input_ids: list[int]
    labels: list[int]
    truncated: bool = False

    @property
    def trained_tokens(self) -> int:
        return sum(1 for t in self.labels if t != IGNORE)


@dataclass
class Dataset:
    """A tokenised ShareGPT file and what happened to its records (for the run card)."""

    path: Path
    sha256: str
    examples: list[Encoded]
    records: int  # in the file
    dropped_cutoff: int = 0  # not one reply token left within cutoff_len
    truncated: int = 0  # cut but kept
    dropped_indices: list[int] = field(default_factory=list)

    @property
    def tokens(self) -> int:
        return sum(len(e.input_ids) for e in self.examples)

    @property
    def trained_tokens(self) -> int:
        return sum(e.trained_tokens for e in self.examples)

    def summary(self) -> dict:
        return {"path": str(self.path), "sha256": self.sha256, "records": self.records, "used": len(self.examples),
                "dropped_cutoff": self.dropped_cutoff, "truncated": self.truncated, "tokens": self.tokens,
                "trained_tokens": self.trained_tokens}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def persona_version(data: Path) -> int | None:
    """The persona version from the dataset card (``README.md`` beside the data), which the run card repeats so a
    trained twin can be traced to the persona it was trained with."""
    card = Path(data).parent / "README.md"
    try:
        m = _PERSONA.search(card.read_text(encoding="utf-8"))
    except OSError:
        return None
    return int(m.group(1)) if m else None


def _record_problems(i: int, item) -> list[str]:
    """LLaMA-Factory's ShareGPT rules (human first, strict alternation, gpt last, system only at the top), phrased so
    the user can find and fix the record."""
    where = f"record {i}"
    if not isinstance(item, dict):
        return [f"{where} is a {type(item).__name__}, not an object with \"conversations\""]
    conv = item.get("conversations")
    if not isinstance(conv, list) or not conv:
        return [f"{where} has no \"conversations\" list" if not isinstance(conv, list)
                else f"{where} has an empty conversation"]
    if item.get("system") is not None and not isinstance(item.get("system"), str):
        return [f"{where}: \"system\" must be a string"]
    out = []
    msgs = conv[1:] if isinstance(conv[0], dict) and conv[0].get("from") == "system" else conv
    if not msgs:
        return [f"{where} has only a system message"]
    for j, m in enumerate(msgs):
        if not isinstance(m, dict) or not isinstance(m.get("from"), str) or not isinstance(m.get("value"), str):
            out.append(f"{where}, message {j}: needs string \"from\" and \"value\"")
            continue
        if m["from"] not in ROLES:
            out.append(f"{where}, message {j}: unknown role {m['from']!r} (ShareGPT roles are 'human', 'gpt' and "
                       "'system')")
            continue
        want = "human" if j % 2 == 0 else "gpt"
        if m["from"] == "system":
            out.append(f"{where}, message {j}: a system message is only allowed first")
        elif m["from"] != want:
            out.append(f"{where}, message {j} is {m['from']!r} where {want!r} was expected (turns must alternate, "
                       "human first)")
        elif not m["value"].strip():
            out.append(f"{where}, message {j} ({m['from']}) is empty")
    if not out and len(msgs) % 2:
        out.append(f"{where} ends with a 'human' turn: the last turn must be 'gpt' (nothing to learn from)")
    return out


def load_sharegpt(path: Path | str) -> list[list[dict]]:
    """Read and validate a ShareGPT file; returns one chat-template message list (system/user/assistant) per record.
    Raises :class:`BadInputError` naming the first problems, rather than training on a silently shrunken set."""
    path = Path(path)
    if not path.is_file():
        raise BadInputError(f"Dataset file {path} does not exist: export a ShareGPT dataset first and pass its "
                            "train.json.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise BadInputError(f"{path.name} is not UTF-8 text: pass the ShareGPT JSON file the export wrote.") from None
    except json.JSONDecodeError as e:
        raise BadInputError(f"{path.name} is not valid JSON ({e.msg} at line {e.lineno}, column {e.colno}): pass "
                            "the ShareGPT JSON file the export wrote.") from None
    if not isinstance(data, list):
        raise BadInputError(f"{path.name} holds a JSON {type(data).__name__}, not a list of ShareGPT records "
                            "([{\"conversations\": [...]}, ...]).")
    if not data:
        raise BadInputError(f"{path.name} has no records: export some conversations first.")
    problems = [p for i, item in enumerate(data) for p in _record_problems(i, item)]
    if problems:
        more = f" (and {len(problems) - 3} more problems)" if len(problems) > 3 else ""
        raise BadInputError(f"{path.name} is not valid ShareGPT: " + "; ".join(problems[:3]) + more + ".")
    out = []
    for item in data:
        conv = item["conversations"]
        system = item.get("system") or ""
        if conv[0]["from"] == "system":
            system, conv = conv[0]["value"], conv[1:]
        msgs = [{"role": "system", "content": system}] if system.strip() else []
        msgs += [{"role": ROLES[m["from"]], "content": m["value"]} for m in conv]
        out.append(msgs)
    return out


def _render(tok, messages: list[dict], gen: bool = False) -> str:
    try:
        return tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=gen)
    except Exception as e:  # noqa: BLE001 -- jinja2 errors, and templates that raise_exception() on a role order
        raise BadInputError(f"The base model's chat template cannot render this conversation ({e}).") from None


def assistant_spans(tok, messages: list[dict]) -> tuple[str, list[tuple[int, int]]]:
    """The full rendering and the character spans the model learns: each reply plus its end-of-turn marker."""
    full = _render(tok, messages)
    spans: list[tuple[int, int]] = []
    cursor = 0
    for i, m in enumerate(messages):
        if m["role"] != "assistant":
            continue
        prompt, upto = _render(tok, messages[:i], gen=True), _render(tok, messages[:i + 1])
        if upto.startswith(prompt) and full.startswith(upto) and len(prompt) >= cursor:
            spans.append((len(prompt), len(upto)))
            cursor = len(upto)
            continue
        # History rendered differently from the latest turn: find the reply itself in the full text.
        content = m["content"].strip()
        piece = upto.removeprefix(prompt)
        k = piece.rfind(content)
        suffix = piece[k + len(content):] if k >= 0 else ""
        pos = full.find(content, cursor)
        if pos < 0:
            raise BadInputError("The base model's chat template does not render replies verbatim, so the reply "
                                "tokens cannot be found; pick a chat model with a standard template.")
        end = pos + len(content)
        if suffix and full.startswith(suffix, end):
            end += len(suffix)
        spans.append((pos, end))
        cursor = end
    return full, spans


def _labels_from_offsets(tok, full: str, spans: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    enc = tok(full, add_special_tokens=False, return_offsets_mapping=True, verbose=False)  # cut to cutoff_len later
    ids, labels, k = list(enc["input_ids"]), [], 0
    for tid, (a, _b) in zip(ids, enc["offset_mapping"]):
        while k < len(spans) and a >= spans[k][1]:
            k += 1
        labels.append(tid if k < len(spans) and spans[k][0] <= a < spans[k][1] else IGNORE)
    return ids, labels


def _labels_by_segments(tok, full: str, spans: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """For tokenizers without offsets: tokenise prompt and reply segments apart (the prefix-diff of token lengths)."""
    ids: list[int] = []
    labels: list[int] = []
    pos = 0
    for s, e in spans:
        for text, learn in ((full[pos:s], False), (full[s:e], True)):
            if text:
                part = tok(text, add_special_tokens=False, verbose=False)["input_ids"]
                ids += part
                labels += part if learn else [IGNORE] * len(part)
        pos = e
    if full[pos:]:
        part = tok(full[pos:], add_special_tokens=False, verbose=False)["input_ids"]
        ids += part
        labels += [IGNORE] * len(part)
    return ids, labels


def encode(tok, messages: list[dict], cutoff_len: int) -> Encoded | None:
    """Token ids and labels for one conversation, cut to ``cutoff_len``; ``None`` when no reply token survives."""
    full, spans = assistant_spans(tok, messages)
    if getattr(tok, "is_fast", False):
        ids, labels = _labels_from_offsets(tok, full, spans)
    else:
        ids, labels = _labels_by_segments(tok, full, spans)
    truncated = len(ids) > cutoff_len
    ids, labels = ids[:cutoff_len], labels[:cutoff_len]
    if all(t == IGNORE for t in labels):
        return None
    return Encoded(ids, labels, truncated)


def check_tokenizer(tok, name: str) -> None:
    """A base model we can train as a chat twin: it has a chat template, and a pad token (EOS stands in)."""
    if not getattr(tok, "chat_template", None):
        raise BadInputError(f"{name} has no chat template: fine-tune an instruct/chat model (e.g. a Qwen2.5 "
                            "Instruct), whose template the twin will also be served with.")
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token


def build_dataset(path: Path | str, tok, cutoff_len: int) -> Dataset:
    """Load, validate and tokenise a ShareGPT file."""
    path = Path(path)
    convs = load_sharegpt(path)
    examples, dropped, truncated = [], [], 0
    for i, msgs in enumerate(convs):
        e = encode(tok, msgs, cutoff_len)
        if e is None:
            dropped.append(i)
            continue
        truncated += e.truncated
        examples.append(e)
    return Dataset(path, sha256_file(path), examples, len(convs), len(dropped), truncated, dropped)
