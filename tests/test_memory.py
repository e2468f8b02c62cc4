"""Memory (lib/memory): the index over the redacted history with links to the source messages, BM25 with optional
embeddings, typed facts that never hold a value the export would redact, LLM proposals stored batch by batch and
accepted one by one; and replies in bursts (lib/chat/bursts.py)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from lib.chat import bursts
from lib.errors import BadInputError
from lib.memory import FactRefused, FactStore, MemoryIndex
from lib.memory import embed as embed_lib
from lib.memory.propose import (
    build_messages,
    parse_answer,
    pick,
    prompt_preview,
    propose,
)
from lib.workspace import Workspace, load_sample


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Workspace:
    w = Workspace(tmp_path_factory.mktemp("mem") / "ws")
    load_sample(w)
    yield w
    w.close()


@pytest.fixture(scope="module")
def index(ws: Workspace) -> MemoryIndex:
    return MemoryIndex.for_workspace(ws)


def live_values(ws: Workspace) -> list[str]:
    """The sample's detected private values (names, phone, address, ID, card...) that an export replaces."""
    return [v for (v,) in ws.conn.execute("SELECT value FROM pii_values WHERE status != 'rejected' AND n_hits > 0")
            if len(v) >= 2]


def all_text(ex) -> str:
    return "\n".join(t for _, t in ex.turns)


def test_exchanges_are_redacted_windows_linked_to_their_source_messages(ws: Workspace, index: MemoryIndex):
    assert index.size > 50
    values = live_values(ws)
    assert len(values) >= 5
    assert not [v for ex in index.exchanges for v in values if v in all_text(ex)]  # redacted like the export
    linked = 0
    for ex in index.exchanges:
        assert ex.turns[-1][0] == "me" and ex.turns[-2][0] == "them" and len(ex.turns) <= 4
        rows = ws.conn.execute(f"SELECT id, is_me, conv_id FROM messages WHERE id IN "
                               f"({','.join(map(str, ex.message_ids))})").fetchall() if ex.message_ids else []
        assert {r[2] for r in rows} <= {ex.conv_id}  # every cited message belongs to the window's conversation
        if rows:
            linked += 1
            last_id = max(ex.message_ids)
            assert {r[0]: r[1] for r in rows}[last_id] == 1  # the window ends with a message of mine
    assert linked == index.size


def test_bm25_finds_the_exchanges_about_the_question(index: MemoryIndex):
    hits = index.search([{"role": "user", "content": "周六去吃火锅吗？"}], 4)
    assert len(hits) == 4 and all("火锅" in all_text(h.exchange) for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len({h.exchange.reply for h in hits}) == 4  # one per distinct reply
    assert index.search("zzqqxx qwvbnm", 3) == []
    again = index.search([{"role": "user", "content": "周六去吃火锅吗？"}], 4, exclude=[hits[0].exchange.reply])
    assert hits[0].exchange.reply not in [h.exchange.reply for h in again]


def test_the_index_is_cached_per_workspace_version(ws: Workspace, index: MemoryIndex):
    assert MemoryIndex.for_workspace(ws) is index
    before = ws.get_setting("persona.name")
    ws.set_setting("persona.name", "小T二号")  # the records depend on the persona: a new version
    try:
        assert MemoryIndex.for_workspace(ws) is not index
    finally:
        ws.set_setting("persona.name", before)


class Topic:
    """A stand-in embedding model: one dimension per topic word list (no model download in tests)."""

    name = "test:topics"
    TOPICS = (("火锅", "hotpot", "dinner"), ("猫", "cat", "毛球"), ("加班", "overtime", "work"))

    def encode(self, texts):
        return np.array([[1.0 + sum(w in t.lower() for w in words) * 5 for words in self.TOPICS] for t in texts])


def test_embeddings_are_optional_and_blend_in_when_present(ws: Workspace, index: MemoryIndex, monkeypatch):
    monkeypatch.setenv("METWIN_EMBED_MODEL", "/nowhere/model")
    monkeypatch.setattr(embed_lib, "_LOADED", {})
    monkeypatch.setattr(embed_lib, "available", list)  # neither package installed: BM25 alone
    assert embed_lib.load_embedder(ws) is None
    monkeypatch.delenv("METWIN_EMBED_MODEL")
    assert embed_lib.load_embedder(ws) is None  # nothing configured
    assert index.vectors is None and index.embedder is None
    query = [{"role": "user", "content": "hotpot?"}]  # English: no token of the Chinese sample matches
    assert index.search(query, 3) == []
    with_vectors = MemoryIndex(index.exchanges, embedder=Topic())
    assert with_vectors.vectors is not None and with_vectors.vectors.shape == (index.size, 3)
    hits = with_vectors.search(query, 3)
    assert hits and all("火锅" in all_text(h.exchange) for h in hits)

    class Broken:
        name = "broken"

        def encode(self, texts):
            raise RuntimeError("no model")

    assert MemoryIndex(index.exchanges, embedder=Broken()).vectors is None  # falls back, never fails


def test_facts_are_typed_cite_messages_and_are_editable(ws: Workspace, index: MemoryIndex):
    store = FactStore(ws)
    ex = next(h.exchange for h in index.search("火锅", 1))
    f = store.add("preference", "超爱吃火锅，尤其是牛油锅底", ex.message_ids)
    assert (ws.path / "memory.sqlite").exists() and f.status == "accepted" and f.origin == "owner"
    assert f.sources == sorted(ex.message_ids) and f.kind == "preference"
    assert ex.id in [e.id for e in index.by_message(f.sources)]  # the sources lead back to the exchange
    g = store.update(f.id, text="超爱吃火锅", kind="opinion")
    assert (g.text, g.kind, g.sources) == ("超爱吃火锅", "opinion", f.sources)
    p = store.add("person", "一起吃饭的朋友", ex.message_ids, subject="饭搭子")
    assert p.line() == "[person: 饭搭子] 一起吃饭的朋友"
    with pytest.raises(BadInputError, match="Unknown kind"):
        store.add("secret", "x")
    with pytest.raises(BadInputError, match="not in this workspace"):
        store.add("profile", "在杭州工作", [10 ** 9])
    with pytest.raises(BadInputError, match="some text"):
        store.add("profile", "   ")
    assert {x.id for x in store.facts()} >= {f.id, p.id}
    store.delete(p.id)
    assert store.get(p.id) is None
    # written at once: another handle (another thread or process) sees it
    assert FactStore(ws).get(f.id).text == "超爱吃火锅"


@pytest.mark.parametrize("text", ["我的手机号是13812345678", "我住在杭州市西湖区文三路259号晴川苑3幢2单元602",
                                  "和阿杰一起去看展"])
def test_a_fact_never_holds_what_the_export_would_redact(ws: Workspace, text: str):
    store = FactStore(ws)
    with pytest.raises(FactRefused, match="personal data") as err:
        store.add("profile", text)
    assert err.value.redacted and err.value.redacted != text
    stored = store.add("profile", text, redact=True)
    assert stored.text == err.value.redacted
    assert not [v for v in live_values(ws) + ["13812345678"] if v in stored.text]
    with pytest.raises(FactRefused):
        store.add("person", "a friend from school", subject="阿杰")  # an alias, never a real name
    with pytest.raises(FactRefused):
        store.update(stored.id, text=text)
    store.delete(stored.id)


def test_llm_proposals_show_the_prompt_store_each_batch_and_wait_for_acceptance(ws: Workspace, index: MemoryIndex):
    store = FactStore(ws)
    items = pick(index, 6)
    assert len(items) == 6 and all(not ex.private and len(ex.reply) >= 8 for ex in items)
    preview = prompt_preview(items[:3], "zh")
    assert "=== system ===" in preview and items[0].reply.split("\n")[0][:20] in preview
    lines = build_messages(items[:3])[1]["content"].split("\n")[2:]
    assert [json.loads(ln)["id"] for ln in lines] == [ex.id for ex in items[:3]]  # one JSON object per exchange

    calls = []

    def chat(endpoint, messages, temperature):
        calls.append(len(store.facts("proposed")))  # what earlier batches stored is there already
        ids = [json.loads(ln)["id"] for ln in messages[1]["content"].split("\n")[2:]]
        return ("Sure! ```json\n" + json.dumps([
            {"kind": "preference", "subject": "", "text": f"likes topic {ids[0]}", "ids": [ids[0]]},
            {"kind": "profile", "text": "phone 13812345678", "ids": [ids[-1]]},  # stored redacted
            {"kind": "nonsense", "text": "x", "ids": [ids[0]]},  # unknown kind: dropped
            {"kind": "opinion", "text": "cites nothing of this batch", "ids": [999999]},
        ]) + "\n```")

    class Endpoint:
        model = "fake"

    before = {f.id for f in store.facts(None)}
    stored = list(propose(store, Endpoint(), items, batch_size=3, chat=chat))
    assert stored == [2, 2] and calls == [len(store.facts("proposed")) - 4, len(store.facts("proposed")) - 2]
    new = [f for f in store.facts(None) if f.id not in before]
    assert len(new) == 4 and all(f.status == "proposed" and f.origin == "llm" and f.sources for f in new)
    assert not any("13812345678" in f.text for f in new)
    assert [b[3:] for b in store.batches()[-2:]] == [(3, 2), (3, 2)]
    first = new[0]
    exchange_ids = {m for ex in items for m in ex.message_ids}
    assert set(first.sources) <= exchange_ids
    assert first.id not in {f.id for f in store.facts("accepted")}  # not a fact until accepted
    store.accept(first.id)
    store.reject(new[1].id)
    assert store.get(first.id).status == "accepted" and store.get(new[1].id).status == "rejected"
    for f in new:
        store.delete(f.id)


def test_parse_answer_is_lenient_and_never_raises():
    assert parse_answer("", [1]) == []
    assert parse_answer("<think>[{\"kind\": \"x\"}]</think> nothing here", [1]) == []
    got = parse_answer('{"kind": "place", "text": "works in Hangzhou", "ids": ["2"]} and '
                       '{"kind": "timeline", "text": "moved in 2023", "ids": 3}', [2, 3])
    assert [(g["kind"], g["ids"]) for g in got] == [("place", [2]), ("timeline", [3])]
    assert parse_answer("[{\"kind\": \"profile\", \"text\": \"a\", \"ids\": [7]}", [7]) != []  # cut-off array


def test_bursts_split_at_line_breaks_then_sentence_ends():
    assert bursts.split("好呀！几点？我六点下班", 3) == ["好呀！", "几点？", "我六点下班"]
    assert bursts.split("好呀！几点？我六点下班", 1) == ["好呀！几点？我六点下班"]
    assert bursts.split("好呀！几点？我六点下班", 2) == ["好呀！几点？", "我六点下班"]
    assert bursts.split("ok\n\nsee you at 7. Bring the cat!", 3) == ["ok", "see you at 7.", "Bring the cat!"]
    assert bursts.split("a\nb\nc\nd", 2) == ["a", "b", "c", "d"]  # the lines as written, one bubble each
    assert bursts.split("3.5 km, see example.com", 4) == ["3.5 km, see example.com"]  # no cut inside a sentence
    assert bursts.split("！！！", 3) == ["！！！"]
    many = "\n".join(str(i) for i in range(20))
    assert len(bursts.split(many, 2)) == bursts.MAX_BUBBLES and bursts.joined(bursts.split(many, 2)) == many
    assert bursts.split("", 3) == []
    assert 0 < bursts.pause("好") < bursts.pause("好" * 30) <= bursts.PAUSE_MAX


def test_the_owners_habit_is_their_median_messages_per_turn(ws: Workspace):
    runs = [(1, True), (1, True), (1, False), (1, True), (2, True), (2, True), (2, True), (2, False)]
    assert bursts.habit_from_runs(runs) == 2.0  # turns of 2, 1 and 3 messages (a new conversation starts a turn)
    assert bursts.habit_from_runs([]) == 1.0
    n = bursts.turn_size(ws)
    rows = ws.conn.execute("SELECT conv_id, is_me FROM messages WHERE conv_id IS NOT NULL AND kind = 'text' "
                           "ORDER BY conv_id, time, id").fetchall()
    assert n == max(1, min(bursts.MAX_HABIT, int(bursts.habit_from_runs((c, bool(m)) for c, m in rows) + 0.5)))
