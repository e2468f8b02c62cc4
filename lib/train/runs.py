"""Training runs launched from the app: background processes that survive page reloads, one at a time.

A run is a folder ``<workspace>/runs/<id>/`` holding ``request.json`` (what was asked), ``status.json`` (pid and
state), the trainer's ``log.jsonl`` and ``stdout.log``, and in the end ``adapter/`` and ``run_card.json``. The page
only reads these files, so closing the tab or restarting the app loses nothing; stopping writes a ``STOP`` file that
the trainer checks every step (it then saves a checkpoint and exits cleanly).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lib.errors import BadInputError

ROOT = Path(__file__).resolve().parents[2]
STATES = ("running", "finished", "stopped", "failed")

# Presets shown on the Train page, with why. The original experiments: a small learning rate and few epochs.
PRESETS: dict[str, dict] = {
    "smoke": {"epochs": 1, "lr": 2e-4, "lora_rank": 8, "lora_alpha": 16, "max_steps": 30, "cutoff_len": 512},
    "recommended": {"epochs": 3, "lr": 1e-4, "lora_rank": 8, "lora_alpha": 16, "max_steps": -1, "cutoff_len": 1024},
    "careful": {"epochs": 2, "lr": 5e-5, "lora_rank": 16, "lora_alpha": 32, "max_steps": -1, "cutoff_len": 2048},
}


@dataclass
class Run:
    id: str
    path: Path
    state: str
    request: dict
    pid: int | None
    started: str
    card: dict | None


def runs_dir(ws) -> Path:
    return Path(ws.path) / "runs"


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:  # a finished child not yet reaped is a zombie: not running
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def load(path: Path) -> Run:
    status = json.loads((path / "status.json").read_text()) if (path / "status.json").exists() else {}
    request = json.loads((path / "request.json").read_text()) if (path / "request.json").exists() else {}
    card = json.loads((path / "run_card.json").read_text()) if (path / "run_card.json").exists() else None
    state = status.get("state", "failed")
    if state == "running" and not _alive(status.get("pid")):
        code = status.get("exit")
        stopped = (path / "STOP").exists() or bool(card and card.get("stopped"))
        state = "stopped" if stopped else ("finished" if card else "failed")
        if code is None:
            status.update(state=state, ended=time.strftime("%Y-%m-%dT%H:%M:%S"))
            (path / "status.json").write_text(json.dumps(status))
    return Run(path.name, path, state, request, status.get("pid"), status.get("started", ""), card)


def runs(ws) -> list[Run]:
    root = runs_dir(ws)
    if not root.is_dir():
        return []
    return [load(p) for p in sorted(root.iterdir(), reverse=True) if p.is_dir()]


def active(ws) -> Run | None:
    return next((r for r in runs(ws) if r.state == "running"), None)


def command(request: dict, out: Path) -> list[str]:
    cmd = [sys.executable, "-m", "lib", "train", "--data", request["data"], "--base-model", request["base_model"],
           "--out", str(out)]
    for key in ("epochs", "lr", "lora_rank", "lora_alpha", "lora_dropout", "max_steps", "cutoff_len", "batch_size",
                "grad_accum"):
        if request.get(key) is not None:
            cmd += [f"--{key.replace('_', '-')}", str(request[key])]
    if request.get("val"):
        cmd += ["--val", request["val"]]
    if request.get("resume"):
        cmd += ["--resume"]
    return cmd


def start(ws, request: dict) -> Run:
    """Launch ``python -m lib train`` in the background (its own session: it outlives the page and the app)."""
    if active(ws):
        raise BadInputError("a training run is already going: wait for it, or stop it first")
    for key in ("data", "base_model"):
        if not request.get(key):
            raise BadInputError(f"the run needs {key.replace('_', ' ')}")
    if not Path(request["data"]).is_file():
        raise BadInputError(f"no dataset at {request['data']}: export one first (Export page, ShareGPT)")
    if not Path(request["base_model"]).is_dir():
        raise BadInputError(f"no model folder at {request['base_model']}: download the base model beforehand "
                            "(MeTwin downloads nothing)")
    run_id = time.strftime("%Y%m%d-%H%M%S")
    out = runs_dir(ws) / run_id
    out.mkdir(parents=True, exist_ok=False)
    (out / "request.json").write_text(json.dumps(request, indent=1))
    log = open(out / "stdout.log", "wb")
    proc = subprocess.Popen(command(request, out), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    (out / "status.json").write_text(json.dumps({"pid": proc.pid, "state": "running",
                                                 "started": time.strftime("%Y-%m-%dT%H:%M:%S")}))
    return load(out)


def stop(run: Run, hard_after: float = 0.0) -> None:
    """Ask the trainer to stop after the current step (it saves a checkpoint); ``hard_after`` seconds later, if it is
    still there, terminate it."""
    (run.path / "STOP").write_text("stop requested\n")
    if hard_after > 0:
        deadline = time.time() + hard_after
        while time.time() < deadline and _alive(run.pid):
            time.sleep(0.2)
        if _alive(run.pid) and run.pid:
            os.killpg(os.getpgid(run.pid), signal.SIGTERM)


def log_frame(run: Run) -> pd.DataFrame:
    """The trainer's per-step log (step, loss, lr, ... and eval_loss rows) for the loss curve."""
    path = run.path / "log.jsonl"
    if not path.exists():
        return pd.DataFrame(columns=["step", "loss", "eval_loss"])
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            try:
                rows.append(json.loads(line))
            except ValueError:  # the line being written right now
                continue
    return pd.DataFrame(rows)


def tail(run: Run, n: int = 30) -> str:
    path = run.path / "stdout.log"
    if not path.exists():
        return ""
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
