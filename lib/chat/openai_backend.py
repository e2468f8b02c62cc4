"""Any OpenAI-compatible server (vLLM, Ollama, llama.cpp server, LM Studio, hosted APIs) as a chat backend."""
from __future__ import annotations

from typing import Iterator

from lib.chat.base import ChatParams, Message, window
from lib.llm import Endpoint, list_models, stream_chat


class OpenAIBackend:
    name = "openai"
    label = "OpenAI-compatible server"

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    def stream(self, messages: list[Message], params: ChatParams) -> Iterator[str]:
        yield from stream_chat(self.endpoint, window(messages, params), temperature=params.temperature,
                               top_p=params.top_p, max_tokens=params.max_tokens)

    def check(self) -> str:
        models = list_models(self.endpoint)
        listed = "listed" if self.endpoint.model in models else "NOT listed"
        return f"{len(models)} models; {self.endpoint.model} {listed}"
