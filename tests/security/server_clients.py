"""What the security tests share: raw loopback clients an attacker would write (no library tidying the request), and
a recorder proving the server logged no traceback. The server itself is tests/test_serve.py's ``running``."""
from __future__ import annotations

import base64
import http.client
import json
import logging
import os
import socket
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

ALLOWED_STATUSES = frozenset({200, 400, 401, 403, 413, 429})
CHAT = {"messages": [{"role": "user", "content": "hi"}]}


class Recorder(logging.Handler):
    """Every log record, from uvicorn's loggers (they do not propagate to the root) and everything else."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def problems(self) -> list[str]:
        """Records that would be a traceback or a server error in the log (warnings, e.g. a stalled client, are
        fine)."""
        return [f"{r.name}: {r.getMessage()}" for r in self.records
                if r.exc_info or r.levelno >= logging.ERROR or "Traceback" in r.getMessage()]


@contextmanager
def recorded_log() -> Iterator[Recorder]:
    """Attach after the server is made: uvicorn's Config re-applies its logging setup."""
    recorder = Recorder()
    loggers = [logging.getLogger(), logging.getLogger("uvicorn")]
    for logger in loggers:
        logger.addHandler(recorder)
    try:
        yield recorder
    finally:
        for logger in loggers:
            logger.removeHandler(recorder)


def exchange(address: str, body: bytes, *, path: str = "/v1/chat/completions", method: str = "POST",
             headers: dict[str, str] | None = None, timeout: float = 10) -> tuple[int, str, bytes]:
    """(status, content type, body) of one raw HTTP request; ``headers`` may replace Host."""
    host, port = address.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request(method, path, body=body if method == "POST" else None,
                     headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        conn.close()


def check_answer(status: int, content_type: str, body: bytes) -> None:
    """An answer the server may give to anything: an allowed status; JSON (an OpenAI error body for a 4xx) or a
    well-formed event stream ending in [DONE]."""
    assert status in ALLOWED_STATUSES, (status, body[:300])
    if content_type.startswith("text/event-stream"):
        events = [line[6:] for line in body.decode("utf-8").split("\n") if line.startswith("data: ")]
        assert events and events[-1] == "[DONE]", body[-300:]
        for event in events[:-1]:
            json.loads(event)
        return
    data = json.loads(body)
    if status != 200:
        error = data["error"]
        assert isinstance(error["message"], str) and error["message"] and "\n" not in error["message"]
        assert error["code"] and error["type"]


def ws_frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """One masked client frame (any payload, valid UTF-8 or not), as a raw client sends it."""
    mask = os.urandom(4)
    size = len(payload)
    if size < 126:
        head = bytes([0x80 | opcode, 0x80 | size])
    elif size < 2 ** 16:
        head = bytes([0x80 | opcode, 0x80 | 126]) + struct.pack("!H", size)
    else:
        head = bytes([0x80 | opcode, 0x80 | 127]) + struct.pack("!Q", size)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def raw_socket(address: str, recv_buffer: int | None = None) -> socket.socket:
    """A connected socket; ``recv_buffer`` shrinks its receive buffer, so a client that never reads fills up fast."""
    host, port = address.rsplit(":", 1)
    sock = socket.socket()
    if recv_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, recv_buffer)
    sock.settimeout(10)
    sock.connect((host, int(port)))
    return sock


def ws_open(address: str, path: str = "/v1.1/chat", host: str | None = None,
            recv_buffer: int | None = None) -> tuple[socket.socket, int]:
    """A raw WebSocket handshake: (the socket, the HTTP status of the answer, 101 when upgraded)."""
    sock = raw_socket(address, recv_buffer)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {address if host is None else host}\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\n"
                 f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        byte = sock.recv(1)
        if not byte:
            break
        head += byte
    return sock, int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1 ") else 0


def stalled_http(address: str, body: dict[str, Any] | None = None) -> socket.socket:
    """A streamed chat request from a client that never reads its answer."""
    raw = json.dumps({**(body or CHAT), "stream": True}).encode()
    sock = raw_socket(address, recv_buffer=4096)
    sock.sendall(f"POST /v1/chat/completions HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(raw)}\r\n\r\n".encode() + raw)
    return sock


def stalled_ws(address: str, frame: dict[str, Any]) -> socket.socket:
    """A Spark request from a client that reads the handshake, then never reads again."""
    sock, status = ws_open(address, recv_buffer=4096)
    assert status == 101
    sock.sendall(ws_frame(json.dumps(frame).encode()))
    return sock
