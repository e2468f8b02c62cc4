"""Export: the curated, redacted conversations as a training dataset (ShareGPT, LLaMA-Factory, OpenAI, Alpaca),
with MBTI augmentation, a preview of the first records and a dataset card. Files go into the workspace's
``exports/`` folder and can be downloaded as one zip.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import streamlit as st

from lib.errors import BadInputError, WorkspaceBusy
from lib.export import FORMATS, ExportOptions, cached_records, export_dir, past_exports, zip_name
from lib.export import export as run_export
from lib.export import formats
from lib.persona import mbti_store
from pages import guard, md_escape, require_messages, setup
from pages.components.fields import widget

ui = setup()  # first statement of every page: sends a run that bypassed app.py through it

ss = st.session_state


def options() -> tuple[str, ExportOptions]:
    fmt = st.segmented_control(ui.t("exp.format"), list(FORMATS), key="exp_fmt", default="sharegpt", required=True,
                               format_func=lambda f: ui.t(f"exp.fmt.{f}"))
    values: dict = {}

    def put(where, name: str, **extra) -> None:  # default, choices, bounds: ExportOptions; words: export.opt.<name>
        values[name] = widget(where, ui.t, ExportOptions, name, "export.opt", f"exp_{name}", **extra)

    with st.expander(ui.t("exp.options"), icon=":material/tune:"):
        cols = st.columns(3)
        for i, name in enumerate(("opener", "max_turns", "max_chars", "min_chars", "dedup", "traits", "val_ratio",
                                  "split", "seed", "include_groups", "emotion", "notes", "system_turn", "license")):
            put(cols[i % 3], name)
    with st.expander(ui.t("exp.mbti"), icon=":material/psychology_alt:"):
        mbti_panel()
        put(st, "include_mbti")
        put(st, "mbti_ratio", disabled=not values["include_mbti"])
    values["license"] = str(values["license"]).strip() or ExportOptions().license
    try:
        opts = ExportOptions(**values)
    except BadInputError as exc:  # a licence id Hugging Face would not accept: say so, export nothing
        st.error(md_escape(str(exc)))
        st.stop()
    return fmt, opts


def mbti_panel() -> None:
    from lib.persona import mbti_store

    st.caption(ui.t("exp.mbti_help"))
    files = mbti_store.files(ui.ws)
    if len(files):
        st.dataframe(files_table(files), hide_index=True, width="stretch")
    up = st.file_uploader(ui.t("exp.mbti_upload"), type=["json"], accept_multiple_files=True, key="exp_mbti_up")
    if up and st.button(ui.t("exp.mbti_import"), icon=":material/upload:"):
        for f in up:
            try:
                n = mbti_store.import_bytes(ui.ws, f.getvalue(), f.name)
                st.success(ui.t("exp.mbti_imported", n=n, file=md_escape(f.name)))
            except BadInputError as exc:
                st.error(md_escape(str(exc)), icon=":material/error:")
    mbti_type = st.text_input(ui.t("exp.mbti_type"), mbti_store.chosen_type(ui.ws), max_chars=6,
                              help=ui.t("exp.mbti_type_help"), key="exp_mbti_type")
    if mbti_type != mbti_store.chosen_type(ui.ws):
        try:
            mbti_store.set_type(ui.ws, mbti_type)
        except BadInputError as exc:
            st.error(md_escape(str(exc)), icon=":material/error:")
    if len(files):
        picked = st.multiselect(ui.t("exp.mbti_files"), list(files["file"]), mbti_store.chosen_files(ui.ws),
                                key="exp_mbti_files", help=ui.t("exp.mbti_files_help"), placeholder=ui.t("lab.f.all"))
        if picked != mbti_store.chosen_files(ui.ws):
            mbti_store.set_files(ui.ws, picked)
    restyle = st.toggle(ui.t("exp.mbti_restyle"), mbti_store.restyle_on(ui.ws), key="exp_mbti_restyle",
                        help=ui.t("exp.mbti_restyle_help"))
    if restyle != mbti_store.restyle_on(ui.ws):
        mbti_store.set_restyle(ui.ws, restyle)
    if len(files):
        from lib import persona

        st.caption(ui.t("exp.mbti_preview"))
        for pair in mbti_store.preview(ui.ws, persona.prompt(ui.ws)):
            st.json({"conversations": [{"from": t["role"], "value": t["text"]} for t in pair["turns"]],
                     "source": "mbti", "file": pair["file"]}, expanded=2)


def files_table(files: pd.DataFrame) -> pd.DataFrame:
    """The imported MBTI files in this language: kind, language and pole by name (a type such as ENFJ, a file name
    and an unknown code show as they are)."""
    view = files.assign(kind=[ui.term("exp.mbti_kind", k) for k in files["kind"]],
                        lang=[ui.term("exp.mbti_lang", x) for x in files["lang"]],
                        what=[ui.term("exp.mbti_pole", w) for w in files["what"]])
    return view.rename(columns={c: ui.t(f"exp.mbti_col.{c}") for c in files.columns})


def zipped(folder: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(folder.iterdir()):
            z.write(p, p.name)
    return buf.getvalue()


def result(rep) -> None:
    c = rep.counts
    cols = st.columns(4)
    cols[0].metric(ui.t("exp.records"), f"{c['records']:,}", border=True)
    cols[1].metric(ui.t("exp.train_val"), f"{c['splits'].get('train', 0):,} / {c['splits'].get('val', 0):,}",
                   border=True)
    cols[2].metric(ui.t("exp.my_turns"), f"{c['turns']['mine']:,}", border=True)
    cols[3].metric(ui.t("exp.tokens"), f"~{c['tokens_estimate']:,}", border=True, help=ui.t("exp.tokens_help"))
    if rep.build.dropped:
        st.dataframe(pd.DataFrame({ui.t("exp.left_out"): [ui.term("left", r) for r in rep.build.dropped],
                                   ui.t("exp.n"): list(rep.build.dropped.values())}), hide_index=True)


st.title(ui.t("exp.title"))
st.caption(ui.t("exp.caption"))

with guard(ui):
    ws = ui.ws
    require_messages(ui)
    fmt, opts = options()
    try:
        opts.check()
    except BadInputError as exc:
        st.error(md_escape(str(exc)), icon=":material/error:")
        st.stop()
    with st.spinner(ui.t("exp.building")):
        recs, report, _ = cached_records(ws, opts, augmenters=[mbti_store.augmenter])
    if not recs:
        st.warning(ui.t("exp.nothing"), icon=":material/warning:")
        st.stop()
    if st.button(ui.t("exp.run", fmt=ui.t(f"exp.fmt.{fmt}")), type="primary", icon=":material/download:"):
        out = export_dir(ws, fmt)
        try:
            with st.spinner(ui.t("exp.writing")):
                rep = run_export(ws, fmt, out, opts, augmenters=[mbti_store.augmenter])
        except WorkspaceBusy as exc:  # another tab or command holds the workspace: the last export stays as it was
            st.warning(md_escape(str(exc)), icon=":material/hourglass_top:")
        else:
            ss["_exp_last"] = str(out)
            st.success(ui.t("exp.done", n=rep.counts["records"], path=md_escape(str(out)),
                            secs=f"{rep.seconds:.1f}"), icon=":material/task_alt:")
            result(rep)
    last = ss.get("_exp_last")
    if last and Path(last).is_dir():
        zname = zip_name(ws, Path(last))
        st.download_button(ui.t("exp.download", name=zname.removesuffix(".zip")), zipped(Path(last)),
                           file_name=zname, mime="application/zip", icon=":material/folder_zip:",
                           key="exp_download")
    st.subheader(ui.t("exp.preview"))
    st.caption(ui.t("exp.preview_help", n=len(recs), convs=report.conversations))
    for i, r in enumerate(recs[:3]):
        st.json(formats.item(fmt, r, opts.system_turn), expanded=2 if i == 0 else False)
    past = past_exports(ws).drop(columns="id")
    past["format"] = [ui.term("exp.fmt", f) for f in past["format"]]
    if len(past):
        st.subheader(ui.t("exp.history"))
        st.dataframe(past.rename(columns={"created": ui.t("exp.col.when"), "format": ui.t("exp.format"),
                                          "out_dir": ui.t("exp.col.folder"), "persona_version": ui.t("exp.col.persona"),
                                          "counts": ui.t("exp.records")}), hide_index=True, width="stretch")
