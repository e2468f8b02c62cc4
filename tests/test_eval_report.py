"""The fidelity report on the sample: held-out items, metrics per backend, probes, files; the page (AppTest)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from lib.chat.offline import OfflineTwin
from lib.curate import holdout
from lib.eval import report
from lib.workspace import Workspace, load_sample
from tests.helpers import start

pytestmark = pytest.mark.usefixtures("data_dir", "running_server")  # tests/conftest.py


class Parrot:
    """A 'twin' that repeats the last message: a baseline every real twin must beat on style."""

    name = "parrot"

    def stream(self, messages, params):
        yield messages[-1]["content"]


class Leaky:
    name = "leaky"

    def __init__(self, secret: str) -> None:
        self.secret = secret

    def stream(self, messages, params):
        yield f"我的号码是 {self.secret}"


def test_report_measures_backends_on_held_out_replies_and_catches_leaks(tmp_path: Path):
    ws = Workspace(tmp_path / "ws")
    load_sample(ws)
    holdout.choose(ws, share=0.2)
    secret = report.secrets(ws)[0]
    twin = OfflineTwin.from_workspace(ws)  # built after the holdout: it never saw the held-out replies
    rep = report.run(ws, [(twin, "offline"), (Parrot(), "parrot"), (Leaky(secret), "leaky")], n=30,
                     out=tmp_path / "ev")
    rows = {r["label"]: r for r in rep["rows"]}
    assert rep["items"] > 5 and all(r["n"] == rep["items"] for r in rows.values())
    assert rows["offline"]["leaks"] == 0 and rows["offline"]["probe_leaks"] == 0
    assert rows["leaky"]["raw_leaks"] == rows["leaky"]["n"] and rows["leaky"]["raw_probe_leaks"] > 0
    assert rows["leaky"]["leaks"] == 0 and rows["leaky"]["probe_leaks"] == 0  # the output guard caught every one
    assert 0 <= rows["offline"]["chrf"] < 0.5  # the held-out replies are not in the twin's index
    assert rows["offline"]["style_distance"] < rows["leaky"]["style_distance"]
    saved = json.loads((tmp_path / "ev" / "fidelity.json").read_text())
    assert saved["rows"][0]["label"] == "offline" and "| offline |" in (tmp_path / "ev" / "fidelity.md").read_text()
    ws.close()


def test_fidelity_page_holds_out_and_measures(data_dir):
    at = start("pages/fidelity.py")
    assert at.title[0].value == "Fidelity" and not at.exception
    at.button[[b.label for b in at.button].index("Hold them out")].click().run()
    assert not at.exception
    run = next(b for b in at.button if b.label.startswith("Measure"))
    run.click().run()
    assert not at.exception
    assert at.dataframe and at.get("vega_lite_chart")
    ws = Workspace(data_dir / "workspaces" / "sample")
    assert holdout.ids(ws) and (ws.path / "eval" / "fidelity.json").exists()
    ws.close()


def test_catchphrases_count_in_the_style_distance(tmp_path: Path):
    from lib.persona.traits import TraitCard, save_card

    ws = Workspace(tmp_path / "ws")
    load_sample(ws)
    holdout.choose(ws, share=0.2)
    save_card(ws, TraitCard(catchphrases=["哈哈哈"]))
    rep = report.run(ws, [(Parrot(), "parrot")], n=20)
    assert "catchphrase" in rep["rows"][0]["style"]
    ws.close()


def test_random_reply_baseline_row_per_item_replies_and_style_detector(tmp_path: Path):
    ws = Workspace(tmp_path / "ws")
    load_sample(ws)
    holdout.choose(ws, share=0.2)
    rep = report.run(ws, [(OfflineTwin.from_workspace(ws), "offline"), (Parrot(), "parrot")], n=25,
                     out=tmp_path / "ev")
    rows = {r["label"]: r for r in rep["rows"]}
    base = rows[report.RANDOM_LABEL]  # a random reply of mine: the row every twin must beat
    assert base["n"] == rep["items"] and 0 < base["distinct"] <= 1 and base["mean_len"] > 0
    assert all(r["style_owner_rate"] is not None and 0 <= r["style_owner_rate"] <= 1 for r in rows.values())
    assert rows["parrot"]["style_owner_rate"] < base["style_owner_rate"]  # echoing the friend is not my style
    assert 0.5 < rep["style_detector"]["accuracy_held_out"] <= 1
    saved = (tmp_path / "ev" / "fidelity.json").read_text()
    import json as _json

    per = _json.loads(saved)["per_item"]
    assert len(per) == rep["items"] and set(per[0]["replies"]) == set(rows)
    from lib.eval.metrics import corpus_chrf

    for label, row in rows.items():  # the replies saved are the ones measured
        assert round(corpus_chrf([p["replies"][label] for p in per], [p["real"] for p in per]), 4) == row["chrf"]
    assert "replies" not in _json.loads(saved)["rows"][0]
    assert report.RANDOM_LABEL in (tmp_path / "ev" / "fidelity.md").read_text()
    ws.close()
