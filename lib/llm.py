"""A small client for any OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp server, LM Studio, hosted APIs).

Why our own client and not the ``openai`` package: MeTwin is local-first and keeps its dependencies few; the three
calls it needs (chat, streamed chat, list models) are plain JSON over HTTP, and owning them lets every failure become
one actionable sentence (``LLMError``) for the page to show.

Privacy rules, held everywhere in this module: nothing is logged; no error message, ``repr`` or exception chain
carries the API key or the text of a message (a server that echoes either back has it scrubbed before we repeat it).

Timeouts are per socket operation (connect, each read), as ``urllib`` applies them: a stream that keeps sending never
times out, one that stalls for ``timeout`` seconds does.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lib.errors import BadInputError
from lib.secret_scrub import scrub

KINDS: frozenset[str] = frozenset({
    "connection", "auth", "not_found", "rate_limit", "timeout", "server", "bad_response", "content_filter",
    "bad_request",
})
SERVER_MESSAGE_CHARS = 200      # how much of the server's own error message we repeat
MIN_SCRUB_CHARS = 4             # message texts (and their lines) at least this long are scrubbed from server errors
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

Message = Mapping[str, Any]


@dataclass(frozen=True)
class Endpoint:
    """Where to send chat requests. ``base_url`` is the part before ``/chat/completions``, usually ending in ``/v1``
    (``http://127.0.0.1:8000/v1`` for vLLM, ``http://127.0.0.1:11434/v1`` for Ollama); a trailing slash is fine.
    ``timeout`` is in seconds, per connect or read."""

    base_url: str
    model: str
    api_key: str = ""
    timeout: float = 60.0

    def __repr__(self) -> str:
        """Shows whether a key is set, never the key: endpoints end up in logs, tracebacks and the page's state."""
        key = "'***'" if self.api_key else "''"
        return (f"Endpoint(base_url={_safe_url(self.base_url)!r}, model={self.model!r}, api_key={key}, "
                f"timeout={self.timeout!r})")

    __str__ = __repr__


class LLMError(BadInputError):
    """A failed model call, as one sentence: what went wrong and what to do. ``kind`` (one of ``KINDS``) lets the
    caller react (retry on ``rate_limit``, ask for a key on ``auth``); ``status`` is the HTTP status when there was one.
    """

    def __init__(self, kind: str, message: str, *, status: int | None = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown LLMError kind {kind!r}")
        super().__init__(message)
        self.kind = kind
        self.status = status


# --------------------------------------------------------------------------------------------------------- helpers

def _safe_url(url: str) -> str:
    """The URL without user info, query or fragment: those are where credentials hide."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
    except ValueError:
        return "<invalid URL>"
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _url(endpoint: Endpoint, path: str) -> str:
    """``base_url`` + ``path``; refuses anything but http(s) before a socket is opened."""
    base = (endpoint.base_url or "").strip().rstrip("/")
    parts = urllib.parse.urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LLMError("connection", f"The base URL {_safe_url(base)!r} is not an http(s) URL. Use something like "
                                     "http://127.0.0.1:8000/v1 (the part before /chat/completions).")
    return base + path


def _where(endpoint: Endpoint) -> str:
    return _safe_url((endpoint.base_url or "").strip().rstrip("/"))


def _opener(url: str) -> urllib.request.OpenerDirector:
    """No proxy for a server on this machine (a corporate ``http_proxy`` must not swallow 127.0.0.1); the usual
    environment proxies otherwise."""
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if host in LOOPBACK_HOSTS or host.startswith("127."):
        return urllib.request.build_opener(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener()


def _secrets(endpoint: Endpoint, messages: Sequence[Message] = ()) -> list[str]:
    """Strings that must never reach an error message: the key and every message text (and each of its lines)."""
    found: set[str] = set()
    if endpoint.api_key:
        found.add(endpoint.api_key)
    for message in messages:
        text = _text_of(message.get("content")) if isinstance(message, Mapping) else None
        if text:
            for piece in (text, *text.splitlines()):
                piece = piece.strip()
                if len(piece) >= MIN_SCRUB_CHARS:
                    found.add(piece)
    return sorted(found, key=len, reverse=True)


_CONTENT_FIELD = re.compile(r"""(["']content["']\s*[:=]\s*)(["'])(?:\\.|(?!\2).)*\2?""", re.DOTALL)


def _scrub(text: str, secrets: Sequence[str], api_key: str = "", keys: Sequence[str] = ()) -> str:
    """Server text made safe to repeat: secrets and echoed ``content`` fields removed, one line, ~200 characters.
    ``api_key`` and ``keys`` also go in every encoded form, with anything else key-shaped (:mod:`lib.secret_scrub`)."""
    for secret in secrets:
        text = text.replace(secret, "…")
    text = scrub(text, (api_key, *keys))    # before cutting to length, so no encoded key is left half-cut
    if len(api_key) >= 12:   # a server may echo part of the key ("sk-abcd1234****"): drop tokens sharing its ends
        head, tail = re.escape(api_key[:8]), re.escape(api_key[-8:])
        text = re.sub(rf"\S*(?:{head}|{tail})\S*", "…", text)
    text = _CONTENT_FIELD.sub(r"\1…", text)
    text = " ".join(text.split())
    if len(text) > SERVER_MESSAGE_CHARS:
        text = text[:SERVER_MESSAGE_CHARS - 1].rstrip() + "…"
    return text


def _server_message(body: bytes) -> tuple[str, str]:
    """(message, code) from an error body: OpenAI's ``{"error": {"message", "code"|"type"}}``, Ollama's
    ``{"error": "..."}``, FastAPI's ``{"detail": ...}``, or short plain text. HTML pages give nothing."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return ("" if text.startswith("<") else text), ""
    return _error_fields(data)


def _error_fields(data: Any) -> tuple[str, str]:
    if not isinstance(data, dict):
        return "", ""
    error = data.get("error", data.get("detail", data.get("message")))
    if isinstance(error, dict):
        code = error.get("code") or error.get("type") or ""
        return str(error.get("message") or error.get("msg") or ""), str(code)
    if isinstance(error, list):   # FastAPI validation errors: a list of {"msg": ...}
        return "; ".join(str(e.get("msg", "")) for e in error if isinstance(e, dict)), ""
    return ("" if error is None else str(error)), ""


def _detail(status: int | None, message: str) -> str:
    """The parenthesised part of an error sentence: ``(HTTP 429: Too many requests)``."""
    if status is None:
        return f" ({message})" if message else ""
    return f" (HTTP {status}: {message})" if message else f" (HTTP {status})"


def _status_error(endpoint: Endpoint, status: int, message: str, code: str = "", retry_after: str | None = None,
                  *, in_body: bool = False) -> LLMError:
    """An HTTP failure as one actionable sentence; ``in_body`` for an error object inside a 200 answer or a stream
    (``status`` then only picks the wording)."""
    where, detail = _where(endpoint), _detail(None if in_body else status, message)
    if "content_filter" in code or "content_policy" in code:
        return LLMError("content_filter", f"The content filter of {where} blocked the request{detail}. Rephrase the "
                                          "input or use another model.", status=status)
    if status in (401, 403):
        if endpoint.api_key:
            return LLMError("auth", f"The server at {where} refused the API key{detail}. Check the API key and that "
                                    "it may use this model.", status=status)
        return LLMError("auth", f"The server at {where} requires an API key{detail}. Set the API key.", status=status)
    if status == 402:
        return LLMError("auth", f"The server at {where} refused the request for this account{detail}. Check the "
                                "account's credit or plan.", status=status)
    if status == 404:
        return LLMError("not_found", f"Not found at {where}{detail}. Check the base URL (usually ending in /v1) and "
                                     f"the model name {endpoint.model!r}.", status=status)
    if status == 408:
        return LLMError("timeout", f"The server at {where} timed out{detail}. Try again, or send less at once.",
                        status=status)
    if status == 429:
        wait = f"Wait {retry_after} s" if retry_after and retry_after.strip().isdigit() else "Wait a moment"
        return LLMError("rate_limit", f"The server at {where} is rate-limiting requests{detail}. {wait} and try "
                                      "again, or send smaller batches.", status=status)
    if status >= 500:
        return LLMError("server", f"The model server at {where} failed{detail}. Check that the model is loaded "
                                  "(its log says why) and try again.", status=status)
    if 400 <= status < 500:
        return LLMError("bad_request", f"The server at {where} rejected the request{detail}. Check the model name "
                                       "and the settings; a long input may exceed the model's context, so try "
                                       "smaller batches.", status=status)
    return LLMError("bad_response", f"The server at {where} answered with an unexpected HTTP {status}. Check the "
                                    "base URL (usually ending in /v1).", status=status)


def _is_error(data: Any) -> bool:
    """An error object where an answer was expected: ``{"error": ...}`` or vLLM's ``{"object": "error", ...}``."""
    return isinstance(data, dict) and (bool(data.get("error")) or data.get("object") == "error")


def _body_error(endpoint: Endpoint, data: Any, secrets: Sequence[str]) -> LLMError:
    """An error object inside a 200 answer or a stream; a numeric ``code`` (vLLM, llama.cpp) picks the kind."""
    message, code = _error_fields(data)
    error = data.get("error") if isinstance(data, dict) and isinstance(data.get("error"), dict) else data
    status = error.get("code") if isinstance(error, dict) else None
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or not 400 <= status <= 599:
        status = 500
    return _status_error(endpoint, status, _scrub(message or "error", secrets, endpoint.api_key), code, in_body=True)


def _http_error(endpoint: Endpoint, exc: urllib.error.HTTPError, secrets: Sequence[str]) -> LLMError:
    try:
        body = exc.read(64 * 1024) if exc.fp is not None else b""
    except (OSError, http.client.HTTPException):
        body = b""
    message, code = _server_message(body)
    message = message or str(exc.reason or "")
    retry_after = exc.headers.get("Retry-After") if exc.headers is not None else None
    return _status_error(endpoint, exc.code, _scrub(message, secrets, endpoint.api_key), code, retry_after)


def _transport_error(endpoint: Endpoint, exc: BaseException) -> LLMError:
    """Socket-level failures: refused, unknown host, TLS, timeout, dropped connection, not an HTTP server."""
    where = _where(endpoint)
    reason: Any = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return LLMError("timeout", f"No answer from {where} within {endpoint.timeout:g} s. The model may still be "
                                   "loading or too slow: try again, or raise the timeout.")
    if isinstance(reason, ConnectionRefusedError):
        why = "connection refused"
    elif isinstance(reason, socket.gaierror):
        why = "host name not found"
    elif isinstance(reason, ssl.SSLCertVerificationError):
        why = "its TLS certificate is not trusted"
    elif isinstance(reason, ssl.SSLError):
        why = "TLS handshake failed (is it http rather than https?)"
    elif isinstance(reason, http.client.RemoteDisconnected):
        why = "the server closed the connection without answering"
    elif isinstance(reason, ConnectionResetError):
        why = "the connection was reset"
    elif isinstance(reason, http.client.HTTPException):
        return LLMError("bad_response", f"{where} did not answer in HTTP. Check the base URL and port.")
    elif isinstance(reason, OSError) and reason.strerror:
        why = reason.strerror.lower()
    else:
        why = _scrub(str(reason), (endpoint.api_key,) if endpoint.api_key else (), endpoint.api_key) or "unknown error"
    return LLMError("connection", f"Cannot reach {where}: {why}. Is the model server running? Check the base URL.")


def _open(endpoint: Endpoint, method: str, path: str, payload: dict[str, Any] | None,
          secrets: Sequence[str]) -> http.client.HTTPResponse:
    """Send one request; every failure leaves as an LLMError, with the original exception suppressed (its text could
    hold what we promise not to show)."""
    url = _url(endpoint, path)
    headers = {"Accept": "application/json, text/event-stream", "User-Agent": "MeTwin"}
    data = None
    if payload is not None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers["Content-Type"] = "application/json"
    if endpoint.api_key:
        headers["Authorization"] = f"Bearer {endpoint.api_key}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        return _opener(url).open(request, timeout=endpoint.timeout)
    except urllib.error.HTTPError as exc:
        error = _http_error(endpoint, exc, secrets)
        exc.close()
    except (OSError, http.client.HTTPException) as exc:   # URLError is an OSError
        error = _transport_error(endpoint, exc)
    raise error


def _read_json(endpoint: Endpoint, response: http.client.HTTPResponse, secrets: Sequence[str]) -> Any:
    try:
        with response:
            body = response.read()
    except (OSError, http.client.HTTPException) as exc:
        raise _transport_error(endpoint, exc) from None
    try:
        return json.loads(body.decode("utf-8"))
    except ValueError:
        raise _not_json(endpoint, body) from None


def _not_json(endpoint: Endpoint, body: bytes) -> LLMError:
    looks_html = body.lstrip()[:1] == b"<"
    what = "a web page" if looks_html else "an answer that is not valid JSON"
    return LLMError("bad_response", f"The server at {_where(endpoint)} sent {what}. Check that the base URL is the "
                                    "OpenAI-compatible API (usually ending in /v1).")


def _payload(endpoint: Endpoint, messages: Sequence[Message], temperature: float, top_p: float | None,
             max_tokens: int | None, extra: Mapping[str, Any] | None, stream: bool) -> dict[str, Any]:
    """The request body; ``extra`` (server-specific options such as ``seed`` or ``stop``) may override anything but
    the messages and the stream flag."""
    if not (endpoint.model or "").strip():
        raise LLMError("bad_request", "No model name is set. Choose one of the models the server lists.")
    payload: dict[str, Any] = {"model": endpoint.model, "messages": [dict(m) for m in messages],
                               "temperature": temperature}
    if top_p is not None:
        payload["top_p"] = top_p
    if max_tokens is not None:
        payload["max_tokens"] = max_tokens
    payload.update(extra or {})
    payload["messages"] = [dict(m) for m in messages]
    payload["stream"] = stream
    return payload


def _content_filtered(endpoint: Endpoint) -> LLMError:
    return LLMError("content_filter", f"The content filter of the model {endpoint.model!r} at {_where(endpoint)} "
                                      "stopped the answer. Rephrase the input or use another model.")


def _text_of(content: Any) -> str | None:
    """Message content as text: a string, or a list of parts (``{"type": "text", "text": ...}``) joined."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text") or "" for p in content if isinstance(p, dict))
    return None


def _completion_text(endpoint: Endpoint, data: Any, secrets: Sequence[str]) -> str:
    """The first choice's text from a chat completion, or the LLMError that explains why there is none."""
    if _is_error(data):
        raise _body_error(endpoint, data, secrets)
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise LLMError("bad_response", f"The server at {_where(endpoint)} answered without any choices. Check that "
                                       "the base URL is an OpenAI-compatible chat API and the model can chat.")
    choice = choices[0]
    if choice.get("finish_reason") == "content_filter":
        raise _content_filtered(endpoint)
    message = choice.get("message")
    text = _text_of(message.get("content")) if isinstance(message, dict) else None
    if text is None and isinstance(choice.get("text"), str):   # a completions-style answer
        text = choice["text"]
    if text is None:
        if isinstance(message, dict) and message.get("refusal"):
            raise _content_filtered(endpoint)
        raise LLMError("bad_response", f"The answer from {_where(endpoint)} has no text (perhaps only a tool call). "
                                       "Try another model.")
    return text


# ------------------------------------------------------------------------------------------------------ public API

def chat(endpoint: Endpoint, messages: Sequence[Message], *, temperature: float = 0.9, top_p: float | None = None,
         max_tokens: int | None = None, extra: Mapping[str, Any] | None = None) -> str:
    """One chat completion, not streamed: the assistant's text. Raises LLMError."""
    secrets = _secrets(endpoint, messages)
    payload = _payload(endpoint, messages, temperature, top_p, max_tokens, extra, stream=False)
    data = _read_json(endpoint, _open(endpoint, "POST", "/chat/completions", payload, secrets), secrets)
    return _completion_text(endpoint, data, secrets)


def stream_chat(endpoint: Endpoint, messages: Sequence[Message], *, temperature: float = 0.9,
                top_p: float | None = None, max_tokens: int | None = None,
                extra: Mapping[str, Any] | None = None) -> Iterator[str]:
    """A chat completion streamed as server-sent events: yields each piece of text as it arrives. The request is sent
    on the first ``next()``; closing the iterator closes the connection. Raises LLMError, also midway (the pieces
    already yielded stay valid). A server that ignores ``stream`` and answers in one JSON body is accepted."""
    secrets = _secrets(endpoint, messages)
    payload = _payload(endpoint, messages, temperature, top_p, max_tokens, extra, stream=True)
    response = _open(endpoint, "POST", "/chat/completions", payload, secrets)
    with response:
        if "json" in (response.headers.get("Content-Type") or ""):
            text = _completion_text(endpoint, _read_json(endpoint, response, secrets), secrets)
            if text:
                yield text
            return
        yield from _sse_deltas(endpoint, response, secrets)


def _sse_deltas(endpoint: Endpoint, response: http.client.HTTPResponse, secrets: Sequence[str]) -> Iterator[str]:
    """Content deltas from an SSE body: ``data:`` lines (several make one event), ``event: error``, ``[DONE]``."""
    event, buffer = "", []
    lines = _lines(endpoint, response)
    for line in lines:
        if line.startswith(":"):            # comment / keep-alive
            continue
        if not line:                        # end of event
            if buffer:
                raise _not_json(endpoint, "\n".join(buffer).encode("utf-8"))
            event = ""
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            event = value.strip()
            continue
        if field != "data":
            continue
        if value.strip() == "[DONE]":
            return
        buffer.append(value)
        try:
            data = json.loads("\n".join(buffer))
        except ValueError:
            continue                        # maybe split over several data lines: wait for the rest
        buffer = []
        yield from _chunk_text(endpoint, data, event, secrets)
    if buffer:
        raise _not_json(endpoint, "\n".join(buffer).encode("utf-8"))


def _lines(endpoint: Endpoint, response: http.client.HTTPResponse) -> Iterator[str]:
    try:
        for raw in response:
            yield raw.decode("utf-8", errors="replace").rstrip("\r\n")
    except (OSError, http.client.HTTPException) as exc:
        raise _transport_error(endpoint, exc) from None


def _chunk_text(endpoint: Endpoint, data: Any, event: str, secrets: Sequence[str]) -> Iterator[str]:
    """The text in one streamed chunk; an error event or error object mid-stream becomes an LLMError."""
    if event == "error" or _is_error(data):
        raise _body_error(endpoint, data, secrets)
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices:
        return                              # e.g. a final usage-only chunk
    choice = choices[0] if isinstance(choices[0], dict) else {}
    delta = choice.get("delta")
    text = _text_of(delta.get("content")) if isinstance(delta, dict) else None
    if text is None and isinstance(choice.get("text"), str):
        text = choice["text"]
    if text:
        yield text
    if choice.get("finish_reason") == "content_filter":
        raise _content_filtered(endpoint)


def list_models(endpoint: Endpoint) -> list[str]:
    """The model ids the server offers (GET /models): the "test connection" button, and the model picker's list."""
    secrets = _secrets(endpoint)
    data = _read_json(endpoint, _open(endpoint, "GET", "/models", None, secrets), secrets)
    rows = data.get("data", data.get("models")) if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise LLMError("bad_response", f"The server at {_where(endpoint)} did not list any models. Check that the "
                                       "base URL is an OpenAI-compatible API (usually ending in /v1).")
    models = []
    for row in rows:
        name = row.get("id") or row.get("name") or row.get("model") if isinstance(row, dict) else row
        if isinstance(name, str) and name:
            models.append(name)
    return models


def endpoint_from_env(prefix: str = "METWIN_LLM", environ: Mapping[str, str] | None = None) -> Endpoint | None:
    """The endpoint configured in the environment (``{prefix}_BASE_URL``, ``{prefix}_MODEL``, ``{prefix}_API_KEY``
    falling back to ``OPENAI_API_KEY``, optional ``{prefix}_TIMEOUT`` in seconds), or None without a base URL. The
    model may be empty: the page then offers the server's list."""
    env = os.environ if environ is None else environ
    base_url = (env.get(f"{prefix}_BASE_URL") or "").strip()
    if not base_url:
        return None
    key = env.get(f"{prefix}_API_KEY")
    if key is None:
        key = env.get("OPENAI_API_KEY", "")
    endpoint = Endpoint(base_url=base_url, model=(env.get(f"{prefix}_MODEL") or "").strip(), api_key=key.strip())
    timeout = (env.get(f"{prefix}_TIMEOUT") or "").strip()
    if timeout:
        try:
            seconds = float(timeout)
        except ValueError:
            raise BadInputError(f"{prefix}_TIMEOUT={timeout!r} is not a number of seconds. "
                                "Set it to e.g. 60.") from None
        if not seconds > 0:
            raise BadInputError(f"{prefix}_TIMEOUT must be more than 0 seconds. Set it to e.g. 60.")
        endpoint = Endpoint(endpoint.base_url, endpoint.model, endpoint.api_key, seconds)
    return endpoint
