"""The k-way LLM judge (lib/eval/judge.py) against the fake OpenAI server: answers parsed, rates on judges that
always find the real reply or pick at random, nothing private sent, answers stored as they return; the separate
facts and memory scores and the rows skipped without a model (lib/eval/report.py)."""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from lib.curate import holdout

from lib.eval import judge, report
from lib.llm import Endpoint
from lib.workspace import Workspace, load_sample
from tests.fakes.openai_server import FakeOpenAI


@pytest.mark.parametrize("answer,k,expected", [
    ("B", 4, 1), ("b", 4, 1), ("(C)", 4, 2), ("Answer: D.", 4, 3), ("The real one is A", 4, 0), ("选B", 4, 1),
    ("2", 4, 1), ("Candidate 4", 4, 3), ("<think>A or B?</think> C", 4, 2),
    ("", 4, None), ("I cannot tell", 4, None), ("A or B", 4, None), ("E", 4, None), ("7", 4, None),
    ("a reply", 4, None),
])
def test_parse_answer(answer, k, expected):
    assert judge.parse_answer(answer, k) == expected


def _pairs(n: int = 12) -> tuple[list, list[str], list[str]]:
    pairs = [([{"role": "user", "content": f"question {i}"}], f"real reply {i}") for i in range(n)]
    twin = [f"twin reply {i}" for i in range(n)]
    pool = [f"other reply {i}" for i in range(30)]
    return pairs, twin, pool


def _candidates(body: dict) -> dict[str, str]:
    text = body["messages"][-1]["content"]
    return {m.group(1): json.loads(m.group(2)) for m in re.finditer(r"^([A-J]): (\".*\")$", text, re.M)}


def test_rounds_are_shuffled_with_a_seed_and_hold_real_twin_and_pool_replies():
    pairs, twin, pool = _pairs()
    a = judge.build_items(pairs, twin, pool, k=4, seed=3)
    b = judge.build_items(pairs, twin, pool, k=4, seed=3)
    assert [x.candidates for x in a] == [x.candidates for x in b]
    assert len({x.real for x in a}) > 1  # the real reply is not always in the same place
    for i, it in enumerate(a):
        assert it.candidates[it.real] == f"real reply {i}" and it.candidates[it.twin] == f"twin reply {i}"
        assert len(set(it.candidates)) == 4
    assert judge.build_items(pairs, [None] * len(pairs), pool) == []  # a failed twin reply is no round


def test_a_judge_that_always_finds_the_real_reply_and_one_that_picks_at_random():
    pairs, twin, pool = _pairs(40)
    items = judge.build_items(pairs, twin, pool, k=4, seed=0)

    def oracle(body):
        return next(letter for letter, text in _candidates(body).items() if text.startswith("real"))

    with FakeOpenAI(reply=oracle) as srv:
        res = judge.judge(items, Endpoint(srv.base_url, "fake-model"))
    assert res.n == 40 and res.real_pick_rate == 1.0 and res.judged_real_rate == 0.0 and res.no_answer == 0
    rng = random.Random(1)
    with FakeOpenAI(reply=lambda body: rng.choice("ABCD")) as srv:
        res = judge.judge(items, Endpoint(srv.base_url, "fake-model"))
    assert res.chance == 0.25 and 0.05 < res.judged_real_rate < 0.5 and 0.05 < res.real_pick_rate < 0.5
    with FakeOpenAI(reply="no idea, sorry") as srv:
        res = judge.judge(items[:5], Endpoint(srv.base_url, "fake-model"))
    assert res.n == 5 and res.no_answer == 5 and res.judged_real_rate == 0.0


def test_answers_are_stored_as_they_return_and_a_failure_keeps_them(tmp_path: Path):
    from tests.fakes.openai_server import Fail

    pairs, twin, pool = _pairs(6)
    items = judge.build_items(pairs, twin, pool, k=3, seed=0)
    calls = []

    def flaky(body):
        calls.append(1)
        if len(calls) == 4:
            raise Fail(500)
        return "A"

    with FakeOpenAI(reply=flaky) as srv:
        res = judge.judge(items, Endpoint(srv.base_url, "fake-model"), store=tmp_path / "j.jsonl", label="t")
    lines = [json.loads(x) for x in (tmp_path / "j.jsonl").read_text().splitlines()]
    assert res.failed == 1 and res.n == 5 and len(lines) == 5 and lines[0]["pick"] == 0
    assert "real reply" not in (tmp_path / "j.jsonl").read_text()  # positions only, no text


@pytest.fixture
def sample(tmp_path: Path):
    ws = Workspace(tmp_path / "ws")
    load_sample(ws)
    holdout.choose(ws, share=0.2)
    yield ws
    ws.close()


def test_the_report_judge_sends_no_original_value(sample, tmp_path: Path):
    from lib.chat.offline import OfflineTwin

    secrets = report.secrets(sample)
    assert secrets  # the sample holds personal data

    class Leaky:
        name = "leaky"

        def stream(self, messages, params):
            yield f"call me on {secrets[0]}"

    with FakeOpenAI(reply="A") as srv:
        rep = report.run(sample, [(OfflineTwin.from_workspace(sample), "offline"), (Leaky(), "leaky")], n=15,
                         out=tmp_path / "ev", judge_endpoint=Endpoint(srv.base_url, "fake-model"), k=3)
        sent = json.dumps([r.json for r in srv.chat_requests], ensure_ascii=False)
    assert srv.chat_requests and all(s not in sent for s in secrets)
    rows = {r["label"]: r for r in rep["rows"]}
    assert rows["offline"]["judge"]["k"] == 3 and rows["offline"]["judge"]["n"] > 5
    assert rows[report.RANDOM_LABEL]["judge"] is not None and rep["judge"]["model"] == "fake-model"
    assert (tmp_path / "ev" / "judge.jsonl").exists()
    assert "judge: taken for mine" in (tmp_path / "ev" / "fidelity.md").read_text()


def test_prompt_preview_is_what_is_sent():
    pairs, twin, pool = _pairs(2)
    items = judge.build_items(pairs, twin, pool, k=4, seed=0)
    seen = []
    judge.judge(items, None, chat=lambda ep, msgs, **kw: seen.append(msgs) or "A")
    preview = judge.prompt_preview(items)
    assert all(m["content"] in preview for msgs in seen for m in msgs)


# ----- facts, memory, rows ------------------------------------------------------------------------------------------
def test_fact_questions_from_invented_facts_and_their_scores(sample):
    from lib.memory.facts import FactStore

    store = FactStore(sample)
    store.add("person", "works as a nurse in the city hospital", subject="my sister")
    store.add("preference", "loves spicy hotpot")
    store.add("preference", "plays badminton on Sundays")
    store.add("opinion", "thinks remote work is great", status="proposed", origin="llm")  # not accepted: not asked
    qs = report.fact_questions(store.facts("accepted"), "en")
    assert [q[0][0]["content"] for q in qs] == ["Tell me about my sister.", "What do you like these days?"]
    assert qs[1][1] == ["loves spicy hotpot", "plays badminton on Sundays"]
    assert report.fact_questions(store.facts("accepted"), "zh")[0][0][0]["content"] == "说说my sister吧"

    class Knows:
        name = "knows"

        def stream(self, messages, params):
            q = messages[-1]["content"]
            yield "she's a nurse at the city hospital" if "sister" in q else "hmm, nothing much"

    from lib.chat.base import ChatParams

    n, hit, recall = report.ask(Knows(), qs, ChatParams())
    assert n == 2 and hit == 0.5 and recall == 0.375  # (3 of 4 units + 0) / 2: "works" is not said


def test_memory_questions_replay_past_exchanges_and_rows_without_a_model_are_skipped(sample, tmp_path, monkeypatch):
    from lib.memory.index import MemoryIndex

    qs = report.memory_questions(MemoryIndex.for_workspace(sample), 10)
    assert len(qs) == 10 and all(q[0][-1]["role"] == "user" and q[1][0] for q in qs)
    for var in ("METWIN_LLM_BASE_URL", "METWIN_LLM_MODEL", "METWIN_LOCAL_MODEL"):
        monkeypatch.delenv(var, raising=False)
    rows, skipped = report.backend_rows(sample, "offline", adapter=str(tmp_path / "adapter"))
    assert [r[2] for r in rows] == ["offline"]
    assert {s["kind"] for s in skipped} == {"prompt_only", "augmented", "adapter"}
    assert all(s["reason"] for s in skipped)
    rep = report.run(sample, rows, n=10, skipped=skipped, questions=8)
    byk = {r["kind"]: r for r in rep["rows"]}
    assert byk["offline"]["memory_n"] == 8 and byk["offline"]["memory_hit"] > byk["random"]["memory_hit"]
    assert len(rep["skipped"]) == 3 and rep["judge"] is None


def test_rows_with_a_model_prompt_only_and_augmented(sample):
    from lib import chat as chat_lib

    with FakeOpenAI(reply="ok") as srv:
        chat_lib.set_config(sample, "openai", {"base_url": srv.base_url, "model": "fake-model"})
        rows, skipped = report.backend_rows(sample, "openai")
        assert [r[2] for r in rows] == ["offline", "prompt_only", "augmented"] and not skipped
        from lib.chat.base import ChatParams
        from lib.memory.index import MemoryIndex

        ctx = report.memory_questions(MemoryIndex.for_workspace(sample), 1)[0][0]  # a message the index knows
        for b, _, kind in rows[1:]:
            "".join(b.stream(ctx, ChatParams(system="persona")))
        systems = [r.json["messages"][0]["content"] for r in srv.chat_requests]
    assert systems[0] == "persona" and len(systems[1]) > len(systems[0])  # memory only in the augmented prompt


def test_cli_eval_with_the_judge_and_an_adapter_without_its_base(sample, tmp_path, capsys, monkeypatch):
    from lib.cli import main

    monkeypatch.delenv("METWIN_LOCAL_MODEL", raising=False)
    with FakeOpenAI(reply="B") as srv:
        rc = main(["eval", "--workspace", str(sample.path), "--n", "10", "--out", str(tmp_path / "ev"),
                   "--judge-model", "fake-model", "--judge-url", srv.base_url, "--k", "3",
                   "--adapter", str(tmp_path / "adapter")])
        assert rc == 0 and srv.chat_requests
    out = capsys.readouterr()
    assert "What matters, scored separately" in out.out and "skipped local model + adapter" in out.err
    rep = json.loads((tmp_path / "ev" / "fidelity.json").read_text())
    assert rep["judge"] == {"k": 3, "model": "fake-model"} and all(r["judge"]["k"] == 3 for r in rep["rows"])


def test_a_round_still_holding_a_secret_is_withheld_not_sent():
    pairs, twin, pool = _pairs(4)
    twin[2] = "my number is 13812345678"
    items = judge.build_items(pairs, twin, pool, k=3, seed=0)
    sent = []
    res = judge.judge(items, None, holds_secret=lambda text: "13812345678" in text,
                      chat=lambda ep, msgs, **kw: sent.append(msgs) or "A")
    assert res.withheld == 1 and res.n == 3 and len(sent) == 3 and "13812345678" not in json.dumps(sent)
