"""Curate conversations: keep or drop them, flag topic jumps, add background notes, fix a message, split or merge.

The list starts with the conversations MeTwin suggests dropping (too short, only stickers, a topic jump, a duplicate)
and says why; nothing is dropped until the owner says so. Every action is saved at once and undoable (U).
"""
from __future__ import annotations

import functools
import html

import pandas as pd
import streamlit as st

from lib import review as rv
from lib.curate.store import AREA, DROP_REASONS, PLACEMENTS, VIEWS, CharacterTraits, CurationStore
from lib.curate.rules import REASONS
from lib.errors import BadInputError
from pages import guard, md_escape, require_messages, setup, text_html
from pages.components import review

ui = setup()  # first statement of every page: sends a run that bypassed app.py through it

LIST_PAGE = 15
TOOLS = ("note", "edit", "split", "tags")  # the card's tools (i18n: cur.tab.<tool>)
ss = st.session_state


def store() -> CurationStore:
    return CurationStore(ui.ws)


def when(t: str) -> str:
    return (t or "")[:16].replace("T", " ")


# ----- actions (callbacks: saved before the rerun) --------------------------------------------------------------------
def run(fn, *args, flash: str | None = None) -> None:
    """Run a store action from a callback; a problem the owner can fix is shown, not raised."""
    try:
        out = fn(*args)
        if flash:
            ss["_cur_flash"] = flash
        return out
    except BadInputError as exc:
        ss["_cur_error"] = str(exc)
        return None


def decide_as(decision: str):
    """A keep/drop/reset handler for the review queue: saved at once; returns the flash (None: refused)."""
    def go(conv_id: int) -> str | None:
        reason = (ss.get(f"cur_reason_{conv_id}") or "other") if decision == "drop" else ""
        try:
            store().decide(conv_id, decision, reason)
        except BadInputError as exc:
            ss["_cur_error"] = str(exc)
            return None
        return ui.t(f"cur.done.{decision or 'reset'}")
    return go


def act_jump(conv_id: int) -> str | None:
    on = not store().conversation(conv_id)["topic_jump"]
    return run(store().set_topic_jump, conv_id, on, flash=ui.t("cur.done.jump" if on else "cur.done.unjump")) \
        or ui.t("cur.done.jump" if on else "cur.done.unjump")


def act_undo(_conv_id: int | None):
    done = store().undo()
    if not done:
        return None
    keys = [k for t, k in done if t == "curation"]
    return (keys[0]["conv_id"] if keys else None, ui.t("cur.done.undo")) if keys else None


def focus(conv_id: int | None) -> None:
    ss["curation_goto"] = conv_id  # applied by the review view on its next draw


def act_split(message_id: int) -> None:
    new = run(store().split, message_id, flash=ui.t("cur.done.split"))
    if new:
        focus(new)


def act_merge(conv_id: int) -> None:
    merged = run(store().merge_with_previous, conv_id, flash=ui.t("cur.done.merge"))
    if merged:
        focus(merged)


# ----- list -----------------------------------------------------------------------------------------------------------
def reason_names(codes: str) -> str:
    return ", ".join(ui.t(f"cur.reason.{c}") for c in codes.split(",") if c)


def filters(cur: CurationStore, suggested: int) -> dict:
    chats = ui.ws.chats()
    chat_names = {int(r.id): r.name for r in chats.itertuples()}
    review.restore_filters("curation", ui.ws, {"cur_f_view": VIEWS, "cur_f_chat": [None, *chat_names],
                                               "cur_f_reason": [None, *REASONS]})
    if "cur_f_view" not in ss:  # open on the suggested drops, or on everything undecided when there are none
        ss["cur_f_view"] = "suggested" if suggested else "undecided"
    with st.container(horizontal=True, vertical_alignment="bottom"):
        view = st.selectbox(ui.t("cur.f.view"), VIEWS, key="cur_f_view", format_func=lambda v: ui.t(f"cur.view.{v}"),
                            width=240)
        chat = st.selectbox(ui.t("lab.f.chat"), [None, *chat_names], key="cur_f_chat", width=220,
                            format_func=lambda c: ui.t("lab.f.all") if c is None else chat_names.get(c, str(c)))
        reason = st.selectbox(ui.t("cur.f.reason"), [None, *REASONS], key="cur_f_reason", width=220,
                              format_func=lambda r: ui.t("lab.f.all") if r is None else ui.t(f"cur.reason.{r}"))
    return {"view": view, "chat_id": chat, "reason": reason}


def listing(cur: CurationStore, f: dict) -> None:
    _, total = cur.queue(**f, limit=1)
    pages = max(1, -(-total // LIST_PAGE))
    page_no = st.pagination(pages, key="cur_page") if pages > 1 else 1
    df, total = cur.queue(**f, offset=(page_no - 1) * LIST_PAGE, limit=LIST_PAGE)
    if df.empty:
        return
    view = pd.DataFrame({
        ui.t("cur.col.start"): df["start_time"].map(when),
        ui.t("lab.f.chat"): df["chat"],
        ui.t("cur.col.turns"): df["n_turns"].astype(int),
        ui.t("cur.col.status"): [status_text(r) for r in df.to_dict("records")],
        ui.t("cur.col.suggested"): df["suggested"].map(reason_names),
    })
    sel = st.dataframe(view, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                       key=f"cur_table_{page_no}_{f['view']}",
                       column_config={ui.t("cur.col.status"): st.column_config.TextColumn(width="large"),
                                      ui.t("cur.col.turns"): st.column_config.NumberColumn(width="small"),
                                      ui.t("cur.col.start"): st.column_config.TextColumn(width="small")})
    rows = sel.selection.rows if sel else []
    picked = int(df.iloc[rows[0]]["id"]) if rows and rows[0] < len(df) else None
    if picked is not None and ss.get("_cur_picked") != picked:  # a new click; a kept selection must not pin the card
        focus(picked)
    ss["_cur_picked"] = picked


def status_text(r: dict) -> str:
    if r["decision"] == "drop":
        return ui.t("cur.status.dropped", reason=ui.t(f"cur.drop.{r['decision_reason']}")
                    if r["decision_reason"] in DROP_REASONS else r["decision_reason"])
    if r["decision"] == "keep":
        return ui.t("cur.status.kept_group" if r.get("is_group") else "cur.status.kept")
    if r["auto_reason"]:
        return ui.t("cur.status.auto", reason=ui.term("reason", r["auto_reason"]))
    return ui.t("cur.status.trainable")


# ----- card -----------------------------------------------------------------------------------------------------------
def transcript(msgs: pd.DataFrame, split_at: int) -> str:
    out = []
    for r in msgs.itertuples():
        mine = bool(r.is_me)
        who = ui.t("common.me") if mine else (r.sender or "?")
        text = r.text if r.kind == "text" else f"[{ui.t(f'lab.kind.{r.kind}')}] {r.text}".strip()
        mark = ""
        if r.id == split_at:
            mark = (f'<div style="border-top:2px dashed #c2410c;margin:8px 0 2px;color:#c2410c;font-size:0.8em">'
                    f'{html.escape(ui.t("cur.jump_here"))}</div>')
        edited = f' <span style="color:#b45309;font-size:0.75em">({html.escape(ui.t("cur.edited"))})</span>' \
            if r.edited else ""
        bg = "#dcefe9" if mine else "#f1f3f5"
        align = "margin-left:auto;" if mine else ""
        out.append(f'{mark}<div style="max-width:78%;margin:3px 0;{align}background:{bg};border-radius:10px;'
                   f'padding:5px 10px"><div style="font-size:0.72em;color:#6b7280">{html.escape(when(r.time))} · '
                   f'{text_html(who)} · #{r.id}</div>{text_html(text)}{edited}</div>')
    return "".join(out)


def render(cur: CurationStore, cid: int) -> None:
    conv = cur.conversation(cid)
    if conv is None:
        return
    head, state = st.columns([3, 2])
    head.markdown(f"**{md_escape(conv['chat'])}** · {when(conv['start_time'])} → {when(conv['end_time'])} · "
                  + ui.t("cur.turns", n=int(conv["n_turns"]), mine=int(conv["n_my_turns"])))
    state.markdown(status_text(conv) + (" · :orange[" + ui.t("cur.jump_flag") + "]" if conv["topic_jump"] else ""))
    for sg in conv["suggestions"]:
        st.warning(ui.t("cur.suggests", reason=ui.t(f"cur.reason.{sg['reason']}"), detail=md_escape(sg["detail"])),
                   icon=":material/lightbulb:")
    st.html(f'<div style="max-height:420px;overflow-y:auto;padding-right:6px">'
            f'{transcript(conv["messages"], int(conv["split_at"]))}</div>')
    first = conv["suggested"].split(",")[0]
    st.selectbox(ui.t("cur.drop_reason"), DROP_REASONS, key=f"cur_reason_{cid}", width=200,
                 index=DROP_REASONS.index(first) if first in DROP_REASONS else len(DROP_REASONS) - 1,
                 format_func=lambda r: ui.t(f"cur.drop.{r}"))


def buttons(cur: CurationStore, conv: dict | None) -> list[review.Button]:
    return [
        review.Button(rv.Action("drop", "x", decide_as("drop")), ui.t("cur.drop"), "cur_drop", ":material/delete:"),
        review.Button(rv.Action("keep", "a", decide_as("keep")), ui.t("cur.keep"), "cur_keep", ":material/check:",
                      primary=True),
        review.Button(rv.Action("reset", None, decide_as("")), ui.t("cur.reset"), "cur_reset",
                      ":material/restart_alt:", disabled=not (conv and conv["decision"])),
        review.Button(rv.Action("jump", "t", act_jump, move="stay", decides=False),
                      ui.t("cur.unflag" if conv and conv["topic_jump"] else "cur.flag"), "cur_jump", ":material/flag:"),
        *review.moves(ui, "cur", act_undo, cur.undoable()),
    ]


def card(cur: CurationStore, f: dict, remaining: int) -> None:
    def fetch(offset: int, limit: int) -> tuple[list[int], int]:
        page, total = cur.queue(**f, offset=offset, limit=limit)
        return [int(i) for i in page["id"]], total

    def describe(cid: int) -> str:  # the history panel: the row is enough, no messages or suggestions to load
        df = cur.conversations()
        hit = df.loc[df["id"] == int(cid)]
        c = hit.iloc[0].to_dict() if len(hit) else None
        return f"{c['chat']} · {when(c['start_time'])} · {status_text(c)}" if c else f"#{cid}"

    cid = review.show(ui, review.Page(
        name="curation", area=AREA, conn=cur.conn, ws=ui.ws, fetch=fetch,
        buttons=lambda c: buttons(cur, cur.conversation(c) if c is not None else None),
        render=lambda c: render(cur, c), describe=describe,
        item_of=lambda table, key: key.get("conv_id") if table == "curation" else None,
        remaining=remaining, filters=f, empty_text=ui.t("cur.queue_empty"),
        position_text=lambda pos, total: ui.t("lab.position", pos=pos, total=total)))
    st.caption(ui.t("cur.keys") + " · ? " + ui.t("rv.key.help"))
    conv = cur.conversation(cid) if cid is not None else None
    if conv is not None:
        c1 = st.container(horizontal=True)
        c1.button(ui.t("cur.merge"), icon=":material/merge:", key="cur_merge", on_click=act_merge, args=(cid,),
                  help=ui.t("cur.merge_help"))
        tools(cur, conv)


def tools(cur: CurationStore, conv: dict) -> None:
    cid = int(conv["id"])
    msgs: pd.DataFrame = conv["messages"]
    labels = {int(r.id): f"#{r.id} · {(ui.t('common.me') if r.is_me else r.sender)}: {str(r.text)[:40]}"
              for r in msgs.itertuples()}
    # One tool at a time, drawn only once chosen: st.tabs sends all four (forms, a message picker of every message)
    # on every rerun, and a new tab or a key press paid for them before the owner asked for any.
    tool = st.segmented_control(ui.t("cur.title"), TOOLS, key="cur_tool", format_func=lambda k: ui.t(f"cur.tab.{k}"),
                                label_visibility="collapsed")
    if tool == "note":
        with st.form(f"cur_note_{cid}", border=False):
            note = st.text_area(ui.t("cur.note"), conv["note"], placeholder=ui.t("cur.note_placeholder"),
                                help=ui.t("cur.note_help"), max_chars=2000)
            placement = st.radio(ui.t("cur.placement"), PLACEMENTS, horizontal=True,
                                 index=PLACEMENTS.index(conv["note_placement"]),
                                 format_func=lambda p: ui.t(f"cur.placement.{p}"))
            if st.form_submit_button(ui.t("cur.save")):
                run(cur.set_note, cid, note, placement, flash=ui.t("cur.done.note"))
                st.rerun()
    elif tool == "edit":
        mid = st.selectbox(ui.t("cur.edit_pick"), list(labels), format_func=labels.get, key=f"cur_edit_pick_{cid}")
        row = msgs.loc[msgs["id"] == mid].iloc[0]
        with st.form(f"cur_edit_{cid}_{mid}", border=False):
            text = st.text_area(ui.t("cur.edit_text"), row["text"], help=ui.t("cur.edit_help"))
            if row["edited"]:
                st.caption(ui.t("cur.original", text=md_escape(row["original"])))
            if st.form_submit_button(ui.t("cur.save")):
                run(cur.edit, int(mid), text, flash=ui.t("cur.done.edit"))
                st.rerun()
    elif tool == "split":
        starts = [m for m in labels if m != cid]
        if not starts:
            st.caption(ui.t("cur.split_none"))
        else:
            default = int(conv["split_at"]) if int(conv["split_at"]) in starts else starts[len(starts) // 2]
            at = st.selectbox(ui.t("cur.split_pick"), starts, index=starts.index(default), format_func=labels.get,
                              key=f"cur_split_pick_{cid}")
            st.button(ui.t("cur.split"), icon=":material/content_cut:", key=f"cur_split_{cid}", on_click=act_split,
                      args=(int(at),))
    elif tool == "tags":
        tags = cur.tags("conversation", cid)
        with st.form(f"cur_tags_{cid}", border=False):
            st.caption(ui.t("cur.tags_help"))
            p = st.text_input(ui.t("tr.personality"), tags.personality)
            o = st.text_input(ui.t("tr.occupation"), tags.occupation)
            i = st.text_input(ui.t("tr.interests"), ", ".join(tags.interests), help=ui.t("tr.list_help"))
            if st.form_submit_button(ui.t("cur.save")):
                items = [x for x in i.replace("，", ",").replace("、", ",").split(",")]
                run(cur.set_tags, "conversation", cid, CharacterTraits(p, o, items), flash=ui.t("cur.done.tags"))
                st.rerun()


# ----- page -----------------------------------------------------------------------------------------------------------
st.title(ui.t("cur.title"))
st.caption(ui.t("cur.caption"))

with guard(ui):
    cur = store()
    # One run asks for the card's conversation three times (buttons, card, tools); nothing writes in between.
    cur.conversation = functools.lru_cache(maxsize=8)(cur.conversation)
    require_messages(ui)
    if msg := ss.pop("_cur_flash", None) or ss.pop("_rv_curation_flash", None):
        st.toast(md_escape(msg), icon=":material/check_circle:")
    if err := ss.pop("_cur_error", None):
        st.error(md_escape(err), icon=":material/error:")
    c = cur.counts()
    for col, key in zip(st.columns(6), ("conversations", "trainable", "suggested", "kept", "dropped", "flagged")):
        col.metric(ui.t(f"cur.count.{key}"), f"{c[key]:,}", border=True)
    f = filters(cur, c["suggested"])
    left, right = st.columns([6, 6], gap="medium")
    with left:
        listing(cur, f)
    with right:
        card(cur, f, c["suggested"] if f["view"] == "suggested" else c["conversations"] - c["kept"] - c["dropped"])
