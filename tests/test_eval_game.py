""""Who said it?": items from held-out conversations, the twin's candidate, anonymous answers and the fooling rate;
the page through AppTest (also reachable in demo mode)."""
from __future__ import annotations

from pathlib import Path

import pytest

from lib.chat.base import ChatParams
from lib.chat.offline import OfflineTwin
from lib.curate import holdout
from lib.eval import game
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
    assert metric(at, "Players") == 0  # the owner played (no demo mode): their answer is not a player's
    ws = Workspace(data_dir / "workspaces" / "sample")
    assert game.score(ws)["answers"] == 1 and game.score(ws, players_only=True)["answers"] == 0
    ws.close()


def test_no_answer_of_a_session_shows_in_another_pairs_context(ws: Workspace):
    """Issue 18: pairs of one conversation overlap; pair 2's context must not hold pair 1's real answer, in the same
    round or a later round of the same session."""
    first = game.items(ws, n=3, seed=3)
    later = game.items(ws, n=10, seed=4, seen=first)
    shown = [*first, *later]
    assert len(first) == 3 and later
    assert len({it.key for it in shown}) == len(shown)
    for it in shown:
        for other in shown:
            if other is not it:
                assert not game._gives_away(it.real, other.context), (it.key, other.key)


def test_no_item_shows_the_neutral_opening(ws: Workspace):
    from lib.export.records import NEUTRAL_OPENING

    its = game.items(ws, n=50, seed=5)
    assert its and all(m["content"] not in NEUTRAL_OPENING.values() for it in its for m in it.context)
    assert all(it.context[-1]["role"] == "user" for it in its)


def test_the_owners_answers_do_not_count_toward_the_fooling_rate(ws: Workspace):
    its = game.items(ws, n=3, seed=6)
    owner, friend = game.new_session(), game.new_session()
    for it in its:
        game.record(ws, owner, it, "offline", True, owner=True)
    game.record(ws, friend, its[0], "offline", False)
    assert game.score(ws, session=owner)["answers"] == 3  # the owner still sees their own score
    players = game.score(ws, backend="offline", players_only=True)
    assert (players["answers"], players["fooled"], players["sessions"]) == (1, 1, 1)
    assert game.score(ws, backend="offline")["answers"] == 4


def test_the_offline_twin_never_answers_with_the_pairs_own_conversation(ws):
    """The twin indexes validation conversations too; asked about one, it must not quote the real reply back."""
    from lib import chat as chat_lib

    holdout.clear(ws)  # no hold-out: the game plays validation conversations, which the twin has indexed
    backend = chat_lib.get_backend("offline", ws, None)
    dealt = [game.fill(it, backend, ChatParams()) for it in game.items(ws, 10)]
    assert dealt and all(it.twin for it in dealt)
    convs = {int(it.key.split(":")[0]) for it in dealt}
    twin = backend.inner if hasattr(backend, "inner") else backend
    for it in dealt:
        own = twin.without_conversations([int(it.key.split(":")[0])])
        assert own._excluded and own._turns is twin._turns  # shared index, not a copy
    assert sum(it.twin != it.real for it in dealt) >= len(dealt) - 1, convs
