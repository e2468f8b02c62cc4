"""Statistics: from raw messages to exported records, with the figures that say whether the dataset sounds like its
owner. Every chart draws an aggregate computed in ``lib/stats.py``; no raw rows are charted.
"""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from lib.export import ExportOptions, cached_records
from lib.stats import export_stats, workspace_stats
from pages import ACCENT, guard, render_funnel, require_messages, setup

ui = setup()  # first statement of every page: sends a run that bypassed app.py through it

THEIRS = "#9bb8b2"


def bars(df: pd.DataFrame, x: str, y: str, height: int = 220, horizontal: bool = False, color=ACCENT) -> None:
    if df.empty:
        st.caption(ui.t("tr.none"))
        return
    enc = (dict(y=alt.Y(f"{x}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)), x=alt.X(f"{y}:Q", title=None))
           if horizontal else dict(x=alt.X(f"{x}:N", sort=None, title=None), y=alt.Y(f"{y}:Q", title=None)))
    st.altair_chart(alt.Chart(df).mark_bar(color=color).encode(**enc, tooltip=[x, y]).properties(height=height),
                    width="stretch")


def two_sided(df: pd.DataFrame, x: str, height: int = 220, line: bool = False) -> None:
    """Mine vs theirs side by side (the columns ``mine`` and ``theirs`` of ``df``)."""
    me, them = ui.t("stat.mine"), ui.t("stat.theirs")
    long = df.rename(columns={"mine": me, "theirs": them}).melt(x, [me, them], var_name="side", value_name="n")
    scale = alt.Scale(domain=[me, them], range=[ACCENT, THEIRS])
    base = alt.Chart(long).encode(x=alt.X(f"{x}:N" if not line else f"{x}:T", sort=None, title=None),
                                  y=alt.Y("n:Q", title=None), color=alt.Color("side:N", scale=scale, title=None),
                                  tooltip=[x, "side", "n"])
    chart = base.mark_line(point=True) if line else base.mark_bar().encode(xOffset="side:N")
    st.altair_chart(chart.properties(height=height), width="stretch")


def export_figures(ws) -> dict:
    recs, report, _ = cached_records(ws, ExportOptions())
    return {**export_stats(recs), "left_out": dict(report.dropped), "conversations": report.conversations}


st.title(ui.t("stat.title"))
st.caption(ui.t("stat.caption"))

with guard(ui):
    ws = ui.ws
    require_messages(ui)
    with st.spinner(ui.t("stat.computing")):
        e = export_figures(ws)  # first: it brings the redaction scan up to date, which the PII counts read
        w = ws.cached("stats.workspace", lambda: workspace_stats(ws))
    cols = st.columns(5)
    for col, (key, value) in zip(cols, [("stat.records", e["records"]), ("stat.my_turns", e["turns"]["mine"]),
                                        ("stat.my_chars", e["characters"]["mine"]),
                                        ("stat.tokens", e["tokens_estimate"]),
                                        ("stat.val", e["splits"].get("val", 0))]):
        col.metric(ui.t(key), f"{int(value):,}", border=True)
    st.caption(ui.t("stat.defaults"))
    left, right = st.columns(2, gap="large")
    with left:
        render_funnel(ui)
        if e["left_out"]:
            st.markdown(f"**{ui.t('stat.left_out')}**")
            st.dataframe(pd.DataFrame({ui.t("exp.left_out"): list(e["left_out"]),
                                       ui.t("exp.n"): list(e["left_out"].values())}), hide_index=True)
    with right:
        st.subheader(ui.t("stat.lengths"))
        two_sided(pd.DataFrame({"chars": e["length_bins"], "mine": e["length_hist"]["mine"],
                                "theirs": e["length_hist"]["theirs"]}), "chars")
        st.subheader(ui.t("stat.pairs"))
        bars(pd.DataFrame({"pairs": list(e["pairs_per_record"]), "records": list(e["pairs_per_record"].values())}),
             "pairs", "records", height=180)
    left, right = st.columns(2, gap="large")
    with left:
        st.subheader(ui.t("stat.over_time"))
        monthly = pd.DataFrame(w["monthly"])
        if len(monthly):
            two_sided(monthly, "month", line=True)
        st.subheader(ui.t("stat.per_chat"))
        bars(pd.DataFrame(w["per_chat"]), "chat", "messages", height=240, horizontal=True)
    with right:
        st.subheader(ui.t("stat.emotions"))
        emo = w["emotion_labels"]
        if emo:
            lab, sug = ui.t("lab.count.labelled"), ui.t("stat.suggested")
            long = pd.DataFrame({"emotion": list(emo) * 2, "status": [lab] * len(emo) + [sug] * len(emo),
                                 "n": [v["labelled"] for v in emo.values()] + [v["suggested"] for v in emo.values()]})
            st.altair_chart(alt.Chart(long).mark_bar().encode(
                y=alt.Y("emotion:N", title=None, sort="-x"), x=alt.X("sum(n):Q", title=None),
                color=alt.Color("status:N", scale=alt.Scale(domain=[lab, sug], range=[ACCENT, THEIRS]), title=None),
                tooltip=["emotion", "status", "n"]).properties(height=220), width="stretch")
        else:
            st.caption(ui.t("tr.none"))
        st.subheader(ui.t("stat.pii"))
        bars(pd.DataFrame({"kind": list(w["pii_by_kind"]), "hits": list(w["pii_by_kind"].values())}), "kind", "hits",
             horizontal=True)
    st.subheader(ui.t("stat.habits"))
    h = w["habits"]
    a, b, c = st.columns(3)
    with a:
        st.markdown(f"**{ui.t('tr.top_emoji')}**")
        st.dataframe(pd.DataFrame(h["top_emoji"], columns=[ui.t("tr.emoji_col"), ui.t("tr.times")]), hide_index=True)
    with b:
        st.markdown(f"**{ui.t('tr.top_bracket')}**")
        st.dataframe(pd.DataFrame(h["top_bracket_emoji"], columns=[ui.t("tr.emoji_col"), ui.t("tr.times")]),
                     hide_index=True)
    with c:
        st.markdown(f"**{ui.t('tr.punctuation')}**")
        bars(pd.DataFrame({"habit": [ui.t(f"tr.punct.{k}") for k in h["punctuation"]],
                           "share": list(h["punctuation"].values())}), "habit", "share", horizontal=True)
