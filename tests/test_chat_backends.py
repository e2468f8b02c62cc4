"""Issue 16: a chat backend is one module in lib/chat/backends/. The Chat page draws its settings form from the spec,
so a new backend needs no page change."""
from __future__ import annotations

import pytest

import lib.chat as chat_lib
from lib import i18n
from lib.chat.offline import OfflineTwin
from lib.workspace import Workspace
from tests.helpers import start

CHAT = "pages/chat.py"


@pytest.fixture
def echo(monkeypatch):
    """A backend registered the way a new module in lib/chat/backends/ registers itself."""
    monkeypatch.setattr(chat_lib, "REGISTRY", dict(chat_lib.REGISTRY))
    spec = chat_lib.register(chat_lib.BackendSpec(
        "echo", "chat.backend.offline", lambda ws, cfg, secret: OfflineTwin([("hi", cfg.get("greeting") or "hello")]),
        generative=False, order=50,
        fields=(chat_lib.ConfigField("greeting", "chat.spark_app", placeholder="hey there"),),
        secrets=(("METWIN_ECHO_KEY", "ECHO_KEY"),), keys_caption=("chat.spark_keys_found", "chat.spark_keys_none")))
    return spec


def test_the_builtin_backends_come_from_their_modules_in_order():
    assert tuple(chat_lib.REGISTRY)[:4] == ("offline", "openai", "spark", "local")
    for spec in chat_lib.REGISTRY.values():
        for f in spec.fields:
            for key in (f.label_key, f.help_key):
                if key:
                    assert all(key in i18n.TRANSLATIONS[lang] for lang in i18n.LANGS), (spec.name, key)


def test_keys_found_needs_one_name_of_every_group(echo):
    spark = chat_lib.REGISTRY["spark"]
    assert not spark.keys_found(lambda n: "k" if n == "METWIN_SPARK_API_KEY" else None)
    assert spark.keys_found(lambda n: "k")
    assert echo.keys_found(lambda n: "k" if n == "ECHO_KEY" else None)


@pytest.mark.usefixtures("running_server")
def test_the_chat_page_draws_and_saves_a_new_backends_form(echo, data_dir):
    at = start(CHAT)
    at.segmented_control(key="chat_backend").set_value("echo").run()
    assert not at.exception
    field = next(t for t in at.text_input if t.label == i18n.t("chat.spark_app", "en"))
    assert field.placeholder == "hey there"
    field.set_value("hey you")
    next(b for b in at.button if b.label == i18n.t("chat.save", "en")).click().run()
    assert not at.exception
    assert i18n.t("chat.spark_keys_none", "en") in [c.value for c in at.caption]
    ws = Workspace(data_dir / "workspaces" / "sample")
    try:
        assert chat_lib.config(ws)["echo"] == {"greeting": "hey you"}
    finally:
        ws.close()
