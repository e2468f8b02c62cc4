"""Issue 18, speed felt in a browser: what pages reuse between reruns and tabs must still follow every change.

The caches behind the review pages' counters and the game's question pool are checked against a fresh computation
after each kind of write (the owner's own connection, another connection), so a faster page can never show a stale
figure.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from lib.eval import game
from lib.i18n import t
from lib.label.store import LabelStore
from lib.workspace import Workspace, load_sample
from tests.helpers import start

pytestmark = pytest.mark.usefixtures("data_dir", "running_server")  # tests/conftest.py


@pytest.fixture
def sample_ws(tmp_path: Path):
    w = Workspace(tmp_path / "sample")
    load_sample(w)
    yield w
    w.close()


def test_per_commit_cache_follows_commits_of_this_and_other_connections(sample_ws):
    calls = []

    def compute() -> int:
        calls.append(1)
        return sample_ws.conn.execute("SELECT COUNT(*) FROM settings").fetchone()[0]

    first = sample_ws.per_commit("test.settings", compute)
    assert sample_ws.per_commit("test.settings", compute) == first and len(calls) == 1  # reused: nothing committed
    sample_ws.set_setting("test.a", 1)  # this connection's own commit (PRAGMA data_version would not see it)
    assert sample_ws.per_commit("test.settings", compute) == first + 1 and len(calls) == 2
    other = Workspace(sample_ws.path)
    try:
        assert other.per_commit("test.settings", compute) == first + 1 and len(calls) == 2  # shared by handles
        other.set_setting("test.b", 2)
    finally:
        other.close()
    assert sample_ws.per_commit("test.settings", compute) == first + 2 and len(calls) == 3


def _fresh_total(s: LabelStore, queue: str) -> int:
    sql, params = s._filters(queue, None, None, "", True)
    return s.conn.execute(f"SELECT COUNT(*) {sql}", params).fetchone()[0]


def test_label_counts_and_queue_sizes_follow_each_decision(sample_ws):
    s = LabelStore(sample_ws)
    page, total = s.queue("unlabelled", limit=3)
    assert total == _fresh_total(s, "unlabelled") and len(page) == 3
    first, second, third = (int(i) for i in page["id"])
    s.set_label(first, "joy")
    s.skip(second)
    s.flag(third, True)
    c = s.counts()
    assert c["labelled"] == 1 and c["skipped"] == 1 and c["flagged"] == 1
    for queue, key in (("unlabelled", "unlabelled"), ("labelled", "labelled"), ("skipped", "skipped"),
                       ("flagged", "flagged"), ("all", "total")):
        _, total = s.queue(queue)
        assert total == _fresh_total(s, queue) == c[key], queue
    s.undo()
    assert s.counts()["flagged"] == 0 and s.queue("flagged")[1] == 0
    _, chat_total = s.queue("unlabelled", chat_id=1)  # a narrowed queue is still counted by its own query
    sql, params = s._filters("unlabelled", 1, None, "", True)
    assert chat_total == s.conn.execute(f"SELECT COUNT(*) {sql}", params).fetchone()[0]


def test_game_pool_is_built_once_per_records_build(sample_ws):
    pool = game.candidates(sample_ws)
    assert pool and game.candidates(sample_ws) is pool  # a second player reuses it
    assert all(ctx[-1]["role"] == "user" for _, ctx, _ in pool)
    dealt = game.items(sample_ws, 5, seed=3)
    assert {it.key for it in dealt} <= {key for key, _, _ in pool}
    assert [it.key for it in game.items(sample_ws, 5, seed=3)] == [it.key for it in dealt]  # same seed, same round
    conv = int(pool[0][0].split(":")[0])
    from lib.curate.store import CurationStore

    CurationStore(sample_ws).decide(conv, "drop", "other")  # the records change: the pool follows
    after = game.candidates(sample_ws)
    assert after is not pool and all(int(k.split(":")[0]) != conv for k, _, _ in after)


def test_statistics_draws_one_section_and_curation_tools_on_demand():
    at = start("pages/statistics.py")
    assert not at.exception and len(at.get("vega_lite_chart")) == 3
    at.segmented_control(key="stat_view").set_value("stat.over_time").run()
    assert not at.exception and len(at.get("vega_lite_chart")) == 2  # months and chats, not the funnel
    at.switch_page("pages/curation.py").run()
    at.selectbox(key="cur_f_view").set_value("all").run()
    forms = len(at.main.get("form"))
    assert not at.exception and forms == 0  # no tool drawn until one is chosen
    at.segmented_control(key="cur_tool").set_value("tags").run()
    assert not at.exception and len(at.main.get("form")) == 1


def test_import_page_draws_the_yield_chart_only_while_its_tab_is_open():
    at = start("pages/import_chats.py")
    assert not at.exception and not at.get("vega_lite_chart")  # a new tab: chats and conversations, no chart
    assert at.dataframe  # the chats table is there from the start
    at.session_state["import_tab_en"] = t("import.tab_yield", "en")
    at.run()
    assert not at.exception and len(at.get("vega_lite_chart")) == 1
