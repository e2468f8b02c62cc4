"""Redaction review: each detected value once, its before/after in context, decisions saved the moment they are made.

Exports replace every detection that is not rejected (unreviewed ones included), so this page is about precision:
rejecting what is not private, and choosing what the rest becomes.
"""
from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import streamlit as st

from lib.errors import WorkspaceBusy
from lib.pii.base import KINDS
from lib.pii import spans
from lib.pii.diff import Occurrence, card
from lib.pii.operators import MODES
from lib import review as rv
from lib.pii.store import AREA, STATUSES, PiiStore
from pages import guard, md_escape, require_messages, setup
from pages.components import review

ui = setup()  # first statement of every page: sends a run that bypassed app.py through it

AUTO_SCAN = 50_000  # unscanned messages the page scans by itself on opening; more waits for a click
TABLE_PAGE = 25
OCCURRENCES = 3  # messages shown per value on the card
VIEWS = ("review", "table", "terms", "settings")
ROLE_STYLE = {
    "before": {"focus": "background:#f9d6d5;text-decoration:line-through;border-radius:3px;padding:0 2px",
               "other": "background:#f3e7c9;border-radius:3px;padding:0 2px"},
    "after": {"focus": "background:#cfe9d6;font-weight:600;border-radius:3px;padding:0 2px",
              "other": "background:#e4eef0;border-radius:3px;padding:0 2px"},
}
SPAN_KEYS = (  # (edge, grow, shortcut, icon): one word at a time, on the first occurrence shown
    ("start", True, "Alt+Shift+Left", ":material/first_page:"),
    ("start", False, "Alt+Shift+Right", ":material/chevron_right:"),
    ("end", False, "Shift+Left", ":material/chevron_left:"),
    ("end", True, "Shift+Right", ":material/last_page:"),
)
ss = st.session_state
# Reports a text selection in the card's "Before" column (offsets into the message); no network, no markup.
select_text = st.components.v2.component(
    "metwin_pii_select", js=(Path(__file__).parent / "assets" / "select_text.js").read_text(encoding="utf-8"))


def store() -> PiiStore:
    return PiiStore(ui.ws)


# ----- scanning -------------------------------------------------------------------------------------------------------
def ensure_scanned(s: PiiStore) -> None:
    """Scan new messages on opening (small workspaces), or offer the button (big ones). A scan resumes if cut off."""
    if s.is_current():
        return
    pending = s.pending_messages()
    if pending <= AUTO_SCAN or ss.pop("_pii_scan_now", False):
        bar = st.progress(0.0, text=ui.t("pii.scanning", n=pending))
        try:
            report = s.scan(progress=lambda f, what: bar.progress(f, text=ui.t("pii.scanning", n=pending)))
        except WorkspaceBusy as exc:  # another tab's scan or an import: review what is found so far meanwhile
            bar.empty()
            st.warning(md_escape(str(exc)), icon=":material/hourglass_top:")
            return
        bar.empty()
        if report.scanned:
            st.toast(ui.t("pii.scanned", n=report.scanned, hits=report.hits, secs=f"{report.seconds:.1f}"),
                     icon=":material/search:")
    else:
        st.warning(ui.t("pii.scan_needed", n=pending), icon=":material/search:")
        if st.button(ui.t("pii.scan_now", n=pending), type="primary"):
            ss["_pii_scan_now"] = True
            st.rerun()
        st.stop()


def counters(s: PiiStore) -> None:
    c = s.counts()
    cols = st.columns(5)
    for col, key in zip(cols, ("pending", "accepted", "rejected", "skipped", "hits")):
        col.metric(ui.t(f"pii.count.{key}"), f"{c[key]:,}", border=True,
                   help=ui.t("pii.count.hits_help") if key == "hits" else None)
    done = c["accepted"] + c["rejected"]
    st.progress(done / c["values"] if c["values"] else 1.0,
                text=ui.t("pii.progress", done=done, total=c["values"]))


# ----- filters --------------------------------------------------------------------------------------------------------
def filters(s: PiiStore) -> dict:
    present = [k for k in KINDS if k in set(s.counts_by_kind()["kind"])]
    chats = ui.ws.chats()
    chat_names = {int(r.id): r.name for r in chats.itertuples()}
    review.restore_filters("redaction", ui.ws, {"pii_f_kind": present, "pii_f_status": list(STATUSES),
                                                "pii_f_score": None, "pii_f_chat": [None, *chat_names],
                                                "pii_f_search": None, "pii_f_order": rv.ORDERS})
    with st.container(horizontal=True, vertical_alignment="bottom"):
        kinds = st.multiselect(ui.t("pii.f.kind"), present, key="pii_f_kind", placeholder=ui.t("pii.f.all"),
                               format_func=lambda k: ui.t(f"pii.kind.{k}"), width=260)
        statuses = st.multiselect(ui.t("pii.f.status"), list(STATUSES), key="pii_f_status",
                                  default=["pending"] if "pii_f_status" not in ss else None,
                                  format_func=lambda k: ui.t(f"pii.status.{k}"), placeholder=ui.t("pii.f.all"),
                                  width=260)
        min_score = st.slider(ui.t("pii.f.score"), 0.0, 1.0, step=0.05, key="pii_f_score", width=200)
        chat = st.selectbox(ui.t("pii.f.chat"), [None, *chat_names], key="pii_f_chat", width=220,
                            format_func=lambda c: ui.t("pii.f.all") if c is None else chat_names.get(c, str(c)))
        search = st.text_input(ui.t("pii.f.search"), key="pii_f_search", width=200)
        order = st.selectbox(ui.t("rv.order"), rv.ORDERS, key="pii_f_order", width=180,
                             format_func=lambda o: ui.t(f"rv.order.{o}"))
    return {"kinds": kinds, "statuses": statuses, "min_score": min_score, "chat_id": chat, "search": search or "",
            "order": order}


# ----- review card ----------------------------------------------------------------------------------------------------
def decide_as(status: str):
    """A review-queue handler: save at once (undoable from the workspace's log); returns the flash."""
    def go(value_id: int) -> str | None:
        s = store()
        before = s.value(value_id)
        if before is None:
            return None
        s.decide(value_id, status)
        return ui.t(f"pii.done.{status}", value=before["value"])
    return go


def undo_last(_value_id: int | None = None):
    """Take back the last action (decision, bulk accept, edit, span or mark), from the workspace's undo log."""
    if not store().undoable():
        return None
    back = store().undo()
    return (back, ui.t("pii.done.undo")) if back is not None else None


def focus(value_id: int | None) -> None:
    ss["redaction_goto"] = value_id  # applied by the review view on its next draw


def resize(value_id: int, message_id: int, start: int, end: int) -> None:
    """Span key callback: the value becomes the new text everywhere, saved at once, undoable."""
    try:
        change = spans.set_span(store(), value_id, message_id, start, end)
    except ValueError as exc:
        ss["_pii_error"] = str(exc)
        return
    focus(change.value_id)
    ss["_pii_flash"] = ui.t("pii.done.span", value=store().value(change.value_id)["value"])


def mark_value() -> None:
    """Mark callback: every occurrence of the text becomes an accepted detection of the chosen kind."""
    try:
        change = spans.mark(store(), ss.get("pii_mark_text", ""), ss.get("pii_mark_kind", spans.MARK_KIND))
    except ValueError as exc:
        ss["_pii_error"] = str(exc)
        return
    v = store().value(change.value_id)
    ss["pii_mark_text"] = ""
    ss["_pii_flash"] = ui.t("pii.done.marked", n=v["n_hits"], value=v["value"])


def save_replacement(value_id: int) -> None:
    text = ss.get(f"pii_rep_{value_id}", "")
    try:
        store().set_replacement(value_id, text)
        ss["_pii_flash"] = ui.t("pii.done.edited")
    except ValueError as exc:
        ss["_pii_error"] = str(exc)


def allow_value(value_id: int) -> str | None:
    s = store()
    v = s.value(value_id)
    if v is None:
        return None
    s.decide(value_id, "rejected")
    s.add_allow(v["value"])
    return ui.t("pii.done.allowed", value=v["value"])


def segments_html(segs: list[tuple[str, str]], side: str) -> str:
    """Message text as escaped data (never markup); line breaks kept by pre-wrap so offsets match the text."""
    parts = []
    for text, role in segs:
        esc = html.escape(text)
        parts.append(f'<span style="{ROLE_STYLE[side][role]}">{esc}</span>' if role else esc)
    return "".join(parts)


def message_line(line, body: str, side: str) -> str:
    """One message of the card. The "before" body carries its message id: a selection in it can be marked."""
    who = ui.t("common.me") if line.is_me else (line.sender or "?")
    style = "margin:2px 0" if line.main else "margin:2px 0;color:#6b7280;font-size:0.9em"
    mid = f' data-pii-mid="{int(line.message_id)}"' if side == "before" else ""
    return (f'<div style="{style}"><span style="color:#6b7280">'
            f'{html.escape(line.time[:16].replace("T", " "))} · {html.escape(who)}:</span> '
            f'<span style="white-space:pre-wrap"{mid}>{body}</span></div>')


def render_occurrence(occ: Occurrence) -> None:
    """Before and after of the occurrence and its neighbours: "after" is what the export writes for every line."""
    st.caption(":material/chat: " + md_escape(occ.chat))
    lines = [ln for ln in occ.lines if ln.main or "".join(t for t, _ in ln.before).strip()]  # no empty "me:" lines
    for col, side in zip(st.columns(2), ("before", "after")):
        with col:
            st.markdown(f"**{ui.t(f'pii.{side}')}**")
            st.html("".join(message_line(ln, segments_html(getattr(ln, side), side), side) for ln in lines))


def span_buttons(value: dict, occ: Occurrence) -> None:
    """Widen or narrow the value by one word at either end, on the first occurrence shown (keys in SPAN_KEYS)."""
    with st.container(horizontal=True):
        for edge, grow, key, icon in SPAN_KEYS:
            new = spans.step(occ.text, occ.start, occ.end, edge, grow)
            st.button(ui.t(f"pii.span.{edge}.{'grow' if grow else 'shrink'}"), shortcut=key, icon=icon,
                      key=f"pii_span_{edge}_{int(grow)}", disabled=new is None, help=ui.t("pii.span_help"),
                      on_click=resize, args=(value["id"], occ.message_id, *(new or (0, 0))))


def mark_form(occs: list[Occurrence]) -> None:
    """Mark a value the scan missed: prefilled from a selection in the card, or typed (the keyboard-free way)."""
    picked = select_text(key="pii_select", on_selected_change=lambda: None)
    sel = picked.get("selected") if picked else None
    if sel:
        texts = {ln.message_id: "".join(t for t, _ in ln.before) for o in occs for ln in o.lines}
        text = texts.get(int(sel.get("mid", -1)))
        if text is not None:
            a, b = spans.snap(text, int(sel.get("start", 0)), int(sel.get("end", 0)))
            ss["pii_mark_text"] = text[a:b]
        else:
            ss["pii_mark_text"] = str(sel.get("text", "")).strip()
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.text_input(ui.t("pii.mark"), key="pii_mark_text", max_chars=200, help=ui.t("pii.mark_help"),
                      placeholder=ui.t("pii.mark_placeholder"), width=360)
        st.selectbox(ui.t("pii.f.kind"), list(KINDS), index=list(KINDS).index(spans.MARK_KIND), key="pii_mark_kind",
                     format_func=lambda k: ui.t(f"pii.kind.{k}"), width=220)
        st.button(ui.t("pii.mark_button"), icon=":material/ink_highlighter:", key="pii_mark_btn",
                  on_click=mark_value)


def render(s: PiiStore, vid: int) -> None:
    value = s.value(vid)
    if value is None:
        return
    head, meta = st.columns([3, 2])
    with head:
        kind_label = ui.t(f"pii.kind.{value['kind']}")
        shown = value["value"].replace("`", "")
        st.markdown(f"#### {kind_label} · `{shown}`")
        st.caption(ui.t("pii.why", reason=md_escape(ui.reason(value["reason"])), score=f"{value['max_score']:.2f}",
                        n=value["n_hits"]))
    with meta:
        st.markdown(ui.t("pii.status_line", status=ui.t(f"pii.status.{value['status']}"),
                         rep=s.replacement_of(value).replace("`", "'")))  # a code span: shown verbatim
    occs = card(s, value, limit=OCCURRENCES, context=1)
    ss["_pii_occs"] = occs
    for occ in occs:
        render_occurrence(occ)
    if value["n_hits"] > OCCURRENCES:
        st.caption(ui.t("pii.more_occurrences", n=value["n_hits"] - OCCURRENCES))


def buttons(s: PiiStore) -> list[review.Button]:
    return [
        review.Button(rv.Action("accept", "a", decide_as("accepted")), ui.t("pii.accept"), "pii_accept",
                      ":material/check:", primary=True),
        review.Button(rv.Action("reject", "x", decide_as("rejected")), ui.t("pii.reject"), "pii_reject",
                      ":material/close:"),
        review.Button(rv.Action("skip", "s", decide_as("skipped")), ui.t("pii.skip"), "pii_skip",
                      ":material/skip_next:"),
        review.Button(rv.Action("allow", None, allow_value), ui.t("pii.allow"), "pii_allow_btn",
                      ":material/verified_user:", help=ui.t("pii.allow_help")),
        *review.moves(ui, "pii", undo_last, s.undoable(), words="pii", row=0, undo_widget="pii_undo_btn"),
    ]


def fetcher(s: PiiStore, f: dict):
    """The queue in the store's order, or the weakest detections first ("least certain first")."""
    args = {k: v for k, v in f.items() if k != "order"}

    def fetch(offset: int, limit: int) -> tuple[list[int], int]:
        if f.get("order") == "uncertain":
            _, total = s.queue(**args, offset=0, limit=1)
            df, total = s.queue(**args, offset=0, limit=max(total, 1))
            ids = rv.least_certain_first([int(i) for i in df["id"]], list(df["max_score"]))
            return ids[offset:offset + limit], total
        df, total = s.queue(**args, offset=offset, limit=limit)
        return [int(i) for i in df["id"]], total
    return fetch


def review_card(s: PiiStore, f: dict) -> None:
    def describe(vid: int) -> str:
        v = s.value(vid)
        if v is None:
            return f"#{vid}"
        kind, status = v["kind"], v["status"]
        return f"{ui.t(f'pii.kind.{kind}')} · {v['value']} · {ui.t(f'pii.status.{status}')}"

    vid = review.show(ui, review.Page(
        name="redaction", area=AREA, conn=s.conn, ws=ui.ws, fetch=fetcher(s, f), buttons=lambda _v: buttons(s),
        render=lambda v: render(s, v), describe=describe,
        item_of=lambda table, key: key.get("id") if table == "pii_values" else None,
        remaining=s.counts()["pending"], filters=f, empty_text=ui.t("pii.queue_empty"),
        position_text=lambda pos, total: ui.t("pii.position", pos=pos, total=total)))
    st.caption(ui.t("pii.keys") + " · ? " + ui.t("rv.key.help"))
    value = s.value(vid) if vid is not None else None
    if value is None:
        return
    occs = ss.pop("_pii_occs", [])
    with st.form(f"pii_edit_{vid}", border=False):
        c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
        c1.text_input(ui.t("pii.edit"), value=value["replacement"] or "", key=f"pii_rep_{vid}",
                      placeholder=s.replacement_of({**value, "replacement": None}), help=ui.t("pii.edit_help"))
        c2.form_submit_button(ui.t("pii.save"), on_click=save_replacement, args=(vid,))
    if occs:
        span_buttons(value, occs[0])
    mark_form(occs)


# ----- table and bulk -------------------------------------------------------------------------------------------------
@st.dialog(" ", width="medium")
def confirm_bulk(kind: str | None, min_score: float) -> None:
    s = store()
    ids = s.bulk_candidates(kind, min_score)
    st.markdown(ui.t("pii.bulk_confirm", n=len(ids), kind=ui.t(f"pii.kind.{kind}") if kind else ui.t("pii.f.all"),
                     score=f"{min_score:.2f}"))
    c1, c2 = st.columns(2)
    if c1.button(ui.t("pii.bulk_yes"), type="primary", disabled=not ids):
        s.decide(ids, "accepted")  # one action: one undo takes the whole bulk accept back
        ss.pop("pii_bulk", None)
        ss["_pii_flash"] = ui.t("pii.bulk_done", n=len(ids))
        st.rerun()
    if c2.button(ui.t("pii.bulk_no")):
        ss.pop("pii_bulk", None)
        st.rerun()


def table(s: PiiStore, f: dict) -> None:
    _, total = s.queue(**f, offset=0, limit=1)
    pages = max(1, -(-total // TABLE_PAGE))
    page_no = st.pagination(pages, key="pii_page") if pages > 1 else 1
    df, total = s.queue(**f, offset=(page_no - 1) * TABLE_PAGE, limit=TABLE_PAGE)
    st.caption(ui.t("pii.table_caption", a=(page_no - 1) * TABLE_PAGE + min(1, len(df)),
                    b=(page_no - 1) * TABLE_PAGE + len(df), n=total))
    if not df.empty:
        view = pd.DataFrame({
            ui.t("pii.col.kind"): [ui.t(f"pii.kind.{k}") for k in df["kind"]],
            ui.t("pii.col.value"): df["value"],
            ui.t("pii.col.n"): df["n_hits"].astype(int),
            ui.t("pii.col.score"): df["max_score"].round(2),
            ui.t("pii.col.status"): [ui.t(f"pii.status.{x}") for x in df["status"]],
            ui.t("pii.col.becomes"): [s.replacement_of(r) for r in df.to_dict("records")],
        })
        sel = st.dataframe(view, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                           key=f"pii_table_{page_no}")
        rows = sel.selection.rows if sel else []
        if rows:
            focus(int(df.iloc[rows[0]]["id"]))
            ss["pii_view"] = "review"
            st.rerun()
        st.caption(ui.t("pii.table_hint"))
    st.subheader(ui.t("pii.bulk"))
    present = [k for k in KINDS if k in set(s.counts_by_kind()["kind"])]
    with st.container(horizontal=True, vertical_alignment="bottom"):
        kind = st.selectbox(ui.t("pii.f.kind"), [None, *present], key="pii_bulk_kind", width=240,
                            format_func=lambda k: ui.t("pii.f.all") if k is None else ui.t(f"pii.kind.{k}"))
        score = st.slider(ui.t("pii.f.score"), 0.0, 1.0, 0.9, 0.05, key="pii_bulk_score", width=240)
        n = len(s.bulk_candidates(kind, score))
        if st.button(ui.t("pii.bulk_button", n=n), disabled=not n, icon=":material/done_all:"):
            ss["pii_bulk"] = (kind, score)
    if ss.get("pii_bulk"):
        confirm_bulk(*ss["pii_bulk"])


# ----- terms and allow-list -------------------------------------------------------------------------------------------
def terms(s: PiiStore) -> None:
    left, right = st.columns(2, gap="large")
    with left:
        st.subheader(ui.t("pii.terms"))
        st.caption(ui.t("pii.terms_help"))
        with st.form("pii_term_form", clear_on_submit=True):
            term = st.text_input(ui.t("pii.term"), max_chars=200)
            kind = st.selectbox(ui.t("pii.f.kind"), list(KINDS), index=list(KINDS).index("CUSTOM"),
                                format_func=lambda k: ui.t(f"pii.kind.{k}"))
            is_regex = st.checkbox(ui.t("pii.term_regex"))
            if st.form_submit_button(ui.t("pii.term_add"), icon=":material/add:"):
                try:
                    with st.spinner(ui.t("pii.term_scanning")):
                        report = s.add_term(term, kind, is_regex)
                    st.success(ui.t("pii.term_added", n=report.hits))
                except ValueError as exc:
                    st.error(md_escape(str(exc)))
        for tid, t in s.terms():
            c1, c2 = st.columns([5, 1], vertical_alignment="center")
            c1.markdown(f"`{t.pattern.replace('`', '')}` · {ui.t(f'pii.kind.{t.kind}')}"
                        + (f" · {ui.t('pii.term_regex_short')}" if t.is_regex else ""))
            if c2.button(ui.t("pii.remove"), key=f"pii_term_rm_{tid}", icon=":material/delete:"):
                s.remove_term(tid)
                st.rerun()
    with right:
        st.subheader(ui.t("pii.allowlist"))
        st.caption(ui.t("pii.allowlist_help"))
        with st.form("pii_allow_form", clear_on_submit=True):
            term = st.text_input(ui.t("pii.term"), max_chars=200, key="pii_allow_term")
            if st.form_submit_button(ui.t("pii.allow_add"), icon=":material/add:"):
                try:
                    s.add_allow(term)
                    st.rerun()
                except ValueError as exc:
                    st.error(md_escape(str(exc)))
        for term in s.allow_list():
            c1, c2 = st.columns([5, 1], vertical_alignment="center")
            c1.markdown(f"`{term.replace('`', '')}`")
            if c2.button(ui.t("pii.remove"), key=f"pii_allow_rm_{term}", icon=":material/delete:"):
                s.remove_allow(term)
                st.rerun()


# ----- settings -------------------------------------------------------------------------------------------------------
def settings(s: PiiStore) -> None:
    st.subheader(ui.t("pii.modes"))
    st.caption(ui.t("pii.modes_help"))
    modes = s.modes()
    cols = st.columns(3)
    for i, kind in enumerate(KINDS):
        new = cols[i % 3].selectbox(ui.t(f"pii.kind.{kind}"), list(MODES), index=list(MODES).index(modes[kind]),
                                    key=f"pii_mode_{kind}", format_func=lambda m: ui.t(f"pii.mode.{m}"))
        if new != modes[kind]:
            s.set_mode(kind, new)
    st.subheader(ui.t("pii.detection"))
    with st.form("pii_settings"):
        regions = st.text_input(ui.t("pii.regions"), ", ".join(s.regions()), help=ui.t("pii.regions_help"))
        threshold = st.slider(ui.t("pii.threshold"), 0.0, 1.0, s.threshold(), 0.05, help=ui.t("pii.threshold_help"))
        names = st.text_area(ui.t("pii.names"), "\n".join(s.owner_names()), help=ui.t("pii.names_help"))
        if st.form_submit_button(ui.t("pii.save_settings")):
            try:
                s.set_regions(r for r in regions.replace("，", ",").split(",") if r.strip())
                s.set_threshold(threshold)
                s.set_owner_names(names.splitlines())
                ss["_pii_flash"] = ui.t("pii.settings_saved")
                st.rerun()
            except ValueError as exc:
                st.error(md_escape(str(exc)))
    if st.button(ui.t("pii.rescan"), icon=":material/refresh:", help=ui.t("pii.rescan_help")):
        with st.spinner(ui.t("pii.scanning", n=s.pending_messages())):
            report = s.scan(full=True)
        st.success(ui.t("pii.scanned", n=report.scanned, hits=report.hits, secs=f"{report.seconds:.1f}"))


# ----- page -----------------------------------------------------------------------------------------------------------
st.title(ui.t("pii.title"))
st.caption(ui.t("pii.caption"))

with guard(ui):
    s = store()
    require_messages(ui)
    ensure_scanned(s)
    if msg := ss.pop("_pii_flash", None) or ss.pop("_rv_redaction_flash", None):
        st.toast(md_escape(msg), icon=":material/check_circle:")
    if err := ss.pop("_pii_error", None):
        st.error(md_escape(err), icon=":material/error:")
    counters(s)
    view = st.segmented_control(ui.t("pii.view"), VIEWS, key="pii_view", default="review", required=True,
                                format_func=lambda v: ui.t(f"pii.view.{v}"), label_visibility="collapsed")
    if view in ("review", "table"):
        f = filters(s)
        if view == "review":
            review_card(s, f)
        else:
            table(s, {k: v for k, v in f.items() if k != "order"})
    elif view == "terms":
        terms(s)
    else:
        settings(s)
