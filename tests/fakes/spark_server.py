"""A real, small iFLYTEK Spark WebSocket server for tests (docs/serve.md, "Spark"): the client under test signs its URL,
opens a real WebSocket on 127.0.0.1, sends its frame and reads streamed frames, exactly as against Spark.

    with FakeSpark(reply="你好！", app_id="app12345", api_key="key", api_secret="secret") as srv:
        backend = SparkBackend(srv.config(domain="generalv3.5"))
        assert "".join(backend.stream([{"role": "user", "content": "hi"}], ChatParams())) == "你好！"
        assert srv.frames[-1]["parameter"]["chat"]["domain"] == "generalv3.5"

Like the real service, the handshake is checked before anything else (and refused with an HTTP status and a JSON
``{"message": ...}`` body, as Spark's gateway does): the request path must be ``path`` (404 otherwise); the query needs
``authorization``, ``date`` and ``host``; ``host`` must equal the Host header; the authorization must name
``api_key`` and carry the HMAC-SHA256 of ``host: …\\ndate: …\\nGET <path> HTTP/1.1`` under ``api_secret`` (computed
here independently of lib/chat/spark.py); and ``date`` must be within ``max_skew`` (300 s) of the server's clock
(``clock_offset`` moves that clock, to play a computer whose clock is wrong). Refusals are 401.

Then one JSON request frame is read, recorded in ``srv.frames`` and checked: ``header.app_id`` must be ``app_id``
(code 10313 otherwise), ``parameter.chat.domain`` one of ``domains`` when that is set (10404), ``temperature`` in
(0, 1] and the messages alternate user/assistant after an optional leading system message, ending with the user
(10004 / 10005, with ``strict``). The answer streams as several frames (``header.status`` and ``choices.status``
0, 1, …, 2; ``seq``; ``header.sid``; ``usage`` on the last), then the server closes, as Spark does.

Scripting (all attributes may also be changed on a running server):

- ``reply``: a string (split into ``chunk_size`` pieces), a list of pieces, or a callable taking the request frame
  and returning either; it may raise ``SparkFail(code, message)`` to answer that one request with an error frame.
- ``fail_code=10013`` (``fail_message``): every request is answered with that error frame (no payload), after
  ``fail_after`` content frames (an output audit, 10014, fails midway).
- ``http_status=403`` (``http_message``): every handshake is refused with that status.
- ``invalid_json=True``: the first frame is not JSON.
- ``cut_after=N``: close the connection after N content frames, without the final one.
- ``delay``: seconds before the first frame (timeout tests); ``chunk_delay``: between frames.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Self

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

ReplyText = str | Sequence[str]
Reply = ReplyText | Callable[[dict[str, Any]], ReplyText]

ERROR_MESSAGES: dict[int, str] = {   # code → the (English gist of the) message Spark sends
    10003: "invalid message format", 10004: "invalid message schema", 10005: "invalid parameter value",
    10007: "traffic limit: wait for the previous answer", 10013: "input content violates policy",
    10014: "output content violates policy", 10019: "session tends to violate policy",
    10021: "input content violates policy", 10110: "service busy", 10313: "appid cannot match apikey",
    10404: "domain not found", 10907: "token count exceeds the limit", 11200: "auth failed: no license",
    11201: "daily quota exceeded", 10016: "appid not authorised", 10012: "engine internal error",
    10222: "network error",
}
_AUTH_FIELDS = re.compile(r'(\w+)\s*=\s*"([^"]*)"')


class SparkFail(Exception):
    """Raise from a reply callable to answer that one request with a Spark error frame."""

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(message or ERROR_MESSAGES.get(code, "error"))
        self.code = code
        self.message = str(self)


@dataclass
class Handshake:
    """One WebSocket handshake as the server saw it, and the status it answered (101 when accepted)."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    status: int = 101
    reason: str = ""


@dataclass
class FakeSpark:
    """The server; use it as a context manager (``start()``/``stop()`` also work). ``url`` is ``ws://…/v1.1/chat``."""

    reply: Reply = "你好，我是星火认知大模型。"
    app_id: str = "app12345"
    api_key: str = "fake-spark-api-key"
    api_secret: str = "fake-spark-api-secret"
    path: str = "/v1.1/chat"
    domains: Sequence[str] | None = None
    strict: bool = True
    max_skew: float = 300.0
    clock_offset: float = 0.0
    http_status: int | None = None
    http_message: str | None = None
    fail_code: int | None = None
    fail_message: str | None = None
    fail_after: int = 0
    invalid_json: bool = False
    cut_after: int | None = None
    delay: float = 0.0
    chunk_delay: float = 0.0
    chunk_size: int = 4
    frames: list[dict[str, Any]] = field(default_factory=list, repr=False)      # request frames, as parsed
    handshakes: list[Handshake] = field(default_factory=list, repr=False)
    sent: list[dict[str, Any] | str] = field(default_factory=list, repr=False)  # every frame sent, in order
    errors: list[BaseException] = field(default_factory=list, repr=False)       # raised by a reply callable

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._sessions = 0

    # lifecycle -------------------------------------------------------------------------------------------------

    def start(self) -> Self:
        self._stopping.clear()
        self._server = serve(self._handle, "127.0.0.1", 0, process_request=self._process_request,
                             compression=None, open_timeout=5, close_timeout=1, ping_interval=None)
        self._thread = threading.Thread(target=self._server.serve_forever, name="FakeSpark", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()   # wakes handlers sleeping in ``delay``
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # addresses -------------------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSpark is not running: use it in a with block")
        return self._server.socket.getsockname()[1]

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{self.path}"

    def config(self, domain: str = "lite", patch_id: str = "", **changes: str) -> Any:
        """A ``SparkConfig`` for this server with its credentials (``changes`` overrides any field, e.g. a wrong
        ``api_secret``)."""
        from lib.chat.spark import SparkConfig

        values = {"url": self.url, "app_id": self.app_id, "api_key": self.api_key, "api_secret": self.api_secret,
                  "domain": domain, "patch_id": patch_id, **changes}
        return SparkConfig(**values)

    @property
    def last(self) -> dict[str, Any]:
        with self._lock:
            return self.frames[-1]

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    # handshake -------------------------------------------------------------------------------------------------

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """Spark's gateway: route, then HMAC signature and date; a refusal is an HTTP answer, never an upgrade."""
        parts = urllib.parse.urlsplit(request.path)
        query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        seen = Handshake(parts.path, query, {k.lower(): v for k, v in request.headers.raw_items()})
        with self._lock:
            self.handshakes.append(seen)
        status, reason = self._verify(parts.path, query, request.headers.get("Host", ""))
        seen.status, seen.reason = status, reason
        if status == 101:
            return None
        response = connection.respond(status, json.dumps({"message": reason}))
        del response.headers["Content-Type"]
        response.headers["Content-Type"] = "application/json; charset=utf-8"
        return response

    def _verify(self, path: str, query: dict[str, str], host_header: str) -> tuple[int, str]:
        if self.http_status is not None:
            return self.http_status, self.http_message or "refused by the test"
        if path != self.path:
            return 404, "no Route matched with those values"
        if not all(query.get(name) for name in ("authorization", "date", "host")):
            return 401, "Unauthorized"
        if query["host"] != host_header:
            return 401, "HMAC signature does not match"
        try:
            origin = base64.b64decode(query["authorization"], validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return 401, "HMAC signature cannot be verified"
        fields = dict(_AUTH_FIELDS.findall(origin))
        if fields.get("api_key") != self.api_key:
            return 401, "HMAC signature cannot be verified"   # Spark says no more for an unknown key
        if fields.get("algorithm") != "hmac-sha256" or fields.get("headers") != "host date request-line":
            return 401, "HMAC signature cannot be verified"
        try:
            sent_at = parsedate_to_datetime(query["date"]).timestamp()
        except (TypeError, ValueError, IndexError):
            sent_at = None
        if sent_at is None or abs(time.time() + self.clock_offset - sent_at) > self.max_skew:
            return 401, ("HMAC signature cannot be verified, a valid date or x-date header is required for HMAC "
                         "Authentication")
        origin_text = f"host: {query['host']}\ndate: {query['date']}\nGET {path} HTTP/1.1"
        expected = base64.b64encode(hmac.new(self.api_secret.encode("utf-8"), origin_text.encode("utf-8"),
                                             hashlib.sha256).digest()).decode("ascii")
        if not hmac.compare_digest(fields.get("signature", ""), expected):
            return 401, "HMAC signature does not match"
        return 101, ""

    # one question per connection -------------------------------------------------------------------------------

    def _handle(self, connection: ServerConnection) -> None:
        with self._lock:
            self._sessions += 1
            sid = f"cht000fake@dx{self._sessions:016x}"
        try:
            try:
                raw = connection.recv(timeout=60)   # Spark hangs up after 60 s without a request
            except TimeoutError:
                return
            self._answer(connection, raw, sid)
        except ConnectionClosed:
            pass   # the client gave up (timeout tests) or the test is over

    def _send(self, connection: ServerConnection, frame: dict[str, Any] | str) -> None:
        with self._lock:
            self.sent.append(frame)
        connection.send(frame if isinstance(frame, str) else json.dumps(frame, ensure_ascii=False))

    def _error(self, connection: ServerConnection, sid: str, code: int, message: str | None = None) -> None:
        """Spark's error frame: a header with the code and no payload; then the server closes."""
        self._send(connection, {"header": {"code": code, "message": message or ERROR_MESSAGES.get(code, "error"),
                                           "sid": sid, "status": 2}})

    def _answer(self, connection: ServerConnection, raw: str | bytes, sid: str) -> None:
        try:
            frame = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return self._error(connection, sid, 10003)
        if not isinstance(frame, dict):
            return self._error(connection, sid, 10003)
        with self._lock:
            self.frames.append(frame)
        problem = self._check_frame(frame)
        if problem is not None:
            return self._error(connection, sid, *problem)
        self._sleep(self.delay)
        if self._stopping.is_set():
            return
        if self.invalid_json:
            return self._send(connection, "<html>this is not Spark</html>")
        try:
            text = self.reply(frame) if callable(self.reply) else self.reply
        except SparkFail as exc:
            return self._error(connection, sid, exc.code, exc.message)
        except Exception as exc:  # noqa: BLE001 -- a bug in a test's reply callable: visible in srv.errors
            self.errors.append(exc)
            return self._error(connection, sid, 10012, f"fake reply failed: {type(exc).__name__}")
        pieces = _pieces(text, self.chunk_size)
        if self.fail_code is not None:
            pieces = pieces[:self.fail_after]
        for seq, piece in enumerate(pieces):
            if self.cut_after is not None and seq >= self.cut_after:
                return   # the connection closes without the final frame
            if seq:
                self._sleep(self.chunk_delay)
            last = seq == len(pieces) - 1 and self.fail_code is None
            status = 2 if last else (0 if seq == 0 else 1)
            out: dict[str, Any] = {
                "header": {"code": 0, "message": "Success", "sid": sid, "status": status},
                "payload": {"choices": {"status": status, "seq": seq,
                                        "text": [{"content": piece, "role": "assistant", "index": 0}]}}}
            if last:
                question = sum(len(str(m.get("content", ""))) for m in _texts(frame))
                answer = sum(len(p) for p in pieces)
                out["payload"]["usage"] = {"text": {"question_tokens": question, "prompt_tokens": question,
                                                    "completion_tokens": answer, "total_tokens": question + answer}}
            self._send(connection, out)
        if self.fail_code is not None:
            self._error(connection, sid, self.fail_code, self.fail_message)

    def _check_frame(self, frame: dict[str, Any]) -> tuple[int, str] | None:
        """What Spark itself would refuse, as (code, message)."""
        header = frame.get("header") if isinstance(frame.get("header"), dict) else {}
        chat = ((frame.get("parameter") or {}).get("chat") or {}) if isinstance(frame.get("parameter"), dict) else {}
        texts = _texts(frame)
        if not isinstance(chat, dict) or not texts:
            return 10004, "invalid message schema: parameter.chat and payload.message.text are required"
        if header.get("app_id") != self.app_id:
            return 10313, ERROR_MESSAGES[10313]
        if self.domains is not None and chat.get("domain") not in self.domains:
            return 10404, f"domain {chat.get('domain')!r} not found"
        if not self.strict:
            return None
        temperature = chat.get("temperature", 0.5)
        if not isinstance(temperature, (int, float)) or not 0 < temperature <= 1:
            return 10005, "temperature must be in (0, 1]"
        roles = [m.get("role") if isinstance(m, dict) else None for m in texts]
        if roles[0] == "system":
            roles = roles[1:]
        expected = ["user" if i % 2 == 0 else "assistant" for i in range(len(roles))]
        if not roles or roles != expected or roles[-1] != "user":
            return 10004, "messages must alternate user and assistant and end with user"
        return None


def _texts(frame: dict[str, Any]) -> list[Any]:
    payload = frame.get("payload")
    message = payload.get("message") if isinstance(payload, dict) else None
    texts = message.get("text") if isinstance(message, dict) else None
    return texts if isinstance(texts, list) else []


def _pieces(text: ReplyText, size: int) -> list[str]:
    """The reply as frames' contents: at least two frames, so first (0) and last (2) statuses are both exercised."""
    if isinstance(text, str):
        size = max(1, size)
        pieces = [text[i:i + size] for i in range(0, len(text), size)]
    else:
        pieces = [str(t) for t in text]
    return pieces + [""] if len(pieces) < 2 else pieces


__all__ = ["ERROR_MESSAGES", "FakeSpark", "Handshake", "SparkFail"]
