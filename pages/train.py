"""Train: fine-tune a LoRA adapter on an export, here (a background run that survives reloads), or hand the
dataset to LLaMA-Factory or a hosted service with ready-made configs.
"""
from __future__ import annotations

import json
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from lib import chat as chat_lib
from lib.errors import BadInputError
from lib.export import training_sets
from lib.train import handoff, runs
from pages import ACCENT, guard, md_escape, setup

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


def form(ex: pd.DataFrame) -> dict | None:
    labels = {i: f"{r.created.replace('T', ' ')} · {r.format} · {Path(r.out_dir).name}" for i, r in ex.iterrows()}
    pick = st.selectbox(ui.t("train.export"), list(labels), format_func=labels.get, key="train_export")
    row = ex.loc[pick]
    base = st.text_input(ui.t("train.base"), ui.ws.get_setting("train.base_model", ""), key="train_base",
                         placeholder="/models/Qwen2.5-1.5B-Instruct", help=ui.t("train.base_help"))
    preset = st.segmented_control(ui.t("train.preset"), list(runs.PRESETS), key="train_preset", default="recommended",
                                  required=True, format_func=lambda p: ui.t(f"train.preset.{p}"))
    st.caption(ui.t(f"train.preset_why.{preset}"))
    values = runs.PRESETS[preset]
    c1, c2, c3, c4 = st.columns(4)
    req = {
        "data": row["train"], "val": row["val"] or None, "base_model": base.strip(),
        "epochs": int(c1.number_input(ui.t("train.epochs"), 1, 50, int(values["epochs"]), key=f"tr_ep_{preset}")),
        "lr": c2.number_input(ui.t("train.lr"), 1e-6, 1e-2, float(values["lr"]), format="%.0e", key=f"tr_lr_{preset}"),
        "lora_rank": int(c3.number_input(ui.t("train.rank"), 1, 256, values["lora_rank"], key=f"tr_r_{preset}")),
        "lora_alpha": int(c4.number_input(ui.t("train.alpha"), 1, 512, values["lora_alpha"], key=f"tr_a_{preset}")),
        "cutoff_len": int(c1.number_input(ui.t("train.cutoff"), 64, 32768, values["cutoff_len"], 64,
                                          key=f"tr_c_{preset}")),
        "max_steps": int(c2.number_input(ui.t("train.max_steps"), -1, 10**7, values["max_steps"], key=f"tr_m_{preset}",
                                         help=ui.t("train.max_steps_help"))),
        "grad_accum": int(c3.number_input(ui.t("train.grad_accum"), 1, 256, 4, key="tr_ga")),
        "batch_size": int(c4.number_input(ui.t("train.batch"), 1, 64, 1, key="tr_bs")),
    }
    from lib.train import TrainConfig, advice

    n = n_records(row["train"])
    cfg = TrainConfig(data=row["train"], base_model=base or ".", out=".", epochs=req["epochs"], lr=req["lr"],
                      lora_rank=req["lora_rank"], max_steps=req["max_steps"], batch_size=req["batch_size"],
                      grad_accum=req["grad_accum"])
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
        st.altair_chart(alt.Chart(data).mark_line(point=True).encode(
            x=alt.X("step:Q", title=ui.t("train.step")), y=alt.Y("loss:Q", title=None, scale=alt.Scale(zero=False)),
            color=alt.Color("series:N", scale=alt.Scale(range=[ACCENT, "#c9a66b"]), title=None),
            tooltip=["step", "loss", "series"]).properties(height=240), width="stretch")
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
        ui.ws.set_setting("chat.backend", "local")
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
            if st.button(ui.t("train.start"), type="primary", icon=":material/play_arrow:", key="train_start"):
                try:
                    ui.ws.set_setting("train.base_model", req["base_model"])
                    runs.start(ui.ws, req)
                    ss["_train_was_running"] = True
                    st.rerun()
                except BadInputError as exc:
                    st.error(md_escape(str(exc)), icon=":material/error:")
        watch()
        past()
    with hand:
        handoff_panel(ex)
