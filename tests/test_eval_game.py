""""Who said it?": items from held-out conversations, the twin's candidate, anonymous answers and the fooling rate;
the page through AppTest (also reachable in demo mode)."""
from __future__ import annotations

from pathlib import Path

import pytest

from lib.chat.base import ChatParams
from lib.chat.offline import OfflineTwin
from lib.eval import game, holdout
from lib.workspace import Workspace, load_sample
from tests.helpers import metric, start

pytestmark = pytest.mark.usefixtures("data_dir", "running_server")  # tests/conftest.py


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    w = Workspace(tmp_path / "ws")
    load_sample(w)
    holdout.choose(w, share=0.2)
    yield w
    w.close()


def test_items_come_from_held_out_conversations_with_the_twins_reply(ws: Workspace):
    held = holdout.ids(ws)
    its = game.items(ws, n=5, seed=1)
    assert len(its) == 5 and all(int(it.key.split(":")[0]) in held for it in its)
    assert all(it.context and it.context[-1]["role"] == "user" for it in its)
    assert game.items(ws, n=5, seed=1)[0].key == its[0].key  # the same round for the same seed
    twin = OfflineTwin.from_workspace(ws)
    filled = game.fill(its[0], twin, ChatParams(temperature=0))
    assert filled.twin and isinstance(filled.twin, str)


def test_answers_are_anonymous_and_give_a_fooling_rate(ws: Workspace):
    its = game.items(ws, n=4, seed=2)
    s1, s2 = game.new_session(), game.new_session()
    for it, found in zip(its, (True, False, False, True)):
        game.record(ws, s1, it, "offline", found)
    game.record(ws, s2, its[0], "offline", False)
    mine = game.score(ws, session=s1)
    assert (mine["answers"], mine["found_real"], mine["fooled"]) == (4, 2, 2)
    all_ = game.score(ws, backend="offline")
    assert all_["answers"] == 5 and all_["sessions"] == 2 and abs(all_["fooling_rate"] - 0.6) < 1e-9
    lo, hi = all_["ci95"]
    assert 0 < lo < 0.6 < hi < 1
    stored = ws.conn.execute("SELECT session FROM game_answers").fetchall()
    assert s1 not in {r[0] for r in stored}  # only a hash of the session token


def test_the_game_page_records_a_pick(data_dir):
    ws = Workspace(data_dir / "workspaces" / "sample")
    load_sample(ws)
    holdout.choose(ws, share=0.2)
    ws.close()
    at = start("pages/who_said_it.py")
    assert at.title[0].value == "Who said it?" and not at.exception
    at.button(key="game_a").click().run()
    assert not at.exception
    assert metric(at, "Players") == 1
    ws = Workspace(data_dir / "workspaces" / "sample")
    assert game.score(ws)["answers"] == 1
    ws.close()
