"""Fidelity: does the twin sound like its owner? Measured on held-out conversations (never trained on) against
baselines, with the numbers explained. The report is saved in the workspace (``eval/fidelity.json`` and ``.md``).
"""
from __future__ import annotations

import json

import altair as alt
import pandas as pd
import streamlit as st

from lib import chat as chat_lib
from lib.errors import BadInputError
from lib.eval import holdout, report
from pages import ACCENT, guard, md_escape, secret, setup

ui = setup()  # first statement of every page: sends a run that bypassed app.py through it


def out_dir():
    return ui.ws.path / "eval"


st.title(ui.t("fid.title"))
st.caption(ui.t("fid.caption"))

with guard(ui):
    held = holdout.ids(ui.ws)
    c1, c2 = st.columns([2, 3], vertical_alignment="bottom")
    share = c1.slider(ui.t("fid.share"), 0.05, 0.3, 0.1, 0.05, key="fid_share")
    if c2.button(ui.t("fid.choose" if not held else "fid.rechoose"), icon=":material/lock_clock:"):
        held = holdout.choose(ui.ws, share)
    st.caption(ui.t("fid.held", n=len(held)) if held else ui.t("fid.none"))
    name = ui.ws.get_setting("chat.backend") or "offline"
    n = st.number_input(ui.t("fid.n"), 10, 2000, 200, 10, key="fid_n")
    if held and st.button(ui.t("fid.run", backend=ui.t(f"chat.backend.{name}")), type="primary",
                          icon=":material/analytics:"):
        try:
            backends = [(chat_lib.get_backend(name, ui.ws, secret), ui.t(f"chat.backend.{name}"))]
            if name != "offline":
                backends.append((chat_lib.get_backend("offline", ui.ws, secret), ui.t("fid.baseline_offline")))
            bar = st.progress(0.0)
            report.run(ui.ws, backends, n=int(n), out=out_dir(),
                       progress=lambda f, label: bar.progress(f, text=label))
            bar.empty()
        except BadInputError as exc:
            st.error(md_escape(str(exc)), icon=":material/error:")
    path = out_dir() / "fidelity.json"
    if path.exists():
        rep = json.loads(path.read_text(encoding="utf-8"))
        rows = pd.DataFrame(rep["rows"])
        st.subheader(ui.t("fid.results", when=rep["when"].replace("T", " "), n=rep["items"]))
        for col in ("distinct", "mean_len", "style_owner_rate"):  # reports written before these columns existed
            if col not in rows:
                rows[col] = None
        st.dataframe(rows[["label", "n", "chrf", "distinct", "mean_len", "style_owner_rate", "style_distance",
                           "discriminator_accuracy", "pick_rate", "leaks", "probe_leaks"]].rename(columns={
                               "label": ui.t("fid.col.twin"), "n": ui.t("fid.col.n"), "chrf": "chrF",
                               "distinct": ui.t("fid.col.distinct"), "mean_len": ui.t("fid.col.len"),
                               "style_owner_rate": ui.t("fid.col.style_mine"),
                               "style_distance": ui.t("fid.col.style"), "discriminator_accuracy": ui.t("fid.col.disc"),
                               "pick_rate": ui.t("fid.col.pick"), "leaks": ui.t("fid.col.leaks"),
                               "probe_leaks": ui.t("fid.col.probes")}), hide_index=True, width="stretch")
        long = rows.melt("label", ["chrf", "style_distance", "pick_rate"], var_name="metric", value_name="value")
        st.altair_chart(alt.Chart(long).mark_bar(color=ACCENT).encode(
            x=alt.X("value:Q", title=None, scale=alt.Scale(domain=[0, 1])), y=alt.Y("label:N", title=None),
            row=alt.Row("metric:N", title=None), tooltip=["label", "metric", "value"]).properties(height=70),
            width="stretch")
        if "style_detector" in rep:
            st.caption(ui.t("fid.baseline_note", len=rep.get("real_mean_len", 0),
                            rate=f"{rep['style_detector']['owner_rate_real']:.0%}",
                            acc=f"{rep['style_detector']['accuracy_held_out']:.0%}"))
        st.markdown(ui.t("fid.explain"))
        st.download_button(ui.t("fid.download"), (out_dir() / "fidelity.md").read_text(encoding="utf-8"),
                           file_name="fidelity.md", icon=":material/download:")
