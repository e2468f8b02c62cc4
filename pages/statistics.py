"""Statistics: from raw messages to exported records, with the figures that say whether the dataset sounds like its
owner. Every chart draws an aggregate computed in ``lib/stats.py``; no raw rows are charted.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.export import ExportOptions, cached_records
from lib.stats import export_stats_of, workspace_stats
from pages import ACCENT, guard, render_funnel, require_messages, setup
from pages.components.charts import draw, field, tip

ui = setup()  # first statement of every page: sends a run that bypassed app.py through it

THEIRS = "#9bb8b2"
BAR_STEP = 24  # pixels per horizontal bar: room for every label
# What the page draws, one section at a time (i18n keys of their headings): every chart on one page cost a new tab
# about a second in the browser on the reference machine, and the workspace figures are only read for a section
# that shows them.
SECTIONS = ("home.funnel", "stat.over_time", "stat.emotions", "stat.pii", "stat.habits")
ss = st.session_state


def bars(df: pd.DataFrame, x: str, y: str, height: int = 220, horizontal: bool = False, color=ACCENT,
         percent: bool = False) -> None:
    """One bar per row. Horizontal bars get a fixed step per bar, so every bar keeps its label (a fixed height made
    Vega drop every other overlapping label); field names show translated in axes and tooltips."""
    if df.empty:
        st.caption(ui.t("tr.none"))
        return
    fmt = "%" if percent else ",d"
    tips = [tip(x, "nominal", ui.t(f"chart.{x}")), tip(y, "quantitative", ui.t(f"chart.{y}"),
                                                       ".0%" if percent else ",")]
    if horizontal:
        enc = {"y": field(x, "nominal", sort="-x", axis={"labelLimit": 220, "labelOverlap": False}),
               "x": field(y, "quantitative", axis={"format": fmt})}
        height = max(height, BAR_STEP * len(df) + 30)
    else:
        enc = {"x": field(x, "nominal", sort=None, axis={"labelOverlap": False, "labelAngle": 0}),
               "y": field(y, "quantitative", axis={"format": fmt})}
    draw(df, {"mark": {"type": "bar", "color": color}, "encoding": {**enc, "tooltip": tips}}, height=height)


def two_sided(df: pd.DataFrame, x: str, height: int = 220, line: bool = False) -> None:
    """Mine vs theirs side by side (the columns ``mine`` and ``theirs`` of ``df``). The legend sits above the chart:
    at the right it was cut off in a half-width column, the longer Chinese labels first."""
    me, them = ui.t("stat.mine"), ui.t("stat.theirs")
    long = df.rename(columns={"mine": me, "theirs": them}).melt(x, [me, them], var_name="side", value_name="n")
    # Months stay "2024-05" strings on an ordinal axis: a time axis would print English month names in any language.
    enc = {"x": field(x, "ordinal" if line else "nominal", sort=None,
                      axis={"labelAngle": 0 if not line else -45, "labelOverlap": True}),
           "y": field("n", "quantitative"),
           "color": field("side", "nominal", scale={"domain": [me, them], "range": [ACCENT, THEIRS]},
                          legend={"orient": "top", "labelLimit": 0}),
           "tooltip": [tip(x, "nominal", ui.t(f"chart.{x}")), tip("side", "nominal", ui.t("chart.side")),
                       tip("n", "quantitative", ui.t("chart.n"), ",")]}
    if line:
        mark = {"type": "line", "point": True}
    else:
        mark = {"type": "bar"}
        enc["xOffset"] = {"field": "side", "type": "nominal"}
    draw(long, {"mark": mark, "encoding": enc}, height=height)


def export_figures(ws) -> dict:
    recs, report, _ = cached_records(ws, ExportOptions())
    return {**export_stats_of(recs), "left_out": dict(report.dropped), "conversations": report.conversations}


def records_section(e: dict) -> None:
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


def time_section(w: dict) -> None:
    left, right = st.columns(2, gap="large")
    with left:
        st.subheader(ui.t("stat.over_time"))
        monthly = pd.DataFrame(w["monthly"])
        if len(monthly):
            two_sided(monthly, "month", line=True)
        else:
            st.caption(ui.t("tr.none"))
    with right:
        st.subheader(ui.t("stat.per_chat"))
        bars(pd.DataFrame(w["per_chat"]), "chat", "messages", height=240, horizontal=True)


def emotions_section(w: dict) -> None:
    st.subheader(ui.t("stat.emotions"))
    emo = w["emotion_labels"]
    if not emo:
        st.caption(ui.t("tr.none"))
        return
    lab, sug = ui.t("lab.count.labelled"), ui.t("stat.suggested")
    names = [ui.term("label.emotion", k) for k in emo]  # 开心, 难过… in the Chinese UI
    long = pd.DataFrame({"emotion": names * 2, "status": [lab] * len(emo) + [sug] * len(emo),
                         "n": [v["labelled"] for v in emo.values()] + [v["suggested"] for v in emo.values()]})
    draw(long, {"mark": "bar", "encoding": {
        "y": field("emotion", "nominal", sort="-x", axis={"labelOverlap": False}),
        "x": {"field": "n", "type": "quantitative", "aggregate": "sum", "title": None},
        "color": field("status", "nominal", scale={"domain": [lab, sug], "range": [ACCENT, THEIRS]},
                       legend={"orient": "top", "labelLimit": 0}),
        "tooltip": [tip("emotion", "nominal", ui.t("chart.emotion")), tip("status", "nominal", ui.t("chart.status")),
                    tip("n", "quantitative", ui.t("chart.n"))]}}, height=max(220, BAR_STEP * len(emo) + 40))


def pii_section(w: dict) -> None:
    st.subheader(ui.t("stat.pii"))
    bars(pd.DataFrame({"kind": [ui.term("pii.kind", k) for k in w["pii_by_kind"]],
                       "hits": list(w["pii_by_kind"].values())}), "kind", "hits", horizontal=True)


def habits_section(w: dict) -> None:
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


st.title(ui.t("stat.title"))
st.caption(ui.t("stat.caption"))

with guard(ui):
    ws = ui.ws
    require_messages(ui)
    with st.spinner(ui.t("stat.computing")):
        e = export_figures(ws)  # first: it brings the redaction scan up to date, which the PII counts read
    cols = st.columns(5)
    for col, (key, value) in zip(cols, [("stat.records", e["records"]), ("stat.my_turns", e["turns"]["mine"]),
                                        ("stat.my_chars", e["characters"]["mine"]),
                                        ("stat.tokens", e["tokens_estimate"]),
                                        ("stat.val", e["splits"].get("val", 0))]):
        col.metric(ui.t(key), f"{int(value):,}", border=True)
    st.caption(ui.t("stat.defaults"))
    if ss.get("stat_view") not in SECTIONS:
        ss["stat_view"] = SECTIONS[0]
    view = st.segmented_control(ui.t("stat.title"), SECTIONS, key="stat_view", format_func=ui.t,
                                label_visibility="collapsed") or SECTIONS[0]
    if view == SECTIONS[0]:
        records_section(e)
    else:
        with st.spinner(ui.t("stat.computing")):
            w = ws.cached("stats.workspace", lambda: workspace_stats(ws))
        {"stat.over_time": time_section, "stat.emotions": emotions_section, "stat.pii": pii_section,
         "stat.habits": habits_section}[view](w)
