"""Emotion labelling: one message at a time with its context and single-key decisions, or a page of them at once.

Suggestions (rules, optionally an LLM) are shown beside each message and become labels only when the owner accepts
them. Every decision is one SQLite commit before the rerun, and the last ten actions can be undone (U).
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import review as rv
from lib import settings as setting_keys
from lib.curate.store import CharacterTraits, CurationStore
from lib.errors import BadInputError
from lib.label.emotion import DEFAULT_TAXONOMY
from lib.label.store import AREA, LOW_CONFIDENCE, QUEUES, LabelStore, llm_items
from pages import bubble_html, guard, md_escape, require_messages, secret, setup
from pages.components import review

ui = setup()  # first statement of every page: sends a run that bypassed app.py through it

AUTO_RULES = 200_000  # messages the rules look at by themselves on opening (about 2 s); more waits for a click
TABLE_PAGE = 50
CONTEXT = 2  # turns shown before and after the message
VIEWS = ("card", "table", "llm", "settings")
ss = st.session_state


def store() -> LabelStore:
    return LabelStore(ui.ws)


def name(label: str | None) -> str:
    """A label as the owner reads it: a default label by its name in this language (``label.emotion.<id>``), one the
    owner added as they typed it (their own word, never translated)."""
    return ui.term("label.emotion", label) if label else ""


def label_of(shown: str, labels: list[str]) -> str:
    """The stored label for a name the owner sees or types (``开心`` → ``joy``), so a Chinese taxonomy list, table
    cell or typed default name saves the same label the English UI would."""
    back = {name(lab): lab for lab in (*DEFAULT_TAXONOMY, *labels)}
    return back.get(shown, shown)


# ----- suggestions ----------------------------------------------------------------------------------------------------
def ensure_suggested(s: LabelStore) -> None:
    pending = s.rules_pending()
    if not pending:
        return
    if pending <= AUTO_RULES or ss.pop("_lab_rules_now", False):
        bar = st.progress(0.0, text=ui.t("lab.suggesting", n=pending))
        report = s.suggest_rules(progress=lambda f, _w: bar.progress(f, text=ui.t("lab.suggesting", n=pending)))
        bar.empty()
        if report.stored:
            st.toast(ui.t("lab.suggested", n=report.stored, secs=f"{report.seconds:.1f}"),
                     icon=":material/auto_awesome:")
    else:
        st.warning(ui.t("lab.suggest_needed", n=pending), icon=":material/auto_awesome:")
        if st.button(ui.t("lab.suggest_now", n=pending), type="primary"):
            ss["_lab_rules_now"] = True
            st.rerun()


def counters(s: LabelStore) -> None:
    c = s.counts()
    cols = st.columns(5)
    for col, key in zip(cols, ("unlabelled", "labelled", "skipped", "flagged", "suggested")):
        col.metric(ui.t(f"lab.count.{key}"), f"{c[key]:,}", border=True)
    done = c["labelled"] + c["skipped"]
    st.progress(done / c["total"] if c["total"] else 1.0, text=ui.t("lab.progress", done=done, total=c["total"]))


def filters(s: LabelStore) -> dict:
    chats = ui.ws.chats()
    chat_names = {int(r.id): r.name for r in chats.itertuples()}
    labels = s.taxonomy()
    review.restore_filters("labelling", ui.ws, {"lab_f_queue": QUEUES, "lab_f_chat": [None, *chat_names],
                                                "lab_f_emotion": [None, *labels], "lab_f_search": None,
                                                "lab_f_order": rv.ORDERS})
    with st.container(horizontal=True, vertical_alignment="bottom"):
        queue = st.selectbox(ui.t("lab.f.queue"), QUEUES, key="lab_f_queue",
                             format_func=lambda q: ui.t(f"lab.queue.{q}"), width=210)
        chat = st.selectbox(ui.t("lab.f.chat"), [None, *chat_names], key="lab_f_chat", width=170,
                            format_func=lambda c: ui.t("lab.f.all") if c is None else chat_names.get(c, str(c)))
        emotion = st.selectbox(ui.t("lab.f.emotion"), [None, *labels], key="lab_f_emotion", width=170,
                               help=ui.t("lab.f.emotion_help"),
                               format_func=lambda e: ui.t("lab.f.all") if e is None else name(e))
        search = st.text_input(ui.t("lab.f.search"), key="lab_f_search", width=170)
        order = st.selectbox(ui.t("rv.order"), rv.ORDERS, key="lab_f_order", width=170,
                             format_func=lambda o: ui.t(f"rv.order.{o}"))
    return {"queue": queue, "chat_id": chat, "emotion": emotion, "search": search or "", "order": order}


# ----- card (the shared review queue draws the position, buttons, keys, undo, history and stats) ----------------------
def turn_html(t: dict) -> str:
    who = ui.t("common.me") if t["is_me"] else (t["sender"] or "?")
    return bubble_html(who, "\n".join(t["texts"]), t["is_me"])


def shown_text(kind: str, text: str | None) -> str:
    """A sticker-only (or image, voice) message reads as what it is, never as an empty row."""
    text = text or ""
    return text if kind == "text" else f"[{ui.t(f'lab.kind.{kind}')}] {text}".strip()


def render(s: LabelStore, mid: int) -> None:
    item = s.item(mid, context=CONTEXT)
    if item is None:
        return
    meta, state = st.columns([3, 2])
    meta.caption(":material/chat: " + md_escape(item["chat"]) + " · " + item["time"][:16].replace("T", " "))
    status = (ui.t("lab.status.labelled", label=name(item["label"])) if item["status"] == "labelled"
              else ui.t(f"lab.status.{item['status'] or 'none'}"))
    state.markdown(status + (" · :orange[" + ui.t("lab.flagged") + "]" if item["flagged"] else ""))
    who = ui.t("common.me") if item["is_me"] else (item["sender"] or "?")
    st.html("".join(turn_html(t) for t in item["before"])
            + bubble_html(who, shown_text(item["kind"], item["text"]), item["is_me"], focus=True)
            + "".join(turn_html(t) for t in item["after"]))
    if item["suggestions"]:
        parts = [ui.t("lab.suggestion", label=name(sg["label"]), conf=f"{sg['confidence']:.2f}",
                      source=ui.t(f"lab.source.{sg['source']}"),
                      why=md_escape(", ".join(ui.evidence(r) for r in sg["reasons"][:4])) or "—")
                 for sg in item["suggestions"]]
        st.markdown(" \n".join(parts))
    else:
        st.caption(ui.t("lab.no_suggestion"))


def actions(s: LabelStore, current: dict | None) -> list[review.Button]:
    """The card's decisions: handlers save at once and return the flash (None: nothing done, the card stays)."""
    labels = s.taxonomy()

    def label_as(lab: str):
        def go(mid: int) -> str:
            store().set_label(mid, lab)
            return ui.t("lab.done.label", label=name(lab))
        return go

    def accept(mid: int) -> str | None:
        lab = store().accept(mid)
        return ui.t("lab.done.label", label=name(lab)) if lab else None

    def skip(mid: int) -> str:
        store().skip(mid)
        return ui.t("lab.done.skip")

    def flag(mid: int) -> str:
        return ui.t("lab.done.flag" if store().flag(mid) else "lab.done.unflag")

    def undo(_mid: int | None):
        ids = store().undo()
        return (ids[0], ui.t("lab.done.undo")) if ids else None

    flagged = bool(current and current["flagged"])
    out = [review.Button(rv.Action(f"label_{i}", str(i + 1) if i < 9 else None, label_as(lab)), name(lab),
                         f"lab_l_{i}", primary=bool(current and current["label"] == lab))
           for i, lab in enumerate(labels)]
    out += [
        review.Button(rv.Action("accept", "a", accept), ui.t("lab.accept"), "lab_accept", ":material/check:", row=1,
                      disabled=not (current and current["suggestions"])),
        review.Button(rv.Action("skip", "s", skip), ui.t("lab.skip"), "lab_skip", ":material/skip_next:", row=1),
        review.Button(rv.Action("flag", "f", flag, move="stay", decides=False),
                      ui.t("lab.unflag" if flagged else "lab.flag"), "lab_flag", ":material/flag:", row=1),
        *review.moves(ui, "lab", undo, s.undoable()),
    ]
    return out


def card(s: LabelStore, f: dict) -> None:
    def fetch(offset: int, limit: int) -> tuple[list[int], int]:
        page, total = s.queue(**f, offset=offset, limit=limit)
        return [int(i) for i in page["id"]], total

    def describe(mid: int) -> str:
        it = s.item(mid, context=0)
        if it is None:
            return f"#{mid}"
        what = name(it["label"]) if it["status"] == "labelled" else ui.t(f"lab.status.{it['status'] or 'none'}")
        return f"{what} · {shown_text(it['kind'], it['text'])[:60]}"

    counts = s.counts()
    mid = review.show(ui, review.Page(
        name="labelling", area=AREA, conn=s.conn, ws=ui.ws, fetch=fetch,
        buttons=lambda m: actions(s, s.item(m, context=0) if m is not None else None),
        render=lambda m: render(s, m), describe=describe,
        item_of=lambda table, key: key.get("message_id") if table == "emotion_labels" else None,
        remaining=counts["unlabelled"], filters=f, empty_text=ui.t("lab.queue_empty"),
        position_text=lambda pos, total: ui.t("lab.position", pos=pos, total=total)))
    st.caption(ui.t("lab.keys", n=min(9, len(s.taxonomy()))) + " · ? " + ui.t("rv.key.help"))
    if mid is None:
        return
    message_tags(mid)
    with st.expander(ui.t("lab.guidelines"), icon=":material/menu_book:"):
        st.markdown(md_escape(s.guidelines()) if s.guidelines() else ui.t("lab.guidelines_default"))


def message_tags(mid: int) -> None:
    """Optional trait tags for this one message (exported as its ``character_traits``)."""
    cur = CurationStore(ui.ws)
    tags = cur.tags("message", mid)
    with st.expander(ui.t("lab.tags"), icon=":material/sell:", expanded=not tags.empty()):
        with st.form(f"lab_tags_{mid}", border=False):
            c1, c2, c3 = st.columns(3)
            p = c1.text_input(ui.t("tr.personality"), tags.personality)
            o = c2.text_input(ui.t("tr.occupation"), tags.occupation)
            i = c3.text_input(ui.t("tr.interests"), ", ".join(tags.interests), help=ui.t("tr.list_help"))
            if st.form_submit_button(ui.t("cur.save")):
                items = i.replace("，", ",").replace("、", ",").split(",")
                cur.set_tags("message", mid, CharacterTraits(p, o, items))
                ss["_rv_labelling_flash"] = ui.t("cur.done.tags")
                st.rerun()


# ----- bulk table -----------------------------------------------------------------------------------------------------
def save_table(key: str) -> None:
    """Apply the table's edits as one undoable action, then start a fresh editor (a new key)."""
    edits = (ss.get(key) or {}).get("edited_rows", {})
    ids: list[int] = ss.get("_lab_table_ids", [])
    changes: dict[int, dict] = {}
    col_label, col_flag = ui.t("lab.col.label"), ui.t("lab.col.flagged")
    labels = store().taxonomy()
    for pos, change in edits.items():
        pos = int(pos)
        if pos >= len(ids):
            continue
        c: dict = {}
        if col_label in change:
            c["label"] = label_of(change[col_label], labels) if change[col_label] else None
        if col_flag in change:
            c["flagged"] = bool(change[col_flag])
        if c:
            changes[ids[pos]] = c
    n = store().bulk_edit(changes) if changes else 0
    ss["lab_table_v"] = ss.get("lab_table_v", 0) + 1
    if n:
        ss["_lab_flash"] = ui.t("lab.table_saved", n=n)


@st.dialog(" ", width="medium")
def confirm_accept_page(ids: list[int], labels: dict[int, str]) -> None:
    st.markdown(ui.t("lab.bulk_confirm", n=len(ids), conf=f"{ss.get('lab_bulk_conf', 0.8):.2f}"))
    c1, c2 = st.columns(2)
    if c1.button(ui.t("lab.bulk_yes"), type="primary", disabled=not ids):
        store().bulk_edit({i: {"label": labels[i]} for i in ids}, source="bulk")
        ss.pop("lab_bulk", None)
        ss["lab_table_v"] = ss.get("lab_table_v", 0) + 1
        ss["_lab_flash"] = ui.t("lab.table_saved", n=len(ids))
        st.rerun()
    if c2.button(ui.t("lab.bulk_no")):
        ss.pop("lab_bulk", None)
        st.rerun()


def table(s: LabelStore, f: dict) -> None:
    _, total = s.queue(**f, offset=0, limit=1)
    pages = max(1, -(-total // TABLE_PAGE))
    page_no = st.pagination(pages, key="lab_page") if pages > 1 else 1
    df, total = s.queue(**f, offset=(page_no - 1) * TABLE_PAGE, limit=TABLE_PAGE)
    st.caption(ui.t("lab.table_caption", a=(page_no - 1) * TABLE_PAGE + min(1, len(df)),
                    b=(page_no - 1) * TABLE_PAGE + len(df), n=total))
    if df.empty:
        return
    labels = s.taxonomy()
    ss["_lab_table_ids"] = [int(i) for i in df["id"]]
    view = pd.DataFrame({
        ui.t("lab.col.time"): df["time"].str.slice(0, 16).str.replace("T", " "),
        ui.t("lab.col.who"): [ui.t("common.me") if m else s_ for m, s_ in zip(df["is_me"], df["sender"])],
        ui.t("lab.col.text"): [shown_text(k, x) for k, x in zip(df["kind"], df["text"])],
        ui.t("lab.col.suggestion"): [f"{name(x)} {c:.2f}" if isinstance(x, str) else ""
                                     for x, c in zip(df["suggestion"], df["confidence"].fillna(0))],
        ui.t("lab.col.label"): [name(x) if isinstance(x, str) else None for x in df["label"]],
        ui.t("lab.col.flagged"): df["flagged"].astype(bool),
    })
    key = f"lab_ed_{page_no}_{ss.get('lab_table_v', 0)}"
    st.data_editor(
        view, key=key, hide_index=True, width="stretch", num_rows="fixed",
        disabled=[ui.t("lab.col.time"), ui.t("lab.col.who"), ui.t("lab.col.text"), ui.t("lab.col.suggestion")],
        column_config={
            ui.t("lab.col.text"): st.column_config.TextColumn(width="large"),
            ui.t("lab.col.label"): st.column_config.SelectboxColumn(options=[name(lab) for lab in labels]),
            ui.t("lab.col.flagged"): st.column_config.CheckboxColumn(),
        })
    if (ss.get(key) or {}).get("edited_rows"):  # read here, not in on_change: one path for browser and tests
        save_table(key)
        st.rerun()
    st.caption(ui.t("lab.table_hint"))
    with st.container(horizontal=True, vertical_alignment="bottom"):
        open_ = df[(df["status"] == "") & df["suggestion"].notna()]
        conf = st.slider(ui.t("lab.bulk_conf"), 0.0, 1.0, rv.suggested_threshold(open_["confidence"]), 0.05,
                         key="lab_bulk_conf", width=260)
        pick = df[(df["status"] == "") & df["suggestion"].notna() & (df["confidence"].fillna(0) >= conf)]
        if st.button(ui.t("lab.bulk_button", n=len(pick)), disabled=pick.empty, icon=":material/done_all:"):
            ss["lab_bulk"] = ([int(i) for i in pick["id"]], {int(i): x for i, x in zip(pick["id"], pick["suggestion"])})
    if ss.get("lab_bulk"):
        confirm_accept_page(*ss["lab_bulk"])


# ----- LLM suggestions ------------------------------------------------------------------------------------------------
def llm(s: LabelStore, f: dict) -> None:
    from lib.llm import Endpoint, LLMError, list_models

    st.caption(ui.t("lab.llm_help"))
    saved = ui.ws.get_setting(setting_keys.LLM_ENDPOINT.key, {})
    with st.form("lab_llm_form"):
        base = st.text_input(ui.t("lab.llm_base"), saved.get("base_url", ""), placeholder="http://127.0.0.1:8000/v1")
        model = st.text_input(ui.t("lab.llm_model"), saved.get("model", ""))
        if st.form_submit_button(ui.t("lab.llm_save")):
            ui.ws.set_setting(setting_keys.LLM_ENDPOINT.key, {"base_url": base.strip(), "model": model.strip()})
            st.rerun()
    key = secret("METWIN_LLM_API_KEY") or secret("OPENAI_API_KEY") or ""
    st.caption(ui.t("lab.llm_key_found" if key else "lab.llm_key_none"))
    if not saved.get("base_url") or not saved.get("model"):
        st.info(ui.t("lab.llm_setup"), icon=":material/settings:")
        return
    endpoint = Endpoint(saved["base_url"], saved["model"], key, timeout=120)
    if st.button(ui.t("lab.llm_test"), icon=":material/network_check:"):
        try:
            models = list_models(Endpoint(saved["base_url"], saved["model"], key, timeout=10))
            st.success(ui.t("lab.llm_ok", n=len(models)))
        except LLMError as exc:
            st.error(md_escape(str(exc)), icon=":material/error:")
    n = st.number_input(ui.t("lab.llm_n"), 1, 500, 40, 10, key="lab_llm_n")
    items = llm_items(s, limit=int(n), queue=f["queue"] if f["queue"] in ("unlabelled", "low_confidence")
                      else "unlabelled", chat_id=f["chat_id"])
    if not items:
        st.success(ui.t("lab.llm_nothing"), icon=":material/task_alt:")
        return
    from lib.label.llm import prompt_preview

    with st.expander(ui.t("lab.llm_prompt", n=min(20, len(items))), icon=":material/visibility:"):
        st.code(prompt_preview(items[:20], s.taxonomy(), s.guidelines(), ui.lang), language=None, wrap_lines=True)
    if st.button(ui.t("lab.llm_run", n=len(items)), type="primary", icon=":material/auto_awesome:"):
        bar = st.progress(0.0, text=ui.t("lab.llm_running"))
        try:
            stored = s.suggest_llm(endpoint, items, lang=ui.lang,
                                   progress=lambda x, _w: bar.progress(x, text=ui.t("lab.llm_running")))
            st.success(ui.t("lab.llm_done", n=stored))
        except LLMError as exc:
            st.error(md_escape(str(exc)), icon=":material/error:")
            st.caption(ui.t("lab.llm_kept"))
        finally:
            bar.empty()


# ----- settings -------------------------------------------------------------------------------------------------------
def settings(s: LabelStore) -> None:
    with st.form("lab_settings"):
        labels = s.taxonomy()
        tax = st.text_area(ui.t("lab.taxonomy"), "\n".join(name(lab) for lab in labels), help=ui.t("lab.taxonomy_help"),
                           height=220)
        theirs = st.toggle(ui.t("lab.theirs"), s.include_theirs(), help=ui.t("lab.theirs_help"))
        threshold = st.slider(ui.t("lab.threshold"), 0.0, 1.0, s.threshold(), 0.05, help=ui.t("lab.threshold_help"))
        guide = st.text_area(ui.t("lab.guidelines"), s.guidelines() or "", placeholder=ui.t("lab.guidelines_default"),
                             height=160)
        if st.form_submit_button(ui.t("lab.save_settings")):
            try:
                s.set_taxonomy(label_of(" ".join(line.split()), labels) for line in tax.splitlines())
                s.set_include_theirs(theirs)
                s.set_threshold(threshold)
                s.set_guidelines(guide)
                ss["_lab_flash"] = ui.t("lab.settings_saved")
                st.rerun()
            except BadInputError as exc:
                st.error(md_escape(str(exc)), icon=":material/error:")
    dist = s.distribution()
    if len(dist):
        st.subheader(ui.t("lab.distribution"))
        st.dataframe(pd.DataFrame({ui.t("lab.col.label"): [name(x) for x in dist["label"]],
                                   ui.t("lab.count.labelled"): dist["labelled"],
                                   ui.t("lab.count.suggested"): dist["suggested"]}), hide_index=True)


# ----- page -----------------------------------------------------------------------------------------------------------
st.title(ui.t("lab.title"))
st.caption(ui.t("lab.caption", low=f"{LOW_CONFIDENCE:.1f}"))

with guard(ui):
    s = store()
    require_messages(ui)
    ensure_suggested(s)
    if msg := ss.pop("_lab_flash", None) or ss.pop("_rv_labelling_flash", None):
        st.toast(md_escape(msg), icon=":material/check_circle:")
    counters(s)
    view = st.segmented_control(ui.t("lab.view"), VIEWS, key="lab_view", default="card", required=True,
                                format_func=lambda v: ui.t(f"lab.view.{v}"), label_visibility="collapsed")
    if view == "settings":
        settings(s)
    else:
        f = filters(s)
        {"card": card, "table": table, "llm": llm}[view](s, f)
