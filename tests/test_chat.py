"""Chat plumbing: the message window, WeChat emoji in bubbles, the OpenAI-compatible backend against a real local
server, backend configuration (no keys stored), demo passcodes and the demo server's command line."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from lib import chat as chat_lib
from lib import demo
from lib.chat.base import ChatError, ChatParams, window
from lib.chat.emoji import to_unicode
from lib.chat.openai_backend import OpenAIBackend
from lib.errors import BadInputError
from lib.llm import Endpoint
from lib.workspace import Workspace
from tests.fakes.openai_server import FakeOpenAI


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    w = Workspace(tmp_path / "ws")
    yield w
    w.close()


def test_window_sends_the_persona_and_the_recent_history_user_first():
    msgs = [{"role": "assistant", "content": "hi"}] + [
        {"role": "user" if i % 2 == 0 else "assistant", "content": f"m{i}"} for i in range(10)]
    out = window(msgs, ChatParams(history=4, system="你是小雨"))
    assert out[0] == {"role": "system", "content": "你是小雨"}
    assert [m["content"] for m in out[1:]] == ["m6", "m7", "m8", "m9"]
    out = window(msgs, ChatParams(history=3))
    assert out[0]["role"] == "user" and [m["content"] for m in out] == ["m8", "m9"]  # never starts with the twin
    assert window([{"role": "error", "content": "x"}, {"role": "user", "content": "在吗"}], ChatParams()) == [
        {"role": "user", "content": "在吗"}]


def test_bracket_emoji_show_as_unicode_where_mapped():
    assert to_unicode("好的[旺柴] [捂脸][Facepalm] [不存在] [OK]") == "好的🐶 🤦🤦 [不存在] 👌"


def test_openai_backend_streams_from_a_real_server_with_the_persona():
    with FakeOpenAI(reply="好呀[旺柴] 几点？", chunk_size=2) as srv:
        b = OpenAIBackend(Endpoint(srv.base_url, "fake-model", timeout=5))
        chunks = list(b.stream([{"role": "user", "content": "晚上吃火锅吗"}], ChatParams(system="你是小雨")))
        assert "".join(chunks) == "好呀[旺柴] 几点？" and len(chunks) > 1
        body = srv.chat_requests[-1].json
        assert body["stream"] is True and body["temperature"] == 0.9
        assert body["messages"][0] == {"role": "system", "content": "你是小雨"}
        assert "fake-model" in b.check()
    with pytest.raises(ChatError) as err:
        list(OpenAIBackend(Endpoint("http://127.0.0.1:9/v1", "m", timeout=2)).stream(
            [{"role": "user", "content": "x"}], ChatParams()))
    assert err.value.kind == "connection"


def test_backend_config_refuses_keys_and_explains_what_is_missing(ws: Workspace, monkeypatch):
    for var in ("METWIN_LLM_BASE_URL", "METWIN_LLM_MODEL", "METWIN_SPARK_URL", "METWIN_SPARK_APP_ID",
                "METWIN_SPARK_DOMAIN"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(BadInputError, match="keys are not stored"):
        chat_lib.set_config(ws, "openai", {"base_url": "http://x/v1", "api_key": "sk-1"})
    with pytest.raises(BadInputError, match="base URL and a model"):
        chat_lib.get_backend("openai", ws)
    chat_lib.set_config(ws, "openai", {"base_url": "http://127.0.0.1:9/v1", "model": "m"})
    b = chat_lib.get_backend("openai", ws, secret=lambda name: "sk-secret" if name == "OPENAI_API_KEY" else None)
    assert b.endpoint.api_key == "sk-secret" and "sk-secret" not in json.dumps(ws.get_setting("chat.backends"))
    chat_lib.set_config(ws, "spark", {"url": "wss://x/v1.1/chat", "app_id": "a", "domain": "patch"})
    with pytest.raises(BadInputError, match="METWIN_SPARK_API_KEY"):
        chat_lib.get_backend("spark", ws, secret=lambda name: None)
    with pytest.raises(BadInputError):
        chat_lib.set_params(ws, ChatParams(temperature=3))
    chat_lib.set_params(ws, ChatParams(temperature=0.7, history=6))
    assert chat_lib.params(ws).temperature == 0.7 and chat_lib.params(ws).history == 6


def test_demo_passcode_is_hashed_checked_and_throttled(ws: Workspace, monkeypatch):
    monkeypatch.setattr(demo.time, "sleep", lambda s: None)
    with pytest.raises(BadInputError):
        demo.set_passcode(ws, "12")
    demo.set_passcode(ws, "火锅2024")
    assert "火锅2024" not in json.dumps(ws.get_setting("demo.passcode"), ensure_ascii=False)
    assert not demo.check_passcode(ws, "wrong", "192.0.2.7")
    assert demo.check_passcode(ws, "火锅2024", "192.0.2.7")  # limits per address: tests/security/test_demo.py


def test_demo_refuses_to_listen_widely_without_a_passcode_and_named_hosts(ws: Workspace):
    with pytest.raises(BadInputError, match="passcode"):
        demo.check_binding(ws, "127.0.0.1", [])
    demo.set_passcode(ws, "1234")
    demo.check_binding(ws, "127.0.0.1", [])
    with pytest.raises(BadInputError, match="--allow-host"):
        demo.check_binding(ws, "0.0.0.0", [])
    demo.check_binding(ws, "0.0.0.0", ["192.168.1.20"])
    cmd, env = demo.command(ws.path, "0.0.0.0", 8600, ["192.168.1.20"])
    assert "--server.address=0.0.0.0" in cmd and "--server.allowedHosts=192.168.1.20" in cmd
    assert env["METWIN_DEMO"] == "1" and env["METWIN_DEMO_WORKSPACE"] == str(ws.path.resolve())


def test_emoji_conversion_survives_a_bracket_split_across_chunks():
    from lib.chat.emoji import StreamConverter

    conv = StreamConverter()
    out = "".join(conv.feed(c) for c in ["好呀[旺", "柴] 几", "点[捂脸", "]", " [x"]) + conv.flush()
    assert out == "好呀🐶 几点🤦 [x"


def test_a_backend_is_one_registration(tmp_path, monkeypatch):
    """Issue 16: the CLI's and serve's choices, get_backend and the memory default derive from lib.chat.REGISTRY."""
    import lib.chat as chat_lib
    from lib import cli
    from lib.chat.offline import OfflineTwin

    monkeypatch.setattr(chat_lib, "REGISTRY", dict(chat_lib.REGISTRY))
    chat_lib.register(chat_lib.BackendSpec("echo", "chat.backend.echo", lambda ws, cfg, secret: OfflineTwin(
        [("hi", cfg.get("greeting", "hello"))]), generative=False))
    ws = Workspace(tmp_path / "ws")
    chat_lib.set_config(ws, "echo", {"greeting": "hey there"})
    backend = chat_lib.get_backend("echo", ws)
    assert "".join(backend.stream([{"role": "user", "content": "hi"}], ChatParams(temperature=0))) == "hey there"
    parser = cli.build_parser()
    assert parser.parse_args(["serve", "--backend", "echo"]).backend == "echo"
    assert parser.parse_args(["eval", "--backend", "echo", "--out", str(tmp_path)]).backend == "echo"
    ws.close()


def test_every_backend_has_labels_in_both_languages():
    import lib.chat as chat_lib
    from lib import i18n

    for spec in chat_lib.REGISTRY.values():
        for lang in i18n.LANGS:
            assert spec.label_key in i18n.TRANSLATIONS[lang], (spec.name, lang)
