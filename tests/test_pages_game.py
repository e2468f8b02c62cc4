"""Issue 18: the "Who said it?" page through AppTest: no opener items, buttons in their own row, the owner's own
answers kept out of the players' figures."""
from __future__ import annotations

import pytest

from lib.curate import holdout

from lib.eval import game
from lib.export.records import NEUTRAL_OPENING
from lib.workspace import Workspace, load_sample
from tests.helpers import metric, start

pytestmark = pytest.mark.usefixtures("data_dir", "running_server")  # tests/conftest.py
GAME = "pages/who_said_it.py"


@pytest.fixture
def sample(data_dir):
    ws = Workspace(data_dir / "workspaces" / "sample")
    load_sample(ws)
    holdout.choose(ws, share=0.2)
    ws.close()
    return data_dir / "workspaces" / "sample"


def _row_of(at, key: str):
    """The st.columns row (a block whose children are columns) holding the widget ``key``, or None."""
    def walk(node, row):
        for child in getattr(node, "children", {}).values():
            kids = getattr(child, "children", {}).values()
            here = child if kids and all(getattr(k, "type", "") == "column" for k in kids) else row
            if getattr(child, "key", None) == key:
                return here
            hit = walk(child, here)
            if hit is not None:
                return hit
        return None

    return walk(at.main, None)


def _types(node) -> set[str]:
    out = {getattr(node, "type", "")}
    for child in getattr(node, "children", {}).values():
        out |= _types(child)
    return out


def test_a_round_shows_no_opener_and_both_buttons_share_one_row(sample):
    at = start(GAME)
    assert not at.exception
    page = " ".join(str(h.proto.body) for h in at.get("html"))
    assert not any(opening in page for opening in NEUTRAL_OPENING.values())
    row = _row_of(at, "game_a")
    assert row is not None and row is _row_of(at, "game_b")  # A and B side by side in one row...
    assert "html" not in _types(row)  # ...of buttons only: a long reply above A no longer pushes A below B
    assert at.button(key="game_a").proto.label.endswith("is the real one")


def test_the_owners_pick_is_their_score_not_the_twins_fooling_rate(sample):
    at = start(GAME)
    at.button(key="game_b").click().run()
    assert not at.exception
    assert metric(at, "Players") == 0
    ws = Workspace(sample)
    try:
        assert game.score(ws)["answers"] == 1 and game.score(ws, players_only=True)["answers"] == 0
    finally:
        ws.close()
