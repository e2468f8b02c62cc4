"""The app's shell: the frame every page shares (sidebar, workspace, language), the router guard and shared renderers.

Why this lives in ``pages/__init__.py``: the design fixes the folder name ``pages/``, which Streamlit still treats as a
legacy multipage folder. Until some session has run ``st.navigation``, a fresh server that is first asked for a page
does not run ``app.py`` as the entry point: it builds a legacy menu from ``pages/*.py`` and runs the page file directly
(``/`` runs ``app.py`` as a page) -- ``streamlit/runtime/scriptrunner/script_runner.py: _mpa_v1``. That discovery
lists every ``*.py`` in ``pages/`` except names starting with ``.`` and ``__init__.py``; a leading underscore does
*not* hide a file. So shared Streamlit code can only live here (or outside ``pages/``) without becoming a page.

How a legacy run is repaired (:func:`reroute`): the first script that runs -- a page's :func:`setup`, which sees that
no router is around it, or ``app.py`` itself, which sees Streamlit's legacy flag -- calls ``st.navigation`` with the
real menu and ``st.rerun()`` before drawing anything. ``st.navigation`` switches the whole server out of legacy mode
for good, and the rerun comes back through ``app.py`` as the entry point, on the page that was asked for (a page's URL
is its file stem in both modes: :class:`PageDef` has no ``url_path``). Rerunning instead of drawing the page inside the
legacy run matters: Streamlit derives widget ids from the script that is running, so sidebar widgets drawn in a legacy
run would get other ids than in every later run and the user's first click on them would be lost.
"""
from __future__ import annotations

import html
import logging
import os
import re
import runpy
import threading
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import pandas as pd
import streamlit as st

from lib import demo
from lib.i18n import messages as i18n_messages
from lib.i18n import DEFAULT_LANG, LANGS, normalize_lang, t, term
from lib.importers import BadInputError
from lib.workspace import (Workspace, last_workspace, open_workspace, remember_workspace, valid_workspace_name,
                           workspace_names, workspaces_root)

ROOT = Path(__file__).resolve().parents[1]
APP_FILE = ROOT / "app.py"
ACCENT = "#4f7a74"  # theme.primaryColor in .streamlit/config.toml
_log = logging.getLogger("metwin.app")
LOGO = (  # inline SVG: no file to serve, nothing fetched
    '<svg xmlns="http://www.w3.org/2000/svg" width="132" height="32" viewBox="0 0 132 32">'
    '<circle cx="13" cy="16" r="10" fill="#4f7a74"/><circle cx="25" cy="16" r="10" fill="#9bb8b2" fill-opacity="0.8"/>'
    '<text x="42" y="22.5" font-family="sans-serif" font-size="20" font-weight="600" '
    'fill="#2f3437">MeTwin</text></svg>')
# The browser tab's icon. An emoji, as every page icon in app.py: Streamlit draws those as inline SVG, while a
# ":material/...:" favicon is fetched from fonts.gstatic.com (the app contacts no host but itself).
APP_ICON = "💬"
_local = threading.local()


# ----- page registry --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PageDef:
    """One entry of the app's menu. ``file`` is relative to the repository root; its stem is the page's URL."""

    file: str
    title: str  # i18n key
    icon: str  # an emoji (see __post_init__)
    default: bool = False

    def __post_init__(self) -> None:
        if self.icon.startswith(":material"):  # the current page's icon becomes the favicon, fetched from Google
            raise ValueError(f"{self.file}: a page icon must be an emoji, not {self.icon!r}")

    @property
    def url(self) -> str:
        return "" if self.default else Path(self.file).stem


def nav_pages(sections: dict[str, list[PageDef]], lang: str) -> dict[str, list[st.Page]]:
    """``st.navigation`` input: translated section headers and titles; absolute paths so any caller resolves them."""
    return {t(section, lang): [st.Page(ROOT / p.file, title=t(p.title, lang), icon=p.icon, default=p.default)
                               for p in pages]
            for section, pages in sections.items()}


# ----- per-run frame ----------------------------------------------------------------------------------------------
@dataclass
class UI:
    """What a page gets from the frame: the language and this session's workspace."""

    lang: str
    ws: Workspace

    def t(self, key: str, **fmt) -> str:
        return t(key, self.lang, **fmt)

    def term(self, kind: str, value: str) -> str:
        return term(kind, value, self.lang)

    def error_text(self, err: BaseException) -> str:
        """A library error in this language: ``msg.<code>`` with its params, else the English ``str(err)``."""
        return i18n_messages.error_text(err, self.lang)

    def result_text(self, result: dict) -> str:
        """An import result (``FileResult`` as a dict) in this language, else its English message."""
        return i18n_messages.message(result.get("code"), result.get("params"), str(result.get("message", "")),
                                     self.lang)

    def note(self, note: str) -> str:
        """An import note, a redaction reason or a labelling cue: translated at display time (lib.i18n.messages)."""
        return i18n_messages.note_text(note, self.lang)

    def reason(self, reason: str) -> str:
        return i18n_messages.reason_text(reason, self.lang)

    def evidence(self, evidence: str) -> str:
        return i18n_messages.evidence_text(evidence, self.lang)


def frame() -> UI | None:
    """Page config and the shared sidebar (language switch, workspace picker). ``None`` if no workspace opens."""
    st.set_page_config(page_title="MeTwin", page_icon=APP_ICON, layout="wide",
                       initial_sidebar_state="expanded")
    st.logo(LOGO, size="large")
    lang = _language_switch()
    ws = _demo_workspace(lang) if demo.enabled() else _workspace_picker(lang)
    st.sidebar.caption(":material/lock: " + t("sidebar.privacy", lang))
    return UI(lang, ws) if ws is not None else None


def _language_switch() -> str:
    """English / 简体中文 in the sidebar; kept in the session and mirrored in the URL as ``?lang=zh``."""
    ss = st.session_state
    if ss.get("lang") not in LANGS:
        ss["lang"] = normalize_lang(st.query_params.get("lang"))
    lang = st.sidebar.radio(t("sidebar.language", "en"), list(LANGS), format_func=LANGS.get, key="lang",
                            horizontal=True) or DEFAULT_LANG
    if lang == DEFAULT_LANG:
        if "lang" in st.query_params:
            del st.query_params["lang"]
    elif st.query_params.get("lang") != lang:
        st.query_params["lang"] = lang
    return lang


@contextmanager
def routed(ui: UI | None) -> Iterator[None]:
    """Mark the page run inside as routed by ``app.py`` (see :func:`setup`)."""
    _local.ui = ui
    _local.routed = True
    try:
        yield
    finally:
        _local.routed = False
        _local.ui = None


def legacy_run() -> bool:
    """True while Streamlit runs scripts in legacy ``pages/`` mode (no session of this server ran st.navigation yet)."""
    try:  # Streamlit's own flag (no public API says whether this run is a legacy one)
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # gone in some future Streamlit: pages still reroute themselves through setup()
        return False
    return bool(getattr(PagesManager, "uses_pages_directory", False))


def reroute(sections: dict[str, list[PageDef]]) -> None:
    """Leave legacy mode: register the real menu (server-wide) and rerun this session through ``app.py``.

    Only once in a row: should a rerun still not come through the router, :func:`setup` runs ``app.py`` in place.
    """
    if st.session_state.pop("_rerouted", False):
        return
    st.session_state["_rerouted"] = True
    lang = st.session_state.get("lang") or normalize_lang(st.query_params.get("lang"))
    st.navigation(nav_pages(sections, lang if lang in LANGS else DEFAULT_LANG), expanded=True)
    st.rerun()


def setup() -> UI:
    """Call first on every page. Returns the frame; a page run without the router is sent through it (module doc)."""
    if not getattr(_local, "routed", False):
        app = runpy.run_path(str(APP_FILE), run_name="metwin_app")  # the menu only; main() runs as __main__
        reroute(app["SECTIONS"])  # ends this run (st.rerun) unless it already did once in a row
        st.session_state["_rerouted"] = True  # fallback: route in this very run; app.py must not reroute again
        app["main"]()
        st.stop()
    ui = _local.ui
    if ui is None:  # the workspace did not open: the frame already said why
        st.stop()
    return ui


@contextmanager
def guard(ui: UI) -> Iterator[None]:
    """Run a page body so that no exception reaches the browser: bad input as is, anything else as a calm message.

    Streamlit's own control flow (``st.rerun``, ``st.stop``) derives from BaseException and passes through.
    The server log gets the exception type and the stack, never its message: it may quote chat text.
    """
    try:
        yield
    except BadInputError as exc:
        st.error(md_escape(ui.error_text(exc)), icon=":material/error:")
    except Exception as exc:  # noqa: BLE001 - this is the last line of defence of a page
        _log.error("page error %s\n%s", type(exc).__name__, "".join(traceback.format_tb(exc.__traceback__)))
        st.error(ui.t("error.unexpected", kind=type(exc).__name__), icon=":material/error:")


def secret(name: str) -> str | None:
    """A key from ``.streamlit/secrets.toml`` or the environment, never from a file that gets exported or logged.
    ``st.secrets`` raises when there is no secrets file; that simply means "look in the environment"."""
    try:
        value = st.secrets.get(name)
    except Exception:  # noqa: BLE001 - no or unreadable secrets file
        value = None
    return str(value) if value else os.environ.get(name) or None


def require_messages(ui: UI) -> None:
    """Pages that work on messages: on an empty workspace, say so, point to the Import page and stop the run."""
    if ui.ws.is_empty():
        st.info(ui.t("common.empty"), icon=":material/upload_file:")
        st.page_link("pages/import_chats.py", label=ui.t("home.go_import"), icon=":material/arrow_forward:")
        st.stop()


# ----- chat text is data, never markup ------------------------------------------------------------------------------
# Three ways to show text that came from a chat, a file or a model, one per kind of element:
# - show_text / stream_text: a plain-text element (st.text). Message bodies go here: nothing in them is ever parsed.
# - text_html: escaped HTML, for bubbles composed with st.html. Tags and entities show as typed.
# - md_escape: for the few slots that only take Markdown (alerts, captions, labels, toasts). Escaping alone is not
#   enough there: GFM turns "http://…", "www.…" and "a@b.c" into links even when every character is escaped, so a
#   WORD JOINER (U+2060, invisible) is put before ":" and "@" and after "www" to break them.
_MD_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character: CommonMark escapes each with "\"
_AUTOLINK = re.compile(r"(?i)(?<=www)(?=\.)|(?=[:@])")
WORD_JOINER = "\u2060"


def md_escape(text: object) -> str:
    """Text shown through a Markdown-rendering element, inert: no emphasis, heading, code, link, image, HTML,
    entity, LaTeX, emoji shortcode or ``:color[...]`` directive; line breaks kept, leading indentation dropped."""
    lines = (_MD_PUNCT.sub(r"\\\1", _AUTOLINK.sub(WORD_JOINER, line.strip())) for line in str(text).splitlines())
    return "  \n".join(lines)


def show_text(text: object) -> None:
    """A message body (chat, file or model text) as a plain-text element: wraps, keeps line breaks, parses nothing."""
    st.text(str(text))


def stream_text(chunks: Iterable[str]) -> str:
    """``st.write_stream`` without its Markdown: each chunk grows one plain-text element. Returns the whole text."""
    slot = st.empty()
    shown = ""
    for chunk in chunks:
        shown += chunk
        slot.text(shown)
    return shown


def text_html(text: object) -> str:
    """Text for an ``st.html`` composition: every tag, entity and quote escaped, line breaks as ``<br>``."""
    return html.escape(str(text)).replace("\r\n", "\n").replace("\n", "<br>")


def bubble_html(who: str, text: str, mine: bool, focus: bool = False) -> str:
    """One chat bubble (mine on the right) for ``st.html``; ``focus`` outlines and enlarges the one being worked on."""
    bg = "#dcefe9" if mine else "#f1f3f5"
    border = f"border:2px solid {ACCENT if focus else 'transparent'};"
    size = "font-size:1.15em;" if focus else "color:#374151;"
    align = "margin-left:auto;" if mine else ""
    return (f'<div style="max-width:78%;width:fit-content;margin:4px 0;{align}background:{bg};{border}'
            f'border-radius:10px;padding:6px 10px;overflow-wrap:anywhere;{size}">'
            f'<div style="font-size:0.75em;color:#6b7280">{text_html(who)}</div>{text_html(text)}</div>')


# ----- workspace picker -------------------------------------------------------------------------------------------
def _open(path: Path | None, lang: str) -> Workspace | None:
    try:
        if path is None:
            with st.spinner(t("sidebar.opening", lang)):
                return open_workspace()
        return open_workspace(path)
    except Exception as exc:  # noqa: BLE001 - a broken database must not take the app down
        _log.error("workspace error %s", type(exc).__name__)
        st.error(t("error.workspace", lang, path=str(path or workspaces_root()), kind=type(exc).__name__),
                 icon=":material/error:")
        return None


def _demo_workspace(lang: str) -> Workspace | None:
    """Demo mode: the owner's chosen workspace, no picker (friends must not browse or create workspaces)."""
    ss = st.session_state
    if ss.get("_ws") is None:
        ss["_ws"] = _open(demo.workspace_path(), lang)
    return ss["_ws"]


def _first_workspace() -> Path | None:
    """The workspace a new session opens: the URL's ``?ws=`` (a bookmark), else the last one used, else the default."""
    wanted = st.query_params.get("ws")
    if wanted and valid_workspace_name(wanted) and wanted in workspace_names():
        return workspaces_root() / wanted
    last = last_workspace()
    return workspaces_root() / last if last else None


def _workspace_picker(lang: str) -> Workspace | None:
    """The sidebar's workspace picker. The workspace is mirrored in the URL (``?ws=name``) and remembered as the last
    one used, so a reload, a bookmark or a new tab opens the owner's data, not the sample."""
    ss = st.session_state
    ws: Workspace | None = ss.get("_ws")
    if ws is None:
        ws = _open(_first_workspace(), lang)
        if ws is None:
            return None
        ss["_ws"] = ws
    pending = ss.pop("_ws_pending", None)
    if pending:
        ss["ws_pick"] = pending
        st.toast(t("sidebar.created", lang, name=pending), icon=":material/check_circle:")
    names = workspace_names()
    if ws.name not in names:
        names = sorted([*names, ws.name])
    if ss.get("ws_pick") not in names:
        ss["ws_pick"] = ws.name
    pick = st.sidebar.selectbox(t("sidebar.workspace", lang), names, key="ws_pick",
                                help=t("sidebar.workspace_help", lang))
    if pick and pick != ws.name:
        new = _open(workspaces_root() / pick, lang)
        if new is not None:
            ws.close()
            ws = ss["_ws"] = new
            remember_workspace(ws.name)
    if st.query_params.get("ws") != ws.name:
        st.query_params["ws"] = ws.name
    with st.sidebar.popover(t("sidebar.new", lang), icon=":material/add:"):
        with st.form("ws_new_form", border=False, clear_on_submit=True):
            name = st.text_input(t("sidebar.new_name", lang), key="ws_new_name", max_chars=64,
                                 help=t("sidebar.new_name_help", lang))
            if st.form_submit_button(t("sidebar.create", lang)):
                name = (name or "").strip()
                if not valid_workspace_name(name):
                    st.error(t("sidebar.bad_name", lang, name=name))
                else:
                    created = _open(workspaces_root() / name, lang)
                    if created is not None:
                        created.close()
                        ss["_ws_pending"] = name
                        st.rerun()
    return ws


# ----- shared renderers ---------------------------------------------------------------------------------------------
def funnel_frame(ui: UI) -> pd.DataFrame:
    rows = ui.ws.funnel()
    return pd.DataFrame({
        "order": range(len(rows)),
        "stage": [ui.term("funnel", name) for name, _ in rows],
        "count": [int(n) for _, n in rows],
    })


def render_funnel(ui: UI) -> None:
    """The yield funnel as a horizontal bar chart (counts at the bar ends), then the drop reasons table."""
    from pages.components.charts import draw, field, tip

    df = funnel_frame(ui)
    st.subheader(ui.t("home.funnel"), help=ui.t("home.funnel_help"))
    if df.empty:
        return
    stage, count = ui.t("funnel.stage"), ui.t("funnel.count")
    data = df.rename(columns={"stage": stage, "count": count})
    draw(data, {
        "encoding": {
            "y": field(stage, "nominal", sort={"field": "order"},
                       axis={"labelLimit": 320, "labelFontSize": 13, "ticks": False, "domain": False}),
            "x": field(count, "quantitative", axis=None, scale={"domainMin": 0, "nice": False}),
            "tooltip": [tip(stage, "nominal", stage), tip(count, "quantitative", count, ",")],
        },
        "layer": [
            {"mark": {"type": "bar", "color": ACCENT, "cornerRadiusEnd": 4, "height": 22}},
            {"mark": {"type": "text", "align": "left", "dx": 6, "fontSize": 13, "color": "#2f3437"},
             "encoding": {"text": {"field": count, "type": "quantitative", "format": ","}}},
        ],
        "config": {"view": {"stroke": None}},
    }, height=44 * len(df) + 10)
    render_drop_reasons(ui)


def render_drop_reasons(ui: UI) -> None:
    st.markdown(f"**{ui.t('home.reasons')}**")
    df = ui.ws.drop_reasons()
    if df.empty:
        st.caption(ui.t("home.no_reasons"))
        return
    out = pd.DataFrame({
        ui.t("reasons.level"): [ui.term("level", v) for v in df["level"]],
        ui.t("reasons.reason"): [ui.term("reason", v) for v in df["reason"]],
        ui.t("reasons.items"): df["items"].astype(int),
        ui.t("reasons.messages"): df["messages"].fillna(0).astype(int),
    })
    st.dataframe(out, hide_index=True, width="stretch")


def family_label(ui: UI, family: str) -> str:
    return ui.term("family", family)
