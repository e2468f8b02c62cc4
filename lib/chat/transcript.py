"""Chat transcript downloads (text and JSON): a file that leaves the app, so it goes through the redaction contract.

The owner's prompts (and error lines, which may echo them) are typed freely and may hold a phone number or a friend's
name: their text is redacted. The twin's replies are left exactly as shown: they already went through the output guard,
whose realistic surrogates must not be taken for new personal values, and a download should match the screen.
"""
from __future__ import annotations

import json
from typing import Callable

from lib.settings import CHAT_TRANSCRIPT

Redact = Callable[[str], str]
GUARDED = frozenset({"assistant"})  # roles whose text passed the output guard before it was shown
SETTING = CHAT_TRANSCRIPT.key  # the owner's conversation with the twin, kept in the workspace until cleared
KEEP = 200                   # messages kept (the model sees only the last ``ChatParams.history`` anyway)
_FIELDS = ("role", "content", "backend", "bubbles")


def load(ws) -> list[dict]:
    """The conversation saved for ``ws``: a reload or a new tab picks it up where it was."""
    saved = CHAT_TRANSCRIPT.get(ws)
    return [dict(m) for m in saved
            if isinstance(m, dict) and m.get("role") in ("user", "assistant", "error")
            and isinstance(m.get("content"), str)]


def save(ws, msgs: list[dict]) -> None:
    """Keep the conversation (its last :data:`KEEP` messages, without the "why" details) in the workspace. Never
    called in demo mode: friends' chats are not kept."""
    CHAT_TRANSCRIPT.set(ws, [{k: m[k] for k in _FIELDS if k in m} for m in msgs[-KEEP:]])


def redacted(msgs: list[dict], redact: Redact) -> list[dict]:
    """Copies of the messages whose ``content`` went through ``redact`` (guarded roles as they are)."""
    out = []
    for m in msgs:
        m = dict(m)
        if m.get("role") not in GUARDED and isinstance(m.get("content"), str):
            m["content"] = redact(m["content"])
        out.append(m)
    return out


def transcript_text(msgs: list[dict], who: dict[str, str], redact: Redact) -> str:
    """``Speaker: text`` lines; ``who`` names each role (the page's translated "You", the twin's name, "Error")."""
    return "\n".join(f"{who.get(m['role'], m['role'])}: {m['content']}" for m in redacted(msgs, redact)) + "\n"


def transcript_json(msgs: list[dict], redact: Redact) -> str:
    """The conversation as the page keeps it (role, content, backend), redacted like the text download."""
    return json.dumps(redacted(msgs, redact), ensure_ascii=False, indent=1)
