"""The twin server: any chat backend behind the two protocols other programs already speak, on one port.

- ``/v1.1/chat`` (and Spark's other chat paths): an iFLYTEK Spark-compatible WebSocket. The original front end sends
  one request frame and reads streamed answer frames (formats.md §8.3-8.4); pointing its URL here is all it needs.
- ``/v1/chat/completions`` and ``/v1/models``: the OpenAI-compatible API (§9), so the official ``openai`` client and
  chat-bot frameworks connect with ``base_url="http://HOST:PORT/v1"``.

Why one server for both: a twin is one model with one persona; two ports would be two things to start, secure and
document. Why a thread per answer: backends are synchronous generators (model calls, sqlite); each runs on its own
daemon thread so the event loop keeps serving other clients, the generator is started, advanced and closed on the same
thread (sqlite connections and some HTTP clients insist), and a hung model call never blocks Ctrl-C.

Security: on loopback the token is optional; beyond loopback it is required (``check_bind``). On the Spark WebSocket
a URL signed the iFLYTEK way with the API key and secret the owner set for the twin counts as the token, so the
official SDKs work unchanged. Without a token, web pages from other sites are refused (their ``Origin`` is neither
this machine's, nor ``null``, nor one the owner allowed with ``--cors-origin``), so a page you happen to visit cannot
read your twin's answers; and the ``Host`` header must name this machine (or ``--allowed-host``), token or not, so a
DNS-rebinding page (its own domain pointed at 127.0.0.1, hence same-origin) is refused too. Pages that may use the
twin get CORS headers on every answer and their preflights answered. The rules are :mod:`lib.serve_auth`'s.

OpenAI compatibility: ``max_tokens`` and ``stop`` cut the answer here, whatever the backend does (``finish_reason``
"length" or "stop"); ``n`` runs the backend once per answer; ``seed`` and ``temperature`` go to the backend in
:class:`ChatParams`; the model name a client asks for is echoed. docs/serve.md lists what is ignored. Hostile input gets
an answer, never a traceback: JSON nested too deep is refused before ``json.loads`` recurses, lone surrogates before
they reach an encoder, and a client that stops reading its stream loses it after ``WRITE_TIMEOUT_S``, freeing its slot.
Privacy: nothing here logs a message, an answer or a token; uvicorn's access log is off (its lines would carry
``?token=``), a failing backend is logged by exception type only, and error text from upstream is scrubbed of anything
key-like (:mod:`lib.secret_scrub`).

Starlette and uvicorn are imported inside the functions that need them: the command line imports this module to add
the ``serve`` subcommand, and every other command should not pay for a web stack it does not use.
"""
from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import logging
import math
import os
import queue
import re
import secrets
import socket
import threading
import time
import traceback
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import aclosing
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lib.chat.base import Backend, ChatError, ChatParams, Message
from lib.errors import BadInputError
from lib.secret_scrub import scrub
from lib.serve_auth import (  # noqa: F401 - is_loopback and allowed_host_set are re-exported (tests import them here)
    ANY_HOST,
    LOOPBACK_NAMES,
    Access,
    allowed_host_set,
    is_loopback,
    normalize_origin,
    spark_credentials,
)

if TYPE_CHECKING:
    import uvicorn
    from starlette.applications import Starlette

from lib.serve_args import (  # the limits' defaults live there (one place, CLI included)
    DEFAULT_MODEL,
    DEFAULT_PORT,
    MAX_BODY,
    MAX_JSON_DEPTH,
    MAX_STREAMS,
    REQUEST_WAIT_S,
    SPARK_KEY_ENV,
    SPARK_SECRET_ENV,
    TOKEN_ENV,
    WRITE_TIMEOUT_S,
    build_parser_args,
)

SPARK_PATHS = ("/v1.1/chat", "/v2.1/chat", "/v3.1/chat", "/v3.5/chat", "/v4.0/chat", "/chat/pro-128k",
               "/chat/max-32k")     # Spark's chat URLs (§8.1): whichever the front end was built for works here
WS_MAX_FRAME = 2 * MAX_BODY         # uvicorn drops bigger frames (close 1009); up to this we answer with an error frame
MAX_CHOICES = 8                     # OpenAI's n: answers per request, each one run of the backend
MAX_STOPS = 4                       # OpenAI's limit on stop strings
MAX_STOP_CHARS = 256                # one stop string; the stream holds back this many characters at most
MAX_MODEL_CHARS = 256               # the model name a client sends, echoed back
ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}

# A ChatError's kind → (Spark header.code, HTTP status, OpenAI error type). Spark's codes per formats.md §8.4.
ERRORS: dict[str, tuple[int, int, str]] = {
    "content_filter": (10013, 400, "invalid_request_error"),
    "rate_limit": (10007, 429, "rate_limit_error"),
    "bad_request": (10005, 400, "invalid_request_error"),
    "auth": (11200, 502, "server_error"),        # the backend's credentials, not the client's: a gateway failure
    "not_found": (10404, 502, "server_error"),
    "connection": (10222, 502, "server_error"),
    "timeout": (10222, 504, "server_error"),
    "server": (10010, 502, "server_error"),
    "bad_response": (10012, 502, "server_error"),
}
UNEXPECTED = (10009, 500, "server_error")        # a backend that raised something other than ChatError

log = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------------ requests, checked

class _Invalid(Exception):
    """A request we cannot answer, said the way each protocol says it: Spark's code, OpenAI's code and param."""

    def __init__(self, message: str, *, code: str = "invalid_value", param: str | None = None,
                 spark: int = 10005) -> None:
        super().__init__(message)
        self.code, self.param, self.spark = code, param, spark


@dataclass(frozen=True)
class _Request:
    """A chat request in either protocol, reduced to what a backend takes, and how its answer is cut and labelled."""

    messages: list[Message]      # user and assistant turns, in order (the system prompt travels in params)
    params: ChatParams
    stream: bool = True
    include_usage: bool = False
    n: int = 1                   # answers wanted (OpenAI's ``n``): the backend runs once per answer
    stops: tuple[str, ...] = ()  # the answer ends before the first of these (OpenAI's ``stop``)
    limit: int | None = None     # the request's own max_tokens: the answer is cut at about that many rough_tokens
    model: str | None = None     # the model name the client asked for, echoed in the answer


def _number(value: Any, param: str, low: float, high: float, *, low_open: bool = False) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _Invalid(f"{param} must be a number", code="invalid_type", param=param, spark=10004)
    if value < low or value > high or (low_open and value == low):
        bracket = "(" if low_open else "["
        raise _Invalid(f"{param} must be in {bracket}{low:g}, {high:g}]", param=param)
    return float(value)


def _count(value: Any, param: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(f"{param} must be an integer", code="invalid_type", param=param, spark=10004)
    if value < 1:
        raise _Invalid(f"{param} must be at least 1", param=param)
    return value


def _content(value: Any, param: str, role: str) -> str:
    """Text content: a string, or OpenAI's list of ``{"type": "text", "text": ...}`` parts (joined by new lines)."""
    if isinstance(value, str):
        return value
    if value is None and role == "assistant":      # an assistant turn that was only a tool call
        return ""
    if isinstance(value, list):
        texts = []
        for part in value:
            if not isinstance(part, dict) or part.get("type") != "text" or not isinstance(part.get("text"), str):
                raise _Invalid(f"{param} may only hold text parts ({{\"type\": \"text\", \"text\": ...}}); this "
                               "twin reads text only", param=param)
            texts.append(part["text"])
        return "\n".join(texts)
    raise _Invalid(f"{param} must be a string", code="invalid_type", param=param, spark=10004)


def _messages(value: Any, param: str) -> tuple[list[Message], str]:
    """(user and assistant turns, the request's system prompt) from a message list, checked item by item."""
    if not isinstance(value, list):
        raise _Invalid(f"{param} must be a list of {{\"role\", \"content\"}} objects", code="invalid_type",
                       param=param, spark=10004)
    if not value:
        raise _Invalid(f"{param} is empty: send at least one user message", param=param)
    convo: list[Message] = []
    system: list[str] = []
    for i, item in enumerate(value):
        where = f"{param}[{i}]"
        if not isinstance(item, dict):
            raise _Invalid(f"{where} must be an object with role and content", code="invalid_type", param=where,
                           spark=10004)
        role = ROLES.get(item.get("role")) if isinstance(item.get("role"), str) else None
        if role is None:
            raise _Invalid(f"{where}.role must be system, user or assistant (this twin has no tools)",
                           param=f"{where}.role")
        text = _content(item.get("content"), f"{where}.content", role)
        if role == "system":
            if text.strip():
                system.append(text.strip())
        else:
            convo.append({"role": role, "content": text})
    if not any(m["role"] == "user" and m["content"].strip() for m in convo):
        raise _Invalid(f"{param} has no user message with text: nothing to answer", param=param)
    return convo, "\n\n".join(system)


def _params(defaults: ChatParams, system: str, source: Mapping[str, Any], prefix: str = "") -> ChatParams:
    """The request's temperature, top_p and max_tokens over the server's defaults; its system prompt over the
    persona's."""
    temperature = _number(source.get("temperature"), prefix + "temperature", 0.0, 2.0)
    top_p = _number(source.get("top_p"), prefix + "top_p", 0.0, 1.0, low_open=True)
    max_tokens = _count(source.get("max_tokens"), prefix + "max_tokens")
    if max_tokens is None and "max_completion_tokens" in source:        # the newer OpenAI name
        max_tokens = _count(source.get("max_completion_tokens"), prefix + "max_completion_tokens")
    return replace(defaults,
                   temperature=defaults.temperature if temperature is None else temperature,
                   top_p=defaults.top_p if top_p is None else top_p,
                   max_tokens=defaults.max_tokens if max_tokens is None else max_tokens,
                   system=system or defaults.system)


# A JSON string literal, or an unterminated one running to the end: always matches, so the scan is linear.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets outside string literals nest deeper than ``limit``, found without recursion: json.loads
    recurses once per level, so 100,000 '['s would end in RecursionError (a 500 and a traceback) instead of a 400."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for ch in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        depth += 1 if ch in "[{" else -1
        if depth > limit:
            return True
    return False


def _has_surrogate(data: Any) -> bool:
    """Whether any string (key or value) holds a lone UTF-16 surrogate (``"\\ud800"``): not a character, it cannot
    be encoded as UTF-8, so every answer quoting it would fail. Iterative: the depth is bounded, the width is not."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _clean(text: str) -> str:
    """Text safe to encode as UTF-8: lone surrogates (from a backend's data, a model name) become U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def _json(raw: bytes | str, spark: int) -> Any:
    """The request's JSON, or _Invalid: not JSON, not UTF-8, nested too deep, or holding a lone surrogate."""
    if isinstance(raw, (bytes, bytearray)):
        try:               # json.loads(bytes) would let UTF-8-encoded surrogates through ("surrogatepass")
            raw = bytes(raw).decode(json.detect_encoding(raw))
        except UnicodeDecodeError:
            raise _Invalid("the request is not valid UTF-8 text: send JSON encoded as UTF-8", code="invalid_json",
                           spark=spark) from None
    if _too_deep(raw):
        raise _Invalid(f"the request's JSON nests deeper than {MAX_JSON_DEPTH} levels: a chat request needs about 5",
                       code="json_too_deep", spark=spark)
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):       # JSONDecodeError (and int digit limits); depth is checked above
        raise _Invalid("the request is not valid JSON", code="invalid_json", spark=spark) from None
    if ("\\u" in raw or _SURROGATE.search(raw)) and _has_surrogate(data):
        raise _Invalid("the request holds a lone UTF-16 surrogate escape (\\ud800-\\udfff), which is not a "
                       "character: send valid Unicode text", code="invalid_unicode", spark=spark)
    return data


def _stops(value: Any) -> tuple[str, ...]:
    """OpenAI's ``stop``: null, a string, or a list of up to ``MAX_STOPS`` strings; empty strings stop nothing."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
        raise _Invalid("stop must be a string or a list of strings", code="invalid_type", param="stop", spark=10004)
    if len(items) > MAX_STOPS:
        raise _Invalid(f"stop may hold at most {MAX_STOPS} strings", param="stop")
    if any(len(s) > MAX_STOP_CHARS for s in items):
        raise _Invalid(f"each stop string may be at most {MAX_STOP_CHARS} characters", param="stop")
    return tuple(dict.fromkeys(s for s in items if s))


def _seed(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid("seed must be an integer", code="invalid_type", param="seed", spark=10004)
    if not -2 ** 63 <= value < 2 ** 63:
        raise _Invalid("seed must fit in 64 bits", param="seed")
    return value


def openai_request(raw: bytes, defaults: ChatParams) -> _Request:
    """A ``POST /v1/chat/completions`` body, checked. Honoured: messages, model (echoed), stream, stream_options,
    temperature, top_p, max_tokens (or max_completion_tokens), stop, n and seed. Other fields (``user``,
    ``presence_penalty``, ``logit_bias``, ``response_format``, ...) are ignored, as docs/serve.md lists: chat
    frameworks send what they like, and refusing them would refuse the frameworks."""
    data = _json(raw, 10003)
    if not isinstance(data, dict):
        raise _Invalid("the request body must be a JSON object", code="invalid_type", spark=10004)
    if "messages" not in data:
        raise _Invalid("messages is missing: send {\"messages\": [{\"role\": \"user\", \"content\": \"...\"}]}",
                       code="missing_required_parameter", param="messages", spark=10004)
    convo, system = _messages(data["messages"], "messages")
    stream = data.get("stream")
    if stream is not None and not isinstance(stream, bool):
        raise _Invalid("stream must be true or false", code="invalid_type", param="stream", spark=10004)
    n = _count(data.get("n"), "n") or 1
    if n > MAX_CHOICES:
        raise _Invalid(f"n must be at most {MAX_CHOICES}: each answer is one more run of the twin", param="n")
    model = data.get("model")
    if model is not None and not isinstance(model, str):
        raise _Invalid("model must be a string", code="invalid_type", param="model", spark=10004)
    if model is not None and len(model) > MAX_MODEL_CHARS:
        raise _Invalid(f"model must be at most {MAX_MODEL_CHARS} characters", param="model")
    options = data.get("stream_options")
    if options is not None and not isinstance(options, dict):
        raise _Invalid("stream_options must be an object", code="invalid_type", param="stream_options", spark=10004)
    params = _params(defaults, system, data)
    seed = _seed(data.get("seed"))
    params = params if seed is None else replace(params, seed=seed)
    return _Request(convo, params, bool(stream), bool(options and options.get("include_usage") is True), n=n,
                    stops=_stops(data.get("stop")), limit=_limit(data), model=model.strip() or None if model else None)


def _limit(source: Mapping[str, Any]) -> int | None:
    """The request's own max_tokens (checked by ``_params``): the server cuts the answer there, whatever the backend
    does with it (the offline twin's replies are the owner's, whole)."""
    if source.get("max_tokens") is not None:
        return source["max_tokens"]
    return source.get("max_completion_tokens")


def spark_request(raw: bytes | str, defaults: ChatParams) -> _Request:
    """A Spark request frame (§8.3), checked: 10003 not JSON, 10004 wrong shape, 10005 wrong values. ``header``
    (app_id, uid, patch_id) and ``parameter.chat.domain`` are accepted and ignored: there is one model."""
    data = _json(raw, 10003)
    if not isinstance(data, dict):
        raise _Invalid("the frame must be a JSON object", code="invalid_type", spark=10004)
    payload = data.get("payload")
    message = payload.get("message") if isinstance(payload, dict) else None
    text = message.get("text") if isinstance(message, dict) else None
    if text is None:
        raise _Invalid("payload.message.text is missing: send {\"payload\": {\"message\": {\"text\": [{\"role\": "
                       "\"user\", \"content\": \"...\"}]}}}", code="missing_required_parameter",
                       param="payload.message.text", spark=10004)
    header, parameter = data.get("header"), data.get("parameter")
    if header is not None and not isinstance(header, dict):
        raise _Invalid("header must be an object", code="invalid_type", param="header", spark=10004)
    chat = parameter.get("chat") if isinstance(parameter, dict) else None
    if (parameter is not None and not isinstance(parameter, dict)) or (chat is not None and not isinstance(chat, dict)):
        raise _Invalid("parameter.chat must be an object", code="invalid_type", param="parameter.chat", spark=10004)
    convo, system = _messages(text, "payload.message.text")
    return _Request(convo, _params(defaults, system, chat or {}, "parameter.chat."), limit=_limit(chat or {}))


# ----------------------------------------------------------------------------------------- the backend, on a thread

class _Pinned:
    """One daemon thread running calls in order (see the module's docstring for why one, and why a daemon)."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._work, name="metwin-serve-answer", daemon=True).start()

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            fn, done = job
            try:
                result: tuple[bool, Any] = (True, fn())
            except BaseException as exc:   # noqa: BLE001 -- handed to the awaiting task, which decides
                result = (False, exc)
            try:
                done(*result)
            except RuntimeError:           # the event loop is gone (server shutting down): nobody is waiting
                pass

    async def call(self, fn: Callable[[], Any]) -> Any:
        loop = asyncio.get_running_loop()
        future = loop.create_future()

        def settle(ok: bool, value: Any) -> None:
            if not future.done():
                future.set_result(value) if ok else future.set_exception(value)

        self._jobs.put((fn, lambda ok, value: loop.call_soon_threadsafe(settle, ok, value)))
        return await future

    def run_then_stop(self, fn: Callable[[], Any]) -> None:
        """Queue ``fn`` (after whatever call is still running) and let the thread end; nothing waits for it."""
        self._jobs.put((fn, lambda ok, value: None))
        self._jobs.put(None)


_END = object()


def _next(iterator: Any) -> Any:
    try:
        return next(iterator)
    except StopIteration:                  # cannot cross into an asyncio future
        return _END


def _close(iterator: Any) -> None:
    close = getattr(iterator, "close", None)
    if close is not None:
        try:
            close()
        except Exception:                  # noqa: BLE001 -- a backend failing to clean up must not hide the answer
            log.warning("the twin backend failed while closing a stream")


class _Answers:
    """Runs backends' streams, at most ``limit`` at once."""

    def __init__(self, backend: Backend, limit: int) -> None:
        self.backend, self.limit, self.running = backend, limit, 0

    async def chunks(self, request: _Request) -> AsyncIterator[str]:
        """The answer's non-empty chunks. Raises ChatError as the backend does (``rate_limit`` when too many answers
        are already running). Use with ``aclosing``: closing stops the backend's generator on its own thread."""
        if self.running >= self.limit:
            raise ChatError("rate_limit", f"The twin is already giving {self.limit} answers at once. Wait for one "
                                          "to finish, then try again.")
        self.running += 1
        worker = _Pinned()
        iterator: Any = None
        try:
            iterator = await worker.call(lambda: iter(self.backend.stream(request.messages, request.params)))
            while (chunk := await worker.call(lambda: _next(iterator))) is not _END:
                if chunk:
                    yield _clean(str(chunk))
        finally:
            self.running -= 1
            worker.run_then_stop(lambda: _close(iterator))


def _failure(exc: BaseException, backend: Backend) -> tuple[str, str, int, int, str]:
    """(message, code, Spark code, HTTP status, OpenAI error type) for a failed answer. A backend bug (anything but
    ChatError) is logged by type only and said without its text: that text may quote a message."""
    if isinstance(exc, ChatError):          # its text may quote an upstream server: scrubbed of key-like text again
        return (_clean(scrub(str(exc))), exc.kind, *ERRORS.get(exc.kind, UNEXPECTED))
    log.error("the twin backend %r failed: %s", getattr(backend, "name", "?"), type(exc).__name__)
    message = (f"The twin's backend ({getattr(backend, 'label', 'backend')}) failed unexpectedly "
               f"({type(exc).__name__}). Check the server's log and the backend's settings.")
    return (message, "internal_error", *UNEXPECTED)


# --------------------------------------------------------------------------------------------------- small helpers

def rough_tokens(text: str) -> int:
    """A token count good enough for ``usage``: one per CJK (or other wide-script) character, one per four others."""
    wide = sum(1 for ch in text if ord(ch) >= 0x2E80)
    return wide + math.ceil((len(text) - wide) / 4)


class _Cut:
    """Where an answer ends, decided while it streams: before the first stop string, or at about ``limit`` tokens
    (counted as ``rough_tokens`` counts them). ``feed`` returns what may be sent now: text that could still turn out
    to begin a stop string is held back until the next chunk (or ``flush``) settles it, so a stop split across two
    chunks is found too. ``finish`` is OpenAI's finish_reason: "length" when the limit cut the answer, else "stop"."""

    def __init__(self, limit: int | None = None, stops: tuple[str, ...] = ()) -> None:
        self.limit, self.stops = limit, stops
        self.hold = max((len(s) for s in stops), default=1) - 1
        self.pending = ""
        self.wide = self.narrow = 0
        self.done = False
        self.finish = "stop"

    def _fit(self, text: str) -> str:
        """The longest prefix of ``text`` that keeps the answer within the limit (and ends the answer if cut)."""
        if self.limit is None:
            return text
        for i, ch in enumerate(text):
            wide, narrow = (self.wide + 1, self.narrow) if ord(ch) >= 0x2E80 else (self.wide, self.narrow + 1)
            if wide + math.ceil(narrow / 4) > self.limit:
                self.done, self.finish = True, "length"
                return text[:i]
            self.wide, self.narrow = wide, narrow
        return text

    def feed(self, piece: str) -> str:
        if self.done:
            return ""
        text = self.pending + piece
        at = min((i for i in (text.find(s) for s in self.stops) if i >= 0), default=-1)
        if at >= 0:
            self.pending = ""
            out = self._fit(text[:at])
            self.done = True
            return out
        keep = min(self.hold, len(text))
        ready, self.pending = text[:len(text) - keep], text[len(text) - keep:]
        return self._fit(ready)

    def flush(self) -> str:
        """The held-back rest, once the backend has finished."""
        if self.done:
            return ""
        rest, self.pending = self.pending, ""
        return self._fit(rest)


async def _cut(chunks: AsyncIterator[str], cut: _Cut) -> AsyncIterator[str]:
    """``chunks`` ended where ``cut`` says; ending early closes them, which stops the backend (and frees its slot)."""
    async with aclosing(chunks):
        async for piece in chunks:
            if out := cut.feed(piece):
                yield out
            if cut.done:
                return
    if out := cut.flush():
        yield out


def _usage(request: _Request, answer: str | list[str]) -> dict[str, int]:
    """OpenAI's usage: the prompt counted once, the completion summed over all ``n`` answers."""
    prompt = rough_tokens(request.params.system) + sum(rough_tokens(m["content"]) for m in request.messages)
    completion = sum(rough_tokens(a) for a in ([answer] if isinstance(answer, str) else answer))
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve the twin beyond this machine without a token: anyone on the network could read it."""
    if not is_loopback(host) and not token:
        raise BadInputError(f"the twin server would listen on {host or 'every address'!r}, beyond this machine, "
                            f"without a token: set a token with --token or {TOKEN_ENV}, or listen on 127.0.0.1")


def _refusal(token: str | None, headers: Mapping[str, str], query: Mapping[str, str],
             allowed_hosts: frozenset[str] = frozenset()) -> tuple[int, str, str] | None:
    """(HTTP status, error code, message) when a request may not use the twin, else None (token and Host only; the
    app's full rules, Spark signatures and CORS origins included, are its :class:`lib.serve_auth.Access`)."""
    return Access(token=token, hosts=allowed_hosts).refusal(headers, query)


def _error_body(message: str, type_: str, code: str, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "code": code, "param": param}}


def _sse(data: Any) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


def _spark_frame(sid: str, status: int, seq: int, content: str, usage: dict[str, int] | None = None) -> str:
    payload: dict[str, Any] = {"choices": {"status": status, "seq": seq,
                                           "text": [{"content": content, "role": "assistant", "index": 0}]}}
    if usage is not None:
        payload["usage"] = {"text": usage}
    return json.dumps({"header": {"code": 0, "message": "Success", "sid": sid, "status": status},
                       "payload": payload}, ensure_ascii=False)


def _spark_error(sid: str, code: int, message: str) -> str:
    return json.dumps({"header": {"code": code, "message": _clean(message), "sid": sid, "status": 2}},
                      ensure_ascii=False)


# ------------------------------------------------------------------------------------------------------- the app

class _Stalled(Exception):
    """A client took no answer bytes for ``write_timeout`` seconds: its answer is stopped and its slot freed."""


class _Gone(Exception):
    """The HTTP client disconnected before its (non-streamed, or not yet started) answer was ready."""


def _where(exc: BaseException) -> str:
    """``file:line`` where an unexpected exception was raised: enough to find a bug, without its text (which may quote
    a message) or a traceback in the log."""
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"


def make_app(backend: Backend, system_prompt: str = "", token: str | None = None, model_name: str = DEFAULT_MODEL,
             *, defaults: ChatParams | None = None, max_streams: int = MAX_STREAMS,
             write_timeout: float = WRITE_TIMEOUT_S, allowed_hosts: Iterable[str] = (),
             spark_key: str | None = None, spark_secret: str | None = None,
             cors_origins: Iterable[str] = ()) -> Starlette:
    """The ASGI app. ``system_prompt`` is the persona's, used when a request brings none; ``token``, when set, is
    required from every client; ``defaults`` are the generation parameters a request does not set; ``max_streams``
    answers run at once; a client that takes no bytes of its answer for ``write_timeout`` s loses it; the Host header
    must name loopback or one of ``allowed_hosts`` (``*``: any). ``spark_key`` and ``spark_secret``: iFLYTEK-signed
    URLs made with them open the Spark WebSocket like the token; ``cors_origins``: web origins whose pages may use the
    twin besides this machine's and ``null`` (:mod:`lib.serve_auth`). Raises BadInputError for a limit or an origin
    out of range."""
    from starlette.applications import Starlette
    from starlette.datastructures import Headers
    from starlette.exceptions import HTTPException
    from starlette.requests import ClientDisconnect, Request
    from starlette.responses import JSONResponse, Response, StreamingResponse
    from starlette.routing import Route, WebSocketRoute
    from starlette.types import Message as Message_
    from starlette.types import Receive, Scope, Send
    from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

    if isinstance(max_streams, bool) or not isinstance(max_streams, int) or max_streams < 1:
        raise BadInputError(f"max streams must be a whole number of at least 1, not {max_streams!r} (default "
                            f"{MAX_STREAMS})")
    if not (isinstance(write_timeout, (int, float)) and math.isfinite(write_timeout) and write_timeout > 0):
        raise BadInputError(f"the write timeout must be a number of seconds above 0 (default {WRITE_TIMEOUT_S:g})")
    token = (token or "").strip() or None
    hosts = allowed_host_set(allowed_hosts)
    access = Access(token=token, spark=spark_credentials(spark_key, spark_secret), hosts=hosts,
                    cors_origins=frozenset(normalize_origin(o) for o in cors_origins))
    model_name = _clean(model_name)
    base = replace(defaults or ChatParams(), system=system_prompt or "")
    answers = _Answers(backend, max_streams)
    created = int(time.time())
    model_card = {"id": model_name, "object": "model", "created": created, "owned_by": "metwin"}

    def error(status: int, message: str, code: str, type_: str | None = None, param: str | None = None) -> Response:
        type_ = type_ or ("server_error" if status >= 500 else "invalid_request_error")
        return JSONResponse(_error_body(message, type_, code, param), status_code=status)

    def refused(request: Request) -> Response | None:
        problem = access.refusal(request.headers, request.query_params)
        if problem is None:
            return None
        status, code, message = problem
        return error(status, message, code)

    def chat_error(exc: BaseException) -> tuple[int, dict[str, Any]]:
        """(HTTP status, OpenAI error body) for a failed answer."""
        message, code, _, status, type_ = _failure(exc, backend)
        return status, _error_body(message, type_, code)

    def stalled() -> None:
        log.warning("a client took no answer bytes for %g s: its answer was stopped and its slot freed", write_timeout)

    async def timed(send: Callable[[Any], Any], message: Any) -> None:
        """``send`` that gives up after ``write_timeout``: a client that does not read fills the socket's buffers,
        and from then on each write waits until it reads, holding an answer slot for as long as it stays."""
        try:
            await asyncio.wait_for(send(message), write_timeout)
        except TimeoutError:
            raise _Stalled from None

    class TimedStream(StreamingResponse):
        """A streamed answer whose writes time out (see ``timed``); stopping for any reason (done, stalled, the client
        gone) closes the answer's generator, which frees its slot and stops the backend."""

        async def stream_response(self, send: Send) -> None:
            try:
                async with aclosing(self.body_iterator):   # type: ignore[type-var]
                    await super().stream_response(lambda message: timed(send, message))
            except _Stalled:
                stalled()      # uvicorn then closes the connection ("returned without completing": _UvicornNoise)

    async def until_gone(request: Request) -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    async def unless_gone(request: Request, work: Any) -> Any:
        """``work``'s result, or _Gone once the client has disconnected (``work`` cancelled: its slot is freed)."""
        task, watch = asyncio.ensure_future(work), asyncio.ensure_future(until_gone(request))
        try:
            await asyncio.wait({task, watch}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            watch.cancel()
            if not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if task.cancelled():
            raise _Gone
        return task.result()

    async def index(request: Request) -> Response:
        """What a person opening the server's address in a browser needs: where the two APIs are (no token needed,
        but the Host is checked like everywhere)."""
        host_only = {k: v for k, v in request.headers.items() if k == "host"}
        if (problem := _refusal(None, host_only, {}, hosts)) is not None:
            status, code, message = problem
            return error(status, message, code)
        return JSONResponse({"object": "metwin.twin_server", "model": model_name, "openai_base_url": "/v1",
                             "spark_websocket": SPARK_PATHS[0], "token_required": bool(token)})

    async def models(request: Request) -> Response:
        denied = refused(request)
        return denied if denied is not None else JSONResponse({"object": "list", "data": [model_card]})

    async def model(request: Request) -> Response:
        if (denied := refused(request)) is not None:
            return denied
        if request.path_params["model"] != model_name:
            return error(404, f"This server has one model, {model_name!r}.", "model_not_found", param="model")
        return JSONResponse(model_card)

    async def read_body(request: Request) -> bytes | None:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY:
            return None
        body = bytearray()
        async for part in request.stream():
            body += part
            if len(body) > MAX_BODY:
                return None
        return bytes(body)

    async def completions(request: Request) -> Response:
        if (denied := refused(request)) is not None:
            return denied
        try:
            raw = await asyncio.wait_for(read_body(request), REQUEST_WAIT_S)
        except TimeoutError:
            return error(408, f"The request body did not arrive within {REQUEST_WAIT_S:g} s. Send it at once.",
                         "request_timeout")
        except ClientDisconnect:
            return error(400, "The client left before sending the whole request.", "client_closed")
        if raw is None:
            return error(413, f"The request is larger than {MAX_BODY // (1024 * 1024)} MiB. Send less history.",
                         "request_too_large")
        try:
            req = openai_request(raw, base)
        except _Invalid as exc:
            return error(400, str(exc), exc.code, param=exc.param)
        ident, now = f"chatcmpl-{secrets.token_hex(12)}", int(time.time())
        shown = _clean(req.model) if req.model else model_name      # the name the client asked for, echoed
        cuts = [_Cut(req.limit, req.stops) for _ in range(req.n)]

        def answer(i: int) -> AsyncIterator[str]:
            """Answer ``i`` of ``n``, cut. Answer 0 keeps the request's seed (n=1 and n>1 agree on it); each further
            one gets its own (seed + i, or a fresh one), so a seeded backend gives different replies."""
            seed = req.params.seed
            if i:
                seed = (seed + i) % 2 ** 63 if seed is not None else secrets.randbits(63)
            return _cut(answers.chunks(replace(req, params=replace(req.params, seed=seed))), cuts[i])

        if not req.stream:
            async def whole() -> list[str]:
                texts = []
                for i in range(req.n):              # one after another: each answer holds one of the stream slots
                    async with aclosing(answer(i)) as chunks:
                        texts.append("".join([chunk async for chunk in chunks]))
                return texts

            try:
                texts = await unless_gone(request, whole())
            except _Gone:
                return error(400, "The client left before the answer was ready.", "client_closed")
            except Exception as exc:       # noqa: BLE001 -- ChatError, or a backend bug said without its text
                status, body = chat_error(exc)
                return JSONResponse(body, status_code=status)
            return JSONResponse({
                "id": ident, "object": "chat.completion", "created": now, "model": shown,
                "choices": [{"index": i, "message": {"role": "assistant", "content": text},
                             "finish_reason": cuts[i].finish, "logprobs": None} for i, text in enumerate(texts)],
                "usage": _usage(req, texts)})
        chunks = answer(0)
        try:        # wait for the first chunk, so an answer that fails at once is a plain HTTP error
            first = await unless_gone(request, anext(chunks, None))
        except _Gone:
            await chunks.aclose()
            return error(400, "The client left before the answer began.", "client_closed")
        except Exception as exc:           # noqa: BLE001
            await chunks.aclose()
            status, body = chat_error(exc)
            return JSONResponse(body, status_code=status)

        def chunk(i: int, delta: dict[str, Any], finish: str | None = None) -> str:
            return _sse({"id": ident, "object": "chat.completion.chunk", "created": now, "model": shown,
                         "choices": [{"index": i, "delta": delta, "finish_reason": finish, "logprobs": None}]})

        async def events() -> AsyncIterator[str]:
            texts: list[str] = []
            for i in range(req.n):
                stream = chunks if i == 0 else answer(i)
                parts = [first] if i == 0 and first is not None else []
                async with aclosing(stream):
                    yield chunk(i, {"role": "assistant", "content": ""})
                    if parts:
                        yield chunk(i, {"content": parts[0]})
                    try:
                        async for piece in stream:
                            parts.append(piece)
                            yield chunk(i, {"content": piece})
                    except Exception as exc:   # noqa: BLE001 -- the headers are sent: say it in the stream (as vLLM)
                        yield _sse(chat_error(exc)[1])
                        yield "data: [DONE]\n\n"
                        return
                texts.append("".join(parts))
                yield chunk(i, {}, cuts[i].finish)
            if req.include_usage:
                yield _sse({"id": ident, "object": "chat.completion.chunk", "created": now, "model": shown,
                            "choices": [], "usage": _usage(req, texts)})
            yield "data: [DONE]\n\n"

        return TimedStream(events(), media_type="text/event-stream",
                           headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def spark(ws: WebSocket) -> None:
        problem = access.refusal(ws.headers, ws.query_params, ws.url.path)
        if problem is not None:
            status, code, message = problem
            body = {"message": message, **_error_body(message, "invalid_request_error", code)}  # Spark reads message
            if "websocket.http.response" in ws.scope.get("extensions", {}):
                await ws.send_denial_response(JSONResponse(body, status_code=status))
            else:
                await ws.close(code=1008)
            return
        await ws.accept()
        sid = f"cht{secrets.token_hex(4)}@mt{secrets.token_hex(8)}"

        async def say(text: str) -> None:
            await timed(ws.send_text, text)    # every frame out, with the write timeout

        gave_up = False
        try:
            try:
                received = await asyncio.wait_for(ws.receive(), REQUEST_WAIT_S)
            except TimeoutError:
                return
            if received["type"] != "websocket.receive":
                return
            raw = received.get("text")
            if raw is None:
                raw = received.get("bytes") or b""
            try:
                if (len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogatepass"))) > MAX_BODY:
                    raise _Invalid(f"the frame is larger than {MAX_BODY // (1024 * 1024)} MiB: send less history",
                                   code="request_too_large", spark=10907)
                req = spark_request(raw, base)
            except _Invalid as exc:
                await say(_spark_error(sid, exc.spark, str(exc)))
                return
            seq, parts = 0, []
            try:
                async with aclosing(_cut(answers.chunks(req), _Cut(req.limit))) as chunks:
                    async for piece in chunks:
                        await say(_spark_frame(sid, 0 if seq == 0 else 1, seq, piece))
                        parts.append(piece)
                        seq += 1
            except (WebSocketDisconnect, OSError, _Stalled):
                raise
            except Exception as exc:       # noqa: BLE001 -- ChatError, or a backend bug said without its text
                message, _, code, _, _ = _failure(exc, backend)
                await say(_spark_error(sid, code, message))
                return
            answer = "".join(parts)
            usage = {"question_tokens": rough_tokens(next(m["content"] for m in reversed(req.messages)
                                                          if m["role"] == "user")), **_usage(req, answer)}
            await say(_spark_frame(sid, 2, seq, "", usage))
        except (WebSocketDisconnect, OSError):
            return                         # the client left; the answer's generator is already closed
        except _Stalled:
            gave_up = True                 # no close frame either: it would wait on the same full buffer
            stalled()
        except Exception as exc:           # noqa: BLE001 -- a bug here: one error frame, its type and place logged
            log.error("the twin server failed on a Spark request: %s at %s", type(exc).__name__, _where(exc))
            try:
                await say(_spark_error(sid, UNEXPECTED[0], f"The twin server failed ({type(exc).__name__}). Check "
                                                           "its log."))
            except (WebSocketDisconnect, OSError, RuntimeError, _Stalled):
                gave_up = True
        finally:
            if not gave_up and ws.application_state != WebSocketState.DISCONNECTED:
                try:
                    await asyncio.wait_for(ws.close(), write_timeout)
                except (WebSocketDisconnect, RuntimeError, OSError, TimeoutError):  # the client closed first
                    pass

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        if status == 405:
            return error(405, f"{request.method} is not allowed on {request.url.path}.", "method_not_allowed")
        return error(404, f"Nothing at {request.url.path}. The OpenAI-compatible API is under /v1 "
                          f"(/v1/chat/completions, /v1/models); the Spark WebSocket is {SPARK_PATHS[0]}.",
                     "not_found")

    async def crashed(request: Request, exc: Exception) -> Response:
        """A bug in this server (not the backend): an OpenAI-style 500; ``Quiet`` logs its type and place."""
        return error(500, f"The twin server failed on this request ({type(exc).__name__}). Check its log.",
                     "internal_error")

    class Quiet(Starlette):
        """The app, logging an unexpected exception as one line (type and place) instead of uvicorn's traceback:
        tracebacks print local values' context, and a request's text must not reach the log."""

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            try:
                if scope["type"] == "http":
                    headers = Headers(scope=scope)
                    if scope["method"] == "OPTIONS" and "origin" in headers \
                            and "access-control-request-method" in headers:   # a CORS preflight, on any path
                        await preflight(headers)(scope, receive, send)
                        return
                    send = with_cors(send, access.cors_headers(headers))
                await super().__call__(scope, receive, send)
            except Exception as exc:       # noqa: BLE001 -- answered already (crashed), or a WebSocket: closed
                log.error("the twin server failed on a request: %s at %s", type(exc).__name__, _where(exc))

    def preflight(headers: Headers) -> Response:
        status, extra, problem = access.preflight(headers)
        if problem is None:
            return Response(status_code=status, headers=extra)
        response = error(problem[0], problem[2], problem[1])
        response.headers.update(extra)
        return response

    def with_cors(send: Send, extra: dict[str, str]) -> Send:
        """``send`` adding the CORS headers to the response's start (plain, streamed and error answers alike)."""
        if not extra:
            return send
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()]

        async def sending(message: Message_) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *raw]}
            await send(message)
        return sending

    routes = [Route("/", index), Route("/v1/models", models), Route("/v1/models/{model:path}", model),
              Route("/v1/chat/completions", completions, methods=["POST"]),
              *(WebSocketRoute(path, spark) for path in SPARK_PATHS)]
    return Quiet(routes=routes, exception_handlers={404: not_found, 405: not_found, Exception: crashed})


# ------------------------------------------------------------------------------------------------------- serving

def listen_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``, so a port in use is one clear sentence rather than uvicorn's exit."""
    if not 0 <= port <= 65535:
        raise BadInputError(f"port {port} is not a port number: choose one from 1 to 65535 (default {DEFAULT_PORT})")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host.strip("[]") or None, port,
                                                             type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror:
        raise BadInputError(f"cannot listen on {host!r}: no such address on this machine; use 127.0.0.1 "
                            "(this machine only) or 0.0.0.0 (the network, with a token)") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise BadInputError(f"cannot listen on {host}:{port} ({exc.strerror or type(exc).__name__}): choose another "
                            "--port, or stop the program using it") from None
    return sock


class _UvicornNoise(logging.Filter):
    """uvicorn lines that a hostile or ordinary client causes and that are no server error. Dropped: "returned without
    completing handshake" (logged after every handshake refused with an HTTP response, though the client got our 401
    or 403 as meant) and "returned without completing response" (after a stream stopped for a client that stopped
    reading, which we log as a warning of our own). Made a warning without its traceback: "Invalid UTF-8 sequence"
    (a client's text frame that is not UTF-8; the connection is closed with 1007, anyone can send one)."""

    NOISE = frozenset({"ASGI callable returned without completing handshake.",
                       "ASGI callable returned without completing response."})
    CLIENT_FAULTS = frozenset({"Invalid UTF-8 sequence received from client."})

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message in self.CLIENT_FAULTS:
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        return message not in self.NOISE


def _is_wildcard(host: str) -> bool:
    name = (host or "").strip().strip("[]")
    try:
        return not name or ipaddress.ip_address(name).is_unspecified
    except ValueError:
        return False


def served_hosts(host: str, allowed_hosts: Iterable[str] = ()) -> list[str]:
    """The Host names the app accepts besides loopback's, for a server listening on ``host``: the given ones, plus
    that address itself. Listening on every address (0.0.0.0, ::) with none given accepts any Host: the server is
    then reached by names we cannot know, and ``check_bind`` has made the token required."""
    hosts = [h for h in allowed_hosts if h.strip()]
    if _is_wildcard(host):
        return hosts or [ANY_HOST]
    return hosts if is_loopback(host) else [*hosts, host]


def make_server(backend: Backend, host: str = "127.0.0.1", port: int = DEFAULT_PORT, token: str | None = None,
                system_prompt: str = "", model_name: str = DEFAULT_MODEL, *, allowed_hosts: Iterable[str] = (),
                **app_options: Any) -> uvicorn.Server:
    """A uvicorn server for the app, not yet running: warnings only (uvicorn's info lines name each WebSocket's URL,
    ``?token=`` included) and no access log. Raises BadInputError beyond loopback without a token."""
    import uvicorn

    token = (token or "").strip() or None
    check_bind(host, token)
    app = make_app(backend, system_prompt, token, model_name, allowed_hosts=served_hosts(host, allowed_hosts),
                   **app_options)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off",
                            proxy_headers=False, server_header=False, ws_max_size=WS_MAX_FRAME,
                            timeout_graceful_shutdown=5)
    errors = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _UvicornNoise) for f in errors.filters):
        errors.addFilter(_UvicornNoise())
    return uvicorn.Server(config)


def serve(backend: Backend, host: str = "127.0.0.1", port: int = DEFAULT_PORT, token: str | None = None,
          system_prompt: str = "", model_name: str = DEFAULT_MODEL, **app_options: Any) -> None:
    """Serve the twin until interrupted (Ctrl-C)."""
    server = make_server(backend, host, port, token, system_prompt, model_name, **app_options)
    sock = listen_socket(host, port)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


# -------------------------------------------------------------------------------------------------- command line

def cmd_serve(args: argparse.Namespace) -> int:
    """``python -m lib serve``: the workspace's twin (its backend, persona prompt and chat settings), served. The
    backend comes from :func:`lib.chat.get_backend`, so every answer, over HTTP and WebSocket alike, passes the
    workspace's output guard (:mod:`lib.pii.guard`) before it is sent."""
    token = (args.token or os.environ.get(TOKEN_ENV) or "").strip() or None
    check_bind(args.host, token)                    # before loading anything: fail at once, not in a minute
    spark_key = getattr(args, "spark_key", None) or os.environ.get(SPARK_KEY_ENV)
    spark_secret = getattr(args, "spark_secret", None) or os.environ.get(SPARK_SECRET_ENV)
    signing = spark_credentials(spark_key, spark_secret) is not None      # both or neither, checked now
    cors_origins = [normalize_origin(o) for o in getattr(args, "cors_origin", None) or ()]
    max_streams = getattr(args, "max_streams", MAX_STREAMS)
    if max_streams < 1:
        raise BadInputError(f"--max-streams {max_streams} would refuse every answer: give 1 or more (default "
                            f"{MAX_STREAMS})")
    sock = listen_socket(args.host, args.port)      # likewise a port in use
    try:
        from lib import chat, persona
        from lib.workspace import Workspace, open_workspace

        ws = Workspace(Path(args.workspace)) if args.workspace else open_workspace()
        backend = chat.get_backend(args.backend, ws)
        model_name = args.model_name or DEFAULT_MODEL
        server = make_server(backend, args.host, args.port, token, persona.prompt(ws), model_name,
                             defaults=chat.params(ws), max_streams=max_streams,
                             allowed_hosts=getattr(args, "allowed_host", None) or (), spark_key=spark_key,
                             spark_secret=spark_secret, cors_origins=cors_origins)
        port = sock.getsockname()[1]
        host = f"[{args.host}]" if ":" in args.host and not args.host.startswith("[") else args.host
        print(f"twin server ({backend.label}) on http://{host}:{port}\n"
              f"  OpenAI-compatible: base_url http://{host}:{port}/v1, model {model_name}\n"
              f"  Spark-compatible WebSocket: ws://{host}:{port}{SPARK_PATHS[0]}\n"
              + ("  clients must send the token (Authorization: Bearer, or ?token=)\n" if token else "")
              + ("  Spark SDKs may sign the WebSocket URL with the twin's API key and secret\n" if signing else "")
              + (f"  browser pages allowed from: {', '.join(cors_origins)}\n" if cors_origins else "")
              + "  Ctrl-C stops it", flush=True)
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0


__all__ = ["DEFAULT_MODEL", "DEFAULT_PORT", "MAX_BODY", "MAX_CHOICES", "MAX_JSON_DEPTH", "MAX_STREAMS", "SPARK_KEY_ENV",
           "SPARK_PATHS", "SPARK_SECRET_ENV", "TOKEN_ENV", "WRITE_TIMEOUT_S", "allowed_host_set", "build_parser_args",
           "check_bind", "cmd_serve", "is_loopback", "listen_socket", "make_app", "make_server", "openai_request",
           "rough_tokens", "serve", "served_hosts", "spark_request"]
