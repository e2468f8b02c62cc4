""""Who said it?": a real context, two replies (the owner's and the twin's, shuffled), pick the real one. A running
score for the player and the twin's fooling rate over every answer, with a confidence interval. Also in demo mode.
"""
from __future__ import annotations

import streamlit as st

from lib import chat as chat_lib
from lib import demo, persona
from lib.chat.base import ChatParams
from lib.chat.emoji import to_unicode
from lib.errors import BadInputError
from lib.settings import CHAT_BACKEND
from lib.eval import game
from pages import bubble_html, guard, md_escape, secret, setup

ui = setup()  # first statement of every page: sends a run that bypassed app.py through it

ss = st.session_state
ROUND = 10


def deal() -> None:
    """A new round: contexts from held-out conversations. The twin answers each one when it comes on screen
    (:func:`current`), not all ten before the first shows: a new tab waited for ten replies."""
    seen = ss.get("game_seen", [])  # earlier rounds of this session: their answers must not show up as context
    rnd = ss.get("game_round", 0)
    ss["game_items"] = game.items(ui.ws, ROUND, seed=rnd, demo=demo.enabled(), seen=seen)
    ss["game_seen"] = [*seen, *ss["game_items"]]
    ss["game_pos"] = 0
    ss.setdefault("game_session", game.new_session())
    ss["game_round"] = rnd + 1
    ss["game_backend"] = twin()[0].name


def twin() -> tuple:
    """This round's backend and its parameters, made once per round (the offline twin loads its index)."""
    if ss.get("_game_twin_round") != ss.get("game_round", 0):
        name = CHAT_BACKEND.get(ui.ws)
        backend = chat_lib.get_backend(name if name in tuple(chat_lib.REGISTRY) else "offline", ui.ws, secret)
        p = chat_lib.params(ui.ws)
        ss["_game_twin"] = (backend, ChatParams(p.temperature, p.top_p, p.max_tokens, p.history,
                                                persona.prompt(ui.ws)))
        ss["_game_twin_round"] = ss.get("game_round", 0)
    return ss["_game_twin"]


def current():
    """The item on screen, with the twin's reply. An item the twin cannot answer, or answers with the real reply
    word for word, is left out of the round, as before."""
    items = ss["game_items"]
    while ss["game_pos"] < len(items):
        it = items[ss["game_pos"]]
        if not it.twin:
            game.fill(it, *twin())
            if not it.twin or it.twin == it.real:
                items.pop(ss["game_pos"])
                continue
        return it
    return None


def answer(picked_real: bool) -> None:
    it = ss["game_items"][ss["game_pos"]]
    game.record(ui.ws, ss["game_session"], it, ss["game_backend"], picked_real, owner=not demo.enabled())
    ss["game_last"] = picked_real
    ss["game_pos"] += 1


def approve(key: str) -> None:
    game.approve(ui.ws, key, bool(ss[f"game_approve_{key}"]))


def bubble(text: str, who: str, mine: bool) -> str:
    return bubble_html(who, to_unicode(text), mine)


name = persona.twin_name(ui.ws)
st.title(ui.t("game.title"))
st.caption(ui.t("game.caption", name=md_escape(name)))

with guard(ui):
    if demo.enabled() and not ss.get("demo_ok"):
        st.info(ui.t("demo.ask"), icon=":material/lock:")
        st.page_link("pages/chat.py", label=ui.t("page.chat"), icon=":material/forum:")
        st.stop()
    if "game_items" not in ss:
        with st.spinner(ui.t("game.dealing")):
            try:
                deal()
            except BadInputError as exc:
                st.error(md_escape(ui.error_text(exc)), icon=":material/error:")
                st.stop()
    mine = game.score(ui.ws, session=ss["game_session"])
    everyone = game.score(ui.ws, backend=ss["game_backend"], players_only=True)  # the owner knows the answers
    c1, c2, c3 = st.columns(3)
    c1.metric(ui.t("game.you"), f"{mine['found_real']} / {mine['answers']}", border=True)
    lo, hi = everyone["ci95"]
    c2.metric(ui.t("game.fooling"), f"{everyone['fooling_rate']:.0%}", border=True,
              help=ui.t("game.fooling_help", lo=f"{lo:.0%}", hi=f"{hi:.0%}", n=everyone["answers"]))
    c3.metric(ui.t("game.players"), f"{everyone['sessions']:,}", border=True)
    if "game_last" in ss:
        if ss.pop("game_last"):
            st.success(ui.t("game.right"), icon=":material/task_alt:")
        else:
            st.warning(ui.t("game.wrong", name=md_escape(name)), icon=":material/smart_toy:")
    with st.spinner(ui.t("game.dealing")):
        it = current()
    items = ss["game_items"]
    if not items:
        st.info(ui.t("game.no_items"), icon=":material/hourglass_empty:")
        st.stop()
    if it is None:
        st.success(ui.t("game.done", n=len(items)), icon=":material/celebration:")
        if st.button(ui.t("game.again"), type="primary", icon=":material/replay:"):
            ss.pop("game_items")
            st.rerun()
        st.stop()
    st.caption(ui.t("game.position", pos=ss["game_pos"] + 1, total=len(items)))
    with st.container(border=True):
        st.markdown(f"**{ui.t('game.context')}**")
        st.html("".join(bubble(m["content"], ui.t("game.them") if m["role"] == "user" else ui.t("game.owner"),
                               m["role"] == "assistant") for m in it.visible))
        if it.hidden:
            st.caption(ui.t("game.owner_only", name=md_escape(name)))
        first, second = (it.real, it.twin) if it.real_first else (it.twin, it.real)
        # Bubbles in one row, buttons in the next: a longer reply above one button no longer pushes it below the other.
        a, b = st.columns(2)
        with a:
            st.markdown("**A**")
            st.html(bubble(first, "A", True))
        with b:
            st.markdown("**B**")
            st.html(bubble(second, "B", True))
        a, b = st.columns(2, vertical_alignment="top")
        a.button(ui.t("game.pick", letter="A", name=md_escape(name)), key="game_a", type="primary", shortcut="A",
                 on_click=answer, args=(it.real_first,), width="stretch")
        b.button(ui.t("game.pick", letter="B", name=md_escape(name)), key="game_b", type="primary", shortcut="B",
                 on_click=answer, args=(not it.real_first,), width="stretch")
    if not demo.enabled():  # the owner decides which contexts friends may see in demo mode
        st.toggle(ui.t("game.approve"), value=it.key in game.approved(ui.ws), key=f"game_approve_{it.key}",
                  help=ui.t("game.approve_help"), on_change=approve, args=(it.key,))
