"""Issue 14's attacks on the twin server (lib/serve.py), each replayed over loopback against the real uvicorn server:
deep and huge JSON, lone surrogates, clients that never read their stream, DNS rebinding, and keys leaking through
upstream error text in encoded form (lib/secret_scrub.py)."""
from __future__ import annotations

import argparse
import base64
import http.client
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator

import openai
import pytest
from websockets.exceptions import ConnectionClosedError, InvalidStatus
from websockets.sync.client import connect

import lib.serve
from lib.chat.base import ChatParams
from lib.chat.openai_backend import OpenAIBackend
from lib.chat.spark import SparkBackend
from lib.errors import BadInputError
from lib.llm import Endpoint, LLMError, chat
from lib.secret_scrub import REDACTED, scrub
from lib.serve import MAX_BODY, MAX_JSON_DEPTH, WS_MAX_FRAME, build_parser_args, make_app, served_hosts
from tests.fakes import FakeOpenAI
from tests.fakes.spark_server import FakeSpark
from tests.security.server_clients import (
    CHAT,
    check_answer,
    exchange,
    recorded_log,
    stalled_http,
    stalled_ws,
    ws_open,
)
from tests.serve_helpers import FRONT_END_FRAME, REPLY, TOKEN, Scripted, client, running, spark

DEEP = 100_000
BACKEND = Scripted()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with running(BACKEND) as address:
        yield address


@pytest.fixture
def twin(server: str) -> Iterator[tuple[str, Scripted, list]]:
    """The shared server, its backend reset, and the log: no test may leave a traceback or an error in it."""
    with recorded_log() as log:
        yield server, BACKEND.reset(), log
        assert not log.problems()


def chat_body(content: str) -> bytes:
    return json.dumps({"messages": [{"role": "user", "content": content}]}, ensure_ascii=False).encode()


def error_code(status_body: tuple[int, str, bytes]) -> tuple[int, str]:
    status, content_type, body = status_body
    check_answer(status, content_type, body)
    return status, json.loads(body)["error"]["code"]


def spark_error(address: str, frame: str | bytes) -> dict:
    """The one error frame a bad Spark request gets, then a clean close (``spark`` asserts the close)."""
    frames = spark(address, frame, path="/v1.1/chat")
    assert len(frames) == 1 and "payload" not in frames[0], frames
    header = frames[0]["header"]
    assert header["code"] != 0 and header["status"] == 2 and header["message"]
    return header


def still_serves(address: str) -> None:
    reply = client(address).chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "".join(REPLY)


# ---------------------------------------------------------------------------------------------- deep and huge JSON

@pytest.mark.parametrize("body", [
    b"[" * DEEP + b"]" * DEEP,
    b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    b'{"messages": [{"role": "user", "content": "hi", "x": ' + b"[" * DEEP + b"]" * DEEP + b"}]}",
    b"[" * DEEP,                                        # unterminated: still measured, not parsed
    b'{"messages": ' + b"[{" * (MAX_JSON_DEPTH // 2 + 1) + b"}]" * (MAX_JSON_DEPTH // 2 + 1) + b"}",
], ids=["arrays", "objects", "inside-a-message", "unterminated", "just-over-the-limit"])
def test_json_nested_too_deep_is_a_400_not_a_recursion_error(twin, body):
    address, backend, _ = twin
    assert error_code(exchange(address, body)) == (400, "json_too_deep")
    assert not backend.calls
    still_serves(address)


def test_brackets_inside_strings_and_nesting_within_the_limit_are_fine(twin):
    address, backend, _ = twin
    assert exchange(address, chat_body("[" * DEEP + '"\\' + "{" * 10))[0] == 200     # text, not structure
    nested = b'{"messages": [{"role": "user", "content": "hi"}], "extra": ' + b"[" * 50 + b"]" * 50 + b"}"
    assert exchange(address, nested)[0] == 200                                      # unknown fields are ignored
    assert len(backend.calls) == 2


def test_deep_json_over_the_websocket_gets_an_error_frame_then_a_clean_close(twin):
    address, backend, _ = twin
    for frame in ("[" * DEEP + "]" * DEEP, ('{"payload": {"message": {"text": ' + "[" * DEEP).encode()):
        header = spark_error(address, frame)
        assert header["code"] == 10003 and str(MAX_JSON_DEPTH) in header["message"]
    assert not backend.calls


def test_a_body_over_the_limit_is_a_413_declared_or_streamed(twin):
    address, backend, _ = twin
    huge = b'{"messages": [{"role": "user", "content": "' + b"a" * MAX_BODY + b'"}]}'
    assert error_code(exchange(address, huge)) == (413, "request_too_large")

    host, port = address.rsplit(":", 1)                  # chunked: no Content-Length to refuse it by
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("POST", "/v1/chat/completions", body=iter([huge[i:i + 65536] for i in range(0, len(huge), 65536)]),
                 headers={"Content-Type": "application/json"}, encode_chunked=True)
    response = conn.getresponse()
    assert response.status == 413 and json.loads(response.read())["error"]["code"] == "request_too_large"
    conn.close()
    assert not backend.calls


def test_a_frame_over_the_limit_gets_an_error_frame_and_a_giant_one_a_1009_close(twin):
    address, backend, _ = twin
    header = spark_error(address, "x" * (MAX_BODY + 1))
    assert header["code"] == 10907
    with connect(f"ws://{address}/v1.1/chat", open_timeout=5, max_size=None) as ws:
        ws.send(b"x" * (WS_MAX_FRAME + 1))
        with pytest.raises(ConnectionClosedError):
            ws.recv(timeout=10)
        assert ws.protocol.close_rcvd is not None and ws.protocol.close_rcvd.code == 1009
    assert not backend.calls


def test_a_body_that_never_arrives_is_a_408(twin, monkeypatch):
    address, _, _ = twin
    monkeypatch.setattr(lib.serve, "REQUEST_WAIT_S", 0.3)
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(f"POST /v1/chat/completions HTTP/1.1\r\nHost: {address}\r\nContent-Length: 100\r\n\r\n{{"
                     .encode())
        assert sock.recv(4096).startswith(b"HTTP/1.1 408 ")


# ------------------------------------------------------------------------------------------------ lone surrogates

@pytest.mark.parametrize("body", [
    b'{"messages": [{"role": "user", "content": "\\ud800"}]}',
    b'{"messages": [{"role": "user", "content": "ok \\uDFFF ok"}]}',
    b'{"messages": [{"role": "user", "content": "\\udc00\\ud800"}]}',             # a pair in the wrong order
    b'{"messages": [{"role": "user", "content": "hi", "\\ud83d": 1}]}',          # in a key
    b'{"messages": [{"role": "user", "content": [{"type": "text", "text": "\\ud800"}]}]}',
    b'{"messages": [{"role": "user", "content": "hi"}], "user": "\\ud800"}',     # in an ignored field
], ids=["escape", "upper-case", "reversed-pair", "key", "text-part", "ignored-field"])
def test_a_lone_surrogate_escape_is_a_400(twin, body):
    address, backend, _ = twin
    assert error_code(exchange(address, body)) == (400, "invalid_unicode")
    assert not backend.calls


def test_utf8_encoded_surrogates_are_invalid_utf8_and_a_real_pair_is_fine(twin):
    address, backend, _ = twin
    assert error_code(exchange(address, b'{"messages": [{"role": "user", "content": "\xed\xa0\x80"}]}')) \
        == (400, "invalid_json")
    assert not backend.calls
    assert exchange(address, b'{"messages": [{"role": "user", "content": "\\ud83d\\ude00"}]}')[0] == 200
    assert backend.calls[-1][0][-1]["content"] == "\U0001F600"


def test_a_lone_surrogate_over_the_websocket_gets_an_error_frame(twin):
    address, backend, _ = twin
    frame = '{"payload": {"message": {"text": [{"role": "user", "content": "\\ud800"}]}}}'
    for sent in (frame, frame.encode()):
        assert spark_error(address, sent)["code"] == 10003
    assert not backend.calls


def test_a_backend_answering_with_a_lone_surrogate_does_not_break_the_answer(twin):
    address, backend, _ = twin
    backend.reset(chunks=("a\ud800b",))
    status, content_type, body = exchange(address, chat_body("hi"))
    assert status == 200 and json.loads(body)["choices"][0]["message"]["content"] == "a\ufffdb"
    frames = spark(address, FRONT_END_FRAME)
    assert frames[0]["payload"]["choices"]["text"][0]["content"] == "a\ufffdb"


# ------------------------------------------------------------------------------------------ stalled stream clients

def test_eight_clients_that_never_read_lose_their_slots_within_the_write_timeout():
    """The issue's attack: eight streaming clients (the default slot count) that never read. Each answer is endless
    (64 KiB chunks), so their buffers fill; within a bounded time every slot is free again."""
    backend = Scripted(chunks=("z" * 65536,) * 10_000)
    with running(backend, write_timeout=0.5) as address, recorded_log() as log:
        started = time.monotonic()
        socks = [stalled_http(address) if i % 2 else stalled_ws(address, FRONT_END_FRAME) for i in range(8)]
        try:
            while backend.closed < 8 and time.monotonic() - started < 20:
                time.sleep(0.05)
            freed = time.monotonic() - started
            assert backend.closed == 8 and len(backend.calls) == 8, f"{backend.closed} of 8 slots freed"
            assert freed < 10, f"slots freed after {freed:.1f} s"
            backend.chunks = REPLY
            still_serves(address)           # a 9th client is answered, not told 429
        finally:
            for sock in socks:
                sock.close()
        stalls = [r for r in log.records if "took no answer bytes" in r.getMessage()]
        assert len(stalls) == 8 and not log.problems()


def test_a_client_that_leaves_before_a_non_streamed_answer_frees_its_slot():
    backend = Scripted(chunks=("a",) * 100, delay=0.05)     # a 5 s answer
    with running(backend, max_streams=1) as address, recorded_log() as log:
        host, port = address.rsplit(":", 1)
        body = json.dumps(CHAT).encode()
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(f"POST /v1/chat/completions HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json"
                         f"\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
            time.sleep(0.3)
        started = time.monotonic()
        while not backend.closed and time.monotonic() - started < 3:
            time.sleep(0.02)
        assert backend.closed == 1, "the backend kept answering a client that left"
        backend.reset(delay=0.0)
        still_serves(address)
        assert not log.problems()


def test_the_slot_count_is_an_option_and_a_flag():
    with pytest.raises(BadInputError, match="max streams"):
        make_app(Scripted(), max_streams=0)
    with pytest.raises(BadInputError, match="write timeout"):
        make_app(Scripted(), write_timeout=0)
    parser = argparse.ArgumentParser()
    build_parser_args(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["serve", "--max-streams", "3", "--allowed-host", "twin.lan", "--allowed-host", "x"])
    assert args.max_streams == 3 and args.allowed_host == ["twin.lan", "x"]
    assert parser.parse_args(["serve"]).max_streams == lib.serve.MAX_STREAMS
    with pytest.raises(BadInputError, match="--max-streams 0"):
        args.func(parser.parse_args(["serve", "--max-streams", "0"]))
    backend = Scripted(delay=0.3)
    with running(backend, max_streams=2) as address:
        slow = [threading.Thread(target=still_serves, args=(address,)) for _ in range(2)]
        for thread in slow:
            thread.start()
        time.sleep(0.15)
        with pytest.raises(openai.RateLimitError):
            still_serves(address)
        for thread in slow:
            thread.join(5)
    assert len(backend.calls) == 2


# ---------------------------------------------------------------------------------------- Host header, DNS rebinding

REBOUND = "attacker.example"      # a DNS-rebinding page's own name, now resolving to 127.0.0.1


@pytest.mark.parametrize("host", [f"{REBOUND}:{{port}}", REBOUND, "127.0.0.1.attacker.example", "localhost.evil",
                                  "localhost@attacker.example", "localhost:evil", "[::1]evil", ""])
def test_a_foreign_host_header_is_refused_without_a_token(twin, host):
    address, backend, _ = twin
    host = host.format(port=address.rsplit(":", 1)[1])
    for path, method, body in (("/v1/models", "GET", b""), ("/", "GET", b""), ("/v1/models/metwin-twin", "GET", b""),
                               ("/v1/chat/completions", "POST", chat_body("hi"))):
        assert error_code(exchange(address, body, path=path, method=method, headers={"Host": host})) \
            == (403, "forbidden_host"), path
    sock, status = ws_open(address, host=host)
    sock.close()
    assert status == 403
    assert not backend.calls


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST", "localhost.", "[::1]:{port}",
                                  "::1", "127.0.0.2:80", "twin.localhost:{port}"])
def test_this_machines_names_are_accepted_with_any_port(twin, host):
    address, _, _ = twin
    host = host.format(port=address.rsplit(":", 1)[1])
    status, _, body = exchange(address, b"", path="/v1/models", method="GET", headers={"Host": host})
    assert status == 200 and json.loads(body)["data"][0]["id"] == "metwin-twin"
    sock, status = ws_open(address, host=host)
    sock.close()
    assert status == 101


def test_the_host_is_checked_with_a_token_too():
    with running(Scripted(), token=TOKEN) as address, recorded_log() as log:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        assert error_code(exchange(address, b"", path="/v1/models", method="GET",
                                   headers={"Host": REBOUND, **auth})) == (403, "forbidden_host")
        assert exchange(address, b"", path="/v1/models", method="GET", headers=auth)[0] == 200
        assert error_code(exchange(address, b"", path="/v1/models", method="GET")) == (401, "missing_token")
        sock, status = ws_open(address, path=f"/v1.1/chat?token={TOKEN}", host=REBOUND)
        sock.close()
        assert status == 403
        with pytest.raises(InvalidStatus) as refused:
            spark(address, FRONT_END_FRAME, path="/v1.1/chat")
        assert refused.value.response.status_code == 401
        assert spark(address, FRONT_END_FRAME, path="/v1.1/chat", additional_headers=auth)[-1]["header"]["code"] == 0
        assert not log.problems()


def test_allowed_hosts_extend_the_loopback_names():
    with running(Scripted(), allowed_hosts=["twin.lan", "box.lan:8000"]) as address:
        def status(host: str) -> int:
            return exchange(address, b"", path="/v1/models", method="GET", headers={"Host": host})[0]

        assert status("twin.lan:1234") == status("TWIN.LAN") == status("box.lan:8000") == 200
        assert status("box.lan:8001") == status("box.lan") == status(REBOUND) == 403
    assert served_hosts("0.0.0.0") == ["*"] and served_hosts("::") == ["*"]           # beyond loopback: the token
    assert served_hosts("0.0.0.0", ["twin.lan"]) == ["twin.lan"]
    assert served_hosts("192.168.1.20") == ["192.168.1.20"] and served_hosts("127.0.0.1") == []


# ------------------------------------------------------------------------------------------------- key scrubbing

KEY = "sk-live-9f8E7d6C5b4A3f2E1d0C"
PLAIN_KEY = "Zq81mXw0PkLr77Tb"           # no prefix, 16 characters: only its configured value finds it
SPARK_KEY, SPARK_SECRET = "4ce1c2b5c9a3e0fd7a2c1b3e5d7f9a0b", "MjlmNzkzNmZkMDQ2OTc0ZDdmNGE2ZWJk"


def b64(text: str, urlsafe: bool = False) -> str:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return encode(text.encode()).decode()


def encodings(key: str) -> dict[str, str]:
    """Every form issue 14 saw or could see a key echoed in."""
    return {
        "raw": key, "base64": b64(key), "base64-bearer": b64(f"Bearer {key}"), "base64-basic": b64(f"user:{key}"),
        "base64-colon": b64(f":{key}"), "base64-header": b64(f"Authorization: Bearer {key}"),
        "base64url": b64(f"ab:{key}", urlsafe=True).rstrip("="), "base64url-bearer": b64(f"Bearer {key}", True),
        "hex": key.encode().hex(), "HEX": key.encode().hex().upper(), "url": urllib.parse.quote(f"Bearer {key}"),
        "url-all": "".join(f"%{b:02X}" for b in key.encode()), "json": json.dumps({"api_key": key}),
        "basic-header": f"Authorization: Basic {b64(f'me:{key}')}",
    }


@pytest.mark.parametrize("key", [KEY, PLAIN_KEY, "k+y/with=odd&chars:0123"])
@pytest.mark.parametrize("form", list(encodings(KEY)))
def test_scrub_removes_a_configured_key_in_every_encoding(key, form):
    echoed = encodings(key)[form]
    out = scrub(f"upstream 401: invalid credentials {echoed} (request id 42)", [key])
    assert echoed not in out and key not in out and REDACTED in out
    assert out.startswith("upstream 401: invalid credentials") and out.endswith("(request id 42)")


@pytest.mark.parametrize("text", [
    "Incorrect API key provided: sk-proj-abcDEF1234567890abcdEFGH.",
    "Incorrect API key provided: sk-proj-************************wxyz.",
    "forwarded headers: Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlMTIz",
    "proxy said Proxy-Authorization=Basic dXNlcjpwYXNzd29yZDEyMw==",
    '{"api_key": "a1b2c3d4e5", "model": "x"}',
    "token=ghp_16C7e42F292c6912E7710c838347Ae178B4a and hf_abcdefghijklmnopqrstuvwx12",
    "signed url ?authorization=YXBpX2tleT0iNGNlMWMyYjVjOWEzZTBmZDdhMmMxYjNlNWQ3ZjlhMGIi",
    "secret key 8f14e45fceea167a5a36dedd4bea2543bd2b1a49 rejected",
    "aws AKIAIOSFODNN7EXAMPLE",
])
def test_scrub_removes_key_shaped_text_without_knowing_the_key(text):
    out = scrub(text)
    assert REDACTED in out
    for secret in ("abcDEF1234567890", "wxyz", "eyJ", "dXNlcjpwYXNzd29yZDEyMw", "a1b2c3d4e5", "ghp_", "hf_",
                   "YXBpX2tleT0i", "8f14e45fceea", "AKIAIOSFODNN7"):
        assert secret not in out


@pytest.mark.parametrize("text", [
    "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.",
    "The model `Qwen/Qwen2.5-7B-Instruct` does not exist (see https://platform.openai.com/docs/models).",
    "model qwen2-7b-instruct-finetuned-v2024-05-01 is loading; request 550e8400-e29b-41d4-a716-446655440000",
    "Rate limit reached for requests. Please try again in 20s. Limit: 3, Used: 3, Requested: 1.",
    "Spark error 10013: 输入内容审核不通过，涉嫌违规，请重新调整输入内容",
    "x" * 300,
])
def test_scrub_leaves_ordinary_error_text_alone(text):
    assert scrub(text, [KEY]) == text


def test_an_openai_server_echoing_the_key_encoded_reaches_no_page_and_no_client():
    echo = " | ".join(encodings(KEY).values())
    with FakeOpenAI(key=KEY, fail_with=401, error_message=f"bad credentials: {echo}") as upstream:
        endpoint = Endpoint(upstream.base_url, "fake-model", KEY, timeout=5)
        with pytest.raises(LLMError) as caught:                          # what the chat page shows
            chat(endpoint, [{"role": "user", "content": "hi"}])
        shown = str(caught.value)
        assert caught.value.kind == "auth" and "bad credentials" in shown
        with running(OpenAIBackend(endpoint)) as address, recorded_log() as log:   # what a twin-server client sees
            status, _, body = exchange(address, chat_body("hi"))
            frames = spark(address, FRONT_END_FRAME)
            assert not log.problems()
    assert status == 502
    for text in (shown, body.decode(), json.dumps(frames)):
        for form, value in encodings(KEY).items():
            assert value not in text and json.dumps(value)[1:-1] not in text, form


def test_spark_error_text_echoing_its_key_and_secret_encoded_is_scrubbed():
    echo = (f"auth {b64(SPARK_KEY)} sig {b64('api_key=' + SPARK_KEY)} secret {SPARK_SECRET.encode().hex()} "
            f"{urllib.parse.quote(SPARK_SECRET + '==')} {b64(SPARK_SECRET, urlsafe=True)}")
    with FakeSpark(api_key=SPARK_KEY, api_secret=SPARK_SECRET, fail_code=11200, fail_message=echo) as upstream:
        backend = SparkBackend(upstream.config(domain="lite"), timeout=5)
        with pytest.raises(LLMError) as caught:
            "".join(backend.stream([{"role": "user", "content": "hi"}], ChatParams()))
    shown = str(caught.value)
    assert "11200" in shown and REDACTED in shown
    for secret in (SPARK_KEY, SPARK_SECRET, b64(SPARK_KEY)[:20], SPARK_SECRET.encode().hex()[:20],
                   b64(SPARK_SECRET, urlsafe=True)[:20]):
        assert secret not in shown
