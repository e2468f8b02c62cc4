"""Chat transcript downloads (text and JSON): a file that leaves the app, so it goes through the redaction contract.

The owner's prompts (and error lines, which may echo them) are typed freely and may hold a phone number or a friend's
name: their text is redacted. The twin's replies are left exactly as shown: they already went through the output guard,
whose realistic surrogates must not be taken for new personal values, and a download should match the screen.
"""
from __future__ import annotations

import json
from typing import Callable

Redact = Callable[[str], str]
GUARDED = frozenset({"assistant"})  # roles whose text passed the output guard before it was shown


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
