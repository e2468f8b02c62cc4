"""Persona: the twin's name (asked once; never redacted) and its system prompt, written from a template filled by the
trait card and the mined habits, with a live preview (as it will be exported: redacted around the twin's name) and
per-chat relationship notes. Saving records a version; every export records the version it used.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import persona
from lib.errors import BadInputError
from lib.pii.redactor import Redactor
from pages import guard, md_escape, require_messages, setup

ui = setup()  # first statement of every page: sends a run that bypassed app.py through it

ss = st.session_state
AUTO_SCAN = 50_000  # as on the Redaction page: a bigger backlog waits for that page's button


def redactor(ws) -> Redactor:
    """The export's redactor, so the preview shows exactly what an export writes (scanning a small backlog first)."""
    from lib.pii.store import PiiStore

    store = PiiStore(ws)
    if not store.is_current() and store.pending_messages() <= AUTO_SCAN:
        store.scan()
    elif not store.is_current():
        st.caption(ui.t("per.scan_pending"))
    return Redactor(ws, scan=False)


def ask_name(ws) -> None:
    """Until the owner picks the twin's name: say what it is called now, and let them keep it in one click."""
    if persona.twin_name_chosen(ws):
        return
    current = persona.twin_name(ws)
    st.info(ui.t("per.name_ask", name=md_escape(current)), icon=":material/badge:")
    if st.button(ui.t("per.name_keep", name=md_escape(current)), key="per_name_keep", icon=":material/check:"):
        persona.set_name(ws, current)
        st.toast(ui.t("per.name_saved", name=md_escape(current)), icon=":material/check_circle:")
        st.rerun()


def editor(ws) -> str:
    ask_name(ws)
    with st.form("persona_form", border=False):
        name = st.text_input(ui.t("per.name"), persona.twin_name(ws), max_chars=persona.MAX_NAME,
                             help=ui.t("per.name_help"))
        text = st.text_area(ui.t("per.template"), persona.template(ws), height=300,
                            help=ui.t("per.template_help", fields=", ".join(f"{{{f}}}" for f in persona.FIELDS)))
        c1, c2 = st.columns(2)
        save = c1.form_submit_button(ui.t("per.save"), type="primary", icon=":material/save:")
        reset = c2.form_submit_button(ui.t("per.reset"), icon=":material/restart_alt:")
    if save:
        try:
            persona.set_name(ws, name)
            persona.set_template(ws, text)
            v = persona.save_version(ws)
            st.toast(ui.t("per.saved", v=v.id), icon=":material/check_circle:")
        except BadInputError as exc:
            st.error(md_escape(ui.error_text(exc)), icon=":material/error:")
    if reset:
        persona.set_template(ws, None)
        st.rerun()
    return text


def preview(ws) -> None:
    chats = ws.chats()
    names = {int(r.id): r.name for r in chats.itertuples()}
    chat = st.selectbox(ui.t("per.preview_for"), [None, *names], key="per_chat",
                        format_func=lambda c: ui.t("per.no_chat") if c is None else names.get(c, str(c)))
    try:
        text = persona.prompt(ws, chat, redact=redactor(ws).text)  # as an export writes it: the twin's name kept
    except BadInputError as exc:
        st.error(md_escape(ui.error_text(exc)), icon=":material/error:")
        return
    st.caption(ui.t("per.preview_help"))
    st.code(text, language=None, wrap_lines=True)


def relationships(ws) -> None:
    st.subheader(ui.t("per.relationships"))
    st.caption(ui.t("per.relationships_help"))
    chats = ws.chats()
    notes = persona.relationships(ws)
    df = pd.DataFrame({"id": chats["id"].astype(int), ui.t("lab.f.chat"): chats["name"],
                       ui.t("per.note"): [notes.get(int(i), "") for i in chats["id"]]})
    key = f"per_rel_{ss.get('per_rel_v', 0)}"
    st.data_editor(df, key=key, hide_index=True, width="stretch", num_rows="fixed", column_order=df.columns[1:],
                   disabled=[ui.t("lab.f.chat")],
                   column_config={ui.t("per.note"): st.column_config.TextColumn(width="large", max_chars=500)})
    edits = (ss.get(key) or {}).get("edited_rows", {})
    if edits:
        for pos, change in edits.items():
            if ui.t("per.note") in change:
                persona.set_relationship(ws, int(df.iloc[int(pos)]["id"]), change[ui.t("per.note")] or "")
        ss["per_rel_v"] = ss.get("per_rel_v", 0) + 1
        st.toast(ui.t("per.notes_saved"), icon=":material/check_circle:")
        st.rerun()


def history(ws) -> None:
    versions = persona.versions(ws)
    red = Redactor(ws, scan=False)
    with st.expander(ui.t("per.versions", n=len(versions)), icon=":material/history:"):
        if not versions:
            st.caption(ui.t("per.no_versions"))
        for v in versions:
            st.markdown(f"**v{v.id}** · {v.created.replace('T', ' ')} · {md_escape(v.name)}")
            st.code(persona.shown_prompt(v.prompt, v.name, red.text), language=None, wrap_lines=True)


st.title(ui.t("per.title"))
st.caption(ui.t("per.caption"))

with guard(ui):
    ws = ui.ws
    require_messages(ui)
    left, right = st.columns(2, gap="large")
    with left:
        editor(ws)
        st.page_link("pages/traits.py", label=ui.t("per.go_traits"), icon=":material/psychology:")
    with right:
        st.subheader(ui.t("per.preview"))
        preview(ws)
        history(ws)
    relationships(ws)
