"""Fidelity: does the twin sound like its owner? Measured on held-out conversations (never trained on) against
baselines, with the numbers explained. The report is saved in the workspace (``eval/fidelity.json`` and ``.md``).
"""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from lib.errors import BadInputError
from lib.settings import CHAT_BACKEND
from lib.curate import holdout
from lib.eval import report
from lib.i18n import EN as KNOWN_KEYS
from pages import ACCENT, guard, md_escape, secret, setup
from pages.components.charts import draw, field

ui = setup()  # first statement of every page: sends a run that bypassed app.py through it


def out_dir():
    return ui.ws.path / "eval"


st.title(ui.t("fid.title"))
st.caption(ui.t("fid.caption"))

def row_label(r: dict) -> str:
    """A row's name in the page's language (its kind), else the label the report stored."""
    kind = r.get("kind") or ""
    if f"fid.row.{kind}" not in KNOWN_KEYS:
        return str(r.get("label", ""))
    model = str(r.get("label", "")).split(":")[0]
    return ui.t(f"fid.row.{kind}", model=model)


def pct(v) -> str:
    return "–" if v is None or (isinstance(v, float) and pd.isna(v)) else f"{v:.0%}"


def judge_box(first_pair) -> tuple[object | None, int]:
    """The judge's settings and the preview of what it would send; ``(endpoint or None, k)``. ``first_pair()``: the
    first held-out item, read only when a judge model is set (building records costs time on every rerun)."""
    from lib.eval import judge
    from lib.llm import Endpoint

    st.subheader(ui.t("fid.judge"))
    st.caption(ui.t("fid.judge_help"))
    from lib.settings import LLM_ENDPOINT

    saved = LLM_ENDPOINT.get(ui.ws)
    if not (saved.get("base_url") and saved.get("model")):
        st.info(ui.t("fid.judge_setup"), icon=":material/settings:")
        return None, 4
    c1, c2 = st.columns(2)
    on = c1.toggle(ui.t("fid.judge_on"), key="fid_judge_on")
    k = int(c2.number_input(ui.t("fid.judge_k"), 2, 8, 4, 1, key="fid_judge_k"))
    pairs = first_pair()
    if pairs:
        clean, _ = judge.redactor(ui.ws, [])
        pool = report.RandomOwnerReply.from_workspace(ui.ws)._replies
        rounds = judge.build_items(pairs[:1], [ui.t("fid.judge_twin")], pool, k, 0, clean)
        with st.expander(ui.t("fid.judge_prompt"), icon=":material/visibility:"):
            from lib import persona  # the report asks in the twin's language: the preview shows that

            st.code(judge.prompt_preview(rounds, persona.language(ui.ws)), language=None, wrap_lines=True)
    key = secret("METWIN_LLM_API_KEY") or secret("OPENAI_API_KEY") or ""
    return (Endpoint(saved["base_url"], saved["model"], key, timeout=120) if on else None), k


with guard(ui):
    held = holdout.ids(ui.ws)
    c1, c2 = st.columns([2, 3], vertical_alignment="bottom")
    share = c1.slider(ui.t("fid.share_pct"), 5, 30, 10, 5, format="%d%%", key="fid_share_pct",
                      help=ui.t("fid.share_pct_help")) / 100
    if c2.button(ui.t("fid.choose" if not held else "fid.rechoose"), icon=":material/lock_clock:"):
        held = holdout.choose(ui.ws, share)
    st.caption(ui.t("fid.held", n=len(held)) if held else ui.t("fid.none"))
    name = CHAT_BACKEND.get(ui.ws)
    n = st.number_input(ui.t("fid.n"), 10, 2000, 200, 10, key="fid_n")
    adapter = st.text_input(ui.t("fid.adapter"), key="fid_adapter", help=ui.t("fid.adapter_help")).strip()
    endpoint, k = judge_box(lambda: report.items(ui.ws, 1) if held else [])
    if held and st.button(ui.t("fid.run", backend=ui.t(f"chat.backend.{name}")), type="primary",
                          icon=":material/analytics:"):
        try:
            backends, skipped = report.backend_rows(ui.ws, name, secret, adapter or None)
            bar = st.progress(0.0)
            report.run(ui.ws, backends, n=int(n), out=out_dir(), skipped=skipped, judge_endpoint=endpoint, k=k,
                       progress=lambda f, label: bar.progress(f, text=label),
                       judge_progress=lambda f: bar.progress(f, text=ui.t("fid.judge")))
            bar.empty()
        except BadInputError as exc:
            st.error(md_escape(str(exc)), icon=":material/error:")
    path = out_dir() / "fidelity.json"
    if path.exists():
        rep = json.loads(path.read_text(encoding="utf-8"))
        rows = pd.DataFrame(rep["rows"])
        st.subheader(ui.t("fid.results", when=rep["when"].replace("T", " "), n=rep["items"]))
        for col in ("distinct", "mean_len", "style_owner_rate", "kind", "facts_hit", "facts_recall", "memory_hit",
                    "memory_recall", "judge"):  # reports written before these columns existed
            if col not in rows:
                rows[col] = None
        rows["label"] = [row_label(r) for r in rows.to_dict("records")]
        for x in rep.get("skipped") or []:
            row = ui.t(f"fid.row.{x['kind']}", model=x["label"].split(":")[0])
            st.caption(ui.t("fid.skipped", label=md_escape(row), reason=md_escape(x["reason"])))
        st.dataframe(rows[["label", "n", "chrf", "distinct", "mean_len", "style_owner_rate", "style_distance",
                           "discriminator_accuracy", "pick_rate", "leaks", "probe_leaks"]].rename(columns={
                               "label": ui.t("fid.col.twin"), "n": ui.t("fid.col.n"), "chrf": ui.t("fid.col.chrf"),
                               "distinct": ui.t("fid.col.distinct"), "mean_len": ui.t("fid.col.len"),
                               "style_owner_rate": ui.t("fid.col.style_mine"),
                               "style_distance": ui.t("fid.col.style"), "discriminator_accuracy": ui.t("fid.col.disc"),
                               "pick_rate": ui.t("fid.col.pick"), "leaks": ui.t("fid.col.leaks"),
                               "probe_leaks": ui.t("fid.col.probes")}), hide_index=True, width="stretch")
        long = rows.melt("label", ["chrf", "style_distance", "pick_rate"], var_name="metric", value_name="value")
        long["metric"] = [ui.t(f"fid.metric.{m}") for m in long["metric"]]
        draw(long, {"mark": {"type": "bar", "color": ACCENT}, "encoding": {
            "x": field("value", "quantitative", scale={"domain": [0, 1]}), "y": field("label", "nominal"),
            "row": field("metric", "nominal"),
            "tooltip": [{"field": f, "type": k} for f, k in (("label", "nominal"), ("metric", "nominal"),
                                                            ("value", "quantitative"))]}}, height=70)
        st.subheader(ui.t("fid.scores"))
        judged = [j if isinstance(j, dict) else {} for j in rows["judge"]]
        st.dataframe(pd.DataFrame({
            ui.t("fid.col.twin"): rows["label"], ui.t("fid.col.style_chrf"): rows["chrf"].round(3),
            ui.t("fid.col.style_mine"): [pct(v) for v in rows["style_owner_rate"]],
            ui.t("fid.col.distinct"): [pct(v) for v in rows["distinct"]],
            ui.t("fid.col.facts"): [pct(v) for v in rows["facts_hit"]],
            ui.t("fid.col.facts_recall"): [pct(v) for v in rows["facts_recall"]],
            ui.t("fid.col.memory"): [pct(v) for v in rows["memory_hit"]],
            ui.t("fid.col.memory_recall"): [pct(v) for v in rows["memory_recall"]],
            ui.t("fid.col.judged"): [pct(j.get("judged_real_rate")) for j in judged],
            ui.t("fid.col.judge_real"): [pct(j.get("real_pick_rate")) for j in judged],
            ui.t("fid.col.no_answer"): [str(j.get("no_answer", "–")) for j in judged]}), hide_index=True,
            width="stretch")
        q = rep.get("questions") or {}
        st.caption(ui.t("fid.questions", facts=q.get("facts", 0), memory=q.get("memory", 0)))
        jk = (rep.get("judge") or {}).get("k") or k
        if rep.get("judge"):
            st.caption(ui.t("fid.judge_result", model=md_escape(rep["judge"]["model"]), k=jk, chance=f"{1 / jk:.0%}"))
        st.markdown(ui.t("fid.scores_explain", k=jk, chance=f"{1 / jk:.0%}"))
        if "style_detector" in rep:
            st.caption(ui.t("fid.baseline_note", len=rep.get("real_mean_len", 0),
                            rate=f"{rep['style_detector']['owner_rate_real']:.0%}",
                            acc=f"{rep['style_detector']['accuracy_held_out']:.0%}"))
        st.markdown(ui.t("fid.explain"))
        st.download_button(ui.t("fid.download"), (out_dir() / "fidelity.md").read_text(encoding="utf-8"),
                           file_name="fidelity.md", icon=":material/download:")
