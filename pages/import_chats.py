"""Import: add chat exports, check what was found, import them; then look at chats, conversations and the yield."""
import math
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from lib.errors import WorkspaceBusy
from lib.importers import BadInputError, formats
from lib.segment import SegmentConfig, turns
from lib.workspace import preview, sha256_of
from pages import family_label, guard, md_escape, render_funnel, setup, show_text

ui = setup()  # first statement of every page: sends a run that bypassed app.py through it

PAGE_SIZE = 10  # conversations per page of the browser
MAX_TURNS = 60  # turns shown per conversation (the rest is counted)
UPLOAD_TYPES = ["csv", "txt", "json", "zip"]
STATUS = {"imported": (st.success, ":material/check_circle:"), "skipped": (st.warning, ":material/info:"),
          "failed": (st.error, ":material/error:")}


@dataclass(frozen=True)
class Source:
    """One thing the user gave: an uploaded file (saved to a temporary folder) or a local file or folder."""

    key: str
    path: Path
    name: str


@st.cache_resource(scope="session", show_spinner=False, on_release=lambda job: job.__exit__(None, None, None))
def upload_job(workspace: str):  # noqa: ARG001 - the key: one folder per session and workspace
    """This session's folder for uploaded files, inside the workspace's own ``tmp/`` (never the system temp: they
    hold private chats). Removed when the session ends; a crash leaves it to the workspace's start-up sweep."""
    return ui.ws.scratch("upload")


def saved_uploads(files) -> list[Source]:
    """Write each uploaded file once under its original name; forget files removed from the uploader."""
    root = upload_job(str(ui.ws.path)).path
    root.mkdir(parents=True, exist_ok=True)
    out, keep = [], set()
    for f in files or []:
        fid = re.sub(r"[^\w-]", "_", str(f.file_id))
        name = Path(f.name).name or "upload"
        dest = root / fid / name
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(f.getbuffer())
        keep.add(fid)
        out.append(Source(f"upload:{fid}", dest, name))
    for folder in root.iterdir():
        if folder.name not in keep:
            shutil.rmtree(folder, ignore_errors=True)
    return out


def get_preview(src: Source, fmt: str | None) -> dict:
    """``lib.workspace.preview`` once per file version and format (kept in the session: big files parse slowly)."""
    info = src.path.stat()
    sig = (src.key, fmt or "", info.st_size, info.st_mtime_ns)
    cache = st.session_state.setdefault("_previews", {})
    if sig not in cache:
        with st.spinner(ui.t("import.reading", name=src.name)):
            try:
                cache[sig] = preview(src.path, fmt, ws=ui.ws)
            except BadInputError as exc:
                cache[sig] = {"error": ui.error_text(exc)}
    return cache[sig]


def already_imported(src: Source) -> dict | None:
    """The earlier import of this very file (same SHA-256), said at preview rather than after Import is pressed."""
    if not src.path.is_file():  # a folder: each file in it is checked when imported
        return None
    info = src.path.stat()
    sig = (src.key, "sha256", info.st_size, info.st_mtime_ns)  # sig[0]: forgotten with its source
    cache = st.session_state.setdefault("_previews", {})
    if sig not in cache:
        cache[sig] = sha256_of(src.path)
    hit = ui.ws.imports().query("sha256 == @digest", local_dict={"digest": cache[sig]})
    return None if hit.empty else hit.iloc[-1].to_dict()


def me_options(parts: list[dict]) -> list[str]:
    names: list[str] = []
    for part in parts:
        names += part.get("me_candidates") or []
    for part in parts:
        names += part.get("participants") or []
    return list(dict.fromkeys(n for n in names if n))


def format_label(name: str | None, label: str | None = None) -> str:
    """A format's name in the UI's language (``format.<name>``), else the importer's own label."""
    key = f"format.{name}"
    shown = ui.t(key)
    return shown if shown != key else (label or formats().get(name or "", name or ""))


PREVIEW_BUBBLES = 20  # messages shown "as chat" in a file's preview
AVATAR_ME, AVATAR_THEM = ":material/face:", ":material/person:"  # the bundled icon font: nothing fetched


def bubble(sender: str, when: str, text: str, mine: bool) -> None:
    """One message as a chat bubble: who and when above, the text as plain text (never Markdown or HTML)."""
    with st.chat_message("user" if mine else "assistant", avatar=AVATAR_ME if mine else AVATAR_THEM):
        st.caption(md_escape(f"{sender} · {when}" if when else sender))
        show_text(text)


def transcript_preview(head, part: dict) -> None:
    """The first messages as chat bubbles. Who is "me" comes from the export's own flag, else the proposed name."""
    guess = (part.get("me_candidates") or [None])[0]
    for r in head.head(PREVIEW_BUBBLES).itertuples(index=False):
        mine = r.sender == guess if pd.isna(r.is_me) else bool(r.is_me)
        when = "" if pd.isna(r.time) or r.time == "NaT" else str(r.time)[:16]
        bubble(str(r.sender or ""), when, r.text if r.text else f"[{r.kind}]", mine)


def render_preview(src: Source, fmt: str | None) -> tuple[Source, str | None] | None:
    """Show what one source holds; returns ``(source, me)`` when at least one of its files can be imported."""
    st.markdown(f"**{md_escape(src.name)}**")
    done = already_imported(src)
    if done is not None:
        st.warning(ui.t("import.already", when=str(done["imported_at"])[:10], name=md_escape(done["file_name"])),
                   icon=":material/info:")
        return None
    pv = get_preview(src, fmt)
    if "error" in pv:
        st.error(md_escape(pv["error"]), icon=":material/error:")
        return None
    parts = pv["parts"]
    if len(parts) > 1:
        st.caption(ui.t("preview.more_parts", n=len(parts)))
    for part in parts:
        if len(parts) > 1:
            st.markdown(f"*{md_escape(part['file'])}*")
        if "error" in part:
            st.error(md_escape(ui.result_text({**part, "message": part["error"]})), icon=":material/error:")
            continue
        st.markdown(ui.t("import.found", label=md_escape(format_label(part.get("format"), part["label"])),
                         messages=part["messages"],
                         chats=part["chats"]))
        people = part["participants"]
        st.caption(ui.t("import.participants",
                        names=md_escape(", ".join(people[:12]) + (" …" if len(people) > 12 else ""))))
        head = part["head"].assign(time=part["head"]["time"].astype(str).str.replace("T", " "),
                                   kind=[ui.term("kind", k) for k in part["head"]["kind"]])
        table, bubbles = st.tabs([ui.t("preview.as_table"), ui.t("preview.as_chat")])
        with table:
            st.dataframe(head.drop(columns=["is_me"]), hide_index=True, width="stretch", height=220, column_config={
                "chat": ui.t("preview.chat"), "sender": ui.t("preview.sender"), "time": ui.t("preview.time"),
                "kind": ui.t("preview.kind"), "text": ui.t("preview.text")})
        with bubbles:
            transcript_preview(head, part)
        for note in part["notes"]:
            st.caption(ui.t("import.note", note=md_escape(ui.note(note))))
    ok = [p for p in parts if "error" not in p]
    if not ok:
        return None
    me = None
    if any(not p["has_me_flag"] for p in ok):
        options = me_options(ok)
        if options:
            me = st.selectbox(ui.t("import.me"), options, key=f"me_{src.key}", help=ui.t("import.me_help"))
    else:
        st.caption(":material/check: " + ui.t("import.me_flagged"))
    return src, me


def run_import(todo: list[tuple[Source, str | None]], fmt: str | None) -> None:
    bar = st.progress(0.0, text=ui.t("import.progress", name=md_escape(todo[0][0].name), i=1, n=len(todo)))
    results = []
    for i, (src, me) in enumerate(todo):
        def step(frac: float, msg: str, i: int = i, src: Source = src) -> None:
            shown = src.name if msg == "done" else msg
            head, _, what = shown.rpartition(": ")  # "name: reading" from lib.workspace: the step in this language
            if head and what in ("reading", "saving"):
                shown = f"{head}: {ui.t(f'progress.{what}')}"
            done = (i + min(1.0, max(0.0, float(frac)))) / len(todo)
            bar.progress(min(1.0, done), text=ui.t("import.progress", name=md_escape(shown), i=i + 1, n=len(todo)))

        try:
            report = ui.ws.import_paths([src.path], me=me, fmt=fmt, progress=step,
                                        display_names={src.path: src.name})
        except WorkspaceBusy as exc:  # another tab or command is importing, scanning or exporting: nothing changed
            results.append({"status": "skipped", "message": str(exc), "n_messages": 0, "notes": [],
                            "code": exc.code, "params": exc.params})
            break
        results += [asdict(f) for f in report.files]
    bar.empty()
    st.session_state["_import_results"] = results
    new = sum(r["n_messages"] for r in results if r["status"] == "imported")
    st.toast(ui.t("import.done", n=new), icon=":material/check_circle:")


def render_results() -> None:
    results = st.session_state.get("_import_results")
    if not results:
        return
    st.markdown(f"**{ui.t('import.results')}**")
    for r in results:
        show, icon = STATUS.get(r["status"], (st.info, ":material/info:"))
        show(md_escape(ui.result_text(r)), icon=icon)
        for note in r.get("notes") or []:
            st.caption(ui.t("import.note", note=md_escape(ui.note(note))))


def render_segmentation() -> None:
    cfg = ui.ws.segment_config
    modes = ["placeholder", "cut", "drop"]
    with st.expander(ui.t("seg.title"), icon=":material/tune:"):
        st.caption(ui.t("seg.intro"))
        with st.form("segment_form", border=False):
            left, right = st.columns(2)
            gap = left.number_input(ui.t("seg.gap"), min_value=1.0, max_value=10080.0, step=5.0,
                                    value=float(cfg.gap_minutes), help=ui.t("seg.gap_help"))
            merge = right.number_input(ui.t("seg.merge"), min_value=0.0, max_value=1440.0, step=1.0,
                                       value=float(cfg.merge_minutes), help=ui.t("seg.merge_help"))
            nontext = st.radio(ui.t("seg.nontext"), modes, index=modes.index(cfg.nontext), horizontal=True,
                               format_func=lambda m: ui.t(f"seg.nontext.{m}"))
            groups = st.checkbox(ui.t("seg.groups"), value=cfg.include_groups, help=ui.t("seg.groups_help"))
            applied = st.form_submit_button(ui.t("seg.apply"), type="primary")
        if applied:
            try:
                new = SegmentConfig.from_dict({**cfg.to_dict(), "gap_minutes": gap, "merge_minutes": merge,
                                               "nontext": nontext, "include_groups": groups})
            except ValueError as exc:
                st.error(ui.t("seg.invalid", error=md_escape(ui.error_text(exc))))
                return
            with st.spinner(ui.t("seg.applying")):
                ui.ws.set_segment_config(new)
            convs = dict(ui.ws.funnel()).get("trainable conversations", 0)
            st.success(ui.t("seg.applied", convs=convs), icon=":material/check_circle:")


def render_chats() -> None:
    chats = ui.ws.chats()
    if chats.empty:
        st.caption(ui.t("chats.empty"))
        return
    view = chats.assign(
        family=[family_label(ui, f) for f in chats["family"]],
        is_group=chats["is_group"].astype(bool),
        first=chats["first"].fillna("").str.replace("T", " "),
        last=chats["last"].fillna("").str.replace("T", " "))
    num = st.column_config.NumberColumn
    st.dataframe(view, hide_index=True, width="stretch", column_order=[
        "name", "family", "is_group", "messages", "mine", "theirs", "first", "last", "conversations", "trainable"],
        column_config={
            "name": ui.t("chats.name"), "family": ui.t("chats.family"),
            "is_group": st.column_config.CheckboxColumn(ui.t("chats.group")),
            "messages": num(ui.t("chats.messages"), format="localized"),
            "mine": num(ui.t("chats.mine"), format="localized"),
            "theirs": num(ui.t("chats.theirs"), format="localized"),
            "first": ui.t("chats.first"), "last": ui.t("chats.last"),
            "conversations": num(ui.t("chats.conversations"), format="localized"),
            "trainable": num(ui.t("chats.trainable"), format="localized")})


def render_me() -> None:
    """Who is "me", per chat, after the import: re-derives every message's side; Undo takes the last change back."""
    chats = ui.ws.chats()
    if chats.empty:
        return
    with st.expander(ui.t("me.title"), icon=":material/person_search:"):
        st.caption(ui.t("me.help"))
        ids = [int(i) for i in chats["id"]]
        names = {int(r.id): str(r.name) for r in chats.itertuples(index=False)}
        left, right = st.columns(2)
        chat_id = left.selectbox(ui.t("me.chat"), ids, format_func=names.get, key="me_chat")
        people = ui.ws.chat_participants(chat_id)
        if not people:
            return
        current = str(chats.loc[chats["id"] == chat_id, "me_name"].iloc[0] or "")
        who = right.selectbox(ui.t("me.who"), people, index=people.index(current) if current in people else 0,
                              key=f"me_who_{chat_id}")
        a, b = st.columns(2)
        if a.button(ui.t("me.apply"), key="me_apply", type="primary", icon=":material/how_to_reg:", width="stretch"):
            n = ui.ws.set_me(chat_id, who)
            msg = ui.t("me.done", name=md_escape(who), chat=md_escape(names[chat_id]), n=n) if n or current != who \
                else ui.t("me.same", name=md_escape(who))
            st.session_state["_me_msg"] = msg
            st.rerun()
        if b.button(ui.t("me.undo"), key="me_undo", icon=":material/undo:", width="stretch",
                    disabled=not ui.ws.me_undoable()):
            st.session_state["_me_msg"] = ui.t("me.undone") if ui.ws.undo_me() is not None else ui.t("me.none")
            st.rerun()
        if "_me_msg" in st.session_state:
            st.success(st.session_state.pop("_me_msg"), icon=":material/check_circle:")


def render_turns(conv_id: int) -> None:
    tt = turns(ui.ws.conversation_messages(conv_id))
    if tt.empty:
        st.caption(ui.t("browse.empty_conv"))
        return
    for row in tt.head(MAX_TURNS).itertuples(index=False):
        bubble(row.sender or ui.t("common.me"), str(row.time or "").replace("T", " ")[:16], row.text, bool(row.is_me))
    if len(tt) > MAX_TURNS:
        st.caption(ui.t("browse.more", n=len(tt) - MAX_TURNS))


@st.fragment
def conversation_browser() -> None:
    """A page of conversations of one chat; turns load only for opened conversations. Reruns on its own."""
    with guard(ui):
        chats = ui.ws.chats()
        if chats.empty:
            st.caption(ui.t("chats.empty"))
            return
        ids = [int(i) for i in chats["id"]]
        labels = {int(r.id): ui.t("browse.chat_option", name=r.name, messages=int(r.messages))
                  for r in chats.itertuples(index=False)}
        if st.session_state.get("browse_chat") not in ids:
            st.session_state["browse_chat"] = ids[0]
        left, right = st.columns([3, 2])
        chat_id = left.selectbox(ui.t("browse.chat"), ids, format_func=labels.get, key="browse_chat")
        flt = right.segmented_control(ui.t("browse.filter"), ["all", "trainable", "excluded"], default="all",
                                      required=True, key="browse_filter",
                                      format_func=lambda f: ui.t(f"browse.filter.{f}")) or "all"
        trainable = {"trainable": True, "excluded": False}.get(flt)
        _, total = ui.ws.conversations(chat_id=chat_id, trainable=trainable, offset=0, limit=0)
        pages = max(1, math.ceil(total / PAGE_SIZE))
        listing = st.container()
        page = st.pagination(pages, key=f"browse_page_{chat_id}_{flt}") if pages > 1 else 1
        page = min(max(1, int(page or 1)), pages)
        with listing:
            if not total:
                st.caption(ui.t("browse.none"))
                return
            st.caption(ui.t("browse.count", total=total, page=page, pages=pages))
            rows, _ = ui.ws.conversations(chat_id=chat_id, trainable=trainable, offset=(page - 1) * PAGE_SIZE,
                                          limit=PAGE_SIZE)
            for n, r in enumerate(rows.itertuples(index=False)):
                start = str(r.start_time or "").replace("T", " ")[:16] or "—"
                label = ui.t("browse.label", start=start, turns=int(r.n_turns), messages=int(r.n_messages))
                if r.excluded_reason:
                    status, icon = ui.t("browse.excluded", reason=ui.term("reason", r.excluded_reason)), \
                        ":material/block:"
                else:
                    status, icon = ui.t("browse.trainable"), ":material/check_circle:"
                box = st.expander(f"{label} · {status}", icon=icon, expanded=n == 0, key=f"conv_{r.id}",
                                  on_change="rerun")
                if box.open is not False:
                    with box:
                        render_turns(int(r.id))


st.title(ui.t("import.title"))
st.markdown(ui.t("import.caption", name=md_escape(ui.ws.name)))

with guard(ui):
    st.subheader(ui.t("import.step_add"))
    files = st.file_uploader(ui.t("import.upload"), type=UPLOAD_TYPES, accept_multiple_files=True, key="upload",
                             help=ui.t("import.upload_help"))
    if ui.lang != "en":  # the uploader's own words are Streamlit's, English only: say them in the UI's language
        mb = int(st.get_option("server.maxUploadSize") or 200)
        st.caption(ui.t("upload.hint", size=f"{mb / 1024:g} GB" if mb >= 1024 else f"{mb} MB"))
    left, right = st.columns([3, 2])
    raw_path = left.text_input(ui.t("import.path"), key="local_path", placeholder=ui.t("import.path_placeholder"),
                               help=ui.t("import.path_help"))
    known = formats()
    choice = right.selectbox(ui.t("import.format"), ["auto", *known], key="format",
                             format_func=lambda f: ui.t("import.format_auto") if f == "auto" else format_label(f),
                             help=ui.t("import.format_help"))
    fmt = None if choice == "auto" else choice

    sources = saved_uploads(files)
    raw_path = (raw_path or "").strip().strip('"').strip("'")
    if raw_path:
        local = Path(raw_path).expanduser()
        if local.exists():
            sources.append(Source(f"path:{local.resolve()}", local, local.name or str(local)))
        else:
            st.error(ui.t("import.path_missing", path=md_escape(raw_path)), icon=":material/error:")

    live = {src.key for src in sources}
    previews = st.session_state.setdefault("_previews", {})
    for sig in [sig for sig in previews if sig[0] not in live]:
        del previews[sig]

    st.subheader(ui.t("import.step_preview"))
    todo: list[tuple[Source, str | None]] = []
    if not sources:
        st.caption(ui.t("import.nothing"))
    for src in sources:
        with st.container(border=True), guard(ui):
            ready = render_preview(src, fmt)
            if ready:
                todo.append(ready)

    st.subheader(ui.t("import.step_import"))
    if sources and not todo:
        st.caption(ui.t("import.none_ok"))
    if st.button(ui.t("import.button", n=len(todo)), type="primary", disabled=not todo, key="import_go",
                 icon=":material/download:"):
        run_import(todo, fmt)
    render_results()

    st.divider()
    st.subheader(ui.t("import.in_ws"))
    render_segmentation()
    # The yield tab is drawn only while it is open (on_change="rerun"): its chart was the one Vega chart of a new
    # tab of this page, and the browser loads and starts Vega for it before the page settles.
    tab_chats, tab_convs, tab_yield = st.tabs([ui.t("import.tab_chats"), ui.t("import.tab_convs"),
                                               ui.t("import.tab_yield")], key=f"import_tab_{ui.lang}",
                                              on_change="rerun")
    with tab_chats:
        render_chats()
        render_me()
    with tab_convs:
        conversation_browser()
    with tab_yield:
        if tab_yield.open:
            render_funnel(ui)
