"""Training runs launched like the Train page does: a background `python -m lib train` that survives the page, one
at a time, stoppable, with its loss log, run card and "use in chat"; and the page itself (AppTest)."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="the training extra (requirements-train.txt) is not installed")

from lib import chat as chat_lib  # noqa: E402
from lib import persona  # noqa: E402
from lib.errors import BadInputError  # noqa: E402
from lib.export import ExportOptions, export  # noqa: E402
from lib.train import runs  # noqa: E402
from lib.workspace import Workspace, load_sample  # noqa: E402
from tests.fakes.tiny_model import build_tiny_chat_model  # noqa: E402
from tests.helpers import start  # noqa: E402

pytestmark = pytest.mark.usefixtures("data_dir", "running_server")  # tests/conftest.py


def wait(ws, run_id: str, states=("finished", "stopped", "failed"), timeout: float = 180) -> runs.Run:
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = runs.load(runs.runs_dir(ws) / run_id)
        if r.state in states:
            return r
        time.sleep(0.5)
    raise AssertionError(f"run {run_id} still {r.state}: {runs.tail(r)}")


@pytest.fixture
def ready(data_dir, tmp_path: Path):
    ws = Workspace(data_dir / "workspaces" / "sample")
    load_sample(ws)
    persona.set_template(ws, "你是{name}。")  # short records: the tiny model sees 512 tokens at most
    out = ws.path / "exports" / "sharegpt-test"
    export(ws, "sharegpt", out, ExportOptions(max_turns=1))
    base = build_tiny_chat_model(tmp_path / "tiny")
    yield ws, out, base
    for r in runs.runs(ws):
        if r.state == "running":
            runs.stop(r, hard_after=10)
    ws.close()


def test_a_background_run_finishes_with_an_adapter_and_a_loss_log(ready):
    ws, out, base = ready
    run = runs.start(ws, {"data": str(out / "train.json"), "val": str(out / "val.json"), "base_model": str(base),
                          "epochs": 1, "lr": 2e-3, "lora_rank": 4, "lora_alpha": 8, "max_steps": 6,
                          "cutoff_len": 512, "grad_accum": 1, "batch_size": 1})
    assert run.state == "running"
    with pytest.raises(BadInputError, match="already going"):
        runs.start(ws, {"data": str(out / "train.json"), "base_model": str(base)})
    done = wait(ws, run.id)
    assert done.state == "finished", runs.tail(done)
    assert (done.path / "adapter" / "adapter_config.json").exists() and done.card["steps"] == 6
    log = runs.log_frame(done)
    assert log["loss"].notna().sum() == 6 and log["eval_loss"].notna().any()


def test_stop_ends_a_run_cleanly_with_a_checkpoint(ready):
    ws, out, base = ready
    run = runs.start(ws, {"data": str(out / "train.json"), "base_model": str(base), "epochs": 1, "max_steps": 400,
                          "cutoff_len": 512, "grad_accum": 1})
    deadline = time.time() + 120
    while time.time() < deadline and not runs.log_frame(runs.load(run.path)).get("loss", []).__len__():
        time.sleep(0.5)
    runs.stop(run)
    done = wait(ws, run.id)
    assert done.state == "stopped", runs.tail(done)
    assert any((done.path / "checkpoints").iterdir())


def test_train_page_form_advice_and_use_in_chat(ready):
    ws, out, base = ready
    run = runs.start(ws, {"data": str(out / "train.json"), "base_model": str(base), "epochs": 1, "max_steps": 2,
                          "cutoff_len": 512, "grad_accum": 1})
    wait(ws, run.id)
    at = start("pages/train.py")
    assert at.title[0].value == "Train"
    assert not at.exception
    at.segmented_control(key="train_preset").set_value("smoke").run()
    at.number_input(key="tr_ep_smoke").set_value(8).run()
    assert any("overfits" in w.value for w in at.warning)  # the original experiments' advice, live
    use = next(b for b in at.button if b.label == "Use in chat")
    use.click().run()
    assert not at.exception
    cfg = chat_lib.config(Workspace(ws.path))["local"]
    assert cfg["adapter"].endswith("adapter") and cfg["base_model"] == str(base)


def test_merge_command_writes_a_model_the_local_backend_loads(ready, tmp_path: Path):
    import subprocess
    import sys

    from lib.chat.base import ChatParams
    from lib.chat.local import LocalModel

    ws, out, base = ready
    run = runs.start(ws, {"data": str(out / "train.json"), "base_model": str(base), "epochs": 1, "max_steps": 2,
                          "cutoff_len": 512, "grad_accum": 1})
    done = wait(ws, run.id)
    merged = tmp_path / "merged"
    r = subprocess.run([sys.executable, "-m", "lib", "merge", "--base-model", str(base), "--adapter",
                        str(done.path / "adapter"), "--out", str(merged)], capture_output=True, text=True,
                       cwd=Path(__file__).resolve().parents[1], timeout=300)
    assert r.returncode == 0, r.stderr
    reply = "".join(LocalModel(str(merged)).stream([{"role": "user", "content": "你好"}],
                                                   ChatParams(temperature=0, max_tokens=5)))
    assert isinstance(reply, str)
    bad = subprocess.run([sys.executable, "-m", "lib", "train", "--data", str(tmp_path / "none.json"),
                          "--base-model", str(base), "--out", str(tmp_path / "r")], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1], timeout=300)
    assert bad.returncode == 2 and bad.stderr.startswith("error: ")
