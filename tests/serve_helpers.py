"""The twin server's test kit: a scripted backend, the real server on a free port, and the clients that talk to it
(the ``openai`` client, raw HTTP, a Spark front end's frames). Shared by tests/test_serve*.py and tests/security."""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import openai
import pytest
from websockets.exceptions import ConnectionClosedOK
from websockets.sync.client import connect

from lib.chat.base import ChatError, ChatParams
from lib.serve import listen_socket, make_server

PERSONA = "你是小明，用小明的语气回复。"
TOKEN = "s3cret-token-for-tests"
SECRET_TEXT = "my bank PIN is 4812"
REPLY = ("你好", "，我是", "小明的孪生。")
# The original front end's request frame, as it sends it.
FRONT_END_FRAME = {"header": {"app_id": "a1b2c3d4", "uid": "user-1", "patch_id": ["1234567890"]},
                   "parameter": {"chat": {"domain": "patch", "temperature": 0.9}},
                   "payload": {"message": {"text": [{"role": "user", "content": "你好"}]}}}
SIGNED_QUERY = "?authorization=YXBpX2tleT0iIg%3D%3D&date=Fri%2C+05+May+2023+10%3A43%3A39+GMT&host=spark-api.xf-yun.com"


@dataclass
class Scripted:
    """A backend that yields ``chunks`` (``delay`` seconds before each), failing with ``fail`` (a ChatError kind, or
    "boom" for a plain RuntimeError quoting the user's text) before chunk ``fail_at``. Records every call."""

    chunks: tuple[str, ...] = REPLY
    delay: float = 0.0
    fail: str | None = None
    fail_at: int = 0
    calls: list = field(default_factory=list)
    closed: int = 0
    name: str = "scripted"
    label: str = "Scripted test backend"

    def stream(self, messages, params: ChatParams) -> Iterator[str]:
        self.calls.append((messages, params))
        try:
            for i, chunk in enumerate(self.chunks + ("",)):
                if self.fail and i == self.fail_at:
                    if self.fail == "boom":
                        raise RuntimeError(f"backend bug while answering {SECRET_TEXT}")
                    raise ChatError(self.fail, f"The scripted backend failed ({self.fail}). Try again.")
                if chunk:
                    time.sleep(self.delay)
                    yield chunk
        finally:
            self.closed += 1

    def check(self) -> str:
        return "scripted"

    def reset(self, **script) -> Scripted:
        fresh = Scripted(**script)
        self.__dict__.update({k: v for k, v in fresh.__dict__.items() if k not in ("name", "label")})
        return self


@contextmanager
def running(backend: Scripted, **options) -> Iterator[str]:
    """The real server (make_server: the same settings ``serve`` uses) on a free loopback port; yields HOST:PORT."""
    sock = listen_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = make_server(backend, "127.0.0.1", port, **options)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()



def client(address: str, key: str = "x") -> openai.OpenAI:
    return openai.OpenAI(base_url=f"http://{address}/v1", api_key=key, max_retries=0, timeout=10)


def post(address: str, body: bytes, path: str = "/v1/chat/completions", headers: dict | None = None,
         method: str = "POST") -> tuple[int, dict]:
    request = urllib.request.Request(f"http://{address}{path}", data=body if method == "POST" else None,
                                     method=method, headers={"Content-Type": "application/json", **(headers or {})})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def spark(address: str, frame: object, path: str = "/v1.1/chat" + SIGNED_QUERY, **options) -> list[dict]:
    """Send one frame as the front end does; every frame until the server closes (which must be a clean close)."""
    frames = []
    with connect(f"ws://{address}{path}", open_timeout=5, **options) as ws:
        ws.send(frame if isinstance(frame, (str, bytes)) else json.dumps(frame, ensure_ascii=False))
        with pytest.raises(ConnectionClosedOK):
            while True:
                frames.append(json.loads(ws.recv(timeout=10)))
    return frames


def assert_error_body(body: dict, code: str | None = None) -> dict:
    error = body["error"]
    assert isinstance(error["message"], str) and error["message"] and "\n" not in error["message"]
    assert error["type"] and (code is None or error["code"] == code)
    return error
