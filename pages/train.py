"""Train: fine-tune a LoRA adapter on an export, here (a background run that survives reloads), or hand the
dataset to LLaMA-Factory or a hosted service with ready-made configs.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from lib import chat as chat_lib
from lib.errors import BadInputError
from lib.export import training_sets
from lib.settings import CHAT_BACKEND, TRAIN_BASE_MODEL
from lib.train import device, handoff, runs
from lib.train.config import PAGE_FIELDS, TrainConfig
from pages import ACCENT, guard, md_escape, setup
from pages.components.charts import draw, field
from pages.components.fields import widget

ui = setup()  # first statement of every page: sends a run that bypassed app.py through it

ss = st.session_state


def exports() -> pd.DataFrame:
    """Past exports whose folder still holds a ShareGPT training file."""
    return training_sets(ui.ws)


def n_records(path: str) -> int:
    try:
        return len(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return 0


@st.cache_resource(show_spinner=False)
def found_device() -> device.DeviceInfo:
    """Loads torch once per server (seconds); every later page run reuses the answer."""
    return device.detect()


def device_panel() -> device.DeviceInfo | None:
    """The device training would use; torch is loaded only when it is installed, once (cached)."""
    from importlib.util import find_spec

    info = found_device() if find_spec("torch") is not None else device.DeviceInfo("none", note="torch not found")
    fmt = {"name": md_escape(info.name), "mem": info.memory_gib, "note": md_escape(info.note)}
    st.caption(f"**{ui.t('train.device')}**: " + ui.t(f"train.device.{info.kind}", **fmt))
    return info if info.kind != "none" else None


def needs(base: str, preset: str) -> None:
    """The model folder's problem (a clear error), else what each preset needs against the GPU's memory."""
    code = device.model_folder_check(base)
    if code is not None:
        (st.info if code == "empty" else st.error)(ui.t(f"train.model.{code}", folder=md_escape(base)),
                                                  icon=":material/folder_off:")
        return
    params = device.model_params_b(base)
    if params is None:
        st.caption(ui.t("train.needs_unknown"))
        return
    info = ss.get("_train_device")
    parts = []
    for name, gib in device.preset_needs(runs.PRESETS, params).items():
        fit = "" if info is None or info.memory_gib is None or gib is None else \
            f" ({ui.t('train.needs_fit') if gib <= info.memory_gib else ui.t('train.needs_tight')})"
        bold = "**" if name == preset else ""
        parts.append(f"{bold}{ui.t(f'train.preset.{name}')} ~{gib} GiB{fit}{bold}")
    st.caption(ui.t("train.needs", params=params, needs=", ".join(parts)))


def form(ex: pd.DataFrame) -> dict | None:
    labels = {i: f"{r.created.replace('T', ' ')} · {r.format} · {Path(r.out_dir).name}" for i, r in ex.iterrows()}
    pick = st.selectbox(ui.t("train.export"), list(labels), format_func=labels.get, key="train_export")
    row = ex.loc[pick]
    base = st.text_input(ui.t("train.base"), TRAIN_BASE_MODEL.get(ui.ws), key="train_base",
                         placeholder="/models/Qwen2.5-1.5B-Instruct", help=ui.t("train.base_help"))
    preset = st.segmented_control(ui.t("train.preset"), list(runs.PRESETS), key="train_preset", default="recommended",
                                  required=True, format_func=lambda p: ui.t(f"train.preset.{p}"))
    st.caption(ui.t(f"train.preset_why.{preset}"))
    values = runs.PRESETS[preset]
    needs(base.strip(), preset)
    cols = st.columns(4)
    # Bounds and help from TrainConfig's fields, words from train.opt.<field>; a preset only changes the start value.
    # Keys carry the preset so that picking another preset starts its widgets from that preset's values.
    req = {"data": row["train"], "val": row["val"] or None, "base_model": base.strip()}
    short = {"epochs": "ep", "lr": "lr", "lora_rank": "r", "lora_alpha": "a", "cutoff_len": "c", "max_steps": "m",
             "grad_accum": "ga", "batch_size": "bs"}
    for i, name in enumerate(PAGE_FIELDS):
        key = f"tr_{short.get(name, name)}" + (f"_{preset}" if name in values else "")
        req[name] = widget(cols[i % 4], ui.t, TrainConfig, name, "train.opt", key, values.get(name))
    from lib.train import advice

    n = n_records(row["train"])
    cfg = TrainConfig(**{**req, "base_model": base or ".", "out": "."})
    for problem in cfg.problems():
        st.error(md_escape(problem), icon=":material/error:")
    for warning in advice(n, cfg):
        st.warning(md_escape(warning), icon=":material/warning:")
    st.caption(ui.t("train.records", n=n, val=n_records(row["val"]) if row["val"] else 0))
    return req


def live(run: runs.Run) -> None:
    """The running (or last) run: state, loss curve, log tail; refreshed every two seconds while it runs."""
    st.markdown(ui.t("train.run_line", id=run.id, state=ui.t(f"train.state.{run.state}")))
    log = runs.log_frame(run)
    if "loss" in log and log["loss"].notna().any():
        data = log.dropna(subset=["loss"])[["step", "loss"]].assign(series=ui.t("train.loss"))
        if "eval_loss" in log and log["eval_loss"].notna().any():
            ev = log.dropna(subset=["eval_loss"])[["step", "eval_loss"]].rename(columns={"eval_loss": "loss"})
            data = pd.concat([data, ev.assign(series=ui.t("train.eval_loss"))])
        draw(data, {"mark": {"type": "line", "point": True}, "encoding": {
            "x": field("step", "quantitative", ui.t("train.step")),
            "y": field("loss", "quantitative", scale={"zero": False}),
            "color": field("series", "nominal", scale={"range": [ACCENT, "#c9a66b"]}),
            "tooltip": [{"field": f, "type": k} for f, k in (("step", "quantitative"), ("loss", "quantitative"),
                                                            ("series", "nominal"))]}}, height=240)
    with st.expander(ui.t("train.logs"), icon=":material/terminal:"):
        st.code(runs.tail(run) or "…", language=None)
    if run.state == "running":
        if st.button(ui.t("train.stop"), icon=":material/stop_circle:", key=f"train_stop_{run.id}"):
            runs.stop(run)
            st.toast(ui.t("train.stopping"), icon=":material/stop_circle:")
    elif run.card:
        use_in_chat(run)


def use_in_chat(run: runs.Run) -> None:
    adapter = run.path / "adapter"
    if adapter.is_dir() and st.button(ui.t("train.use"), icon=":material/forum:", key=f"train_use_{run.id}"):
        chat_lib.set_config(ui.ws, "local", {"base_model": run.request.get("base_model", ""), "adapter": str(adapter)})
        CHAT_BACKEND.set(ui.ws, "local")
        ss["chat_backend"] = "local"
        st.toast(ui.t("train.used"), icon=":material/check_circle:")


@st.fragment(run_every=2)
def watch() -> None:
    current = runs.active(ui.ws)
    if current is not None:
        live(current)
    elif ss.get("_train_was_running"):
        ss.pop("_train_was_running")
        st.rerun()  # the run just ended: redraw the whole page (past runs, its card)
    if current is not None:
        ss["_train_was_running"] = True


def past() -> None:
    done = [r for r in runs.runs(ui.ws) if r.state != "running"]
    if not done:
        return
    st.subheader(ui.t("train.past"))
    for r in done[:10]:
        with st.expander(f"{r.id} · {ui.t(f'train.state.{r.state}')}", icon=":material/history:"):
            if r.card:
                st.json(r.card, expanded=1)
            live(r)


def handoff_panel(ex: pd.DataFrame) -> None:
    st.caption(ui.t("train.handoff_help"))
    if ex.empty:
        st.info(ui.t("train.no_export"), icon=":material/dataset:")
        return
    labels = {i: f"{r.created.replace('T', ' ')} · {Path(r.out_dir).name}" for i, r in ex.iterrows()}
    pick = st.selectbox(ui.t("train.export"), list(labels), format_func=labels.get, key="handoff_export")
    base = st.text_input(ui.t("train.handoff_base"), key="handoff_base", placeholder="Qwen/Qwen2.5-7B-Instruct")
    if st.button(ui.t("train.handoff_write"), icon=":material/description:", disabled=not base.strip()):
        try:
            files = handoff.write(Path(ex.loc[pick, "out_dir"]), handoff.HandoffConfig(base_model=base.strip()))
            st.success(ui.t("train.handoff_done", files=", ".join(f.name for f in files),
                            folder=md_escape(ex.loc[pick, "out_dir"])), icon=":material/task_alt:")
            st.markdown(files[-1].read_text(encoding="utf-8"))
        except BadInputError as exc:
            st.error(md_escape(str(exc)), icon=":material/error:")


st.title(ui.t("train.title"))
st.caption(ui.t("train.caption"))

with guard(ui):
    ex = exports()
    here, hand = st.tabs([ui.t("train.tab.here"), ui.t("train.tab.handoff")])
    with here:
        ss["_train_device"] = device_panel()
        try:
            import lib.train as _train  # noqa: F401 - the extra may be absent

            has_extra = _train.available()
        except ImportError:
            has_extra = False
        if not has_extra:
            st.info(ui.t("train.no_extra"), icon=":material/download:")
        elif ex.empty:
            st.info(ui.t("train.no_export"), icon=":material/dataset:")
            st.page_link("pages/export.py", label=ui.t("page.export"), icon=":material/arrow_forward:")
        elif runs.active(ui.ws) is None:
            req = form(ex)
            blocked = device.model_folder_check(req["base_model"]) is not None
            if st.button(ui.t("train.start"), type="primary", icon=":material/play_arrow:", key="train_start",
                         disabled=blocked):
                try:
                    TRAIN_BASE_MODEL.set(ui.ws, req["base_model"])
                    runs.start(ui.ws, req)
                    ss["_train_was_running"] = True
                    st.rerun()
                except BadInputError as exc:
                    st.error(md_escape(str(exc)), icon=":material/error:")
        watch()
        past()
    with hand:
        handoff_panel(ex)
