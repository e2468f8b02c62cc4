"""A real, small OpenAI-compatible HTTP server for tests: the client under test talks to it over a socket, exactly as
it would to vLLM, Ollama or a hosted API, so headers, status codes, SSE framing and timeouts are all exercised.

    with FakeOpenAI(reply=lambda body: "hi", key="sk-test") as srv:
        chat(Endpoint(srv.base_url, "fake-model", "sk-test"), [{"role": "user", "content": "hello"}])
        assert srv.requests[-1].json["messages"][0]["content"] == "hello"

Endpoints: ``GET /v1/models``; ``POST /v1/chat/completions``, one JSON body or, with ``"stream": true``, server-sent
events (``choices[0].delta.content`` chunks, a final chunk with ``finish_reason``, then ``data: [DONE]``).

Scripting failures (all attributes may also be changed on a running server):

- ``key="..."``: requests without ``Authorization: Bearer <key>`` get 401 with an OpenAI-style error body.
- ``fail_with=429`` (any status): every chat and models request fails so; ``error_message`` sets the text,
  ``retry_after`` adds the header.
- A reply callable may raise ``Fail(status, message)`` to fail one chosen request.
- ``delay``: seconds to wait before answering (timeout tests); ``chunk_delay``: between streamed text chunks
  (the first comes at once, so a stream can stall midway).
- ``invalid_json=True``: a 200 whose body (or first SSE event) is not JSON.
- ``finish_reason="content_filter"``: the answer ends as a filtered one.
- ``stream_error="..."``: a streamed answer sends one chunk, then an error object.
- ``raw_body=b"..."``: sent as-is with status 200 (``raw_content_type`` or a type guessed from the request).
- ``models=(...)``: the list served; a chat request naming another model gets 404 unless ``check_model=False``.

Requests are recorded in ``srv.requests`` (method, path, lower-cased headers, parsed JSON body), failed ones included.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

ReplyText = str | Sequence[str]
Reply = ReplyText | Callable[[dict[str, Any]], ReplyText]

ERROR_TYPES: dict[int, tuple[str, str]] = {   # status → (default message, type)
    400: ("Invalid request.", "invalid_request_error"),
    401: ("Incorrect API key provided.", "invalid_request_error"),
    403: ("You are not allowed to use this model.", "permission_error"),
    404: ("The requested resource does not exist.", "not_found_error"),
    408: ("Request timed out.", "timeout_error"),
    429: ("Rate limit reached for requests. Please try again later.", "rate_limit_error"),
    500: ("The server had an error while processing your request.", "server_error"),
    502: ("Bad gateway.", "server_error"),
    503: ("The engine is currently overloaded, please try again later.", "server_error"),
}


class Fail(Exception):
    """Raise from a reply callable to answer that one request with an HTTP error and an OpenAI-style body."""

    def __init__(self, status: int, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message or ERROR_TYPES.get(status, ("Error.", ""))[0])
        self.status = status
        self.message = str(self)
        self.code = code


@dataclass
class RecordedRequest:
    """One request as the server saw it; ``headers`` have lower-case names, ``json`` is None without a JSON body."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any = None
    raw: bytes = b""

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")


@dataclass
class FakeOpenAI:
    """The server; use it as a context manager (``start()``/``stop()`` also work). ``base_url`` ends in ``/v1``."""

    reply: Reply = "Hello from the fake model."
    key: str | None = None
    models: Sequence[str] = ("fake-model",)
    check_model: bool = True
    fail_with: int | None = None
    error_message: str | None = None
    retry_after: int | None = None
    delay: float = 0.0
    chunk_delay: float = 0.0
    chunk_size: int = 3
    invalid_json: bool = False
    finish_reason: str = "stop"
    stream_error: str | None = None
    raw_body: bytes | None = None
    raw_content_type: str | None = None
    requests: list[RecordedRequest] = field(default_factory=list, repr=False)
    errors: list[BaseException] = field(default_factory=list, repr=False)   # exceptions raised by a reply callable

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -------------------------------------------------------------------------------------------------

    def start(self) -> Self:
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
                                        name="FakeOpenAI", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()   # wakes handlers sleeping in ``delay``
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # addresses and records -------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeOpenAI is not running: use it in a with block")
        return self._server.server_address[1]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1"

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """Only the chat completion requests, in order."""
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def last(self) -> RecordedRequest:
        with self._lock:
            return self.requests[-1]

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def _answer(self, body: dict[str, Any]) -> ReplyText:
        reply = self.reply
        return reply(body) if callable(reply) else reply


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False     # a handler still sleeping in ``delay`` must not hold up the end of a test
    fake: FakeOpenAI

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that gave up (timeout tests) is expected, and tracebacks would clutter test output."""


def _chunks(text: ReplyText, size: int) -> list[str]:
    if not isinstance(text, str):
        return [str(t) for t in text]
    size = max(1, size)
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"   # one request per connection; a stream ends when the connection closes
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: tests must not print what was sent."""

    # routing ---------------------------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        fake = self.server.fake
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        fake._record(RecordedRequest(method, self.path, {k.lower(): v for k, v in self.headers.items()}, body, raw))
        try:
            self._route(fake, method, raw, body)
        except (BrokenPipeError, ConnectionResetError):
            pass   # the client hung up (e.g. its timeout fired first)

    def _route(self, fake: FakeOpenAI, method: str, raw: bytes, body: Any) -> None:
        route = (method, self.path.split("?", 1)[0].rstrip("/"))
        if route not in (("GET", "/v1/models"), ("POST", "/v1/chat/completions")):
            return self._error(404, f"Unknown request URL: {method} {self.path}.", code="unknown_url")
        if fake.key is not None and self.headers.get("Authorization") != f"Bearer {fake.key}":
            return self._error(401, "Incorrect API key provided.", code="invalid_api_key")
        fake._sleep(fake.delay)
        if fake.fail_with is not None:
            return self._error(fake.fail_with, fake.error_message, retry_after=fake.retry_after)
        stream = isinstance(body, dict) and bool(body.get("stream"))
        if fake.raw_body is not None:
            kind = fake.raw_content_type or ("text/event-stream" if stream else "application/json")
            return self._send(200, fake.raw_body, kind)
        if route[0] == "GET":
            return self._json(200, {"object": "list", "data": [
                {"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in fake.models]})
        if not isinstance(body, dict):
            return self._error(400, "We could not parse the JSON body of your request.")
        if fake.check_model and fake.models and body.get("model") not in fake.models:
            return self._error(404, f"The model `{body.get('model')}` does not exist or you do not have access to "
                                    "it.", code="model_not_found")
        try:
            text = fake._answer(body)
        except Fail as exc:
            return self._error(exc.status, exc.message, code=exc.code)
        except Exception as exc:  # noqa: BLE001 -- a bug in a test's reply callable: visible in srv.errors and as a 500
            fake.errors.append(exc)
            return self._error(500, f"fake reply failed: {type(exc).__name__}")
        if stream:
            return self._stream(fake, body, _chunks(text, fake.chunk_size))
        return self._completion(fake, body, text if isinstance(text, str) else "".join(text))

    # answers ---------------------------------------------------------------------------------------------------

    def _completion(self, fake: FakeOpenAI, body: dict[str, Any], text: str) -> None:
        if fake.invalid_json:
            return self._send(200, b'{"id": "chatcmpl-fake", "choices": [', "application/json")
        prompt = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []) if isinstance(m, dict))
        self._json(200, {
            "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": fake.finish_reason}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": len(text.split()),
                      "total_tokens": prompt + len(text.split())},
        })

    def _stream(self, fake: FakeOpenAI, body: dict[str, Any], pieces: list[str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": body.get("model")}

        def event(payload: Any) -> None:
            data = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
            self.wfile.write(f"data: {data}\n\n".encode())
            self.wfile.flush()

        if fake.invalid_json:
            event("{this is not json")
            return
        event({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                    "finish_reason": None}]})
        for i, piece in enumerate(pieces):
            if i:
                fake._sleep(fake.chunk_delay)
            event({**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
            if fake.stream_error is not None and i == 0:
                event({"error": {"message": fake.stream_error, "type": "server_error", "code": 500}})
                return
        event({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": fake.finish_reason}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            event({**base, "choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": len(pieces),
                                                    "total_tokens": 1 + len(pieces)}})
        event("[DONE]")

    def _error(self, status: int, message: str | None = None, *, code: str | None = None,
               retry_after: int | None = None) -> None:
        fallback = ("Error.", "server_error" if status >= 500 else "invalid_request_error")
        default, kind = ERROR_TYPES.get(status, fallback)
        payload = {"error": {"message": message or default, "type": kind, "param": None, "code": code}}
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self._json(status, payload, headers)

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json", headers)

    def _send(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
