"""The twin's persona: a system prompt written from a template, the trait card, the mined habits and per-chat
relationship notes. Versioned: every export records the version it used, so a dataset can be traced to its prompt.

The twin's own name is a workspace setting the owner chooses once on the Persona page (:func:`twin_name`; a neutral
default per language until then, :data:`DEFAULT_TWIN_NAMES`). It is never redacted: :func:`render` with ``redact``
redacts the prompt around the name's slots and inserts the name afterwards, so no placeholder ever stands for the
twin itself, while the owner's real name elsewhere in the prompt (a relationship note) is still redacted. The output
guard lets the name pass in replies too.

Template rules: placeholders are ``{name}``, ``{personality}``, ``{occupation}``, ``{interests}``, ``{mbti}``,
``{habits}``, ``{catchphrases}`` and ``{relationship}``. A template line whose placeholders are all empty is left
out, so a half-filled card still gives a clean prompt. Any other ``{...}`` is an error the owner sees at once.
"""
from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass
from typing import Callable

from lib import decisions, settings
from lib.errors import BadInputError
from lib.persona.traits import TraitCard, Traits, cached_traits, load_card

FIELDS = ("name", "personality", "occupation", "interests", "mbti", "habits", "catchphrases", "relationship")
MAX_TEMPLATE = 6000
# The name a twin goes by until its owner picks one: neutral (not a person's name, so never taken for personal data),
# short, and plainly not the owner. The one source of the default, per prompt language.
DEFAULT_TWIN_NAMES: dict[str, str] = {"zh": "小T", "en": "Twin"}
TWIN_NAME_SETTING = settings.TWIN_NAME.key  # kept for readers of the raw key (the output guard)
MAX_NAME = 60
_NAME_SLOT = "\ue000"  # a private-use character: in no template, no message, no recognizer's pattern

DEFAULT_TEMPLATES: dict[str, str] = {
    "zh": (
        "你是{name}，正在用手机和熟悉的人聊天。"
        "请完全以{name}的身份、语气和习惯回复，像平时一样自然，不要说自己是 AI。\n"
        "性格：{personality}\n"
        "职业：{occupation}\n"
        "兴趣：{interests}\n"
        "MBTI：{mbti}\n"
        "说话习惯：{habits}\n"
        "口头禅：{catchphrases}\n"
        "{relationship}"
    ),
    "en": (
        "You are {name}, chatting on your phone with someone you know. Reply exactly as {name} would, in their voice "
        "and with their habits, naturally, and never say you are an AI.\n"
        "Personality: {personality}\n"
        "Occupation: {occupation}\n"
        "Interests: {interests}\n"
        "MBTI: {mbti}\n"
        "How you write: {habits}\n"
        "Catchphrases: {catchphrases}\n"
        "{relationship}"
    ),
}


@dataclass(frozen=True)
class Version:
    id: int
    created: str
    name: str
    template: str
    card: dict
    prompt: str


def language(ws) -> str:
    """zh when most letters in the owner's messages are CJK (the prompt then speaks Chinese), else en. Read once per
    change of the workspace: a Persona run asks five times, and each read is 2,000 messages."""
    return ws.cached("persona.language", lambda: _language(ws))


def _language(ws) -> str:
    rows = ws.conn.execute("SELECT text FROM messages WHERE is_me = 1 AND kind = 'text' ORDER BY id DESC "
                           "LIMIT 2000").fetchall()
    joined = "".join(r[0] for r in rows)
    letters = sum(1 for ch in joined if ch.isalpha())
    cjk = sum(1 for ch in joined if "\u4e00" <= ch <= "\u9fff")
    return "zh" if letters and cjk / letters >= 0.5 else "en"


def twin_name(ws, lang: str | None = None) -> str:
    """The name the twin goes by: the owner's choice, else the neutral default of the prompt's language."""
    saved = settings.TWIN_NAME.get(ws)
    if saved.strip():
        return saved
    return DEFAULT_TWIN_NAMES[lang or language(ws)]


def twin_name_chosen(ws) -> bool:
    """True once the owner has saved a name for the twin (the Persona page asks until then)."""
    return bool(settings.TWIN_NAME.get(ws).strip())


def template(ws) -> str:
    return settings.PERSONA_TEMPLATE.get(ws) or DEFAULT_TEMPLATES[language(ws)]


def check_template(text: str) -> str:
    """The template, or a clear error naming the unknown placeholder or the broken brace."""
    text = str(text).replace("\r\n", "\n").strip()
    if not text:
        raise BadInputError("the template is empty; write the system prompt, or reset it to the default")
    if len(text) > MAX_TEMPLATE:
        raise BadInputError(f"the template has {len(text):,} characters; keep it under {MAX_TEMPLATE:,}")
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        raise BadInputError(f"the template has a stray brace ({exc}); write {{{{ or }}}} for a literal brace") \
            from None
    unknown = sorted({n for n in names if n not in FIELDS})
    if unknown:
        raise BadInputError(f"unknown placeholder {{{unknown[0]}}}; use one of "
                            + ", ".join(f"{{{f}}}" for f in FIELDS))
    return text


def set_template(ws, text: str | None) -> None:
    """Save a template (None or the default text resets to the default)."""
    if text is None:
        settings.PERSONA_TEMPLATE.clear(ws)
        return
    settings.PERSONA_TEMPLATE.set(ws, check_template(text))


def set_name(ws, name: str) -> None:
    """Save the name the twin goes by (whitespace collapsed, at most :data:`MAX_NAME` characters)."""
    name = " ".join(str(name).split())[:MAX_NAME]
    if not name:
        raise BadInputError("the twin needs a name")
    if "{" in name or "}" in name or _NAME_SLOT in name:
        raise BadInputError("the twin's name cannot contain braces")
    settings.TWIN_NAME.set(ws, name)
    ws.touch()  # what was built with the old name (the output guard) is rebuilt


def relationships(ws) -> dict[int, str]:
    """Per-chat notes ("the other person is your sister"), by chat id."""
    return {int(k): v for k, v in settings.PERSONA_RELATIONSHIPS.get(ws).items() if v}


def set_relationship(ws, chat_id: int, note: str) -> None:
    notes = {str(k): v for k, v in relationships(ws).items()}
    note = str(note).strip()[:500]
    if note:
        notes[str(int(chat_id))] = note
    else:
        notes.pop(str(int(chat_id)), None)
    settings.PERSONA_RELATIONSHIPS.set(ws, notes)


def habits_text(traits: Traits, lang: str) -> str:
    """The mined habits as a sentence the model can follow (only the distinctive ones)."""
    zh = lang == "zh"
    out: list[str] = []
    p = traits.punctuation or {}
    if traits.text_messages:
        if traits.median_length and traits.median_length <= 12:
            out.append("消息很短，常常只有几个字" if zh else "short messages, often just a few words")
        elif traits.median_length >= 40:
            out.append("消息比较长，会把话说完整" if zh else "long, complete messages")
        if traits.messages_per_turn >= 1.5:
            out.append("习惯连着发好几条" if zh else "often several messages in a row")
        if p.get("tilde", 0) >= 0.08:
            out.append("常用波浪号~" if zh else "often ends with a tilde ~")
        if p.get("repeated exclamation", 0) >= 0.05:
            out.append("激动时连用感叹号！！" if zh else "doubles exclamation marks when excited!!")
        if p.get("laughter", 0) >= 0.08:
            out.append("爱用“哈哈哈”" if zh else "laughs a lot (haha)")
        if p.get("no punctuation at end", 0) >= 0.5 and p.get("full stop at end", 0) <= 0.1:
            out.append("句末一般不加标点，几乎不用句号" if zh else "rarely ends a message with a full stop")
    emoji = [e for e, _ in traits.top_bracket_emoji[:3]] + [e for e, _ in traits.top_emoji[:2]]
    if emoji:
        out.append(("常用表情：" if zh else "favourite emoji: ") + "".join(emoji))
    if traits.sticker_share >= 0.05:
        out.append("经常发表情包" if zh else "sends stickers often")
    return ("，" if zh else "; ").join(out)


def values(ws, card: TraitCard | None = None, traits: Traits | None = None, chat_id: int | None = None,
           lang: str | None = None) -> dict[str, str]:
    """The placeholder values for the current card and habits (and one chat's relationship note)."""
    lang = lang or language(ws)
    traits = traits if traits is not None else cached_traits(ws)
    card = card if card is not None else load_card(ws, traits)
    sep = "、" if lang == "zh" else ", "
    rel = relationships(ws).get(int(chat_id), "") if chat_id is not None else ""
    return {
        "name": twin_name(ws, lang),
        "personality": card.personality,
        "occupation": card.occupation,
        "interests": sep.join(card.interests),
        "mbti": card.mbti,
        "habits": habits_text(traits, lang),
        "catchphrases": sep.join(f"“{c}”" if lang == "zh" else f'"{c}"' for c in card.catchphrases),
        "relationship": rel,
    }


def render(text: str, vals: dict[str, str], redact: Callable[[str], str] | None = None) -> str:
    """Fill the template; drop lines whose placeholders are all empty (and lines left blank).

    ``redact`` (an export's :meth:`~lib.pii.redactor.Redactor.text`): the filled prompt is redacted with the twin's
    name left out, then the name goes into its slots, so the twin is never called by a placeholder and the owner's
    real name elsewhere in the prompt is still redacted."""
    if redact is not None:
        name = vals.get("name", "")
        slotted = render(text, {**vals, "name": _NAME_SLOT if name else ""})
        return name.join(redact(part) if part.strip() else part for part in slotted.split(_NAME_SLOT))
    out = []
    for line in check_template(text).split("\n"):
        fields = [f for _, f, _, _ in string.Formatter().parse(line) if f]
        if fields and not any(vals.get(f) for f in fields):
            continue
        filled = line.format_map({k: vals.get(k, "") for k in FIELDS})
        if filled.strip():
            out.append(filled.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


def prompt(ws, chat_id: int | None = None, redact: Callable[[str], str] | None = None) -> str:
    """The system prompt for one chat (or without a relationship note); redacted around the twin's name with
    ``redact`` (what an export writes, what the Persona page previews)."""
    return render(template(ws), values(ws, chat_id=chat_id), redact)


def shown_prompt(text: str, name: str, redact: Callable[[str], str]) -> str:
    """A stored prompt (a saved version, the owner's own history view) redacted for display, every occurrence of the
    twin's ``name`` kept. Exports never use this: they render with :func:`render`'s slots."""
    if not name or name not in text:
        return redact(text)
    return name.join(redact(part) if part.strip() else part for part in text.split(name))


def latest(ws) -> Version | None:
    row = ws.conn.execute("SELECT id, created, name, template, card, prompt FROM persona_versions "
                          "ORDER BY id DESC LIMIT 1").fetchone()
    return Version(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5]) if row else None


def save_version(ws) -> Version:
    """Record the current persona as a version, unless it is the same as the latest one. Returns the version."""
    traits = cached_traits(ws)
    card = load_card(ws, traits)
    name, tmpl = twin_name(ws), template(ws)
    text = render(tmpl, values(ws, card, traits))
    last = latest(ws)
    if last and (last.name, last.template, last.card, last.prompt) == (name, tmpl, card.to_dict(), text):
        return last
    cur = ws.conn.execute("INSERT INTO persona_versions(created, name, template, card, prompt) VALUES (?, ?, ?, ?, ?)",
                          (decisions.now(), name, tmpl, json.dumps(card.to_dict(), ensure_ascii=False), text))
    return Version(cur.lastrowid, decisions.now(), name, tmpl, card.to_dict(), text)


def versions(ws, limit: int = 20) -> list[Version]:
    return [Version(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in ws.conn.execute(
        "SELECT id, created, name, template, card, prompt FROM persona_versions ORDER BY id DESC LIMIT ?", (limit,))]
