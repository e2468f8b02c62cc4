"""The twin server (lib/serve.py) over a real socket: uvicorn in a thread, driven by the official ``openai`` client, a
Spark front end's exact frames (``websockets``) and raw HTTP, with a scripted backend standing in for the twin."""
from __future__ import annotations

import argparse
import http.client
import json
import threading
import time
from collections.abc import Iterator

import openai
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from lib.chat.base import ChatParams
from lib.errors import BadInputError
from lib.serve import (
    build_parser_args,
    check_bind,
    cmd_serve,
    listen_socket,
    make_server,
)

from tests.serve_helpers import (  # noqa: F401
    FRONT_END_FRAME, PERSONA, REPLY, SECRET_TEXT, SIGNED_QUERY, TOKEN, Scripted, assert_error_body, client, post,
    running, spark,
)

BACKEND = Scripted()
SECURED = Scripted()


@pytest.fixture(scope="module")
def open_server() -> Iterator[str]:
    with running(BACKEND, system_prompt=PERSONA) as address:
        yield address


@pytest.fixture(scope="module")
def token_server() -> Iterator[str]:
    with running(SECURED, system_prompt=PERSONA, token=TOKEN, model_name="xiaoming-twin") as address:
        yield address


@pytest.fixture
def twin(open_server: str) -> Iterator[tuple[str, Scripted]]:
    yield open_server, BACKEND.reset()


# ---------------------------------------------------------------------------------------------- OpenAI protocol

def test_openai_client_gets_the_whole_answer_with_usage_and_request_parameters(twin):
    address, backend = twin
    reply = client(address).chat.completions.create(
        model="whatever-the-framework-sends", temperature=0.4, top_p=0.8, max_tokens=64,
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "你好"},
                  {"role": "assistant", "content": "嗨"}, {"role": "user", "content": "在吗"}])
    assert reply.object == "chat.completion" and reply.model == "whatever-the-framework-sends"   # echoed
    assert reply.choices[0].message.role == "assistant"
    assert reply.choices[0].message.content == "".join(REPLY)
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage.completion_tokens > 0 and reply.usage.total_tokens == (reply.usage.prompt_tokens
                                                                               + reply.usage.completion_tokens)
    messages, params = backend.calls[-1]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]    # the system prompt travels in params
    assert (params.temperature, params.top_p, params.max_tokens, params.system) == (0.4, 0.8, 64, "Be brief.")


def test_the_persona_prompt_is_used_when_the_request_has_no_system_message(twin):
    address, backend = twin
    client(address).chat.completions.create(model="metwin-twin", messages=[{"role": "user", "content": "hi"}])
    params = backend.calls[-1][1]
    assert params.system == PERSONA and params.temperature == ChatParams().temperature


def test_openai_client_streams_the_answer_in_chunks(twin):
    address, backend = twin
    stream = client(address).chat.completions.create(model="metwin-twin", stream=True,
                                                     stream_options={"include_usage": True},
                                                     messages=[{"role": "user", "content": "你好"}])
    chunks = list(stream)
    deltas = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert deltas == list(REPLY)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert not chunks[-1].choices and chunks[-1].usage.completion_tokens > 0
    assert backend.closed == 1


def test_models_lists_the_twin(twin, token_server):
    address, _ = twin
    models = client(address).models.list()
    assert [m.id for m in models.data] == ["metwin-twin"]
    assert client(address).models.retrieve("metwin-twin").id == "metwin-twin"
    assert [m.id for m in client(token_server, TOKEN).models.list().data] == ["xiaoming-twin"]


@pytest.mark.parametrize(("body", "code"), [
    (b"{not json", "invalid_json"),
    (b"\xff\xfe", "invalid_json"),
    (b"[1, 2]", "invalid_type"),
    (b'{"model": "m"}', "missing_required_parameter"),
    (b'{"messages": "hello"}', "invalid_type"),
    (b'{"messages": []}', "invalid_value"),
    (b'{"messages": [{"role": "tool", "content": "x"}]}', "invalid_value"),
    (b'{"messages": [{"role": "user", "content": 5}]}', "invalid_type"),
    (b'{"messages": [{"role": "assistant", "content": "only me"}]}', "invalid_value"),
    (b'{"messages": [{"role": "user", "content": "hi"}], "temperature": "hot"}', "invalid_type"),
    (b'{"messages": [{"role": "user", "content": "hi"}], "temperature": 7}', "invalid_value"),
    (b'{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 0}', "invalid_value"),
    (b'{"messages": [{"role": "user", "content": "hi"}], "stream": "yes"}', "invalid_type"),
])
def test_malformed_http_requests_get_400_with_an_openai_error(twin, body, code):
    address, backend = twin
    status, answer = post(address, body)
    assert status == 400
    assert assert_error_body(answer, code)["type"] == "invalid_request_error"
    assert not backend.calls


def test_unknown_paths_and_methods_answer_in_json(twin):
    address, _ = twin
    assert assert_error_body(post(address, b"", "/v1/nothing", method="GET")[1], "not_found")
    assert post(address, b"", "/v1/chat/completions", method="GET")[0] == 405
    status, answer = post(address, b"", "/v1/models/other-model", method="GET")
    assert status == 404 and assert_error_body(answer, "model_not_found")


@pytest.mark.parametrize(("kind", "status", "error"), [
    ("rate_limit", 429, openai.RateLimitError),
    ("content_filter", 400, openai.BadRequestError),
    ("bad_request", 400, openai.BadRequestError),
    ("connection", 502, openai.InternalServerError),
])
def test_backend_errors_become_http_errors(twin, kind, status, error):
    address, backend = twin
    backend.reset(fail=kind)
    for stream in (False, True):       # a stream that fails before its first chunk fails as plain HTTP
        with pytest.raises(error) as caught:
            client(address).chat.completions.create(model="m", stream=stream,
                                                    messages=[{"role": "user", "content": "hi"}])
        assert caught.value.status_code == status
        assert caught.value.body["code"] == kind and "scripted backend failed" in caught.value.body["message"]


def test_a_stream_that_fails_midway_ends_with_an_error_event(twin):
    address, backend = twin
    backend.reset(fail="server", fail_at=1)
    stream = client(address).chat.completions.create(model="m", stream=True,
                                                     messages=[{"role": "user", "content": "hi"}])
    got = []
    with pytest.raises(openai.APIError, match="scripted backend failed"):
        for chunk in stream:
            got.append(chunk.choices[0].delta.content or "")
    assert "".join(got) == REPLY[0]
    assert backend.closed == 1


def test_a_backend_bug_is_a_500_without_the_users_text(twin):
    address, backend = twin
    backend.reset(fail="boom")
    status, answer = post(address, json.dumps({"messages": [{"role": "user", "content": SECRET_TEXT}]}).encode())
    assert status == 500 and "RuntimeError" in assert_error_body(answer)["message"]
    assert "4812" not in json.dumps(answer)


# ----------------------------------------------------------------------------------------------- Spark protocol

def test_the_front_ends_frame_gets_spark_answer_frames(twin):
    address, backend = twin
    frames = spark(address, FRONT_END_FRAME)
    assert [f["header"]["status"] for f in frames] == [0, 1, 1, 2]
    assert [f["payload"]["choices"]["status"] for f in frames] == [0, 1, 1, 2]
    assert [f["payload"]["choices"]["seq"] for f in frames] == [0, 1, 2, 3]
    assert all(f["header"]["code"] == 0 for f in frames)
    sids = {f["header"]["sid"] for f in frames}
    assert len(sids) == 1 and sids.pop()
    texts = [f["payload"]["choices"]["text"][0] for f in frames]
    assert all(t["role"] == "assistant" and t["index"] == 0 for t in texts)
    assert "".join(t["content"] for t in texts) == "".join(REPLY)
    usage = frames[-1]["payload"]["usage"]["text"]
    assert usage["question_tokens"] == 2 and usage["completion_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    messages, params = backend.calls[-1]
    assert messages == [{"role": "user", "content": "你好"}]
    assert params.temperature == 0.9 and params.system == PERSONA


def test_spark_paths_of_other_versions_and_bytes_frames_work(twin):
    address, _ = twin
    frames = spark(address, json.dumps(FRONT_END_FRAME).encode(), path="/v3.5/chat")
    assert "".join(f["payload"]["choices"]["text"][0]["content"] for f in frames) == "".join(REPLY)


@pytest.mark.parametrize(("frame", "code"), [
    ("not json at all", 10003),
    ({"header": {"app_id": "a"}, "payload": {"message": {}}}, 10004),
    ({"payload": {"message": {"text": "你好"}}}, 10004),
    ({"payload": {"message": {"text": []}}}, 10005),
    ({"payload": {"message": {"text": [{"role": "robot", "content": "你好"}]}}}, 10005),
    ({"payload": {"message": {"text": [{"role": "user", "content": "你好"}]}},
      "parameter": {"chat": {"temperature": "hot"}}}, 10004),
])
def test_a_malformed_frame_gets_one_error_frame_and_the_server_keeps_serving(twin, frame, code):
    address, backend = twin
    frames = spark(address, frame)
    assert len(frames) == 1 and "payload" not in frames[0]
    header = frames[0]["header"]
    assert header["code"] == code and header["status"] == 2 and header["sid"] and header["message"]
    assert not backend.calls
    assert "".join(f["payload"]["choices"]["text"][0]["content"] for f in spark(address, FRONT_END_FRAME)) \
        == "".join(REPLY)


@pytest.mark.parametrize(("kind", "code", "fail_at"), [
    ("content_filter", 10013, 0), ("rate_limit", 10007, 0), ("bad_request", 10005, 0), ("server", 10010, 2),
    ("boom", 10009, 0),
])
def test_backend_errors_become_spark_error_frames(twin, kind, code, fail_at):
    address, backend = twin
    backend.reset(fail=kind, fail_at=fail_at)
    frames = spark(address, FRONT_END_FRAME)
    assert len(frames) == fail_at + 1
    assert frames[-1]["header"]["code"] == code and frames[-1]["header"]["status"] == 2
    message = frames[-1]["header"]["message"]
    assert "RuntimeError" in message if kind == "boom" else "scripted backend failed" in message
    assert SECRET_TEXT not in message and backend.closed == 1


# ------------------------------------------------------------------------------------------------- access rules

def test_the_token_is_required_when_set(token_server):
    SECURED.reset()
    status, answer = post(token_server, b"", "/v1/models", method="GET")
    assert status == 401 and assert_error_body(answer, "missing_token")
    with pytest.raises(openai.AuthenticationError):
        client(token_server, "wrong-token").models.list()
    body = json.dumps({"messages": [{"role": "user", "content": "hi"}]}).encode()
    assert post(token_server, body)[0] == 401
    assert post(token_server, body, path=f"/v1/chat/completions?token={TOKEN}")[0] == 200
    reply = client(token_server, TOKEN).chat.completions.create(model="xiaoming-twin",
                                                                 messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "".join(REPLY) and reply.model == "xiaoming-twin"


def test_the_spark_socket_wants_the_token_in_a_header_or_the_query(token_server):
    SECURED.reset()
    with pytest.raises(InvalidStatus) as refused:
        spark(token_server, FRONT_END_FRAME)                  # the Spark signature alone is not our token
    assert refused.value.response.status_code == 401
    assert json.loads(refused.value.response.body)["message"]
    with pytest.raises(InvalidStatus):
        spark(token_server, FRONT_END_FRAME, path=f"/v1.1/chat{SIGNED_QUERY}&token=wrong")
    for frames in (spark(token_server, FRONT_END_FRAME, additional_headers={"Authorization": f"Bearer {TOKEN}"}),
                   spark(token_server, FRONT_END_FRAME, path=f"/v1.1/chat{SIGNED_QUERY}&token={TOKEN}")):
        assert frames[-1]["header"]["status"] == 2 and frames[-1]["header"]["code"] == 0


def test_without_a_token_only_pages_on_this_machine_may_connect(twin):
    address, _ = twin
    with pytest.raises(InvalidStatus) as refused:
        spark(address, FRONT_END_FRAME, origin="https://evil.example")
    assert refused.value.response.status_code == 403
    assert spark(address, FRONT_END_FRAME, origin="http://localhost:5173")[-1]["header"]["code"] == 0
    status, answer = post(address, b"", "/v1/models", method="GET", headers={"Origin": "https://evil.example"})
    assert status == 403 and assert_error_body(answer, "forbidden_origin")


def test_binding_beyond_loopback_needs_a_token():
    for host in ("0.0.0.0", "192.168.1.20", "::", ""):
        with pytest.raises(BadInputError, match="--token or METWIN_SERVE_TOKEN"):
            check_bind(host, None)
        with pytest.raises(BadInputError):
            make_server(Scripted(), host, 0)
        check_bind(host, TOKEN)
    for host in ("127.0.0.1", "::1", "localhost", "127.0.0.2"):
        check_bind(host, None)


def test_the_serve_command_refuses_the_network_without_a_token(monkeypatch):
    parser = argparse.ArgumentParser()
    build_parser_args(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["serve", "--host", "0.0.0.0"])
    assert (args.backend, args.port, args.model_name) == ("offline", 8765, "metwin-twin")
    monkeypatch.delenv("METWIN_SERVE_TOKEN", raising=False)
    with pytest.raises(BadInputError, match="METWIN_SERVE_TOKEN"):
        args.func(args)  # the parser's command (the server is imported only when it runs)
    with pytest.raises(BadInputError, match="METWIN_SERVE_TOKEN"):
        cmd_serve(args)


def test_a_port_in_use_is_a_clear_error():
    with listen_socket("127.0.0.1", 0) as taken:
        taken.listen()
        with pytest.raises(BadInputError, match="choose another --port"):
            listen_socket("127.0.0.1", taken.getsockname()[1])


# -------------------------------------------------------------------------------------------------- concurrency

def test_two_slow_answers_are_served_at_the_same_time(twin):
    address, backend = twin
    backend.reset(delay=0.4)              # 3 chunks: about 1.2 s per answer
    results: dict[str, str] = {}

    def by_openai() -> None:
        stream = client(address).chat.completions.create(model="m", stream=True,
                                                         messages=[{"role": "user", "content": "hi"}])
        results["openai"] = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)

    def by_spark() -> None:
        frames = spark(address, FRONT_END_FRAME)
        results["spark"] = "".join(f["payload"]["choices"]["text"][0]["content"] for f in frames)

    started = time.monotonic()
    threads = [threading.Thread(target=by_openai), threading.Thread(target=by_spark)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    elapsed = time.monotonic() - started
    assert results == {"openai": "".join(REPLY), "spark": "".join(REPLY)}
    assert elapsed < 1.9, f"two 1.2 s answers took {elapsed:.2f} s: served one after the other"


def test_too_many_answers_at_once_are_turned_away_as_rate_limited():
    backend = Scripted(delay=0.3)
    with running(backend, max_streams=1) as address:
        slow = threading.Thread(target=lambda: client(address).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}]))
        slow.start()
        time.sleep(0.15)
        with pytest.raises(openai.RateLimitError):
            client(address).chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        frames = spark(address, FRONT_END_FRAME)
        assert frames[-1]["header"]["code"] == 10007
        slow.join(5)
    assert len(backend.calls) == 1


def test_a_client_that_leaves_midway_stops_the_backend(twin):
    address, backend = twin
    backend.reset(chunks=("a",) * 50, delay=0.05)
    with connect(f"ws://{address}/v1.1/chat", open_timeout=5) as ws:
        ws.send(json.dumps(FRONT_END_FRAME))
        ws.recv(timeout=5)
    deadline = time.monotonic() + 5
    while not backend.closed and time.monotonic() < deadline:
        time.sleep(0.05)
    assert backend.closed == 1


def test_a_connection_closed_before_its_request_is_dropped_quietly(twin):
    address, backend = twin
    with connect(f"ws://{address}/v1.1/chat", open_timeout=5):
        pass
    assert spark(address, FRONT_END_FRAME)[-1]["header"]["code"] == 0
    assert len(backend.calls) == 1


def test_an_http_client_that_leaves_midway_stops_the_backend(twin):
    address, backend = twin
    backend.reset(chunks=("a",) * 50, delay=0.05)
    host, port = address.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    conn.request("POST", "/v1/chat/completions", json.dumps({"messages": [{"role": "user", "content": "hi"}],
                                                             "stream": True}))
    response = conn.getresponse()
    assert response.status == 200 and response.readline().startswith(b"data: ")
    conn.close()
    deadline = time.monotonic() + 5
    while not backend.closed and time.monotonic() < deadline:
        time.sleep(0.05)
    assert backend.closed == 1 and len(backend.calls) == 1
