"""Home: what the current workspace holds and how much of it the twin can learn from."""
import streamlit as st

from pages import guard, md_escape, render_funnel, setup

ui = setup()  # first statement of every page: sends a run that bypassed app.py through it

MAX_IMPORTS = 8  # newest first

st.title(ui.t("home.title"))
st.caption(ui.t("app.tagline"))

with guard(ui):
    ws = ui.ws
    st.markdown(ui.t("home.caption", name=md_escape(ws.name), path=str(ws.path)))
    if ws.is_empty():
        st.info(ui.t("home.empty"), icon=":material/upload_file:")
        st.page_link("pages/import_chats.py", label=ui.t("home.go_import"), icon=":material/arrow_forward:")
    else:
        if ws.name == "sample":
            st.caption(":material/info: " + ui.t("home.sample_note"))
        stats = ws.stats()
        funnel = stats["funnel"]
        figures = [
            ("common.chats", stats["chats"], None),
            ("common.messages", stats["messages"], None),
            ("common.mine", stats["mine"], "common.mine_help"),
            ("common.trainable_convs", funnel.get("trainable conversations", 0), "common.trainable_help"),
            ("common.my_turns", funnel.get("my turns to learn from", 0), "common.my_turns_help"),
        ]
        for col, (key, value, help_key) in zip(st.columns(len(figures)), figures):
            col.metric(ui.t(key), f"{int(value):,}", help=ui.t(help_key) if help_key else None, border=True)

        left, right = st.columns([3, 2], gap="large")
        with left:
            render_funnel(ui)
        with right:
            st.subheader(ui.t("home.next"))
            st.markdown(ui.t("home.next_body"))
            st.page_link("pages/import_chats.py", label=ui.t("home.go_import"), icon=":material/arrow_forward:")
            st.subheader(ui.t("home.imports"))
            imports = ws.imports()
            if imports.empty:
                st.caption(ui.t("home.no_imports"))
            for r in imports.tail(MAX_IMPORTS).iloc[::-1].itertuples(index=False):
                st.markdown(ui.t("home.import_line", file=md_escape(r.file_name), messages=int(r.n_messages),
                                 when=str(r.imported_at)[:10], format=md_escape(r.format)))
            if len(imports) > MAX_IMPORTS:
                st.caption(ui.t("home.more_imports", n=len(imports) - MAX_IMPORTS))
