"""Statistics: from raw messages to exported records, with the figures that say whether the dataset sounds like its
owner. Every chart draws an aggregate computed in ``lib/stats.py``; no raw rows are charted.
"""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from lib.export import ExportOptions, cached_records
from lib.stats import export_stats_of, workspace_stats
from pages import ACCENT, guard, render_funnel, require_messages, setup

ui = setup()  # first statement of every page: sends a run that bypassed app.py through it

THEIRS = "#9bb8b2"
BAR_STEP = 24  # pixels per horizontal bar: room for every label


def bars(df: pd.DataFrame, x: str, y: str, height: int = 220, horizontal: bool = False, color=ACCENT,
         percent: bool = False) -> None:
    """One bar per row. Horizontal bars get a fixed step per bar, so every bar keeps its label (a fixed height made
    Vega drop every other overlapping label); field names show translated in axes and tooltips."""
    if df.empty:
        st.caption(ui.t("tr.none"))
        return
    fmt = "%" if percent else ",d"
    tip = [alt.Tooltip(f"{x}:N", title=ui.t(f"chart.{x}")),
           alt.Tooltip(f"{y}:Q", title=ui.t(f"chart.{y}"), format=".0%" if percent else ",")]
    if horizontal:
        enc = dict(y=alt.Y(f"{x}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220, labelOverlap=False)),
                   x=alt.X(f"{y}:Q", title=None, axis=alt.Axis(format=fmt)))
        height = max(height, BAR_STEP * len(df) + 30)
    else:
        enc = dict(x=alt.X(f"{x}:N", sort=None, title=None, axis=alt.Axis(labelOverlap=False, labelAngle=0)),
                   y=alt.Y(f"{y}:Q", title=None, axis=alt.Axis(format=fmt)))
    st.altair_chart(alt.Chart(df).mark_bar(color=color).encode(**enc, tooltip=tip).properties(height=height),
                    width="stretch")


def two_sided(df: pd.DataFrame, x: str, height: int = 220, line: bool = False) -> None:
    """Mine vs theirs side by side (the columns ``mine`` and ``theirs`` of ``df``). The legend sits above the chart:
    at the right it was cut off in a half-width column, the longer Chinese labels first."""
    me, them = ui.t("stat.mine"), ui.t("stat.theirs")
    long = df.rename(columns={"mine": me, "theirs": them}).melt(x, [me, them], var_name="side", value_name="n")
    scale = alt.Scale(domain=[me, them], range=[ACCENT, THEIRS])
    # Months stay "2024-05" strings on an ordinal axis: a time axis would print English month names in any language.
    xenc = alt.X(f"{x}:O" if line else f"{x}:N", sort=None, title=None,
                 axis=alt.Axis(labelAngle=0 if not line else -45, labelOverlap=True))
    base = alt.Chart(long).encode(x=xenc, y=alt.Y("n:Q", title=None),
                                  color=alt.Color("side:N", scale=scale, title=None,
                                                  legend=alt.Legend(orient="top", labelLimit=0)),
                                  tooltip=[alt.Tooltip(f"{x}:N", title=ui.t(f"chart.{x}")),
                                           alt.Tooltip("side:N", title=ui.t("chart.side")),
                                           alt.Tooltip("n:Q", title=ui.t("chart.n"), format=",")])
    chart = base.mark_line(point=True) if line else base.mark_bar().encode(xOffset="side:N")
    st.altair_chart(chart.properties(height=height), width="stretch")


def export_figures(ws) -> dict:
    recs, report, _ = cached_records(ws, ExportOptions())
    return {**export_stats_of(recs), "left_out": dict(report.dropped), "conversations": report.conversations}


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
            st.dataframe(pd.DataFrame({ui.t("exp.left_out"): [ui.term("left", r) for r in e["left_out"]],
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
            names = [ui.term("label.emotion", k) for k in emo]  # 开心, 难过… in the Chinese UI
            long = pd.DataFrame({"emotion": names * 2, "status": [lab] * len(emo) + [sug] * len(emo),
                                 "n": [v["labelled"] for v in emo.values()] + [v["suggested"] for v in emo.values()]})
            st.altair_chart(alt.Chart(long).mark_bar().encode(
                y=alt.Y("emotion:N", title=None, sort="-x", axis=alt.Axis(labelOverlap=False)),
                x=alt.X("sum(n):Q", title=None),
                color=alt.Color("status:N", scale=alt.Scale(domain=[lab, sug], range=[ACCENT, THEIRS]), title=None,
                                legend=alt.Legend(orient="top", labelLimit=0)),
                tooltip=[alt.Tooltip("emotion:N", title=ui.t("chart.emotion")),
                         alt.Tooltip("status:N", title=ui.t("chart.status")),
                         alt.Tooltip("n:Q", title=ui.t("chart.n"))]).properties(
                height=max(220, BAR_STEP * len(emo) + 40)), width="stretch")
        else:
            st.caption(ui.t("tr.none"))
        st.subheader(ui.t("stat.pii"))
        bars(pd.DataFrame({"kind": [ui.term("pii.kind", k) for k in w["pii_by_kind"]],
                           "hits": list(w["pii_by_kind"].values())}), "kind", "hits", horizontal=True)
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
                           "share": list(h["punctuation"].values())}), "habit", "share", horizontal=True,
             percent=True)
