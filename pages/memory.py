"""Memory: the facts the twin knows about the owner's life, each citing its source messages; written here by the
owner or proposed by a language model and accepted here; and a search over the owner's real exchanges (the memory
index every prompt-only backend draws its examples from). All logic is in :mod:`lib.memory`.
"""
from __future__ import annotations

import streamlit as st

from lib.errors import BadInputError
from lib.settings import LLM_ENDPOINT
from lib.memory import KINDS, FactRefused, FactStore, MemoryIndex
from pages import guard, md_escape, require_messages, secret, setup, show_text

ui = setup()  # first statement of every page: sends a run that bypassed app.py through it

ss = st.session_state
LIST_LIMIT = 200
PROPOSALS_SHOWN = 30


def kind_name(kind: str) -> str:
    return ui.t(f"mem.kind.{kind}")


def show_exchange(ex) -> None:
    """An exchange as plain text (chat text is never markup): who said what, in order."""
    who = {"me": ui.t("chat.you"), "them": ui.t("game.them")}
    st.caption(md_escape(ex.chat))
    show_text("\n".join(f"{who[w]}: {text}" for w, text in ex.turns))


def memory_index() -> MemoryIndex:
    """The memory index, built when something on the page needs it (a fact's sources, a search, the model's picks),
    not on load: at 1,000,000 messages a build takes about 40 s. Built once per process until the data changes."""
    index = MemoryIndex.built(ui.ws)
    if index is None:
        with st.spinner(ui.t("mem.indexing")):
            index = MemoryIndex.for_workspace(ui.ws)
    return index


def sources(ids: list[int]) -> None:
    found = memory_index().by_message(ids) if ids else []
    if not found:
        st.caption(ui.t("mem.no_sources" if not ids else "mem.sources_outside", n=len(ids)))
    for ex in found[:5]:
        show_exchange(ex)


def facts_tab(store: FactStore) -> None:
    kind = st.selectbox(ui.t("mem.kind"), ["all", *KINDS], format_func=lambda k: ui.t("mem.all") if k == "all"
                        else kind_name(k), key="mem_kind")
    facts = store.facts("accepted", None if kind == "all" else kind)
    if not facts:
        st.info(ui.t("mem.none"), icon=":material/psychology:")
        return
    st.dataframe([{ui.t("mem.col.id"): f.id, ui.t("mem.kind"): kind_name(f.kind), ui.t("mem.subject"): f.subject,
                   ui.t("mem.text"): f.text, ui.t("mem.col.sources"): len(f.sources),
                   ui.t("mem.col.origin"): ui.t(f"mem.origin.{f.origin}")} for f in facts[:LIST_LIMIT]],
                 hide_index=True, width="stretch")
    pick = st.selectbox(ui.t("mem.edit_pick"), [f.id for f in facts[:LIST_LIMIT]], key="mem_edit_id",
                        format_func=lambda i: next(f"{i} · {kind_name(f.kind)}" for f in facts if f.id == i))
    fact = next(f for f in facts if f.id == pick)
    with st.form("mem_edit"):
        new_kind = st.selectbox(ui.t("mem.kind"), KINDS, index=KINDS.index(fact.kind), format_func=kind_name)
        subject = st.text_input(ui.t("mem.subject"), fact.subject, help=ui.t("mem.subject_help"))
        text = st.text_area(ui.t("mem.text"), fact.text)
        redact = st.checkbox(ui.t("mem.store_redacted"))
        c1, c2 = st.columns(2)
        save = c1.form_submit_button(ui.t("mem.save"), type="primary")
        delete = c2.form_submit_button(ui.t("mem.delete"))
    if save:
        try:
            store.update(fact.id, kind=new_kind, subject=subject, text=text, redact=redact)
            st.rerun()
        except FactRefused as exc:
            st.error(ui.t("mem.refused", redacted=md_escape(exc.redacted)), icon=":material/privacy_tip:")
        except BadInputError as exc:
            st.error(md_escape(ui.error_text(exc)), icon=":material/error:")
    if delete:
        store.delete(fact.id)
        st.rerun()
    st.markdown(f"**{md_escape(ui.t('mem.sources', n=len(fact.sources)))}**")
    sources(fact.sources)


def add_tab(store: FactStore) -> None:
    st.caption(ui.t("mem.add_help"))
    query = st.text_input(ui.t("mem.find_sources"), key="mem_src_q", help=ui.t("mem.find_sources_help"))
    hits = memory_index().search(query, 8, avoid_private=False) if query.strip() else []
    options = {h.exchange.id: h.exchange for h in hits}
    with st.form("mem_add", clear_on_submit=False):
        kind = st.selectbox(ui.t("mem.kind"), KINDS, format_func=kind_name)
        subject = st.text_input(ui.t("mem.subject"), help=ui.t("mem.subject_help"))
        text = st.text_area(ui.t("mem.text"), placeholder=ui.t("mem.text_placeholder"), key="mem_add_text")
        chosen = st.multiselect(ui.t("mem.cite"), list(options), format_func=lambda i: _short(options[i].reply),
                                key="mem_add_cite")
        redact = st.checkbox(ui.t("mem.store_redacted"), key="mem_add_redact")
        submitted = st.form_submit_button(ui.t("mem.add"), type="primary", key="mem_add_submit")
    if submitted:
        ids = [m for i in chosen for m in options[i].message_ids]
        auto = False
        if not ids and text.strip():  # cite the exchanges the fact itself matches best
            ids = [m for h in memory_index().search(text, 2) for m in h.exchange.message_ids]
            auto = bool(ids)
        try:
            fact = store.add(kind, text, ids, subject, redact=redact)
            st.success(ui.t("mem.added", n=len(fact.sources)), icon=":material/check_circle:")
            if auto:
                st.caption(ui.t("mem.auto_cited"))
        except FactRefused as exc:
            st.error(ui.t("mem.refused", redacted=md_escape(exc.redacted)), icon=":material/privacy_tip:")
        except BadInputError as exc:
            st.error(md_escape(ui.error_text(exc)), icon=":material/error:")
    for h in hits:
        show_exchange(h.exchange)


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 1] + "…"


def llm_tab(store: FactStore) -> None:
    from lib.llm import Endpoint, LLMError
    from lib.memory.propose import pick, prompt_preview, propose

    st.caption(ui.t("mem.llm_help"))
    saved = LLM_ENDPOINT.get(ui.ws)
    with st.form("mem_llm_form"):
        base = st.text_input(ui.t("lab.llm_base"), saved.get("base_url", ""), placeholder="http://127.0.0.1:11434/v1")
        model = st.text_input(ui.t("lab.llm_model"), saved.get("model", ""))
        if st.form_submit_button(ui.t("lab.llm_save")):
            LLM_ENDPOINT.set(ui.ws, {"base_url": base.strip(), "model": model.strip()})
            st.rerun()
    key = secret("METWIN_LLM_API_KEY") or secret("OPENAI_API_KEY") or ""
    st.caption(ui.t("lab.llm_key_found" if key else "lab.llm_key_none"))
    if saved.get("base_url") and saved.get("model"):
        n = st.number_input(ui.t("mem.llm_n"), 1, 2000, 48, 12, key="mem_llm_n")
        cited = {m for f in store.facts(None) for m in f.sources}
        items = pick(memory_index(), int(n), cited)
        if not items:
            st.success(ui.t("mem.llm_nothing"), icon=":material/task_alt:")
        else:
            with st.expander(ui.t("mem.llm_prompt", n=min(12, len(items))), icon=":material/visibility:"):
                st.code(prompt_preview(items[:12], ui.lang), language=None, wrap_lines=True)
            if st.button(ui.t("mem.llm_run", n=len(items)), type="primary", icon=":material/auto_awesome:",
                         key="mem_llm_run"):
                bar = st.progress(0.0, text=ui.t("mem.llm_running"))
                total = 0
                try:
                    endpoint = Endpoint(saved["base_url"], saved["model"], key, timeout=120)
                    for stored in propose(store, endpoint, items, ui.lang,
                                          progress=lambda d, t: bar.progress(d / t, text=ui.t("mem.llm_running"))):
                        total += stored
                    st.success(ui.t("mem.llm_done", n=total), icon=":material/check_circle:")
                except (LLMError, BadInputError) as exc:
                    st.error(md_escape(ui.error_text(exc)), icon=":material/error:")
                    st.caption(ui.t("mem.llm_kept", n=total))
                finally:
                    bar.empty()
    else:
        st.info(ui.t("lab.llm_setup"), icon=":material/settings:")
    proposals(store)


def proposals(store: FactStore) -> None:
    props = store.facts("proposed")
    st.subheader(ui.t("mem.proposals", n=len(props)))
    if not props:
        st.caption(ui.t("mem.no_proposals"))
        return
    if st.button(ui.t("mem.accept_all", n=len(props)), key="mem_accept_all"):
        for f in props:
            store.accept(f.id)
        st.rerun()
    for f in props[:PROPOSALS_SHOWN]:
        with st.container(border=True):
            st.caption(md_escape(f"{kind_name(f.kind)}" + (f" · {f.subject}" if f.subject else "")))
            show_text(f.text)
            c1, c2, c3 = st.columns([1, 1, 4])
            if c1.button(ui.t("mem.accept"), key=f"mem_acc_{f.id}", icon=":material/check:"):
                store.accept(f.id)
                st.rerun()
            if c2.button(ui.t("mem.reject"), key=f"mem_rej_{f.id}", icon=":material/close:"):
                store.reject(f.id)
                st.rerun()
            with c3.popover(ui.t("mem.sources", n=len(f.sources))):
                sources(f.sources)


def search_tab() -> None:
    query = st.text_input(ui.t("mem.search"), key="mem_search", placeholder=ui.t("mem.search_placeholder"))
    if not query.strip():
        return
    hits = memory_index().search(query, 10, avoid_private=False)
    if not hits:
        st.caption(ui.t("mem.search_none"))
    for h in hits:
        show_exchange(h.exchange)


st.title(ui.t("mem.title"))
st.caption(ui.t("mem.caption"))

with guard(ui):
    require_messages(ui)
    store = FactStore(ui.ws)
    figures = st.container()  # filled last: a tab below may have built the index this run
    t_facts, t_add, t_llm, t_search = st.tabs([ui.t("mem.tab.facts"), ui.t("mem.tab.add"), ui.t("mem.tab.llm"),
                                               ui.t("mem.tab.search")])
    with t_facts:
        facts_tab(store)
    with t_add:
        add_tab(store)
    with t_llm:
        llm_tab(store)
    with t_search:
        search_tab()
    counts = store.counts()
    index = MemoryIndex.built(ui.ws)  # figures from a built index only: building one waits for a need
    c1, c2, c3, c4 = figures.columns(4)
    c1.metric(ui.t("mem.count.facts"), f"{counts.get('accepted', 0):,}", border=True)
    c2.metric(ui.t("mem.count.proposed"), f"{counts.get('proposed', 0):,}", border=True)
    c3.metric(ui.t("mem.count.exchanges"), f"{index.size:,}" if index is not None else "—", border=True,
              help=None if index is not None else ui.t("mem.count.not_yet"))
    c4.metric(ui.t("mem.count.search"), "BM25" if index is None or index.embedder is None else index.embedder.name,
              border=True)
