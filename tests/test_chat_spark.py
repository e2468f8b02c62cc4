"""The iFLYTEK Spark backend (lib/chat/spark.py) against a real local WebSocket server (tests/fakes/spark_server.py)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import socket
import urllib.parse

import pytest

from lib.chat.base import KINDS, ChatError, ChatParams
from lib.chat.spark import SparkBackend, SparkConfig, config_from_env, request_frame, signed_url
from lib.errors import BadInputError
from tests.fakes.spark_server import FakeSpark, SparkFail

KEY = "spark-key-0123456789abcdefKEY"
SECRET = "spark-secret-ZmVkY2JhOTg3NjU0SECRET"
APP = "app12345"
SECRET_TEXT = "my bank PIN is 4812, do not tell anyone"
MESSAGES = [{"role": "user", "content": SECRET_TEXT}]
PARAMS = ChatParams(temperature=0.5, max_tokens=64)


def fake(**kwargs: object) -> FakeSpark:
    return FakeSpark(app_id=APP, api_key=KEY, api_secret=SECRET, **kwargs)


def backend(srv: FakeSpark, timeout: float = 5.0, **changes: str) -> SparkBackend:
    return SparkBackend(srv.config(domain="lite", **changes), timeout=timeout)


def assert_clean(error: ChatError) -> None:
    """The promise of lib/llm.py, kept here too: one line, no key, no secret, no message text."""
    for shown in (str(error), repr(error), repr(error.args)):
        assert KEY not in shown and SECRET not in shown
        assert SECRET_TEXT not in shown and "4812" not in shown
    assert "\n" not in str(error)
    assert error.kind in KINDS
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)   # no chained text


def failure(srv: FakeSpark, messages: list[dict] = MESSAGES, **kwargs: object) -> ChatError:
    with pytest.raises(ChatError) as caught:
        "".join(backend(srv, **kwargs).stream(messages, PARAMS))
    assert_clean(caught.value)
    return caught.value


def collect(srv: FakeSpark) -> tuple[list[str], ChatError]:
    """The pieces yielded before the stream failed, and the error."""
    got: list[str] = []
    stream = backend(srv).stream(MESSAGES, PARAMS)
    with pytest.raises(ChatError) as caught:
        while True:
            got.append(next(stream))
    assert_clean(caught.value)
    return got, caught.value


def dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------------------------------- signed URL

VECTOR_DATE = "Fri, 05 May 2023 10:43:39 GMT"
VECTOR_URL = "wss://spark-api.xf-yun.com/v3.5/chat"
VECTOR_KEY = "4CE1c2b5c9a3e0fd7a2c1b3e5d7f9a0b"
VECTOR_SECRET = "MjlmNzkzNmZkMDQ2OTc0ZDdmNGE2ZWJk"
# Checked by hand against formats.md §8.2 (HMAC also with `openssl dgst -sha256 -hmac`): a change here is a regression.
VECTOR_SIGNED = (
    "wss://spark-api.xf-yun.com/v3.5/chat?authorization=YXBpX2tleT0iNENFMWMyYjVjOWEzZTBmZDdhMmMxYjNlNWQ3ZjlhMGIiLCBh"
    "bGdvcml0aG09ImhtYWMtc2hhMjU2IiwgaGVhZGVycz0iaG9zdCBkYXRlIHJlcXVlc3QtbGluZSIsIHNpZ25hdHVyZT0iMHJsUVp2MFNvakhxSGRX"
    "OFB1UkZtc3BNNk1FQW1aejgzTjdid0lMd05qbz0i&date=Fri%2C+05+May+2023+10%3A43%3A39+GMT&host=spark-api.xf-yun.com")


def test_signed_url_matches_the_algorithm_recomputed_independently():
    origin = f"host: spark-api.xf-yun.com\ndate: {VECTOR_DATE}\nGET /v3.5/chat HTTP/1.1"
    signature = base64.b64encode(hmac.new(VECTOR_SECRET.encode(), origin.encode(), hashlib.sha256).digest()).decode()
    assert signature == "0rlQZv0SojHqHdW8PuRFmspM6MEAmZz83N7bwILwNjo="
    authorization = base64.b64encode(
        (f'api_key="{VECTOR_KEY}", algorithm="hmac-sha256", headers="host date request-line", '
         f'signature="{signature}"').encode()).decode()
    url = signed_url(VECTOR_URL, VECTOR_KEY, VECTOR_SECRET, VECTOR_DATE)
    base, query = url.split("?", 1)
    assert base == VECTOR_URL
    assert urllib.parse.parse_qsl(query) == [("authorization", authorization), ("date", VECTOR_DATE),
                                             ("host", "spark-api.xf-yun.com")]
    assert url == VECTOR_SIGNED


def test_signed_url_signs_host_with_port_and_defaults_the_date_to_now():
    url = signed_url("ws://127.0.0.1:8765/v1.1/chat", "k", "s")
    query = dict(urllib.parse.parse_qsl(url.split("?", 1)[1]))
    assert query["host"] == "127.0.0.1:8765"
    assert query["date"].endswith(" GMT") and len(query["date"]) == len(VECTOR_DATE)


# -------------------------------------------------------------------------------------------------------- config

def test_config_repr_hides_key_and_secret():
    cfg = SparkConfig(VECTOR_URL, APP, KEY, SECRET, "generalv3.5", "210267877777408")
    for shown in (repr(cfg), str(cfg), repr(SparkBackend(cfg))):
        assert KEY not in shown and SECRET not in shown
        assert "'***'" in shown and "generalv3.5" in shown


def test_config_from_env():
    env = {"METWIN_SPARK_URL": " wss://spark-api.xf-yun.com/v3.5/chat ", "METWIN_SPARK_APP_ID": APP,
           "METWIN_SPARK_API_KEY": KEY, "METWIN_SPARK_API_SECRET": SECRET}
    assert config_from_env(environ={}) is None
    assert config_from_env(environ={k: v for k, v in env.items() if k != "METWIN_SPARK_API_SECRET"}) is None
    cfg = config_from_env(environ=env)
    assert (cfg.url, cfg.app_id, cfg.domain, cfg.patch_id) == (VECTOR_URL, APP, "generalv3.5", "")
    maas = {**env, "METWIN_SPARK_URL": "wss://maas-api.cn-huabei-1.xf-yun.com/v1.1/chat"}
    with pytest.raises(BadInputError, match="METWIN_SPARK_DOMAIN"):
        config_from_env(environ=maas)
    cfg = config_from_env(environ={**maas, "METWIN_SPARK_DOMAIN": "xop3qwen", "METWIN_SPARK_PATCH_ID": "123"})
    assert (cfg.domain, cfg.patch_id) == ("xop3qwen", "123")


# ------------------------------------------------------------------------------------------------- request frame

CFG = SparkConfig(VECTOR_URL, APP, KEY, SECRET, "generalv3.5")


def test_request_frame_shape():
    frame = request_frame(CFG, [{"role": "user", "content": "hi"}], ChatParams(temperature=0.5, max_tokens=100))
    assert frame == {"header": {"app_id": APP, "uid": "metwin"},
                     "parameter": {"chat": {"domain": "generalv3.5", "temperature": 0.5, "max_tokens": 100}},
                     "payload": {"message": {"text": [{"role": "user", "content": "hi"}]}}}
    frame = request_frame(CFG, [{"role": "user", "content": "hi"}], ChatParams(max_tokens=None), uid="u" * 40,
                          top_k=9)
    assert "max_tokens" not in frame["parameter"]["chat"] and frame["parameter"]["chat"]["top_k"] == 6
    assert frame["header"]["uid"] == "u" * 32


def test_patch_id_only_for_fine_tuned_models():
    tuned = SparkConfig(VECTOR_URL, APP, KEY, SECRET, "xop3qwen", patch_id="210267877777408")
    assert request_frame(tuned, MESSAGES, PARAMS)["header"]["patch_id"] == ["210267877777408"]
    assert "patch_id" not in request_frame(CFG, MESSAGES, PARAMS)["header"]


@pytest.mark.parametrize(("given", "sent"), [(0.0, 0.01), (-1.0, 0.01), (0.9, 0.9), (1.0, 1.0), (1.5, 1.0),
                                             (2.0, 1.0)])
def test_temperature_is_clamped_to_spark_range(given, sent):
    frame = request_frame(CFG, MESSAGES, ChatParams(temperature=given))
    assert frame["parameter"]["chat"]["temperature"] == sent


def test_messages_alternate_with_system_first_and_end_with_user():
    messages = [
        {"role": "assistant", "content": "hello?"},          # a leading assistant message: dropped by window()
        {"role": "user", "content": "a"},
        {"role": "user", "content": "b"},                    # merged with "a"
        {"role": "system", "content": "ignored: the persona prompt wins"},
        {"role": "assistant", "content": "c"},
        {"role": "assistant", "content": "d"},               # merged with "c"
        {"role": "user", "content": "  "},                   # empty: dropped
        {"role": "user", "content": "e"},
        {"role": "assistant", "content": "f"},               # trailing assistant: dropped
    ]
    text = request_frame(CFG, messages, ChatParams(system="You are Ann.", history=20))["payload"]["message"]["text"]
    assert text == [{"role": "system", "content": "You are Ann."}, {"role": "user", "content": "a\nb"},
                    {"role": "assistant", "content": "c\nd"}, {"role": "user", "content": "e"}]
    text = request_frame(CFG, [{"role": "system", "content": "S"}, *messages[1:3]], ChatParams())
    assert text["payload"]["message"]["text"] == [{"role": "system", "content": "S"},
                                                  {"role": "user", "content": "a\nb"}]
    with pytest.raises(ChatError) as caught:
        request_frame(CFG, [{"role": "assistant", "content": "only me"}], ChatParams())
    assert caught.value.kind == "bad_request"


# ----------------------------------------------------------------------------------------------------- streaming

def test_stream_yields_the_reply_in_pieces_over_a_real_websocket():
    with fake(reply="你好，我是你的数字分身。", chunk_size=3) as srv:
        pieces = list(backend(srv).stream(
            [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"},
             {"role": "user", "content": "who are you?"}], ChatParams(system="You are Ann.", max_tokens=64)))
    assert "".join(pieces) == "你好，我是你的数字分身。" and len(pieces) == 4
    assert srv.handshakes[-1].status == 101 and srv.handshakes[-1].path == "/v1.1/chat"
    frame = srv.last
    assert frame["header"] == {"app_id": APP, "uid": "metwin"}
    assert frame["parameter"]["chat"] == {"domain": "lite", "temperature": 0.9, "max_tokens": 64}
    assert [m["role"] for m in frame["payload"]["message"]["text"]] == ["system", "user", "assistant", "user"]
    statuses = [f["header"]["status"] for f in srv.sent]
    assert statuses == [0, 1, 1, 2] and "usage" in srv.sent[-1]["payload"]


def test_each_request_opens_a_new_connection_and_patch_id_reaches_the_server():
    with fake(reply=lambda frame: ["echo: ", frame["payload"]["message"]["text"][-1]["content"]]) as srv:
        spark = SparkBackend(srv.config(domain="xop3qwen", patch_id="42"), timeout=5)
        assert "".join(spark.stream([{"role": "user", "content": "one"}], PARAMS)) == "echo: one"
        assert "".join(spark.stream([{"role": "user", "content": "two"}], PARAMS)) == "echo: two"
    assert len(srv.handshakes) == 2 and len(srv.frames) == 2
    assert srv.last["header"]["patch_id"] == ["42"]


def test_closing_the_iterator_early_closes_the_connection():
    with fake(reply=["a", "b", "c"], chunk_delay=0.05) as srv:
        stream = backend(srv).stream(MESSAGES, PARAMS)
        assert next(stream) == "a"
        stream.close()
        assert "".join(backend(srv).stream(MESSAGES, PARAMS)) == "abc"


def test_check_sends_a_tiny_question():
    with fake(reply="Hi!") as srv:
        assert backend(srv).check() == "Spark answered (domain lite)"
    chat = srv.last["parameter"]["chat"]
    assert chat["max_tokens"] <= 16
    assert srv.last["payload"]["message"]["text"] == [{"role": "user", "content": "Hi"}]


def test_check_raises_on_failure():
    with fake() as srv, pytest.raises(ChatError) as caught:
        backend(srv, api_secret="wrong-secret").check()
    assert caught.value.kind == "auth"


# -------------------------------------------------------------------------------------------------------- errors

@pytest.mark.parametrize("code", [10013, 10014, 10019, 10021])
def test_content_audit_codes_are_content_filter(code):
    with fake(fail_code=code) as srv:
        error = failure(srv)
    assert error.kind == "content_filter" and f"Spark error {code}" in str(error)


def test_output_audit_midway_keeps_the_pieces_already_yielded():
    with fake(reply=["first ", "second ", "third"], fail_code=10014, fail_after=2) as srv:
        got, error = collect(srv)
    assert got == ["first ", "second "] and error.kind == "content_filter" and "answer" in str(error)


def test_too_long_says_to_shorten_the_history():
    with fake(fail_code=10907) as srv:
        error = failure(srv)
    assert error.kind == "bad_request" and "10907" in str(error) and "history" in str(error)


@pytest.mark.parametrize(("code", "kind"), [(11200, "auth"), (11201, "auth"), (10016, "auth"), (10007, "rate_limit"),
                                            (10008, "rate_limit"), (10110, "rate_limit"), (10003, "bad_request"),
                                            (10005, "bad_request"), (10012, "server"), (10222, "server")])
def test_error_codes_map_to_kinds(code, kind):
    def refuse(frame: dict) -> str:
        raise SparkFail(code)

    with fake(reply=refuse) as srv:
        error = failure(srv)
    assert error.kind == kind and f"Spark error {code}" in str(error)


def test_unknown_domain_hints_at_the_url_version():
    with fake(domains=("generalv3.5",)) as srv:
        error = failure(srv)
    assert error.kind == "bad_request" and "10404" in str(error) and "/v3.5/chat" in str(error)


def test_wrong_app_id_is_auth():
    with fake() as srv:
        error = failure(srv, app_id="other123")
    assert error.kind == "auth" and "10313" in str(error)


def test_spark_error_text_echoing_the_message_is_scrubbed():
    with fake(fail_code=10013, fail_message=f"input '{SECRET_TEXT}' rejected, key {KEY}") as srv:
        error = failure(srv)   # assert_clean checks it
    assert "10013" in str(error)


def test_bad_signature_is_auth():
    with fake() as srv:
        error = failure(srv, api_secret="not-the-secret")
    assert error.kind == "auth" and error.status == 401
    assert "API key and API secret" in str(error) and "clock" in str(error)
    assert srv.handshakes[-1].status == 401 and not srv.frames


def test_wrong_key_is_auth():
    with fake() as srv:
        assert failure(srv, api_key="some-other-key").kind == "auth"


def test_stale_date_is_auth_and_mentions_the_clock():
    with fake(clock_offset=301) as srv:
        error = failure(srv)
    assert error.kind == "auth" and "clock" in str(error) and "valid date" in str(error)
    with fake(clock_offset=-290) as srv:    # within Spark's 300 s: accepted
        assert "".join(backend(srv).stream(MESSAGES, PARAMS))


def test_handshake_statuses():
    with fake(http_status=403) as srv:
        assert failure(srv).kind == "auth"
    with fake(http_status=503) as srv:
        assert failure(srv).kind == "server"
    with fake() as srv:
        spark = SparkBackend(srv.config(url=srv.url.replace("/v1.1/", "/v9.9/")), timeout=5)
        with pytest.raises(ChatError) as caught:
            list(spark.stream(MESSAGES, PARAMS))
    assert caught.value.kind == "not_found"


def test_dead_port_is_connection():
    cfg = SparkConfig(f"ws://127.0.0.1:{dead_port()}/v1.1/chat", APP, KEY, SECRET, "lite")
    with pytest.raises(ChatError) as caught:
        list(SparkBackend(cfg, timeout=5).stream(MESSAGES, PARAMS))
    assert caught.value.kind == "connection" and "refused" in str(caught.value)
    assert_clean(caught.value)


def test_unknown_host_is_connection(monkeypatch):
    def no_dns(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "create_connection", no_dns)
    cfg = SparkConfig("wss://spark-api.example.invalid/v3.5/chat", APP, KEY, SECRET, "generalv3.5")
    with pytest.raises(ChatError) as caught:
        list(SparkBackend(cfg, timeout=5).stream(MESSAGES, PARAMS))
    assert caught.value.kind == "connection" and "host name not found" in str(caught.value)


def test_not_a_websocket_url_is_refused_before_connecting():
    cfg = SparkConfig("https://spark-api.xf-yun.com/v3.5/chat", APP, KEY, SECRET, "generalv3.5")
    with pytest.raises(ChatError) as caught:
        list(SparkBackend(cfg).stream(MESSAGES, PARAMS))
    assert caught.value.kind == "connection" and "ws://" in str(caught.value)
    with pytest.raises(ChatError) as caught:
        list(SparkBackend(SparkConfig(VECTOR_URL, APP, "", SECRET, "lite")).stream(MESSAGES, PARAMS))
    assert caught.value.kind == "auth"


def test_stall_is_timeout():
    with fake(delay=3) as srv:
        error = failure(srv, timeout=0.3)
    assert error.kind == "timeout" and "0.3 s" in str(error)


def test_stream_cut_off_before_the_last_frame_is_bad_response():
    with fake(reply=["a", "b", "c"], cut_after=2) as srv:
        got, error = collect(srv)
    assert got == ["a", "b"] and error.kind == "bad_response" and "cut off" in str(error)


def test_non_json_frame_is_bad_response():
    with fake(invalid_json=True) as srv:
        error = failure(srv)
    assert error.kind == "bad_response" and "not Spark's JSON" in str(error)
