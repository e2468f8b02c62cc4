"""The chat page through AppTest with a patched backend, and demo mode (chat only, passcode, disclosure)."""
from __future__ import annotations

import re
from unittest.mock import patch

import pytest

from lib import demo
from lib.chat.base import ChatError
from lib.workspace import Workspace
from pages import WORD_JOINER, md_escape
from tests.helpers import start

pytestmark = pytest.mark.usefixtures("data_dir", "running_server")  # tests/conftest.py

CHAT = "pages/chat.py"


class Scripted:
    """A backend that answers from a script, or fails with a ChatError."""

    name, label = "offline", "scripted"

    def __init__(self, reply: str = "好呀[旺柴] 几点？", fail: str | None = None) -> None:
        self.reply, self.fail, self.seen = reply, fail, []

    def stream(self, messages, params):
        self.seen.append((list(messages), params))
        if self.fail:
            yield "半句"
            raise ChatError(self.fail, "the model server stopped answering (test)")
        yield from (self.reply[i:i + 3] for i in range(0, len(self.reply), 3))

    def check(self):
        return "scripted"


def chat_texts(at) -> list[str]:
    """Each bubble's message, which is always a plain-text element (chat text is never Markdown)."""
    return [m.text[0].value if m.text else "" for m in at.chat_message]


def test_a_message_gets_a_streamed_reply_with_emoji_and_the_disclosure(data_dir):
    b = Scripted()
    with patch("lib.chat.get_backend", return_value=b):
        at = start(CHAT)
        assert "AI twin of" in at.warning[0].value
        at.chat_input(key="chat_input").set_value("晚上吃火锅吗").run()
    assert not at.exception
    texts = chat_texts(at)
    assert texts[0] == "晚上吃火锅吗" and texts[1] == "好呀🐶 几点？"
    messages, params = b.seen[0]
    assert messages[-1] == {"role": "user", "content": "晚上吃火锅吗"}
    assert params.temperature == 0.9 and params.system.startswith("你是")  # the persona's prompt goes along


def test_an_error_shows_in_the_chat_and_keeps_the_conversation(data_dir):
    with patch("lib.chat.get_backend", return_value=Scripted(fail="connection")):
        at = start(CHAT)
        at.chat_input(key="chat_input").set_value("在吗").run()
        assert not at.exception
        assert any("stopped answering" in e.value for e in at.error)
        assert at.session_state["chat_msgs"][0] == {"role": "user", "content": "在吗"}
        assert at.session_state["chat_msgs"][1]["content"] == "半句"  # the part that arrived is kept
    with patch("lib.chat.get_backend", return_value=Scripted()):
        at.button(key="chat_regen").click().run()
        assert not at.exception
        assert at.session_state["chat_msgs"][-1]["content"] == "好呀[旺柴] 几点？"
        at.button(key="chat_clear").click().run()
        assert at.session_state["chat_msgs"] == []


def test_the_conversation_survives_a_reload_until_cleared(data_dir):
    with patch("lib.chat.get_backend", return_value=Scripted()):
        at = start(CHAT)
        at.chat_input(key="chat_input").set_value("晚上吃火锅吗").run()
        again = start(CHAT)  # a reload: a new session
        assert chat_texts(again)[:2] == ["晚上吃火锅吗", "好呀🐶 几点？"]
        again.button(key="chat_clear").click().run()
        assert not again.exception
        assert chat_texts(start(CHAT)) == []


def test_demo_mode_keeps_no_conversation(data_dir, monkeypatch):
    ws = Workspace(data_dir / "workspaces" / "sample")
    demo.set_passcode(ws, "火锅2024")
    ws.close()
    monkeypatch.setenv("METWIN_DEMO", "1")
    monkeypatch.setenv("METWIN_DEMO_WORKSPACE", str(data_dir / "workspaces" / "sample"))
    monkeypatch.setattr(demo.time, "sleep", lambda s: None)
    with patch("lib.chat.get_backend", return_value=Scripted()):
        at = start()
        at.text_input[0].set_value("火锅2024")
        at.button[0].click().run()
        at.chat_input(key="chat_input").set_value("你好").run()
        assert chat_texts(at)[1] == "好呀🐶 几点？"
    ws = Workspace(data_dir / "workspaces" / "sample")
    assert ws.get_setting("chat.transcript", []) == []  # a friend's chat is not written anywhere
    ws.close()


def test_demo_mode_shows_only_the_chat_behind_the_passcode(data_dir, monkeypatch):
    ws = Workspace(data_dir / "workspaces" / "sample")
    demo.set_passcode(ws, "火锅2024")
    ws.close()
    monkeypatch.setenv("METWIN_DEMO", "1")
    monkeypatch.setenv("METWIN_DEMO_WORKSPACE", str(data_dir / "workspaces" / "sample"))
    monkeypatch.setattr(demo.time, "sleep", lambda s: None)
    with patch("lib.chat.get_backend", return_value=Scripted()):
        at = start()
        assert at.title[0].value == "Chat" and "AI twin of" in at.warning[0].value
        assert not at.chat_input and not at.get("expander")  # nothing before the passcode, no settings ever
        at.text_input[0].set_value("nope")
        at.button[0].click().run()
        assert any("not the passcode" in e.value for e in at.error)
        at.text_input[0].set_value("火锅2024")
        at.button[0].click().run()
        assert not at.exception and at.chat_input
        at.chat_input(key="chat_input").set_value("你好").run()
        assert chat_texts(at)[1] == "好呀🐶 几点？"
        assert not at.get("expander")  # still no backend settings for friends


MARKUP = ("look ![](http://127.0.0.1:9/p.png) [click](http://127.0.0.1:9/l) $x^2$ :red[hi] **bold** <img src=x.png>\n"
          "===\n    indented &amp; www.example.org a@b.co")


def test_chat_text_is_a_plain_text_element_never_markdown(data_dir):
    with patch("lib.chat.get_backend", return_value=Scripted(reply=MARKUP)):
        at = start(CHAT)
        at.chat_input(key="chat_input").set_value(MARKUP).run()
        assert not at.exception
        # the message as typed, then the reply in bubbles, one per line (joined by line breaks: the reply as sent)
        texts = chat_texts(at)
        assert texts[0] == MARKUP and texts[1:] == [line.strip() for line in MARKUP.split("\n")]
        assert at.session_state["chat_msgs"][1]["content"] == MARKUP
        at.run()  # the next run draws both from the conversation
        assert chat_texts(at) == texts
    assert not any("look" in m.value for m in [*at.markdown, *at.caption])  # never through Markdown


def test_md_escape_leaves_nothing_for_markdown_to_parse():
    out = md_escape(MARKUP)
    bare = re.sub(r"\\[!-/:-@\[-`{-~]", "", out)
    assert not re.search(r"[!-/:-@\[-`{-~]", bare)  # every ASCII punctuation character is escaped
    assert "http" + WORD_JOINER in out and "www" + WORD_JOINER in out and "a" + WORD_JOINER in out  # no autolink
    assert not any(line.startswith(" ") for line in out.split("\n"))  # no indented code block
    back = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", out).replace(WORD_JOINER, "").replace("  \n", "\n")
    assert back == "\n".join(line.strip() for line in MARKUP.splitlines())  # the same characters, shown as typed


def test_a_reply_comes_in_bubbles_like_the_owner_writes_and_the_page_says_who_speaks(data_dir, monkeypatch):
    from lib.chat import bursts

    monkeypatch.setattr(bursts, "turn_size", lambda ws: 3)  # an owner who sends three messages a turn
    monkeypatch.setattr(bursts, "PAUSE_MAX", 0.0)
    with patch("lib.chat.get_backend", return_value=Scripted(reply="好呀！几点？我六点下班")):
        at = start(CHAT)
        assert any("offline twin" in i.value and "Memory page" in i.value for i in at.info)  # who speaks, what helps
        at.chat_input(key="chat_input").set_value("周六吃火锅吗").run()
    assert not at.exception
    assert chat_texts(at) == ["周六吃火锅吗", "好呀！", "几点？", "我六点下班"]
    assert at.session_state["chat_msgs"][1]["content"] == "好呀！几点？我六点下班"  # the reply as one text


def test_why_this_reply_shows_the_offline_twins_candidates(data_dir):
    at = start(CHAT)  # the real offline twin of the sample
    at.chat_input(key="chat_input").set_value("晚上吃火锅去不去").run()
    assert not at.exception
    why = [e for e in at.expander if e.label == "Why this reply"]
    assert why and any("given" in c.value for c in why[0].caption)


def test_why_this_reply_shows_the_examples_and_facts_a_model_was_given(data_dir):
    from lib import chat as chat_lib
    from lib.memory import FactStore, MemoryIndex
    from tests.fakes.openai_server import FakeOpenAI

    start(CHAT)  # seeds the sample
    ws = Workspace(data_dir / "workspaces" / "sample")
    src = MemoryIndex.for_workspace(ws).search("火锅", 1)[0].exchange.message_ids
    FactStore(ws).add("preference", "超爱吃火锅", src)
    with FakeOpenAI(reply="冲！\n几点？") as srv:
        chat_lib.set_config(ws, "openai", {"base_url": srv.base_url, "model": "fake-model"})
        ws.set_setting("chat.backend", "openai")
        ws.close()
        at = start(CHAT)
        assert any("fake\\-model" in i.value and "most similar" in i.value for i in at.info)  # Markdown-escaped
        at.chat_input(key="chat_input").set_value("周六去吃火锅吗？").run()
        sent = srv.chat_requests[-1].json["messages"][0]["content"]
    assert not at.exception
    assert chat_texts(at)[1:] == ["冲！", "几点？"]  # one bubble per line
    why = next(e for e in at.expander if e.label == "Why this reply")
    shown = [t.value for t in why.text]
    assert "[preference] 超爱吃火锅" in shown and "超爱吃火锅" in sent
    assert sum(s.split("\n")[-1].split(": ", 1)[-1][:10] in sent for s in shown[1:]) >= 3  # examples as sent


def test_regenerate_asks_for_another_reply_with_a_fresh_seed(data_dir):
    b = Scripted()
    with patch("lib.chat.get_backend", return_value=b):
        at = start(CHAT)
        at.chat_input(key="chat_input").set_value("晚上吃火锅吗").run()
        at.button(key="chat_regen").click().run()
        at.button(key="chat_regen").click().run()
    assert not at.exception
    seeds = [params.seed for _, params in b.seen]
    assert seeds[0] is None and None not in seeds[1:] and seeds[1] != seeds[2]


def test_an_unnamed_twin_is_your_twin_and_a_named_one_goes_by_its_name(data_dir):
    """Until the owner names the twin, the page says "your twin" / "你的分身", never the made-up default
    ("Twin" / "小T"); once named, the name is used."""
    from lib import persona

    at = start(CHAT)  # seeds the sample, whose twin has no name yet
    ws = Workspace(data_dir / "workspaces" / "sample")
    assert not persona.twin_name_chosen(ws)
    ws.close()
    box = at.chat_input(key="chat_input")
    assert box.placeholder == "Say something to your twin…"
    assert "**your twin**" in at.warning[0].value and "AI twin of" in at.warning[0].value
    default = persona.DEFAULT_TWIN_NAMES.values()
    assert not any(f"to {d}" in box.placeholder or f"**{d}**" in at.warning[0].value for d in default)
    at.sidebar.radio(key="lang").set_value("zh").run()
    assert not at.exception
    assert at.chat_input(key="chat_input").placeholder == "对你的分身说点什么…"
    assert "你的分身" in at.warning[0].value and "小T" not in at.warning[0].value

    ws = Workspace(data_dir / "workspaces" / "sample")
    ws.set_setting(persona.TWIN_NAME_SETTING, "Momo")
    ws.close()
    at = start(CHAT)
    assert at.chat_input(key="chat_input").placeholder == "Say something to Momo…"
    assert "**Momo**" in at.warning[0].value and "your twin" not in at.warning[0].value
