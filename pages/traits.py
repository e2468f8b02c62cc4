"""Traits: how the owner talks, counted from their own messages, and the trait card they write about themselves.

The mined figures (phrases, emoji, stickers, punctuation, length, burstiness, hours) are aggregates computed in
``lib/persona/traits.py`` and cached; the page charts only those small tables.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.errors import BadInputError
from lib.persona.traits import TraitCard, cached_traits, load_card, save_card
from pages import ACCENT, guard, md_escape, require_messages, setup
from pages.components.charts import draw, field, tip

ui = setup()  # first statement of every page: sends a run that bypassed app.py through it

MBTI_TYPES = ["", *(a + b + c + d for a in "EI" for b in "SN" for c in "TF" for d in "JP")]
ss = st.session_state
BAR_STEP = 24  # pixels per horizontal bar: room for every label


def figures(tr) -> None:
    items = [
        ("tr.messages", f"{tr.messages:,}", None),
        ("tr.median_length", f"{tr.median_length:.0f}", "tr.median_length_help"),
        ("tr.per_turn", f"{tr.messages_per_turn:.2f}", "tr.per_turn_help"),
        ("tr.emoji", f"{tr.emoji_per_message:.2f}", "tr.emoji_help"),
        ("tr.stickers", f"{tr.sticker_share:.0%}", "tr.stickers_help"),
    ]
    for col, (key, value, help_key) in zip(st.columns(len(items)), items):
        col.metric(ui.t(key), value, help=ui.t(help_key) if help_key else None, border=True)


def top_table(title: str, rows: list[tuple[str, int]], col: str) -> None:
    st.markdown(f"**{title}**")
    if not rows:
        st.caption(ui.t("tr.none"))
        return
    st.dataframe(pd.DataFrame({col: [r[0] for r in rows], ui.t("tr.times"): [r[1] for r in rows]}),
                 hide_index=True, width="stretch")


def charts(tr) -> None:
    hours = pd.DataFrame({"hour": range(24), "messages": tr.active_hours})
    st.markdown(f"**{ui.t('tr.hours')}**")
    draw(hours, {"mark": {"type": "bar", "color": ACCENT}, "encoding": {
        "x": field("hour", "ordinal", ui.t("tr.hour"), axis={"labelAngle": 0}),
        "y": field("messages", "quantitative", ui.t("tr.count")),
        "tooltip": [tip("hour", "ordinal", ui.t("tr.hour")), tip("messages", "quantitative", ui.t("tr.count"))]}},
        height=180)
    if tr.punctuation:
        punct = pd.DataFrame({"habit": [ui.t(f"tr.punct.{k}") for k in tr.punctuation],
                              "share": list(tr.punctuation.values())})
        st.markdown(f"**{ui.t('tr.punctuation')}**")
        # A step per bar and no label overlap check: at a fixed 220 px Vega hid every other label.
        draw(punct, {"mark": {"type": "bar", "color": ACCENT}, "encoding": {
            "y": field("habit", "nominal", sort="-x", axis={"labelLimit": 260, "labelOverlap": False}),
            "x": field("share", "quantitative", ui.t("tr.share"), axis={"format": "%"}),
            "tooltip": [tip("habit", "nominal", ui.t("chart.habit")),
                        tip("share", "quantitative", ui.t("tr.share"), ".0%")]}},
            height=max(220, BAR_STEP * len(punct) + 40))


def card_form(tr) -> None:
    card = load_card(ui.ws, tr)
    st.subheader(ui.t("tr.card"))
    st.caption(ui.t("tr.card_help"))
    with st.form("tr_card"):
        personality = st.text_area(ui.t("tr.personality"), card.personality, placeholder=ui.t("tr.personality_ph"),
                                   max_chars=500)
        occupation = st.text_input(ui.t("tr.occupation"), card.occupation, max_chars=100)
        interests = st.text_input(ui.t("tr.interests"), ", ".join(card.interests), help=ui.t("tr.list_help"))
        types = MBTI_TYPES if card.mbti in MBTI_TYPES else [*MBTI_TYPES, card.mbti]  # keeps a saved "INFP-T"
        mbti = st.selectbox(ui.t("tr.mbti"), types, index=types.index(card.mbti), format_func=lambda x: x or "—")
        phrases = st.text_area(ui.t("tr.catchphrases"), "\n".join(card.catchphrases), help=ui.t("tr.catch_help"))
        if st.form_submit_button(ui.t("tr.save"), type="primary"):
            try:
                save_card(ui.ws, TraitCard(personality, occupation, interests, mbti, phrases.splitlines()))
                st.toast(ui.t("tr.saved"), icon=":material/check_circle:")
            except BadInputError as exc:
                st.error(md_escape(ui.error_text(exc)), icon=":material/error:")


st.title(ui.t("tr.title"))
st.caption(ui.t("tr.caption"))

with guard(ui):
    require_messages(ui)
    with st.spinner(ui.t("tr.mining")):
        tr = cached_traits(ui.ws)
    if not tr.messages:
        st.info(ui.t("tr.no_me"), icon=":material/person_search:")
        st.stop()
    figures(tr)
    left, right = st.columns([3, 2], gap="large")
    with left:
        charts(tr)
        a, b, c = st.columns(3)
        with a:
            top_table(ui.t("tr.phrases"), tr.top_phrases, ui.t("tr.phrase"))
        with b:
            top_table(ui.t("tr.top_emoji"), tr.top_emoji, ui.t("tr.emoji_col"))
        with c:
            top_table(ui.t("tr.top_bracket"), tr.top_bracket_emoji, ui.t("tr.sticker_col"))
    with right:
        card_form(tr)
