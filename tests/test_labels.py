"""Emotion labels in a workspace: rule suggestions stored as suggestions, decisions saved at once, undo, queues."""
from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lib import decisions
from lib.errors import BadInputError
from lib.label.store import LabelStore
from lib.workspace import Workspace
from tests.helpers import chat_workspace, memotrace_csv, write

ROOT = Path(__file__).resolve().parents[1]
# (is_me, time, text): two conversations with 阿杰; my messages carry clear cues.
ROWS = [
    (0, "2024-05-01 09:00:00", "今天去爬山吗"),
    (1, "2024-05-01 09:01:00", "去！！冲呀[旺柴]"),
    (0, "2024-05-01 09:02:00", "八点地铁站见"),
    (1, "2024-05-01 09:02:30", "好的~"),
    (0, "2024-05-01 09:03:00", "你感冒好了吗"),
    (1, "2024-05-01 09:04:00", "还没好[流泪] 好难受"),
    (0, "2024-05-03 20:00:00", "到家了吗"),
    (1, "2024-05-03 20:05:00", "到啦 哈哈哈哈"),
    (0, "2024-05-03 20:06:00", "那就好"),
    (1, "2024-05-03 20:07:00", "明天见"),
]


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with chat_workspace(tmp_path, ROWS) as w:
        yield w


def mine(ws: Workspace) -> dict[str, int]:
    """My messages by text -> id."""
    return {t: i for i, t in ws.conn.execute("SELECT id, text FROM messages WHERE is_me = 1")}


def test_rules_store_suggestions_never_labels(ws: Workspace):
    store = LabelStore(ws)
    report = store.suggest_rules()
    assert report.scanned == len(ROWS)  # both sides are scanned: switching "theirs" on needs no new run
    ids = mine(ws)
    sugg = dict(ws.conn.execute("SELECT message_id, label FROM emotion_suggestions WHERE source = 'rules'"))
    assert sugg[ids["到啦 哈哈哈哈"]] in ("joy", "playful")
    assert sugg[ids["还没好[流泪] 好难受"]] == "sadness"
    assert ws.conn.execute("SELECT COUNT(*) FROM emotion_labels").fetchone()[0] == 0
    c = store.counts()
    assert c["total"] == 5 and c["labelled"] == 0 and c["suggested"] >= 3


def test_rules_run_is_incremental_and_redone_after_a_taxonomy_change(ws: Workspace, tmp_path: Path):
    store = LabelStore(ws)
    store.suggest_rules()
    assert store.rules_pending() == 0
    assert store.suggest_rules().scanned == 0
    ws.import_paths([write(tmp_path, "more.csv", memotrace_csv([(1, "2024-06-01 10:00:00", "太好了！！开心")]))])
    assert store.rules_pending() == 1
    assert store.suggest_rules().scanned == 1
    store.set_taxonomy(["joy", "sadness", "neutral"])
    assert store.rules_pending() > 1
    store.suggest_rules()
    labels = {r[0] for r in ws.conn.execute("SELECT label FROM emotion_suggestions")}
    assert labels <= {"joy", "sadness", "neutral"}


def test_decisions_persist_across_a_restart_and_undo_restores_them(ws: Workspace):
    store = LabelStore(ws)
    store.suggest_rules()
    ids = mine(ws)
    store.set_label(ids["去！！冲呀[旺柴]"], "playful")
    store.skip(ids["好的~"])
    store.flag(ids["明天见"])
    path = ws.path
    ws.close()
    ws2 = Workspace(path)  # a closed tab or a crash: everything is already in SQLite
    try:
        s2 = LabelStore(ws2)
        c = s2.counts()
        assert (c["labelled"], c["skipped"], c["flagged"]) == (1, 1, 1)
        assert s2.undoable() == 3
        assert s2.undo() == [ids["明天见"]]
        assert s2.counts()["flagged"] == 0
        assert s2.undo() == [ids["好的~"]]
        assert s2.item(ids["好的~"])["status"] == ""
        assert s2.labels_for(list(ids.values())) == {ids["去！！冲呀[旺柴]"]: "playful"}
    finally:
        ws2.close()


def test_accept_takes_the_best_suggestion_and_bulk_is_one_undoable_action(ws: Workspace):
    store = LabelStore(ws)
    store.suggest_rules()
    ids = mine(ws)
    sad = ids["还没好[流泪] 好难受"]
    assert store.accept(sad) == "sadness"
    assert store.item(sad)["source"] == "rules"
    assert store.accept(ids["明天见"]) is None  # no suggestion: nothing to accept
    all_mine = list(ids.values())
    assert store.set_label(all_mine, "neutral", source="bulk") == 5
    assert set(store.labels_for(all_mine).values()) == {"neutral"}
    store.undo()  # the whole bulk edit at once
    assert store.labels_for(all_mine) == {sad: "sadness"}


def test_undo_keeps_only_the_last_ten_in_reach(ws: Workspace):
    store = LabelStore(ws)
    mid = next(iter(mine(ws).values()))
    for i in range(14):
        store.set_label(mid, ["joy", "sadness"][i % 2])
    assert store.undoable() == decisions.UNDO_DEPTH == 10


def test_queues_and_filters(ws: Workspace):
    store = LabelStore(ws)
    store.suggest_rules()
    ids = mine(ws)
    store.set_label(ids["好的~"], "affection")
    store.flag(ids["明天见"])
    assert store.queue("labelled")[1] == 1
    assert store.queue("flagged")[0]["id"].tolist() == [ids["明天见"]]
    assert store.queue("unlabelled")[1] == 4
    page, n = store.queue("all", emotion="sadness")
    assert page["id"].tolist() == [ids["还没好[流泪] 好难受"]]
    assert store.queue("all", search="哈哈")[0]["id"].tolist() == [ids["到啦 哈哈哈哈"]]
    assert store.queue("all", search="100%")[1] == 0  # LIKE wildcards in a search are literal
    low, _ = store.queue("low_confidence", limit=50)
    assert (low["confidence"] < 0.6).all()
    store.set_include_theirs(True)
    assert store.counts()["total"] == len(ROWS)


def test_item_shows_context_turns(ws: Workspace):
    store = LabelStore(ws)
    ids = mine(ws)
    it = store.item(ids["还没好[流泪] 好难受"], context=1)
    assert [t["texts"] for t in it["before"]] == [["你感冒好了吗"]]
    assert [t["texts"] for t in it["after"]] == [["到家了吗"]] or it["after"] == []


def test_taxonomy_is_validated(ws: Workspace):
    store = LabelStore(ws)
    assert store.set_taxonomy(["Joy ", "joy", "calm  down"]) == ["joy", "calm down"]
    with pytest.raises(BadInputError):
        store.set_taxonomy(["", " "])
    with pytest.raises(BadInputError):
        store.set_taxonomy([f"l{i}" for i in range(25)])
    with pytest.raises(BadInputError):
        store.set_threshold(1.5)


def test_cli_label_auto(ws: Workspace):
    path = str(ws.path)
    ws.close()
    r = subprocess.run([sys.executable, "-m", "lib", "label", "--workspace", path, "--auto", "--json"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["rules"]["scanned"] == len(ROWS) and out["counts"]["labelled"] == 0
    assert out["distribution"]["sadness"]["suggested"] == 1
    r = subprocess.run([sys.executable, "-m", "lib", "label", "--workspace", path], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert r.returncode == 0 and "sadness" in r.stdout
    r = subprocess.run([sys.executable, "-m", "lib", "label", "--workspace", path, "--threshold", "2"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 2 and "between 0 and 1" in r.stderr
    r = subprocess.run([sys.executable, "-m", "lib", "label", "--workspace", path, "--llm"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120,
                       env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"})
    assert r.returncode == 2 and "--base-url" in r.stderr


def _fake_labeller(calls: list[int]):
    """A reply callable for FakeOpenAI: labels each item line of the prompt by its text; fails on the second batch
    when asked to."""
    def reply(body: dict) -> str:
        from tests.fakes.openai_server import Fail

        calls.append(1)
        if len(calls) == 2 and getattr(reply, "fail_second", False):
            raise Fail(500, "overloaded")
        lines = [json.loads(line) for line in body["messages"][1]["content"].splitlines() if line.startswith("{")]
        out = [{"id": it["id"], "label": "sadness" if "难受" in it["text"] else "joy", "confidence": 0.9}
               for it in lines]
        return "```json\n" + json.dumps(out) + "\n```"
    return reply


def test_llm_suggestions_are_stored_as_suggestions_batch_by_batch(ws: Workspace):
    from lib.label.store import llm_items
    from lib.llm import Endpoint, LLMError
    from tests.fakes.openai_server import FakeOpenAI

    store = LabelStore(ws)
    store.set_guidelines("[微笑] means grievance")
    items = llm_items(store, limit=10)
    assert len(items) == 5 and all(isinstance(i.text, str) for i in items)
    assert any(line.startswith("them: ") for i in items for line in i.before)  # context says who spoke
    calls: list[int] = []
    reply = _fake_labeller(calls)
    reply.fail_second = True
    with FakeOpenAI(reply=reply) as srv:
        with pytest.raises(LLMError):
            store.suggest_llm(Endpoint(srv.base_url, "fake-model"), items, batch_size=2)
        sent = srv.chat_requests[0].json
    assert "[微笑] means grievance" in sent["messages"][0]["content"]  # the owner's guidelines go with the prompt
    stored = dict(ws.conn.execute("SELECT message_id, label FROM emotion_suggestions WHERE source = 'llm'"))
    assert len(stored) == 2  # the first batch was kept when the second failed
    assert ws.conn.execute("SELECT COUNT(*) FROM emotion_labels").fetchone()[0] == 0  # suggestions, never labels
    rest = llm_items(store, limit=10)
    assert {i.id for i in rest} == {i.id for i in items} - set(stored)  # already-asked messages are not re-sent
    calls.clear()
    with FakeOpenAI(reply=_fake_labeller(calls)) as srv:
        assert store.suggest_llm(Endpoint(srv.base_url, "fake-model"), rest, batch_size=2) == 3
    ids = mine(ws)
    assert store.item(ids["还没好[流泪] 好难受"])["suggestions"][0]["label"] == "sadness"


def test_cli_label_llm_uses_the_environment_endpoint(ws: Workspace):
    from tests.fakes.openai_server import FakeOpenAI

    path = str(ws.path)
    ws.close()
    with FakeOpenAI(reply=_fake_labeller([]), key="sk-test-123456789") as srv:
        env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "METWIN_LLM_BASE_URL": srv.base_url,
               "METWIN_LLM_MODEL": "fake-model", "METWIN_LLM_API_KEY": "sk-test-123456789"}
        bad = subprocess.run([sys.executable, "-m", "lib", "label", "--workspace", path, "--llm"],
                             capture_output=True, text=True, cwd=ROOT, timeout=120,
                             env={**env, "METWIN_LLM_API_KEY": "wrong-key-0000"})
        assert bad.returncode == 2 and bad.stderr.startswith("error: ") and "wrong-key" not in bad.stderr
        r = subprocess.run([sys.executable, "-m", "lib", "label", "--workspace", path, "--llm", "--json"],
                           capture_output=True, text=True, cwd=ROOT, timeout=120, env=env)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["llm"] == {"asked": 5, "stored": 5, "model": "fake-model"}
        assert srv.chat_requests[-1].authorization == "Bearer sk-test-123456789"


def test_labels_for_many_ids_reads_the_table_once(ws: Workspace):
    store = LabelStore(ws)
    ids = mine(ws)
    store.set_label(ids["好的~"], "affection")
    many = list(range(1, 7000)) + [ids["好的~"]]
    assert store.labels_for(many) == {ids["好的~"]: "affection"} == store.labels_for([ids["好的~"], 99999])


def test_counts_follow_every_change_and_a_label_does_not_recount_every_message(ws: Workspace, monkeypatch):
    """The progress bar's figures are right after a label, a skip, a flag, a suggestion, a dropped conversation and
    a change of who I am; the pass over every message (0.25 s at 1,000,000) runs again only for the last three."""
    from lib.curate.store import CurationStore
    from lib.label.emotion import Suggestion

    store = LabelStore(ws)
    passes = []
    execute = type(ws.conn).execute

    class Spy:  # counts the candidate pass (the only query with "IN (SELECT message_id FROM emotion_suggestions)")
        def __init__(self, conn):
            self._conn = conn

        def execute(self, sql, *args):
            if "IN (SELECT message_id FROM emotion_suggestions)" in sql:
                passes.append(sql)
            return execute(self._conn, sql, *args)

        def __getattr__(self, name):
            return getattr(self._conn, name)

    store.conn = Spy(ws.conn)
    ids = mine(ws)
    c = store.counts()
    assert (c["total"], c["labelled"], c["unlabelled"], c["suggested"]) == (5, 0, 5, 0) and len(passes) == 1
    store.set_label(ids["明天见"], "joy")
    store.skip(ids["好的~"])
    store.flag(ids["到啦 哈哈哈哈"])
    c = store.counts()
    assert (c["labelled"], c["skipped"], c["flagged"], c["unlabelled"]) == (1, 1, 1, 3) and len(passes) == 1
    store.store_suggestions({ids["到啦 哈哈哈哈"]: Suggestion("joy", 0.9, ("哈哈",))})
    assert store.counts()["suggested"] == 1 and len(passes) == 2
    first = int(ws.conn.execute("SELECT conv_id FROM messages WHERE id = ?", (ids["好的~"],)).fetchone()[0])
    CurationStore(ws).decide(first, "drop")
    c = store.counts()  # the first conversation's 3 messages of mine are out, with their label and skip
    assert (c["total"], c["labelled"], c["skipped"], c["unlabelled"]) == (2, 1, 0, 1) and len(passes) == 3
    chat = int(ws.conn.execute("SELECT id FROM chats").fetchone()[0])
    ws.set_me(chat, "阿杰")  # the other side is me now: other messages to label
    c = store.counts()
    join, where = store._where()
    truth = ws.conn.execute(f"SELECT COUNT(*) FROM messages m {join} WHERE {where}").fetchone()[0]
    assert c["total"] == truth and len(passes) == 4
    assert {t for t, in ws.conn.execute("SELECT text FROM messages WHERE is_me = 1")} == {
        "今天去爬山吗", "八点地铁站见", "你感冒好了吗", "到家了吗", "那就好"}
