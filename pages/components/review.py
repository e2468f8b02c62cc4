"""The review queue view the labelling, curation and redaction pages share (logic: :mod:`lib.review`).

A page declares its actions (key, label, handler) and draws its card; this view draws the position, the action
buttons, the browser key queue (``pages/assets/key_queue.js``: a press is never dropped and lands on the item that was
on screen), the flash, undo, the key help ("?"), the session's pace, the item's comment and the recent decisions, and
keeps the position and filters in the URL and the workspace so a reload comes back to the same item.
"""
from __future__ import annotations

import html
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import streamlit as st

from lib import review as rv
from pages import md_escape

ss = st.session_state
# One document-wide key listener per browser tab; no network, no markup from chat text.
key_queue = st.components.v2.component(
    "metwin_key_queue",
    js=(Path(__file__).resolve().parents[1] / "assets" / "key_queue.js").read_text(encoding="utf-8"),
    isolate_styles=False)


@dataclass
class Button:
    """How an action is drawn: its label, icon, widget key and look; ``row`` groups buttons on a line."""

    action: rv.Action
    label: str
    key: str
    icon: str | None = None
    primary: bool = False
    row: int = 0
    disabled: bool = False
    help: str | None = None


def moves(ui, prefix: str, undo: Callable, undoable: bool, words: str = "lab", row: int = 1,
          undo_widget: str | None = None) -> list[Button]:
    """The buttons every review page has, with the same keys everywhere: previous (K), next (J), undo (U) and the key
    list (?). ``words`` is the page's i18n prefix for their labels; ``prefix`` names their widgets."""
    return [
        Button(rv.Action("prev", "k", move="prev", decides=False), ui.t(f"{words}.prev"), f"{prefix}_prev",
               ":material/arrow_back:", row=row),
        Button(rv.Action("next", "j", move="next", decides=False), ui.t(f"{words}.next"), f"{prefix}_next",
               ":material/arrow_forward:", row=row),
        Button(rv.Action("undo", "u", undo, move="undo", decides=False), ui.t(f"{words}.undo"),
               undo_widget or f"{prefix}_undo", ":material/undo:", row=row, disabled=not undoable),
        Button(rv.Action("help", "?", move="help", decides=False), ui.t("rv.help"), f"{prefix}_help", row=row),
    ]


@dataclass
class Page:
    """What a review page hands the view."""

    name: str  # "labelling" | "curation" | "redaction": session, URL and setting names
    area: str  # its area in the shared undo log
    conn: Any
    ws: Any
    fetch: rv.Fetch
    buttons: Callable[[int | None], Sequence[Button]]  # the actions, drawn for the item on screen
    render: Callable[[int], None]  # draws the card of one item
    describe: Callable[[int], str]  # a short plain-text line for the history panel
    item_of: Callable[[str, dict], int | None]  # a logged row -> this page's item id
    remaining: int  # items still to decide (for the time left)
    filters: dict  # the current filter values (JSON): a change starts at the top of the queue
    position_text: Callable[[int, int], str]
    empty_text: str


def _state(page: Page) -> rv.Review:
    key = f"_rv_{page.name}"
    r: rv.Review | None = ss.get(key)
    if r is None:
        r = rv.Review(page.fetch, [])
        saved = rv.saved(page.ws, page.name)
        url = st.query_params.get(page.name)
        item = int(url) if url and str(url).isdigit() else saved["item"]
        r.item, r.pos = (int(item) if item is not None else None), int(saved["pos"] or 0)
        ss[f"_rv_{page.name}_sig"] = page.filters
        ss[key] = r
    r.fetch = page.fetch  # this run's queue and handlers: a key pressed on this screen is applied with them
    return r


def _arm(r: rv.Review, buttons: Sequence[Button]) -> None:
    actions = [b.action for b in buttons]
    r.actions = {a.name: a for a in actions}
    r.keys = {a.key: a for a in actions if a.key}


def restore_filters(name: str, ws, options: dict[str, Sequence | None]) -> None:
    """Before the filters are drawn, once per session: put the saved filter values back into their widgets."""
    ss[f"_rv_{name}_widgets"] = list(options)  # what show() saves, by widget key
    if ss.get(f"_rv_{name}_restored"):
        return
    ss[f"_rv_{name}_restored"] = True
    for key, value in rv.valid_filters(rv.saved(ws, name)["filters"], options).items():
        ss.setdefault(key, value)


def _outcomes(name: str, outs: list[rv.Outcome]) -> None:
    for o in outs:
        if o.flash:
            ss[f"_rv_{name}_flash"] = o.flash
        if o.help:
            ss[f"_rv_{name}_help"] = True


def _on_keys(name: str, widget: str) -> None:
    """The key queue sent presses: apply those not applied yet (before the rerun draws anything)."""
    r: rv.Review | None = ss.get(f"_rv_{name}")
    if r is None:
        return
    state = ss.get(widget) or {}  # the component's state: {"events": {"epoch", "events": [...]}}
    epoch, events = rv.parse_events(state.get("events") if isinstance(state, dict) else None)
    ss[f"_rv_{name}_epoch"] = epoch
    _outcomes(name, r.apply(epoch, events))


def _on_button(name: str, action: str, item: int | None) -> None:
    r: rv.Review | None = ss.get(f"_rv_{name}")
    if r is not None:
        _outcomes(name, [r.run(action, item)])


def _focus(name: str, item: int | None) -> None:
    r: rv.Review | None = ss.get(f"_rv_{name}")
    if r is not None:
        r.focus(item)


def _save_comment(name: str, area: str, conn, item: int, widget: str) -> None:
    rv.set_comment(conn, area, item, ss.get(widget, ""))
    ss[f"_rv_{name}_flash"] = ss.get(f"_rv_{name}_saved_word", "")


def _eta(ui, seconds: float) -> str:
    m = int(seconds // 60)
    return ui.t("rv.h", h=m // 60, m=m % 60) if m >= 60 else ui.t("rv.m", m=max(1, m))


@st.dialog(" ", width="medium")
def _help(ui, buttons: Sequence[Button]) -> None:
    st.markdown(f"#### {ui.t('rv.keys_title')}")
    moves = {"undo": "rv.key.undo", "next": "rv.key.next", "prev": "rv.key.prev", "help": "rv.key.help"}
    rows = [f"| `{b.action.key.upper() if b.action.key != '?' else '?'}` | "
            f"{ui.t(moves[b.action.move]) if b.action.move in moves else md_escape(b.label)} |"
            for b in buttons if b.action.key]
    st.markdown("| | |\n|---|---|\n" + "\n".join(rows))
    st.caption(ui.t("rv.help_note"))


def show(ui, page: Page) -> int | None:
    """Draw the queue for ``page``; returns the item on screen (None when the queue is empty)."""
    name = page.name
    r = _state(page)
    sig_key = f"_rv_{name}_sig"
    if ss.get(sig_key) != page.filters:
        ss[sig_key] = page.filters
        r.reset()
    if (goto := ss.pop(f"{name}_goto", None)) is not None:  # another view asked for an item (a table click)
        r.focus(int(goto))
    ss[f"_rv_{name}_saved_word"] = ui.t("rv.comment_saved")
    if msg := ss.pop(f"_rv_{name}_flash", None):
        st.toast(md_escape(msg), icon=":material/check_circle:")
    p = r.where()
    buttons = list(page.buttons(p.item))
    _arm(r, buttons)
    widget = f"{name}_keys"
    # A number per run, with a token of this session: the browser ignores the data of an older run that reaches it
    # after a newer one (a stale redraw would put its predicted card back on an item already decided).
    run = ss[f"_rv_{name}_run"] = ss.get(f"_rv_{name}_run", 0) + 1
    session = ss.setdefault("_rv_session", secrets.token_hex(8))
    data = {**r.client_data(p), "page": name, "run": run, "session": session}
    key_queue(key=widget, data=data, on_events_change=lambda: _on_keys(name, widget))
    if p.item is None:
        st.success(page.empty_text, icon=":material/task_alt:")
        undo = [b for b in buttons if b.action.move == "undo"]
        for b in undo:
            st.button(b.label, key=f"{b.key}_empty", icon=b.icon, disabled=b.disabled,
                      on_click=_on_button, args=(name, b.action.name, None))
    else:
        if p.in_queue:
            st.caption(page.position_text(p.pos + 1, p.total))
        else:
            c1, c2 = st.columns([4, 1], vertical_alignment="center")
            c1.caption(ui.t("rv.shown"))
            c2.button(ui.t("rv.back"), key=f"_rv_{name}_back", on_click=_focus, args=(name, None))
        with st.container(border=True):
            page.render(p.item)
            for row in sorted({b.row for b in buttons}):
                with st.container(horizontal=True):
                    for b in buttons:
                        if b.row != row or b.action.move == "help":
                            continue
                        hint = f"[{b.action.key.upper()}]" if b.action.key else None
                        st.button(b.label, key=b.key, icon=b.icon, type="primary" if b.primary else "secondary",
                                  disabled=b.disabled, help=" ".join(x for x in (hint, b.help) if x) or None,
                                  on_click=_on_button,
                                  args=(name, b.action.name, p.item))
                    if row == max(b.row for b in buttons) and any(b.action.move == "help" for b in buttons):
                        h = next(b for b in buttons if b.action.move == "help")
                        st.button(h.label, key=h.key, icon=":material/keyboard:", on_click=_on_button,
                                  args=(name, h.action.name, p.item))
        _comment(ui, page, p.item)
    _stats(ui, page, r)
    _history(ui, page, r)
    if ss.pop(f"_rv_{name}_help", False):
        _help(ui, buttons)
    widgets = {w: ss.get(w) for w in ss.get(f"_rv_{name}_widgets", [])}
    rv.save(page.ws, name, r.item, r.pos, widgets)
    want = str(r.item) if r.item is not None else None
    if st.query_params.get(name) != want:
        if want is None:
            del st.query_params[name]
        else:
            st.query_params[name] = want
    return p.item


def _comment(ui, page: Page, item: int) -> None:
    widget = f"_rv_{page.name}_comment_{item}"
    if widget not in ss:
        ss[widget] = rv.comment(page.conn, page.area, item)
    st.text_input(ui.t("rv.comment"), key=widget, max_chars=2000, help=ui.t("rv.comment_help"),
                  on_change=_save_comment, args=(page.name, page.area, page.conn, item, widget),
                  placeholder="…")


def _stats(ui, page: Page, r: rv.Review) -> None:
    s = r.stats
    text = ui.t("rv.stats", n=s.decided)
    rate, eta = s.per_hour(), s.eta_seconds(page.remaining)
    if rate and eta is not None:
        text += ui.t("rv.stats_rate", rate=rate, eta=_eta(ui, eta))
    st.caption(":material/speed: " + text)


def _history(ui, page: Page, r: rv.Review) -> None:
    items = rv.history(page.conn, page.area, page.item_of, limit=10)
    with st.expander(ui.t("rv.history"), icon=":material/history:", expanded=False):
        if not items:
            st.caption(ui.t("rv.history_empty"))
        for i, h in enumerate(items):
            first = h["items"][0]
            c1, c2 = st.columns([5, 1], vertical_alignment="center")
            more = " · " + ui.t("rv.more", n=h["n"] - 1) if h["n"] > 1 else ""
            c1.markdown(f"`{html.escape(h['at'][11:16] or '')}` " + md_escape(page.describe(first)) + more)
            c2.button(ui.t("rv.open"), key=f"_rv_{page.name}_hist_{i}", on_click=_focus, args=(page.name, first))
