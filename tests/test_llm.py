"""The OpenAI-compatible client (lib/llm.py) against a real local HTTP server (tests/fakes/openai_server.py)."""
from __future__ import annotations

import socket

import pytest

from lib.errors import BadInputError
from lib.llm import KINDS, Endpoint, LLMError, chat, endpoint_from_env, list_models, stream_chat
from tests.fakes import Fail, FakeOpenAI

KEY = "sk-test-0123456789abcdefSECRET"
SECRET_TEXT = "my bank PIN is 4812, do not tell anyone"
MESSAGES = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": SECRET_TEXT}]


def endpoint(srv: FakeOpenAI, key: str = "", timeout: float = 5.0, model: str = "fake-model") -> Endpoint:
    return Endpoint(srv.base_url, model, key, timeout)


def assert_clean(error: LLMError, key: str = KEY) -> None:
    """The promise of lib/llm.py: one line, no key, no message text, anywhere the error is shown."""
    for shown in (str(error), repr(error), repr(error.args)):
        assert key not in shown
        assert SECRET_TEXT not in shown and "4812" not in shown
    assert "\n" not in str(error)
    assert error.kind in KINDS


def dead_port() -> int:
    """A port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ------------------------------------------------------------------------------------------------ happy paths

def test_chat_returns_the_reply_and_sends_an_openai_request():
    with FakeOpenAI(reply="Hi there.") as srv:
        assert chat(endpoint(srv), MESSAGES) == "Hi there."
    sent = srv.last
    assert (sent.method, sent.path) == ("POST", "/v1/chat/completions")
    assert sent.json["model"] == "fake-model"
    assert sent.json["messages"] == MESSAGES
    assert sent.json["temperature"] == 0.9 and sent.json["stream"] is False
    assert "top_p" not in sent.json and "max_tokens" not in sent.json
    assert sent.headers["content-type"] == "application/json"


def test_chat_options_and_extra_are_sent():
    with FakeOpenAI() as srv:
        chat(endpoint(srv), MESSAGES, temperature=0.2, top_p=0.8, max_tokens=64, extra={"seed": 7, "stop": ["\n"]})
    body = srv.last.json
    assert (body["temperature"], body["top_p"], body["max_tokens"], body["seed"], body["stop"]) == (
        0.2, 0.8, 64, 7, ["\n"])


def test_reply_callable_sees_the_request_body():
    with FakeOpenAI(reply=lambda body: body["messages"][-1]["content"].upper()) as srv:
        assert chat(endpoint(srv), [{"role": "user", "content": "echo 你好"}]) == "ECHO 你好"


def test_trailing_slash_in_base_url_is_fine():
    with FakeOpenAI(reply="ok") as srv:
        assert chat(Endpoint(srv.base_url + "/", "fake-model"), MESSAGES) == "ok"
        assert srv.last.path == "/v1/chat/completions"


def test_stream_chat_yields_deltas_that_join_to_the_reply():
    reply = "Streaming works, 一点一点地。"
    with FakeOpenAI(reply=reply, chunk_size=4) as srv:
        pieces = list(stream_chat(endpoint(srv), MESSAGES, temperature=0.5))
    assert len(pieces) > 3 and "".join(pieces) == reply
    assert srv.last.json["stream"] is True and srv.last.json["temperature"] == 0.5


def test_stream_chat_with_a_usage_chunk_and_explicit_chunks():
    with FakeOpenAI(reply=lambda body: ["Hel", "lo", "!"]) as srv:
        pieces = list(stream_chat(endpoint(srv), MESSAGES, extra={"stream_options": {"include_usage": True}}))
    assert pieces == ["Hel", "lo", "!"]


def test_stream_chat_accepts_a_server_that_answers_in_one_json_body():
    body = b'{"choices": [{"index": 0, "message": {"role": "assistant", "content": "whole"}, "finish_reason": "stop"}]}'
    with FakeOpenAI(raw_body=body, raw_content_type="application/json") as srv:
        assert list(stream_chat(endpoint(srv), MESSAGES)) == ["whole"]


def test_stream_chat_reads_multi_line_events_and_comments():
    raw = (b": keep-alive\n\n"
           b'data: {"choices": [{"delta": {"content": "a"}}]}\n\n'
           b'data: {"choices": [{"delta":\ndata:  {"content": "b"}}]}\n\n'
           b"data: [DONE]\n\n"
           b'data: {"choices": [{"delta": {"content": "after done"}}]}\n\n')
    with FakeOpenAI(raw_body=raw) as srv:
        assert list(stream_chat(endpoint(srv), MESSAGES)) == ["a", "b"]


def test_list_models():
    with FakeOpenAI(models=("qwen2.5-7b-instruct", "llama3.1:8b")) as srv:
        assert list_models(endpoint(srv)) == ["qwen2.5-7b-instruct", "llama3.1:8b"]
    assert (srv.last.method, srv.last.path) == ("GET", "/v1/models")


# ------------------------------------------------------------------------------------------------------- auth

def test_no_authorization_header_without_a_key():
    with FakeOpenAI() as srv:
        chat(endpoint(srv), MESSAGES)
        list(stream_chat(endpoint(srv), MESSAGES))
        list_models(endpoint(srv))
    assert len(srv.requests) == 3
    assert all(r.authorization is None for r in srv.requests)


def test_bearer_key_is_sent_when_set():
    with FakeOpenAI(key=KEY, reply="authorised") as srv:
        assert chat(endpoint(srv, KEY), MESSAGES) == "authorised"
        assert "".join(stream_chat(endpoint(srv, KEY), MESSAGES)) == "authorised"
        assert list_models(endpoint(srv, KEY)) == ["fake-model"]
    assert all(r.authorization == f"Bearer {KEY}" for r in srv.requests)


def test_missing_key_is_an_auth_error_that_asks_for_one():
    with FakeOpenAI(key=KEY) as srv, pytest.raises(LLMError) as caught:
        chat(endpoint(srv), MESSAGES)
    assert caught.value.kind == "auth" and caught.value.status == 401
    assert "requires an API key" in str(caught.value) and "Incorrect API key provided" in str(caught.value)
    assert_clean(caught.value)


def test_wrong_key_is_an_auth_error_without_the_key():
    wrong = "sk-wrong-key-abcdefghijklmnop"
    for call in (lambda e: chat(e, MESSAGES), lambda e: list(stream_chat(e, MESSAGES)), list_models):
        with FakeOpenAI(key=KEY) as srv, pytest.raises(LLMError) as caught:
            call(endpoint(srv, wrong))
        assert caught.value.kind == "auth"
        assert "refused the API key" in str(caught.value) and "Check the API key" in str(caught.value)
        assert_clean(caught.value, wrong)


def test_endpoint_repr_never_shows_the_key():
    ep = Endpoint("http://user:pw@127.0.0.1:8000/v1?token=abc", "m", KEY)
    for shown in (repr(ep), str(ep), f"{ep}", repr([ep])):
        assert KEY not in shown and "pw" not in shown and "token" not in shown
    assert "api_key='***'" in repr(ep)
    assert "api_key=''" in repr(Endpoint("http://127.0.0.1:8000/v1", "m"))


# ----------------------------------------------------------------------------------------------------- errors

@pytest.mark.parametrize(("status", "kind", "hint"), [
    (400, "bad_request", "rejected the request"),
    (403, "auth", "refused the API key"),
    (404, "not_found", "Check the base URL"),
    (422, "bad_request", "rejected the request"),
    (429, "rate_limit", "Wait"),
    (500, "server", "failed"),
    (503, "server", "failed"),
])
def test_http_errors_map_to_kinds_with_the_server_message(status, kind, hint):
    with FakeOpenAI(fail_with=status, error_message=f"upstream says {status}") as srv:
        ep = endpoint(srv, KEY)
        for call in (lambda: chat(ep, MESSAGES), lambda: list(stream_chat(ep, MESSAGES))):
            with pytest.raises(LLMError) as caught:
                call()
            error = caught.value
            assert (error.kind, error.status) == (kind, status)
            assert isinstance(error, BadInputError)
            assert f"HTTP {status}: upstream says {status}" in str(error) and hint in str(error)
            assert srv.base_url in str(error)
            assert_clean(error)


def test_rate_limit_mentions_retry_after():
    with FakeOpenAI(fail_with=429, retry_after=7) as srv, pytest.raises(LLMError) as caught:
        chat(endpoint(srv), MESSAGES)
    assert caught.value.kind == "rate_limit" and "Wait 7 s" in str(caught.value)


def test_unknown_model_is_not_found_and_names_the_model():
    with FakeOpenAI() as srv, pytest.raises(LLMError) as caught:
        chat(endpoint(srv, model="no-such-model"), MESSAGES)
    assert caught.value.kind == "not_found" and "'no-such-model'" in str(caught.value)
    assert "does not exist" in str(caught.value)


def test_base_url_without_v1_is_not_found():
    with FakeOpenAI() as srv, pytest.raises(LLMError) as caught:
        chat(Endpoint(srv.origin, "fake-model"), MESSAGES)
    assert caught.value.kind == "not_found" and "/v1" in str(caught.value)


def test_server_echoing_the_key_and_the_message_text_is_scrubbed():
    echo = f"key {KEY} is bad; key prefix {KEY[:12]}****; your message: {SECRET_TEXT}; {{'content': 'hidden 4812'}}"
    with FakeOpenAI(fail_with=400, error_message=echo) as srv, pytest.raises(LLMError) as caught:
        chat(endpoint(srv, KEY), MESSAGES)
    assert caught.value.kind == "bad_request" and "your message" in str(caught.value)
    assert "hidden" not in str(caught.value)
    assert_clean(caught.value)


def test_long_server_message_is_truncated():
    with FakeOpenAI(fail_with=500, error_message="x" * 5000) as srv, pytest.raises(LLMError) as caught:
        chat(endpoint(srv), MESSAGES)
    assert "x" * 150 in str(caught.value) and "x" * 300 not in str(caught.value)
    assert len(str(caught.value)) < 400


def test_failure_scripted_by_the_reply_callable():
    def reply(body):
        raise Fail(503, "model is loading")

    with FakeOpenAI(reply=reply) as srv, pytest.raises(LLMError) as caught:
        chat(endpoint(srv), MESSAGES)
    assert caught.value.kind == "server" and "model is loading" in str(caught.value)


def test_connection_refused():
    ep = Endpoint(f"http://127.0.0.1:{dead_port()}/v1", "m", KEY)
    for call in (lambda: chat(ep, MESSAGES), lambda: list(stream_chat(ep, MESSAGES)), lambda: list_models(ep)):
        with pytest.raises(LLMError) as caught:
            call()
        assert caught.value.kind == "connection"
        assert str(caught.value) == (f"Cannot reach {ep.base_url}: connection refused. Is the model server running? "
                                     "Check the base URL.")
        assert caught.value.__cause__ is None   # no chained exception that could carry the request
        assert caught.value.__context__ is None or caught.value.__suppress_context__
        assert_clean(caught.value)


def test_not_an_http_url():
    with pytest.raises(LLMError) as caught:
        chat(Endpoint("127.0.0.1:8000/v1", "m"), MESSAGES)
    assert caught.value.kind == "connection" and "http://127.0.0.1:8000/v1" in str(caught.value)


def test_missing_model_name():
    with pytest.raises(LLMError) as caught:
        chat(Endpoint("http://127.0.0.1:8000/v1", " "), MESSAGES)
    assert caught.value.kind == "bad_request" and "model" in str(caught.value)


def test_timeout_is_fast_and_says_so():
    with FakeOpenAI(delay=3) as srv:
        ep = endpoint(srv, KEY, timeout=0.5)
        for call in (lambda: chat(ep, MESSAGES), lambda: list(stream_chat(ep, MESSAGES))):
            with pytest.raises(LLMError) as caught:
                call()
            assert caught.value.kind == "timeout"
            assert "within 0.5 s" in str(caught.value) and "raise the timeout" in str(caught.value)
            assert_clean(caught.value)


def test_stream_that_stalls_midway_times_out_after_the_first_pieces():
    with FakeOpenAI(reply="abcdef", chunk_size=2, chunk_delay=3) as srv:
        pieces = stream_chat(endpoint(srv, KEY, timeout=0.5), MESSAGES)
        assert next(pieces) == "ab"
        with pytest.raises(LLMError) as caught:
            next(pieces)
    assert caught.value.kind == "timeout"
    assert_clean(caught.value)


def test_invalid_json_is_a_bad_response():
    with FakeOpenAI(invalid_json=True) as srv:
        for call in (lambda: chat(endpoint(srv), MESSAGES), lambda: list(stream_chat(endpoint(srv), MESSAGES))):
            with pytest.raises(LLMError) as caught:
                call()
            assert caught.value.kind == "bad_response" and "not valid JSON" in str(caught.value)


def test_a_web_page_is_a_bad_response():
    with FakeOpenAI(raw_body=b"<!doctype html><html>Open WebUI</html>", raw_content_type="text/html") as srv, \
            pytest.raises(LLMError) as caught:
        chat(endpoint(srv), MESSAGES)
    assert caught.value.kind == "bad_response" and "a web page" in str(caught.value)


@pytest.mark.parametrize("body", [b'{"id": "x", "object": "chat.completion"}', b'{"choices": []}', b"[]"])
def test_missing_choices_is_a_bad_response(body):
    with FakeOpenAI(raw_body=body) as srv, pytest.raises(LLMError) as caught:
        chat(endpoint(srv), MESSAGES)
    assert caught.value.kind == "bad_response" and "without any choices" in str(caught.value)


def test_error_object_in_a_200_answer():
    body = b'{"object": "error", "message": "This model\'s maximum context length is 4096 tokens", "code": 400}'
    with FakeOpenAI(raw_body=body) as srv, pytest.raises(LLMError) as caught:
        chat(endpoint(srv), MESSAGES)
    assert caught.value.kind == "bad_request" and "maximum context length" in str(caught.value)
    assert "HTTP" not in str(caught.value)


def test_content_filter():
    with FakeOpenAI(reply="I cannot", finish_reason="content_filter") as srv:
        for call in (lambda: chat(endpoint(srv), MESSAGES), lambda: list(stream_chat(endpoint(srv), MESSAGES))):
            with pytest.raises(LLMError) as caught:
                call()
            assert caught.value.kind == "content_filter" and "content filter" in str(caught.value)
            assert_clean(caught.value)


def test_content_filter_reported_as_an_http_error_code():
    def reply(body):
        raise Fail(400, "The response was filtered", code="content_filter")

    with FakeOpenAI(reply=reply) as srv, pytest.raises(LLMError) as caught:
        chat(endpoint(srv), MESSAGES)
    assert caught.value.kind == "content_filter"


def test_error_midway_through_a_stream():
    with FakeOpenAI(reply="partial answer", chunk_size=4, stream_error=f"engine died on {SECRET_TEXT}") as srv:
        pieces = stream_chat(endpoint(srv, KEY), MESSAGES)
        assert next(pieces) == "part"
        with pytest.raises(LLMError) as caught:
            next(pieces)
    assert caught.value.kind == "server" and "engine died" in str(caught.value)
    assert_clean(caught.value)


def test_error_event_in_a_stream():
    raw = (b'data: {"choices": [{"delta": {"content": "a"}}]}\n\n'
           b'event: error\ndata: {"error": {"message": "Overloaded", "type": "overloaded_error", "code": 529}}\n\n')
    with FakeOpenAI(raw_body=raw) as srv:
        pieces = stream_chat(endpoint(srv), MESSAGES)
        assert next(pieces) == "a"
        with pytest.raises(LLMError) as caught:
            next(pieces)
    assert caught.value.kind == "server" and "Overloaded" in str(caught.value)


def test_list_models_errors():
    with FakeOpenAI(fail_with=500) as srv, pytest.raises(LLMError) as caught:
        list_models(endpoint(srv))
    assert caught.value.kind == "server"
    with FakeOpenAI(raw_body=b'{"object": "list"}') as srv, pytest.raises(LLMError) as caught:
        list_models(endpoint(srv))
    assert caught.value.kind == "bad_response"


def test_llm_error_rejects_unknown_kinds():
    with pytest.raises(ValueError):
        LLMError("oops", "message")


# ------------------------------------------------------------------------------------------------ environment

def test_endpoint_from_env():
    assert endpoint_from_env(environ={}) is None
    assert endpoint_from_env(environ={"METWIN_LLM_MODEL": "m"}) is None
    env = {"METWIN_LLM_BASE_URL": " http://127.0.0.1:11434/v1 ", "METWIN_LLM_MODEL": "qwen2.5:7b",
           "METWIN_LLM_API_KEY": KEY, "OPENAI_API_KEY": "sk-other"}
    assert endpoint_from_env(environ=env) == Endpoint("http://127.0.0.1:11434/v1", "qwen2.5:7b", KEY, 60.0)
    del env["METWIN_LLM_API_KEY"]
    assert endpoint_from_env(environ=env).api_key == "sk-other"
    env["METWIN_LLM_API_KEY"] = ""          # set but empty: no key, and no fallback
    assert endpoint_from_env(environ=env).api_key == ""
    assert endpoint_from_env(environ={**env, "METWIN_LLM_TIMEOUT": "5"}).timeout == 5.0
    with pytest.raises(BadInputError):
        endpoint_from_env(environ={**env, "METWIN_LLM_TIMEOUT": "soon"})


def test_endpoint_from_env_reads_os_environ_and_custom_prefix(monkeypatch):
    monkeypatch.setenv("CHAT_LLM_BASE_URL", "http://127.0.0.1:8000/v1")
    monkeypatch.delenv("CHAT_LLM_MODEL", raising=False)
    monkeypatch.delenv("CHAT_LLM_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert endpoint_from_env("CHAT_LLM") == Endpoint("http://127.0.0.1:8000/v1", "", "")
