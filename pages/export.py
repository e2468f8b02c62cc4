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
from lib.export.records import DEDUP, OPENERS, SPLITS, TRAITS
from pages import guard, md_escape, require_messages, setup

ui = setup()  # first statement of every page: sends a run that bypassed app.py through it

ss = st.session_state


def options() -> tuple[str, ExportOptions]:
    fmt = st.segmented_control(ui.t("exp.format"), list(FORMATS), key="exp_fmt", default="sharegpt", required=True,
                               format_func=lambda f: ui.t(f"exp.fmt.{f}"))
    with st.expander(ui.t("exp.options"), icon=":material/tune:"):
        c1, c2, c3 = st.columns(3)
        opener = c1.selectbox(ui.t("exp.opener"), OPENERS, key="exp_opener", help=ui.t("exp.opener_help"),
                              format_func=lambda o: ui.t(f"exp.opener.{o}"))
        max_turns = c2.number_input(ui.t("exp.max_turns"), 1, 200, 20, key="exp_max_turns",
                                    help=ui.t("exp.max_turns_help"))
        max_chars = c3.number_input(ui.t("exp.max_chars"), 20, 100_000, 4000, 500, key="exp_max_chars")
        min_chars = c1.number_input(ui.t("exp.min_chars"), 0, 1000, 2, key="exp_min_chars")
        dedup = c2.selectbox(ui.t("exp.dedup"), DEDUP, index=2, key="exp_dedup",
                             format_func=lambda d: ui.t(f"exp.dedup.{d}"))
        traits = c3.selectbox(ui.t("exp.traits"), TRAITS, index=1, key="exp_traits",
                              format_func=lambda d: ui.t(f"exp.traits.{d}"), help=ui.t("exp.traits_help"))
        val = c1.slider(ui.t("exp.val"), 0.0, 0.5, 0.1, 0.05, key="exp_val")
        split = c2.selectbox(ui.t("exp.split"), SPLITS, key="exp_split", format_func=lambda s: ui.t(f"exp.split.{s}"))
        seed = c3.number_input(ui.t("exp.seed"), 0, 2**31 - 1, 42, key="exp_seed")
        groups = c1.toggle(ui.t("exp.groups"), key="exp_groups")
        emotion = c2.toggle(ui.t("exp.emotion"), True, key="exp_emotion")
        notes = c3.toggle(ui.t("exp.notes"), True, key="exp_notes")
        system_turn = c1.toggle(ui.t("exp.system_turn"), False, key="exp_system_turn", help=ui.t("exp.system_turn_help"))
        license_id = c2.text_input(ui.t("exp.license"), "other", key="exp_license", help=ui.t("exp.license_help"))
    with st.expander(ui.t("exp.mbti"), icon=":material/psychology_alt:"):
        mbti_panel()
        include_mbti = st.toggle(ui.t("exp.mbti_include"), key="exp_mbti")
        ratio = st.slider(ui.t("exp.mbti_ratio"), 0.0, 0.5, 0.1, 0.05, key="exp_mbti_ratio",
                          help=ui.t("exp.mbti_ratio_help"), disabled=not include_mbti)
    try:
        opts = ExportOptions(opener=opener, max_turns=int(max_turns), max_chars=int(max_chars),
                             min_chars=int(min_chars), dedup=dedup, val_ratio=float(val), split=split, seed=int(seed),
                             include_groups=groups, emotion=emotion, traits=traits, notes=notes,
                             include_mbti=include_mbti, mbti_ratio=float(ratio), system_turn=system_turn,
                             license=license_id.strip() or "other")
    except BadInputError as exc:  # a licence id Hugging Face would not accept: say so, export nothing
        st.error(md_escape(str(exc)))
        st.stop()
    return fmt, opts


def mbti_panel() -> None:
    from lib import mbti_store

    st.caption(ui.t("exp.mbti_help"))
    files = mbti_store.files(ui.ws)
    if len(files):
        st.dataframe(files, hide_index=True, width="stretch")
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
        st.dataframe(pd.DataFrame({ui.t("exp.left_out"): list(rep.build.dropped),
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
        recs, report, _ = cached_records(ws, opts)
    if not recs:
        st.warning(ui.t("exp.nothing"), icon=":material/warning:")
        st.stop()
    if st.button(ui.t("exp.run", fmt=ui.t(f"exp.fmt.{fmt}")), type="primary", icon=":material/download:"):
        out = export_dir(ws, fmt)
        try:
            with st.spinner(ui.t("exp.writing")):
                rep = run_export(ws, fmt, out, opts)
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
    if len(past):
        st.subheader(ui.t("exp.history"))
        st.dataframe(past.rename(columns={"created": ui.t("exp.col.when"), "format": ui.t("exp.format"),
                                          "out_dir": ui.t("exp.col.folder"), "persona_version": ui.t("exp.col.persona"),
                                          "counts": ui.t("exp.records")}), hide_index=True, width="stretch")
