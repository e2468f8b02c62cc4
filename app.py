"""MeTwin: the Streamlit entry point. Run with ``streamlit run app.py``.

This file only routes: it draws the shared frame (sidebar with language and workspace), builds the menu with
``st.navigation`` and runs the chosen page. Pages are thin scripts in ``pages/``; all logic lives in ``lib/``.
"""
import streamlit as st

from lib import demo
from pages import PageDef, frame, legacy_run, nav_pages, reroute, routed

# The menu, by section (i18n keys). Adding a page is one line; the page's URL is its file stem (/import_chats).
FULL: dict[str, list[PageDef]] = {
    "nav.workspace": [
        PageDef("pages/home.py", "page.home", ":material/home:", default=True),
        PageDef("pages/import_chats.py", "page.import", ":material/upload_file:"),
    ],
    "nav.prepare": [
        PageDef("pages/redaction.py", "page.redaction", ":material/shield_person:"),
        PageDef("pages/curation.py", "page.curation", ":material/content_cut:"),
        PageDef("pages/labelling.py", "page.labelling", ":material/mood:"),
        PageDef("pages/traits.py", "page.traits", ":material/psychology:"),
    ],
    "nav.dataset": [
        PageDef("pages/persona.py", "page.persona", ":material/badge:"),
        PageDef("pages/export.py", "page.export", ":material/dataset:"),
        PageDef("pages/statistics.py", "page.statistics", ":material/bar_chart:"),
    ],
    "nav.twin": [
        PageDef("pages/train.py", "page.train", ":material/model_training:"),
        PageDef("pages/chat.py", "page.chat", ":material/forum:"),
        PageDef("pages/who_said_it.py", "page.game", ":material/quiz:"),
        PageDef("pages/fidelity.py", "page.fidelity", ":material/analytics:"),
    ],
}
# Demo mode (python -m lib demo): friends get the chat page and nothing else.
DEMO: dict[str, list[PageDef]] = {"nav.twin": [PageDef("pages/chat.py", "page.chat", ":material/forum:", default=True),
                                                PageDef("pages/who_said_it.py", "page.game", ":material/quiz:")]}
SECTIONS = DEMO if demo.enabled() else FULL


def main() -> None:
    if legacy_run():  # a fresh server's first request: Streamlit runs pages/ in legacy mode (see pages/__init__.py)
        reroute(SECTIONS)
    st.session_state.pop("_rerouted", None)
    ui = frame()
    page = st.navigation(nav_pages(SECTIONS, ui.lang if ui else "en"), expanded=True)  # every page visible
    with routed(ui):
        page.run()


if __name__ == "__main__":
    main()
