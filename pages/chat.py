"""Chat with the twin, streamed, with any backend: the offline twin (the owner's own replies), an OpenAI-compatible
server or iFLYTEK Spark. Errors appear in the conversation and never lose it. In demo mode this is the only page,
behind the owner's passcode, with the "AI twin of <name>" disclosure always visible.
"""
from __future__ import annotations

import time
from typing import Iterator

import streamlit as st

from lib import chat as chat_lib
from lib import demo, persona
from lib.chat import transcript
from lib.chat.base import ChatError, ChatParams
from lib.chat.emoji import StreamConverter, to_unicode
from lib.errors import BadInputError
from lib.pii.redactor import surface_redactor
from pages import guard, md_escape, secret, setup, show_text, stream_text

ui = setup()  # first statement of every page: sends a run that bypassed app.py through it

ss = st.session_state
AVATARS = {"user": ":material/person:", "assistant": ":material/smart_toy:"}


def backend_name() -> str:
    name = ss.get("chat_backend") or ui.ws.get_setting("chat.backend") or "offline"
    return name if name in chat_lib.BACKENDS else "offline"


def settings() -> None:
    """Backend picker, its endpoint (no keys: those come from secrets or the environment), parameters, test."""
    with st.expander(ui.t("chat.settings"), icon=":material/tune:"):
        name = st.segmented_control(ui.t("chat.backend"), chat_lib.BACKENDS, key="chat_backend",
                                    default=backend_name(), required=True,
                                    format_func=lambda b: ui.t(f"chat.backend.{b}"))
        if name != ui.ws.get_setting("chat.backend"):
            ui.ws.set_setting("chat.backend", name)
        cfg = chat_lib.config(ui.ws).get(name, {})
        if name == "openai":
            with st.form("chat_openai"):
                base = st.text_input(ui.t("lab.llm_base"), cfg.get("base_url", ""), placeholder="http://127.0.0.1:8000/v1")
                model = st.text_input(ui.t("lab.llm_model"), cfg.get("model", ""))
                if st.form_submit_button(ui.t("chat.save")):
                    chat_lib.set_config(ui.ws, "openai", {"base_url": base, "model": model})
                    st.rerun()
            st.caption(ui.t("lab.llm_key_found" if (secret("METWIN_LLM_API_KEY") or secret("OPENAI_API_KEY"))
                            else "lab.llm_key_none"))
        elif name == "spark":
            with st.form("chat_spark"):
                url = st.text_input(ui.t("chat.spark_url"), cfg.get("url", ""),
                                    placeholder="wss://maas-api.cn-huabei-1.xf-yun.com/v1.1/chat")
                c1, c2, c3 = st.columns(3)
                app_id = c1.text_input(ui.t("chat.spark_app"), cfg.get("app_id", ""))
                domain = c2.text_input(ui.t("chat.spark_domain"), cfg.get("domain", ""), help=ui.t("chat.spark_domain_help"))
                patch = c3.text_input(ui.t("chat.spark_patch"), cfg.get("patch_id", ""), help=ui.t("chat.spark_patch_help"))
                if st.form_submit_button(ui.t("chat.save")):
                    chat_lib.set_config(ui.ws, "spark", {"url": url, "app_id": app_id, "domain": domain,
                                                         "patch_id": patch})
                    st.rerun()
            have = secret("METWIN_SPARK_API_KEY") and secret("METWIN_SPARK_API_SECRET")
            st.caption(ui.t("chat.spark_keys_found" if have else "chat.spark_keys_none"))
        elif name == "local":
            with st.form("chat_local"):
                base = st.text_input(ui.t("chat.local_base"), cfg.get("base_model", ""), help=ui.t("chat.local_base_help"))
                adapter = st.text_input(ui.t("chat.local_adapter"), cfg.get("adapter", ""),
                                        help=ui.t("chat.local_adapter_help"))
                if st.form_submit_button(ui.t("chat.save")):
                    chat_lib.set_config(ui.ws, "local", {"base_model": base, "adapter": adapter})
                    st.rerun()
        else:
            st.caption(ui.t("chat.offline_help"))
        p = chat_lib.params(ui.ws)
        c1, c2, c3, c4 = st.columns(4)
        temp = c1.slider(ui.t("chat.temperature"), 0.0, 2.0, p.temperature, 0.05, help=ui.t("chat.temperature_help"))
        top_p = c2.slider(ui.t("chat.top_p"), 0.05, 1.0, p.top_p or 1.0, 0.05)
        max_tokens = c3.number_input(ui.t("chat.max_tokens"), 1, 32_000, p.max_tokens or 512, 64)
        history = c4.number_input(ui.t("chat.history"), 0, 100, p.history, 2, help=ui.t("chat.history_help"))
        new = ChatParams(float(temp), None if top_p >= 1.0 else float(top_p), int(max_tokens), int(history))
        if new != p:
            chat_lib.set_params(ui.ws, new)
        if st.button(ui.t("chat.test"), icon=":material/network_check:"):
            try:
                st.success(ui.t("chat.test_ok", what=md_escape(backend().check())), icon=":material/check_circle:")
            except (ChatError, BadInputError) as exc:
                st.error(md_escape(str(exc)), icon=":material/error:")


def backend():
    return chat_lib.get_backend(backend_name(), ui.ws, secret)


def reply_stream(messages: list[dict], params: ChatParams) -> Iterator[str]:
    """The backend's chunks, kept in session state as they arrive (so a stop keeps the partial reply) and shown
    with WeChat emoji as Unicode; an error ends the stream and is remembered for the transcript."""
    ss["chat_partial"] = ""
    shown = StreamConverter()
    try:
        for chunk in backend().stream(messages, params):
            ss["chat_partial"] += chunk
            if out := shown.feed(chunk):
                yield out
    except (ChatError, BadInputError) as exc:
        ss["chat_error"] = str(exc)
    if rest := shown.flush():
        yield rest


def answer() -> None:
    msgs = ss["chat_msgs"]
    p = chat_lib.params(ui.ws)
    params = ChatParams(p.temperature, p.top_p, p.max_tokens, p.history, persona.prompt(ui.ws))
    label = ui.t(f"chat.backend.{backend_name()}")
    with st.chat_message("assistant", avatar=AVATARS["assistant"]):
        stream_text(reply_stream(msgs, params))  # plain text while it streams too: model output is never markup
        err = ss.pop("chat_error", None)
        text = ss.pop("chat_partial", "")
        if err:
            st.error(md_escape(err), icon=":material/error:")
        st.caption(label)
    if text:
        msgs.append({"role": "assistant", "content": text, "backend": label})
    if err:
        msgs.append({"role": "error", "content": err, "backend": label})


def transcript_text(msgs: list[dict], name: str) -> str:
    who = {"user": ui.t("chat.you"), "assistant": name, "error": ui.t("chat.error")}
    return transcript.transcript_text(msgs, who, surface_redactor(ui.ws).text)


def toolbar(msgs: list[dict], name: str) -> None:
    with st.container(horizontal=True):
        can_regen = any(m["role"] == "user" for m in msgs)
        if st.button(ui.t("chat.regenerate"), icon=":material/refresh:", disabled=not can_regen, key="chat_regen"):
            while msgs and msgs[-1]["role"] in ("assistant", "error"):
                msgs.pop()
            ss["_chat_pending"] = True
            st.rerun()
        if st.button(ui.t("chat.clear"), icon=":material/delete_sweep:", disabled=not msgs, key="chat_clear"):
            msgs.clear()
            st.rerun()
        st.download_button(ui.t("chat.download"), transcript_text(msgs, name), disabled=not msgs,
                           file_name=f"chat-{time.strftime('%Y%m%d-%H%M')}.txt", mime="text/plain",
                           icon=":material/download:", key="chat_download")
        st.download_button(ui.t("chat.download_json"), transcript.transcript_json(msgs, surface_redactor(ui.ws).text),
                           disabled=not msgs, file_name=f"chat-{time.strftime('%Y%m%d-%H%M')}.json",
                           mime="application/json", icon=":material/data_object:", key="chat_download_json")


def passcode_gate() -> None:
    """Demo mode: nothing but the disclosure and the passcode box until the passcode is right."""
    if ss.get("demo_ok"):
        return
    st.info(ui.t("demo.ask"), icon=":material/lock:")
    with st.form("demo_pass"):
        code = st.text_input(ui.t("demo.passcode"), type="password", max_chars=64)
        if st.form_submit_button(ui.t("demo.enter"), type="primary"):
            try:  # limits count per client address (across sessions and restarts), not per browser session
                ok = demo.check_passcode(ui.ws, code, st.context.ip_address)
            except demo.PasscodeLocked as exc:
                st.error(ui.t("demo.locked", minutes=exc.minutes), icon=":material/lock_clock:")
                st.stop()
            if ok:
                ss["demo_ok"] = True
                st.rerun()
            st.error(ui.t("demo.wrong"), icon=":material/error:")
    st.stop()


name = persona.twin_name(ui.ws)
st.title(ui.t("chat.title"))
st.warning(ui.t("chat.disclosure", name=md_escape(name)), icon=":material/smart_toy:")

with guard(ui):
    if demo.enabled():
        passcode_gate()
    else:
        settings()
    msgs: list[dict] = ss.setdefault("chat_msgs", [])
    if "chat_partial" in ss:  # the last reply was stopped mid-stream: keep what had arrived
        partial = ss.pop("chat_partial")
        ss.pop("chat_error", None)
        if partial:
            msgs.append({"role": "assistant", "content": partial, "backend": ui.t("chat.stopped")})
    for m in msgs:
        role = "assistant" if m["role"] == "error" else m["role"]
        with st.chat_message(role, avatar=AVATARS.get(role)):
            if m["role"] == "error":
                st.error(md_escape(m["content"]), icon=":material/error:")
            elif m["role"] == "assistant":
                show_text(to_unicode(m["content"]))
                st.caption(md_escape(m.get("backend", "")))
            else:
                show_text(m["content"])
    # submit_mode="stop": while a reply streams, the send button is a stop button (the partial reply is kept above)
    prompt = st.chat_input(ui.t("chat.placeholder", name=name), key="chat_input", max_chars=4000, submit_mode="stop")
    if prompt:
        msgs.append({"role": "user", "content": prompt})
        with st.chat_message("user", avatar=AVATARS["user"]):
            show_text(prompt)
        answer()
    elif ss.pop("_chat_pending", False):
        answer()
    toolbar(msgs, name)
