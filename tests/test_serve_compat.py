"""Issue 17: the twin server with the clients users really hand it to, over a real socket (tests/test_serve.py's
``running``: uvicorn on a free loopback port).

- iFLYTEK's HMAC-signed URL as a credential on the Spark WebSocket, proved both ways: URLs signed by our client code
  (:func:`lib.chat.spark.signed_url`) and the official Python SDK's way are accepted; a wrong key or secret, a stale
  date, another host and a tampered request line are refused; our own Spark backend talks to our own server.
- Browsers: ``Origin: null`` (a page opened as a file), CORS preflights, ``Access-Control-Allow-Origin`` on every
  answer (streams and refusals included), never ``*``.
- OpenAI compatibility: ``max_tokens``, ``stop``, ``n``, ``seed`` and ``temperature`` (the real offline twin), the
  model name echoed.
"""
from __future__ import annotations

import argparse
import base64
import email.utils
import hashlib
import hmac
import http.client
import json
import time
import urllib.parse
from collections.abc import Iterator
from datetime import datetime
from time import mktime
from wsgiref.handlers import format_date_time

import pytest
from websockets.exceptions import InvalidStatus

from lib.chat.base import ChatError, ChatParams
from lib.chat.offline import OfflineTwin
from lib.chat.spark import SparkBackend, SparkConfig, signed_url
from lib.errors import BadInputError
from lib.serve import build_parser_args, cmd_serve, make_app, rough_tokens
from lib.serve_auth import (
    SKEW_S,
    Access,
    allowed_host_set,
    normalize_origin,
    spark_signature_problem,
)
from lib.serve_auth import spark_credentials as credentials
from tests.serve_helpers import (
    FRONT_END_FRAME,
    PERSONA,
    REPLY,
    TOKEN,
    Scripted,
    client,
    running,
    spark,
)

KEY, SECRET = "twin-api-key-0001", "twin-api-secret-with-enough-entropy"
CREDS = credentials(KEY, SECRET)
USER = [{"role": "user", "content": "hi"}]


def request(address: str, method: str, path: str, body: object = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One raw HTTP exchange: (status, headers with lower-case names, body); headers as a browser would send them."""
    host, port = address.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    got = (response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    conn.close()
    return got


def sdk_url(url: str, key: str, secret: str) -> str:
    """The URL as iFLYTEK's official Python SDK builds it (spark-ai-python ``_SparkLLMClient._create_url``, MIT):
    a local-time ``format_date_time`` date and, in ``authorization_origin``, the stray indent the SDK's line
    continuation leaves before ``headers=`` (formats.md §8.2)."""
    parts = urllib.parse.urlparse(url)
    date = format_date_time(mktime(datetime.now().timetuple()))
    origin = f"host: {parts.netloc}\ndate: {date}\nGET {parts.path} HTTP/1.1"
    signature = base64.b64encode(hmac.new(secret.encode(), origin.encode(), hashlib.sha256).digest()).decode()
    authorization_origin = (f'api_key="{key}", algorithm="hmac-sha256", \\\n                '
                            f'headers="host date request-line", signature="{signature}"').replace("\\\n", "")
    authorization = base64.b64encode(authorization_origin.encode()).decode()
    return url + "?" + urllib.parse.urlencode({"authorization": authorization, "date": date, "host": parts.netloc})


def query_of(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def rfc1123(at: float) -> str:
    return email.utils.formatdate(at, usegmt=True)


# ---------------------------------------------------------------------------------------- the signature, as a rule

def test_a_url_signed_by_our_spark_client_verifies():
    url = signed_url("ws://127.0.0.1:8765/v3.5/chat", KEY, SECRET)
    assert spark_signature_problem(query_of(url), "/v3.5/chat", "127.0.0.1:8765", CREDS) is None


def test_the_official_sdks_url_with_its_stray_indent_verifies():
    url = sdk_url("ws://twin.lan:8765/v1.1/chat", KEY, SECRET)
    assert ",                 headers=" in base64.b64decode(query_of(url)["authorization"]).decode()
    assert spark_signature_problem(query_of(url), "/v1.1/chat", "twin.lan:8765", CREDS) is None


@pytest.mark.parametrize(("case", "reason"), [
    ("wrong secret", "cannot be verified"),
    ("wrong key", "cannot be verified"),
    ("stale date", f"more than {SKEW_S} s"),
    ("future date", f"more than {SKEW_S} s"),
    ("other host", "another host"),
    ("other request line", "cannot be verified"),
    ("date changed after signing", "cannot be verified"),
    ("not base64", "not base64"),
    ("no date", "needs authorization, date and host"),
    ("other algorithm", "hmac-sha256"),
])
def test_a_bad_signature_is_refused_with_its_reason(case, reason):
    now = time.time()
    url, path, host = "ws://127.0.0.1:8765/v3.5/chat", "/v3.5/chat", "127.0.0.1:8765"
    key, secret, date = KEY, SECRET, rfc1123(now)
    if case == "wrong secret":
        secret = SECRET + "x"
    elif case == "wrong key":
        key = "another-key"
    elif case == "stale date":
        date = rfc1123(now - SKEW_S - 5)
    elif case == "future date":
        date = rfc1123(now + SKEW_S + 5)
    elif case == "other host":
        url = "wss://spark-api.xf-yun.com/v3.5/chat"    # a signature made for iFLYTEK itself, replayed here
    elif case == "other request line":
        path = "/v1.1/chat"
    query = query_of(signed_url(url, key, secret, date))
    if case == "date changed after signing":
        query["date"] = rfc1123(now - 60)
    elif case == "not base64":
        query["authorization"] = "%%%not-base64%%%"
    elif case == "no date":
        del query["date"]
    elif case == "other algorithm":
        text = base64.b64decode(query["authorization"]).decode().replace("hmac-sha256", "hmac-sha1")
        query["authorization"] = base64.b64encode(text.encode()).decode()
    problem = spark_signature_problem(query, path, host, CREDS, now=now)
    assert problem is not None and reason in problem
    assert SECRET not in problem and KEY not in problem


def test_the_signed_host_may_be_any_name_of_this_server():
    """A page that signs with its own ``location.host`` (iFLYTEK's web demos do) still names this machine."""
    for signed_for, hosts in (("localhost:5173", frozenset()), ("twin.lan:3000", allowed_host_set(["twin.lan"]))):
        url = signed_url(f"ws://{signed_for}/v1.1/chat", KEY, SECRET)
        assert spark_signature_problem(query_of(url), "/v1.1/chat", "192.168.1.20:8765", CREDS, hosts) is None


def test_credentials_are_both_or_neither_and_never_shown():
    assert credentials("", None) is None
    with pytest.raises(BadInputError, match="both"):
        credentials(KEY, "")
    assert SECRET not in repr(CREDS) and KEY not in repr(CREDS) and SECRET not in str(Access(spark=CREDS))


# ------------------------------------------------------------------------------------ the signature, over a socket

@pytest.fixture(scope="module")
def signed_server() -> Iterator[tuple[str, Scripted]]:
    """A server beyond the token's reach for the SDK: a token for HTTP clients, the key and secret for Spark ones."""
    backend = Scripted()
    with running(backend, system_prompt=PERSONA, token=TOKEN, spark_key=KEY, spark_secret=SECRET) as address:
        yield address, backend


def test_the_spark_socket_accepts_iflyteks_signature_instead_of_the_token(signed_server):
    address, backend = signed_server
    for url in (signed_url(f"ws://{address}/v3.5/chat", KEY, SECRET), sdk_url(f"ws://{address}/v1.1/chat", KEY,
                                                                                SECRET)):
        frames = spark(address, FRONT_END_FRAME, path=url.split(address, 1)[1])
        assert "".join(f["payload"]["choices"]["text"][0]["content"] for f in frames) == "".join(REPLY)
    assert len(backend.calls) == 2


@pytest.mark.parametrize("case", ["wrong secret", "stale date", "other host", "other request line", "no signature"])
def test_the_spark_socket_refuses_a_bad_signature_with_a_readable_401(signed_server, case):
    address, backend = signed_server
    backend.reset()
    secret, date, url = SECRET, None, f"ws://{address}/v3.5/chat"
    if case == "wrong secret":
        secret = "not-the-secret"
    elif case == "stale date":
        date = rfc1123(time.time() - SKEW_S - 30)
    elif case == "other host":
        url = "wss://spark-api.xf-yun.com/v3.5/chat"
    path = urllib.parse.urlsplit(signed_url(url, KEY, secret, date))
    path = ("/v1.1/chat" if case == "other request line" else "/v3.5/chat") + ("" if case == "no signature" else
                                                                               "?" + path.query)
    with pytest.raises(InvalidStatus) as refused:
        spark(address, FRONT_END_FRAME, path=path)
    assert refused.value.response.status_code == 401
    message = json.loads(refused.value.response.body)["message"]
    assert message and SECRET not in message and KEY not in message
    assert ("signature" in message) if case != "no signature" else ("API key and secret" in message)
    assert not backend.calls


def test_the_signature_opens_only_the_spark_socket(signed_server):
    address, _ = signed_server
    query = urllib.parse.urlsplit(signed_url(f"http://{address}/v1/models", KEY, SECRET)).query
    assert request(address, "GET", f"/v1/models?{query}")[0] == 401


def test_our_spark_backend_talks_to_our_server_end_to_end(signed_server):
    address, backend = signed_server
    backend.reset()
    config = SparkConfig(url=f"ws://{address}/v3.5/chat", app_id="a1b2c3d4", api_key=KEY, api_secret=SECRET,
                         domain="generalv3.5")
    params = ChatParams(temperature=0.5, max_tokens=64, system="")
    assert "".join(SparkBackend(config, timeout=10).stream([{"role": "user", "content": "你好"}], params)) \
        == "".join(REPLY)
    assert backend.calls[-1][0] == [{"role": "user", "content": "你好"}]
    wrong = SparkConfig(**{**config.__dict__, "api_secret": "not-the-secret"})
    with pytest.raises(ChatError) as refused:
        list(SparkBackend(wrong, timeout=10).stream([{"role": "user", "content": "你好"}], params))
    assert refused.value.kind == "auth" and "401" in str(refused.value) and "not-the-secret" not in str(refused.value)


def test_the_serve_command_takes_the_key_and_secret_and_origins(monkeypatch):
    parser = argparse.ArgumentParser()
    build_parser_args(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["serve", "--spark-key", KEY, "--spark-secret", SECRET, "--cors-origin",
                              "https://chat.example.org", "--cors-origin", "http://192.168.1.20:3000"])
    assert (args.spark_key, args.spark_secret) == (KEY, SECRET)
    assert args.cors_origin == ["https://chat.example.org", "http://192.168.1.20:3000"]
    monkeypatch.delenv("METWIN_SERVE_SPARK_SECRET", raising=False)
    monkeypatch.setenv("METWIN_SERVE_SPARK_KEY", KEY)
    half = parser.parse_args(["serve"])
    with pytest.raises(BadInputError, match="METWIN_SERVE_SPARK_SECRET"):      # refused before anything loads
        cmd_serve(half)
    monkeypatch.delenv("METWIN_SERVE_SPARK_KEY")
    with pytest.raises(BadInputError, match="every web site"):
        cmd_serve(parser.parse_args(["serve", "--cors-origin", "*"]))


# ---------------------------------------------------------------------------------------------------- browsers

@pytest.fixture(scope="module")
def open_twin() -> Iterator[tuple[str, Scripted]]:
    backend = Scripted()
    with running(backend, system_prompt=PERSONA, cors_origins=["https://Chat.Example.org:443/"]) as address:
        yield address, backend


@pytest.fixture(scope="module")
def token_twin() -> Iterator[tuple[str, Scripted]]:
    backend = Scripted()
    with running(backend, token=TOKEN, cors_origins=["https://chat.example.org"]) as address:
        yield address, backend


def test_a_page_opened_as_a_file_may_use_the_twin_on_loopback(open_twin):
    address, backend = open_twin
    backend.reset()
    assert spark(address, FRONT_END_FRAME, origin="null")[-1]["header"]["code"] == 0
    status, headers, body = request(address, "POST", "/v1/chat/completions", {"messages": USER},
                                    {"Origin": "null"})
    assert status == 200 and headers["access-control-allow-origin"] == "null"
    assert json.loads(body)["choices"][0]["message"]["content"] == "".join(REPLY)


def test_with_a_token_a_file_page_needs_it_and_can_read_why_not(token_twin):
    address, _ = token_twin
    status, headers, body = request(address, "GET", "/v1/models", headers={"Origin": "null"})
    assert status == 401 and headers["access-control-allow-origin"] == "null"     # readable by the page's script
    assert "token" in json.loads(body)["error"]["message"]
    status, headers, _ = request(address, "GET", f"/v1/models?token={TOKEN}", headers={"Origin": "null"})
    assert status == 200 and headers["access-control-allow-origin"] == "null"
    with pytest.raises(InvalidStatus):
        spark(address, FRONT_END_FRAME, path="/v1.1/chat", origin="null")
    assert spark(address, FRONT_END_FRAME, path=f"/v1.1/chat?token={TOKEN}", origin="null")[-1]["header"]["code"] == 0


def test_a_page_that_appends_its_signature_after_the_token_still_gets_in(token_twin):
    """A front end that adds ``?authorization=…`` to a URL that already has ``?token=``: two question marks."""
    address, _ = token_twin
    signed = signed_url(f"ws://{address}/v1.1/chat", "page-key", "page-secret").split("?", 1)[1]
    frames = spark(address, FRONT_END_FRAME, path=f"/v1.1/chat?token={TOKEN}?{signed}", origin="null")
    assert frames[-1]["header"]["code"] == 0
    with pytest.raises(InvalidStatus):
        spark(address, FRONT_END_FRAME, path=f"/v1.1/chat?token=wrong?{signed}", origin="null")


@pytest.mark.parametrize("origin", ["http://localhost:5173", "https://chat.example.org", "null"])
def test_preflights_are_answered_for_allowed_origins(open_twin, token_twin, origin):
    for address, _ in (open_twin, token_twin):
        status, headers, body = request(address, "OPTIONS", "/v1/chat/completions", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, x-stainless-os"})
        assert status == 204 and body == b""
        assert headers["access-control-allow-origin"] == origin
        assert "POST" in headers["access-control-allow-methods"]
        assert headers["access-control-allow-headers"] == "authorization, content-type, x-stainless-os"
        assert "Origin" in headers["vary"]


def test_a_preflight_from_another_site_is_refused_and_nothing_says_star(open_twin, token_twin):
    for address, _ in (open_twin, token_twin):
        status, headers, body = request(address, "OPTIONS", "/v1/chat/completions", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
        assert status == 403 and "access-control-allow-origin" not in headers
        assert json.loads(body)["error"]["code"] == "forbidden_origin"
        status, headers, _ = request(address, "GET", f"/v1/models?token={TOKEN}",
                                     headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in headers
    status, headers, _ = request(token_twin[0], "GET", "/v1/models", headers={"Origin": "https://chat.example.org",
                                                                             "Authorization": f"Bearer {TOKEN}"})
    assert status == 200 and headers["access-control-allow-origin"] == "https://chat.example.org"
    assert request(open_twin[0], "GET", "/v1/models", headers={"Origin": "https://evil.example"})[0] == 403


def test_private_network_access_is_granted_to_configured_sites_not_to_null(open_twin):
    address, _ = open_twin
    asks = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Private-Network": "true"}
    granted = request(address, "OPTIONS", "/v1/models", headers={"Origin": "https://chat.example.org", **asks})[1]
    assert granted["access-control-allow-private-network"] == "true"
    denied = request(address, "OPTIONS", "/v1/models", headers={"Origin": "null", **asks})[1]
    assert "access-control-allow-private-network" not in denied


def test_a_streamed_answer_carries_the_cors_header(token_twin):
    address, backend = token_twin
    backend.reset()
    status, headers, body = request(address, "POST", "/v1/chat/completions", {"messages": USER, "stream": True},
                                    {"Origin": "https://chat.example.org", "Authorization": f"Bearer {TOKEN}"})
    assert status == 200 and headers["content-type"].startswith("text/event-stream")
    assert headers["access-control-allow-origin"] == "https://chat.example.org"
    assert body.endswith(b"data: [DONE]\n\n")


def test_preflights_still_check_the_host(open_twin):
    address, _ = open_twin
    status, headers, _ = request(address, "OPTIONS", "/v1/models", headers={
        "Host": "rebind.evil.example", "Origin": "http://rebind.evil.example", "Access-Control-Request-Method": "GET"})
    assert status == 403 and "access-control-allow-origin" not in headers


def test_origins_are_normalised_and_star_is_refused():
    assert normalize_origin("HTTPS://Chat.Example.org:443/") == "https://chat.example.org"
    assert normalize_origin("http://192.168.1.20:3000") == "http://192.168.1.20:3000"
    for bad in ("*", "chat.example.org", "https://chat.example.org/app", "ftp://x.example"):
        with pytest.raises(BadInputError):
            normalize_origin(bad)
    with pytest.raises(BadInputError):
        make_app(Scripted(), cors_origins=["*"])


# ------------------------------------------------------------------------------------------- OpenAI compatibility

@pytest.fixture
def twin(open_twin) -> Iterator[tuple[str, Scripted]]:
    address, backend = open_twin
    yield address, backend.reset()


def streamed(address: str, **kwargs) -> tuple[dict[int, str], dict[int, str], list]:
    """(text by choice index, finish_reason by index, chunks) of a streamed answer through the openai client."""
    chunks = list(client(address).chat.completions.create(model="gpt-4o-mini", messages=USER, stream=True,
                                                          **kwargs))
    texts: dict[int, str] = {}
    finish: dict[int, str] = {}
    for c in chunks:
        for choice in c.choices:
            texts[choice.index] = texts.get(choice.index, "") + (choice.delta.content or "")
            if choice.finish_reason:
                finish[choice.index] = choice.finish_reason
    return texts, finish, chunks


def test_max_tokens_cuts_the_answer_with_finish_reason_length(twin):
    address, backend = twin                     # REPLY: 你好 / ，我是 / 小明的孪生。 = 11 tokens, one per character
    reply = client(address).chat.completions.create(model="m", messages=USER, max_tokens=3)
    assert reply.choices[0].message.content == "你好，" and reply.choices[0].finish_reason == "length"
    assert reply.usage.completion_tokens == 3
    texts, finish, _ = streamed(address, max_tokens=3)
    assert texts == {0: "你好，"} and finish == {0: "length"}
    # stopped early, both times: the server closes the stream just after its last chunk, so a loaded machine may
    # let the client finish reading first
    deadline = time.monotonic() + 5
    while backend.closed < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert backend.closed == 2
    backend.reset(chunks=("hello world, ", "how are you"))
    reply = client(address).chat.completions.create(model="m", messages=USER, max_completion_tokens=2)
    assert reply.choices[0].message.content == "hello wo" and rough_tokens("hello wo") == 2
    whole = client(address).chat.completions.create(model="m", messages=USER, max_tokens=500)
    assert whole.choices[0].message.content == "hello world, how are you" and whole.choices[0].finish_reason == "stop"


def test_stop_cuts_before_the_first_stop_string_even_across_chunks(twin):
    address, backend = twin
    backend.reset(chunks=("line one\nli", "ne two"))
    reply = client(address).chat.completions.create(model="m", messages=USER, stop=["\n"])
    assert reply.choices[0].message.content == "line one" and reply.choices[0].finish_reason == "stop"
    backend.reset(chunks=("hello wo", "rld and ", "bye"))
    for stop in ("world", ["zzz", "and", "world"]):
        reply = client(address).chat.completions.create(model="m", messages=USER, stop=stop)
        assert reply.choices[0].message.content == "hello "
        texts, finish, _ = streamed(address, stop=stop)
        assert texts == {0: "hello "} and finish == {0: "stop"}
    reply = client(address).chat.completions.create(model="m", messages=USER, stop="nowhere")
    assert reply.choices[0].message.content == "hello world and bye"
    reply = client(address).chat.completions.create(model="m", messages=USER, stop="bye", max_tokens=2)
    assert reply.choices[0].message.content == "hello wo" and reply.choices[0].finish_reason == "length"


@pytest.mark.parametrize(("extra", "param"), [
    ({"stop": ["a", "b", "c", "d", "e"]}, "stop"), ({"stop": 5}, "stop"), ({"stop": ["a", 1]}, "stop"),
    ({"n": 0}, "n"), ({"n": 9}, "n"), ({"n": "2"}, "n"), ({"seed": 1.5}, "seed"), ({"seed": True}, "seed"),
    ({"seed": 2 ** 64}, "seed"), ({"model": 5}, "model"),
])
def test_bad_values_of_the_honoured_fields_get_a_400(twin, extra, param):
    address, backend = twin
    status, _, body = request(address, "POST", "/v1/chat/completions", {"messages": USER, **extra})
    assert status == 400 and json.loads(body)["error"]["param"] == param
    assert not backend.calls


def test_n_gives_several_answers_each_with_its_own_seed(twin):
    address, backend = twin
    reply = client(address).chat.completions.create(model="m", messages=USER, n=3, seed=7, temperature=0.3)
    assert [c.index for c in reply.choices] == [0, 1, 2]
    assert all(c.message.content == "".join(REPLY) and c.finish_reason == "stop" for c in reply.choices)
    assert [p.seed for _, p in backend.calls] == [7, 8, 9] and {p.temperature for _, p in backend.calls} == {0.3}
    assert reply.usage.completion_tokens == 3 * rough_tokens("".join(REPLY))
    backend.reset()
    texts, finish, _ = streamed(address, n=2, max_tokens=2)
    assert texts == {0: "你好", 1: "你好"} and finish == {0: "length", 1: "length"}
    seeds = [p.seed for _, p in backend.calls]
    assert seeds[0] is None and isinstance(seeds[1], int)   # answer 0 as with n=1; the others differ
    backend.reset()
    client(address).chat.completions.create(model="m", messages=USER, seed=-5)
    assert backend.calls[-1][1].seed == -5


def test_the_requested_model_name_is_echoed_and_models_lists_the_real_one(twin):
    address, _ = twin
    assert client(address).chat.completions.create(model="gpt-4o-mini", messages=USER).model == "gpt-4o-mini"
    assert {c.model for c in streamed(address)[2]} == {"gpt-4o-mini"}
    assert [m.id for m in client(address).models.list().data] == ["metwin-twin"]
    status, _, body = request(address, "POST", "/v1/chat/completions", {"messages": USER})
    assert status == 200 and json.loads(body)["model"] == "metwin-twin"                       # none asked: the real one


def test_a_spark_frames_max_tokens_cuts_the_answer_too(twin):
    address, _ = twin
    frame = {**FRONT_END_FRAME, "parameter": {"chat": {"domain": "lite", "max_tokens": 2}}}
    frames = spark(address, frame)
    assert "".join(f["payload"]["choices"]["text"][0]["content"] for f in frames) == "你好"
    assert frames[-1]["header"]["status"] == 2 and frames[-1]["payload"]["usage"]["text"]["completion_tokens"] == 2


# --------------------------------------------------------------------------------- the real offline twin, served

PAIRS = [("你好", "嗨嗨"), ("你好呀", "哈喽"), ("你好啊", "在呢"), ("你好吗", "还行吧"), ("你好你好", "你好呀😄"),
         ("晚上吃火锅吗", "走起！"), ("周末爬山", "好呀，几点？")]


@pytest.fixture(scope="module")
def offline_twin() -> Iterator[str]:
    with running(OfflineTwin(PAIRS)) as address:
        yield address


def test_temperature_zero_gives_the_offline_twins_best_reply_whatever_the_seed(offline_twin):
    asks = [{"role": "user", "content": "晚上吃火锅吗"}]
    replies = {client(offline_twin).chat.completions.create(model="m", messages=asks, temperature=0, seed=s)
               .choices[0].message.content for s in range(5)}
    assert replies == {"走起！"}


def test_the_seed_makes_the_offline_twin_reproducible_and_n_varies_it(offline_twin):
    asks = [{"role": "user", "content": "你好"}]

    def answers(seed: int | None, n: int = 1) -> list[str]:
        reply = client(offline_twin).chat.completions.create(model="m", messages=asks, temperature=1.5, n=n,
                                                             seed=seed)
        return [c.message.content for c in reply.choices]

    assert answers(11) == answers(11) and answers(None) == answers(None)
    several = answers(3, n=8)
    assert set(several) <= {r for _, r in PAIRS} and len(set(several)) > 1
    assert several[0] == answers(3)[0]
