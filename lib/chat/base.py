"""The one interface every chat backend implements, and the parameters they share.

A backend turns a conversation (OpenAI-style messages) into a stream of text chunks. Errors are
:class:`lib.llm.LLMError` (re-exported as :data:`ChatError`): a ``kind`` and one line saying what was wrong and what to
do, never a key or message text, so the chat page and the twin server can show them as they are.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Protocol

from lib.llm import KINDS, LLMError

ChatError = LLMError
Message = dict  # {"role": "system" | "user" | "assistant", "content": str}


@dataclass(frozen=True)
class ChatParams:
    """Generation parameters. 0.9 is the temperature the original experiments found best for a twin."""

    temperature: float = 0.9
    top_p: float | None = None
    max_tokens: int | None = 512
    history: int = 12  # messages of the conversation sent with each request (the system prompt comes on top)
    system: str = ""  # the persona's system prompt
    # None: the offline twin seeds by the conversation (the same question gets the same reply, reproducible tests);
    # an int (an OpenAI client's ``seed``, or a fresh one per "Regenerate") picks among the good replies by it.
    seed: int | None = None


class Backend(Protocol):
    name: str  # "offline" | "openai" | "spark" | "local"
    label: str  # shown in the UI, e.g. "Offline twin (retrieval)"

    def stream(self, messages: list[Message], params: ChatParams) -> Iterator[str]:
        """Yield the reply in chunks. Raises ChatError on any failure (before or during the stream)."""
        ...

    def check(self) -> str:
        """Test the connection; return a short description ("3 models", "index of 12,345 replies"), or raise."""
        ...


def window(messages: list[Message], params: ChatParams) -> list[Message]:
    """What is sent: the persona's system prompt (when set), then the last ``params.history`` user/assistant messages,
    starting with a user message (models and Spark want user first)."""
    convo = [m for m in messages if m.get("role") in ("user", "assistant") and str(m.get("content", "")).strip()]
    convo = convo[-params.history:] if params.history > 0 else convo[-1:]
    while convo and convo[0]["role"] != "user":
        convo = convo[1:]
    system = params.system or next((m["content"] for m in messages if m.get("role") == "system"), "")
    return ([{"role": "system", "content": system}] if system else []) + convo


__all__ = ["KINDS", "Backend", "ChatError", "ChatParams", "Message", "window"]
