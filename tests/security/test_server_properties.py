"""Property tests of the twin server (lib/serve.py) over loopback: whatever JSON, bytes or WebSocket frame a client
sends, the answer is one of 200/400/401/403/413/429 (well-formed JSON or event stream) or Spark frames ending cleanly,
never a 500, and the server's log never gets a traceback or an error line. Bounded: a few hundred examples in all."""
from __future__ import annotations

import json
import socket
import string
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from lib.serve import MAX_JSON_DEPTH
from tests.security.server_clients import CHAT, Recorder, check_answer, exchange, recorded_log, ws_frame, ws_open
from tests.serve_helpers import Scripted, running

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
BACKEND = Scripted()
TRIED = {"http": 0, "ws": 0}


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Recorder]]:
    with running(BACKEND) as address, recorded_log() as log:
        yield address, log
    print(f"\nproperty cases tried: {TRIED}")


def assert_quiet(log: Recorder) -> None:
    problems = log.problems()
    log.records.clear()
    assert not problems, problems


# ------------------------------------------------------------------------------------------------------ strategies

scalars = (st.none() | st.booleans() | st.integers(-10 ** 30, 10 ** 30) | st.floats(allow_nan=False)
           | st.text(max_size=20))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=20)
contents = (st.text(max_size=30) | st.none() | st.integers() | json_values
            | st.lists(st.fixed_dictionaries({"type": st.sampled_from(["text", "image_url", 3]),
                                              "text": st.text(max_size=10) | st.integers()}), max_size=3))
messages = st.lists(st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant", "system", "developer", "tool", "", None, 7]),
     "content": contents}), max_size=4) | json_values
chat_requests = st.fixed_dictionaries({"messages": messages}, optional={
    "temperature": scalars | st.floats(), "top_p": scalars, "max_tokens": scalars, "max_completion_tokens": scalars,
    "stream": st.booleans() | scalars, "n": scalars, "model": scalars, "stream_options": json_values,
    "parameter": json_values, "payload": json_values, "header": json_values})


@st.composite
def with_surrogate(draw: Any) -> str:
    """A chat request whose text (or a key) carries a lone or misordered UTF-16 surrogate escape."""
    escape = "\\u%04x" % draw(st.integers(0xD800, 0xDFFF))
    if draw(st.booleans()):
        escape += "\\u%04x" % draw(st.integers(0xD800, 0xDFFF))
    text = draw(st.text(alphabet=string.ascii_letters + " ", max_size=10))
    where = draw(st.sampled_from(["content", "key", "spark"]))
    if where == "content":
        return '{"messages": [{"role": "user", "content": "%s%s"}]}' % (text, escape)
    if where == "key":
        return '{"messages": [{"role": "user", "content": "hi", "%s": 1}]}' % escape
    return '{"payload": {"message": {"text": [{"role": "user", "content": "%s%s"}]}}}' % (escape, text)


@st.composite
def deep(draw: Any) -> str:
    """Nesting around the depth limit and far beyond, of arrays, objects or both, closed or not, alone or inside a
    request."""
    depth = draw(st.integers(MAX_JSON_DEPTH - 3, MAX_JSON_DEPTH + 3) | st.integers(1, 20_000))
    kind = draw(st.sampled_from(["[", '{"a":', "mixed"]))
    opens = ['[' if kind == "[" or (kind == "mixed" and i % 2) else '{"a":' for i in range(depth)]
    closes = "".join("]" if o == "[" else "}" for o in reversed(opens))
    body = "".join(opens) + "1" + (closes if draw(st.booleans()) else closes[: draw(st.integers(0, depth))])
    if draw(st.booleans()):
        body = '{"messages": [{"role": "user", "content": "hi"}], "x": %s}' % body
    return body


@st.composite
def mutated(draw: Any) -> bytes:
    """A valid request with bytes cut, flipped or inserted: what a fuzzer sends."""
    raw = bytearray(json.dumps(draw(st.sampled_from([CHAT, {**CHAT, "stream": True}, {**CHAT, "temperature": 1}])))
                    .encode())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(raw) - 1))
        action = draw(st.sampled_from(["cut", "flip", "insert"]))
        if action == "cut":
            del raw[at:at + draw(st.integers(1, 8))]
        elif action == "flip":
            raw[at] = draw(st.integers(0, 255))
        else:
            raw[at:at] = draw(st.binary(min_size=1, max_size=4))
        if not raw:
            break
    return bytes(raw)


bodies = (st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode())
          | chat_requests.map(lambda v: json.dumps(v, ensure_ascii=False).encode())
          | with_surrogate().map(str.encode) | deep().map(str.encode) | mutated())
hosts = st.sampled_from([None, "localhost", "127.0.0.1:1", "[::1]", "attacker.example", "twin.localhost",
                         "localhost:evil", ""])
origins = st.sampled_from([None, "http://localhost:5173", "https://attacker.example", "null", "::garbage"])


# ---------------------------------------------------------------------------------------------------------- HTTP

@SETTINGS
@given(body=bodies, host=hosts, origin=origins,
       auth=st.sampled_from([None, "Bearer x", "Basic", "bearer " + "a" * 40]))
def test_any_http_body_gets_an_allowed_answer_and_no_traceback(server, body, host, origin, auth):
    address, log = server
    headers = {k: v for k, v in (("Host", host), ("Origin", origin), ("Authorization", auth)) if v is not None}
    status, content_type, answer = exchange(address, body, headers=headers)
    TRIED["http"] += 1
    check_answer(status, content_type, answer)
    if host in ("attacker.example", "localhost:evil", "") or (origin and "attacker" in origin):
        assert status == 403
    assert_quiet(log)


@SETTINGS
@given(path=st.sampled_from(["/", "/v1/models", "/v1/models/metwin-twin", "/v1/models/x", "/v1/nothing",
                             "/v1/chat/completions"]),
       method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS"]),
       query=st.text(alphabet=string.ascii_letters + string.digits + "=&%", max_size=20))
def test_any_path_and_method_answer_in_json(server, path, method, query):
    address, log = server
    status, content_type, answer = exchange(address, b"{}", path=f"{path}?{query}", method=method)
    TRIED["http"] += 1
    assert status in {200, 400, 404, 405}
    assert content_type.startswith("application/json") and json.loads(answer)
    assert_quiet(log)


# ----------------------------------------------------------------------------------------------------- WebSocket

def spark_frames(address: str, frame: str | bytes) -> list[dict]:
    """Every frame the server sends back, checked: JSON Spark frames, then a clean close (1000)."""
    frames = []
    with connect(f"ws://{address}/v1.1/chat", open_timeout=5) as ws:
        ws.send(frame)
        try:
            while True:
                frames.append(json.loads(ws.recv(timeout=10)))
        except ConnectionClosed:
            pass
        assert ws.protocol.close_rcvd is not None and ws.protocol.close_rcvd.code == 1000
    return frames


def check_spark(frames: list[dict]) -> None:
    """A whole answer (codes 0, the last with status 2) or exactly one error frame (code != 0, a message)."""
    assert frames, "the server closed without a frame"
    headers = [f["header"] for f in frames]
    assert headers[-1]["status"] == 2 and headers[-1]["sid"]
    if headers[-1]["code"] == 0:
        assert all(h["code"] == 0 for h in headers)
    else:
        assert len(frames) == 1 and headers[0]["message"] and "payload" not in frames[0]


spark_requests = st.fixed_dictionaries({}, optional={
    "header": json_values, "parameter": st.fixed_dictionaries({}, optional={"chat": json_values}) | json_values,
    "payload": st.fixed_dictionaries({"message": st.fixed_dictionaries({"text": messages}) | json_values})
    | json_values})
frames = (spark_requests.map(lambda v: json.dumps(v, ensure_ascii=False)) | st.text(max_size=200)
          | st.binary(max_size=200) | with_surrogate() | deep() | deep().map(str.encode) | mutated())


@SETTINGS
@given(frame=frames)
def test_any_websocket_frame_gets_spark_frames_and_a_clean_close(server, frame):
    address, log = server
    check_spark(spark_frames(address, frame))
    TRIED["ws"] += 1
    assert_quiet(log)


@settings(SETTINGS, max_examples=60)
@given(payload=st.binary(min_size=1, max_size=100), opcode=st.sampled_from([0x1, 0x2]))
def test_raw_frames_even_invalid_utf8_text_never_leave_a_traceback(server, payload, opcode):
    """A text frame that is not UTF-8 is the WebSocket layer's to refuse (close 1007); anything else reaches the app
    and gets an answer. Either way: a close, and a quiet log."""
    address, log = server
    sock, status = ws_open(address)
    assert status == 101
    try:
        sock.sendall(ws_frame(payload, opcode))
        opcodes, buffer = read_frames(sock)
    finally:
        sock.close()
    TRIED["ws"] += 1
    assert opcodes and opcodes[-1] == 0x8, "no close frame"
    code = int.from_bytes(buffer[:2], "big")
    assert code == (1007 if opcodes == [0x8] else 1000), (opcodes, code)
    assert_quiet(log)


def read_frames(sock: socket.socket) -> tuple[list[int], bytes]:
    """The opcodes of the server's (unmasked) frames up to its close frame, and the close frame's payload."""
    data, opcodes = b"", []
    while True:
        while len(data) < 2 or len(data) < frame_end(data):
            part = sock.recv(65536)
            if not part:
                return opcodes, b""
            data += part
        end, opcode = frame_end(data), data[0] & 0x0F
        payload = data[end - (data[1] & 0x7F if data[1] & 0x7F < 126 else 0):end] if opcode == 0x8 else b""
        opcodes.append(opcode)
        if opcode == 0x8:
            return opcodes, payload
        data = data[end:]


def frame_end(data: bytes) -> int:
    size, at = data[1] & 0x7F, 2
    if size == 126:
        size, at = (int.from_bytes(data[2:4], "big") if len(data) >= 4 else 1 << 30), 4
    elif size == 127:
        size, at = (int.from_bytes(data[2:10], "big") if len(data) >= 10 else 1 << 30), 10
    return at + size
