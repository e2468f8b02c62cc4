"""MeTwin: the Streamlit entry point. Run with ``streamlit run app.py``.

This file only routes: it draws the shared frame (sidebar with language and workspace), builds the menu with
``st.navigation`` and runs the chosen page. Pages are thin scripts in ``pages/``; all logic lives in ``lib/``.
"""
from dataclasses import replace

import streamlit as st

from lib import demo
from pages import PageDef, frame, legacy_run, nav_pages, reroute, routed

# The menu, by section (i18n keys). Adding a page is one line; the page's URL is its file stem (/import_chats).
# Page icons are emoji, never ":material/...:": Streamlit makes the current page's icon the browser tab's icon, and a
# Material one is fetched from fonts.gstatic.com (tests/e2e/test_no_external_requests.py).
CHAT = PageDef("pages/chat.py", "page.chat", "💬")
GAME = PageDef("pages/who_said_it.py", "page.game", "🎭")
FULL: dict[str, list[PageDef]] = {
    "nav.workspace": [
        PageDef("pages/home.py", "page.home", "🏠", default=True),
        PageDef("pages/import_chats.py", "page.import", "📥"),
    ],
    "nav.prepare": [
        PageDef("pages/redaction.py", "page.redaction", "🛡️"),
        PageDef("pages/curation.py", "page.curation", "✂️"),
        PageDef("pages/labelling.py", "page.labelling", "🏷️"),
        PageDef("pages/traits.py", "page.traits", "🧠"),
    ],
    "nav.dataset": [
        PageDef("pages/persona.py", "page.persona", "🪪"),
        PageDef("pages/memory.py", "page.memory", "🧩"),
        PageDef("pages/export.py", "page.export", "📦"),
        PageDef("pages/statistics.py", "page.statistics", "📊"),
    ],
    "nav.twin": [
        PageDef("pages/train.py", "page.train", "🏋️"),
        CHAT,
        GAME,
        PageDef("pages/fidelity.py", "page.fidelity", "📈"),
    ],
}
# Demo mode (python -m lib demo): friends get the chat page and nothing else.
DEMO: dict[str, list[PageDef]] = {"nav.twin": [replace(CHAT, default=True), GAME]}
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
