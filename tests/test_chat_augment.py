"""Your own words in every prompt (lib/chat/augment.py) against the fake OpenAI and Spark servers: the persona, the
owner's most similar real exchanges and the relevant facts are in the request, within the token budget, redacted;
on by default for prompt-only backends, switchable off; what was retrieved is exposed for "why this reply"."""
from __future__ import annotations

from pathlib import Path

import pytest

from lib import chat as chat_lib
from lib import persona
from lib.chat import augment
from lib.chat.augment import rough_tokens
from lib.chat.base import ChatParams
from lib.memory import FactStore, MemoryIndex
from lib.workspace import Workspace, load_sample
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.spark_server import FakeSpark

ASK = [{"role": "user", "content": "周六去吃火锅吗？"}]
FACT = "超爱吃火锅，最爱牛油锅底"


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Workspace:
    w = Workspace(tmp_path_factory.mktemp("aug") / "ws")
    load_sample(w)
    index = MemoryIndex.for_workspace(w)
    store = FactStore(w)
    src = index.search("火锅", 1)[0].exchange.message_ids
    store.add("preference", FACT, src)
    store.add("profile", "在杭州做设计师", src)
    store.add("opinion", "觉得加班毫无意义", src, status="proposed", origin="llm")  # not accepted: never sent
    yield w
    w.close()


def private_values(ws: Workspace) -> list[str]:
    return [v for (v,) in ws.conn.execute("SELECT value FROM pii_values WHERE status != 'rejected' AND n_hits > 0")
            if len(v) >= 2 and v != persona.twin_name(ws)]


def test_rough_tokens_counts_cjk_per_character_and_the_rest_per_four():
    assert rough_tokens("火锅") == 2 and rough_tokens("abcd") == 1 and rough_tokens("abcde") == 2
    assert rough_tokens("去吃 hotpot") == 2 + 2 and rough_tokens("") == 0


def test_the_openai_request_carries_persona_examples_and_facts_within_budget_redacted(ws: Workspace):
    index = MemoryIndex.for_workspace(ws)
    expected = [h.exchange.reply for h in index.search(ASK, 4)]
    with FakeOpenAI(reply="好呀！几点？") as srv:
        chat_lib.set_config(ws, "openai", {"base_url": srv.base_url, "model": "fake-model"})
        b = chat_lib.get_backend("openai", ws, secret=lambda name: None)
        assert b.endpoint.model == "fake-model"  # settings read through both wrappers
        out = "".join(b.stream(ASK, ChatParams(system=persona.prompt(ws))))
        assert out == "好呀！几点？"
        system = srv.chat_requests[-1].json["messages"][0]
    assert system["role"] == "system"
    text = system["content"]
    assert text.startswith(persona.prompt(ws))  # the persona first
    assert FACT in text and "在杭州做设计师" in text and "加班" not in text  # accepted facts only
    assert sum(reply.split("\n")[0][:15] in text for reply in expected) >= 3  # the most similar real exchanges
    assert rough_tokens(text) <= augment.DEFAULT_BUDGET
    assert not [v for v in private_values(ws) if v in text]  # redacted: no value the export replaces
    got = b.inner.retrieved
    assert got.system == text and len(got.examples) >= 3 and {f.text for f in got.facts} >= {FACT}


def test_a_small_budget_keeps_the_persona_and_drops_what_does_not_fit(ws: Workspace):
    p = persona.prompt(ws)
    for budget in (rough_tokens(p) + 30, 400, 800, 2000):
        r = augment.compose(ws, ASK, p, k=8, budget=budget)
        assert r.system.startswith(p) and r.tokens <= budget
    tight = augment.compose(ws, ASK, p, k=8, budget=rough_tokens(p) + 5)
    assert tight.system == p and not tight.examples and tight.left_out > 0
    roomy = augment.compose(ws, ASK, p, k=8, budget=4000)
    assert len(roomy.examples) > len(augment.compose(ws, ASK, p, k=8, budget=300).examples)


def test_the_spark_request_carries_them_too(ws: Workspace):
    with FakeSpark(reply="冲！") as srv:
        chat_lib.set_config(ws, "spark", {"url": srv.url, "app_id": srv.app_id, "domain": "lite"})
        keys = {"METWIN_SPARK_API_KEY": srv.api_key, "METWIN_SPARK_API_SECRET": srv.api_secret}
        b = chat_lib.get_backend("spark", ws, secret=keys.get)
        assert "".join(b.stream(ASK, ChatParams(system=persona.prompt(ws)))) == "冲！"
        sent = srv.last["payload"]["message"]["text"]
    assert sent[0]["role"] == "system" and FACT in sent[0]["content"] and "火锅" in sent[0]["content"]
    assert rough_tokens(sent[0]["content"]) <= augment.DEFAULT_BUDGET
    assert not [v for v in private_values(ws) if v in sent[0]["content"]]
    assert sent[-1] == {"role": "user", "content": ASK[0]["content"]}


def test_memory_in_the_prompt_is_switchable_and_off_by_default_for_a_local_adapter(ws: Workspace):
    assert augment.settings(ws, "openai")["on"] and augment.settings(ws, "spark")["on"]
    assert not augment.settings(ws, "local")["on"]
    augment.set_settings(ws, "openai", False)
    try:
        with FakeOpenAI(reply="嗯") as srv:
            chat_lib.set_config(ws, "openai", {"base_url": srv.base_url, "model": "fake-model"})
            b = chat_lib.get_backend("openai", ws, secret=lambda name: None)
            "".join(b.stream(ASK, ChatParams(system="你是小T")))
            assert srv.chat_requests[-1].json["messages"][0] == {"role": "system", "content": "你是小T"}
            assert not isinstance(b.inner, augment.AugmentedBackend)
    finally:
        augment.set_settings(ws, "openai", True)
    with pytest.raises(Exception, match="between 0 and 20"):
        augment.set_settings(ws, "openai", True, k=50)
    chat_lib.set_config(ws, "local", {"base_model": str(Path("/nowhere")), "adapter": ""})
    assert not isinstance(chat_lib.get_backend("local", ws).inner, augment.AugmentedBackend)
    augment.set_settings(ws, "local", True, k=2)
    try:
        b = chat_lib.get_backend("local", ws)
        assert isinstance(b.inner, augment.AugmentedBackend) and b.inner.k == 2
    finally:
        augment.set_settings(ws, "local", False)


def test_the_page_advice_says_who_speaks_and_what_would_help(ws: Workspace):
    (key, vals), tips = augment.advice(ws, "offline")
    assert key == "chat.speaking.offline" and [t for t, _ in tips][:2] == ["chat.tip.import", "chat.tip.model"]
    (key, vals), tips = augment.advice(ws, "openai")
    assert key == "chat.speaking.memory" and vals["model"] == "fake-model"
    assert "chat.tip.model" not in [t for t, _ in tips] and "chat.tip.train" in [t for t, _ in tips]
