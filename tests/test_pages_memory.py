"""The Memory page through AppTest on the bundled sample: facts written by the owner (cited, refused when they hold
personal data), proposals accepted, the history searched; every chat text shown as plain text."""
from __future__ import annotations

import pytest

from lib.memory import FactStore, MemoryIndex
from lib.workspace import Workspace
from tests.helpers import start

pytestmark = pytest.mark.usefixtures("data_dir", "running_server")  # tests/conftest.py

PAGE = "pages/memory.py"


def sample(data_dir) -> Workspace:
    return Workspace(data_dir / "workspaces" / "sample")


def test_the_owner_adds_a_cited_fact_and_personal_data_is_refused(data_dir):
    at = start(PAGE)
    assert at.title[0].value == "Memory" and not at.exception
    # No fact yet, nothing searched: the page does not wait for the index (about 40 s at 1,000,000 messages)
    indexed = next(m for m in at.metric if m.label == "Exchanges indexed")
    assert indexed.value == "—" and MemoryIndex.built(sample(data_dir)) is None
    at.text_input(key="mem_src_q").set_value("火锅").run()
    assert not at.exception
    indexed = next(m for m in at.metric if m.label == "Exchanges indexed")  # built for the search: counted
    assert int(indexed.value.replace(",", "")) > 50
    assert any("火锅" in t.value for t in at.text)  # matching exchanges, as plain text
    at.text_area(key="mem_add_text").set_value("超爱吃火锅")
    cite = at.multiselect(key="mem_add_cite")
    cite.select(cite.options[0])
    at.button(key="mem_add_submit").click().run()
    assert not at.exception and any("citing" in s.value for s in at.success)
    ws = sample(data_dir)
    facts = FactStore(ws).facts()
    assert [f.text for f in facts] == ["超爱吃火锅"] and facts[0].sources
    index = MemoryIndex.for_workspace(ws)
    assert any("火锅" in "\n".join(t for _, t in ex.turns) for ex in index.by_message(facts[0].sources))
    at.multiselect(key="mem_add_cite").set_value([])
    at.text_area(key="mem_add_text").set_value("我的手机号是13812345678")
    at.button(key="mem_add_submit").click().run()
    assert any("personal data" in e.value for e in at.error)
    assert len(FactStore(ws).facts()) == 1  # refused, nothing stored
    ws.close()


def test_proposals_become_facts_only_when_accepted(data_dir):
    at = start(PAGE)
    ws = sample(data_dir)
    index = MemoryIndex.for_workspace(ws)
    src = index.search("火锅", 1)[0].exchange.message_ids
    store = FactStore(ws)
    p = store.add("preference", "喜欢牛油锅底", src, status="proposed", origin="llm")
    q = store.add("opinion", "觉得排队不值得", src, status="proposed", origin="llm")
    at.run()
    assert any("Proposals to review (2)" in h.value for h in at.subheader)
    assert "喜欢牛油锅底" in [t.value for t in at.text]
    at.button(key=f"mem_acc_{p.id}").click().run()
    at.button(key=f"mem_rej_{q.id}").click().run()
    assert not at.exception
    assert [f.text for f in store.facts()] == ["喜欢牛油锅底"] and store.get(q.id).status == "rejected"
    at.text_input(key="mem_search").set_value("火锅").run()
    assert not at.exception and any("火锅" in t.value for t in at.text)
    ws.close()


def test_the_page_speaks_chinese(data_dir):
    at = start()
    at.session_state["lang"] = "zh"
    at.switch_page(PAGE).run()
    assert not at.exception


def test_a_configured_model_proposes_facts_after_the_prompt_is_shown(data_dir):
    import json

    from tests.fakes.openai_server import FakeOpenAI

    def answer(body):  # cites the first exchange of each batch, holds a phone number (stored redacted)
        first = json.loads(body["messages"][1]["content"].split("\n")[2])["id"]
        return json.dumps([{"kind": "preference", "text": "loves hotpot, call 13812345678", "ids": [first]}])

    at = start(PAGE)
    ws = sample(data_dir)
    with FakeOpenAI(reply=answer) as srv:
        ws.set_setting("llm.endpoint", {"base_url": srv.base_url, "model": "fake-model"})
        at.run()
        at.number_input(key="mem_llm_n").set_value(24).run()
        assert not srv.chat_requests  # nothing sent yet: the prompt is shown first
        assert any("=== system ===" in c.value for c in at.code)
        at.button(key="mem_llm_run").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert len(srv.chat_requests) == 2  # two batches of 12
    props = FactStore(ws).facts("proposed")
    assert len(props) == 2 and not any("13812345678" in f.text for f in props) and all(f.sources for f in props)
    assert FactStore(ws).facts() == []  # none accepted yet
    ws.close()
