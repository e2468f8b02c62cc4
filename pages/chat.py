"""Chat with the twin, streamed, with any backend: the offline twin (the owner's own replies), an OpenAI-compatible
server or iFLYTEK Spark. Errors appear in the conversation and never lose it. In demo mode this is the only page,
behind the owner's passcode, with the "AI twin of <name>" disclosure always visible.
"""
from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import replace

import streamlit as st

from lib import chat as chat_lib
from lib import demo, persona
from lib.chat import augment, bursts, transcript
from lib.chat.base import ChatError, ChatParams
from lib.chat.emoji import StreamConverter, to_unicode
from lib.errors import BadInputError
from lib.settings import CHAT_BACKEND
from lib.pii.redactor import surface_redactor
from pages import guard, md_escape, secret, setup, show_text

ui = setup()  # first statement of every page: sends a run that bypassed app.py through it

ss = st.session_state
AVATARS = {"user": ":material/person:", "assistant": ":material/smart_toy:"}


def backend_name() -> str:
    name = ss.get("chat_backend") or CHAT_BACKEND.get(ui.ws)
    return name if name in tuple(chat_lib.REGISTRY) else "offline"


def settings() -> None:
    """Backend picker, its endpoint (no keys: those come from secrets or the environment), parameters, test."""
    with st.expander(ui.t("chat.settings"), icon=":material/tune:"):
        name = st.segmented_control(ui.t("chat.backend"), tuple(chat_lib.REGISTRY), key="chat_backend",
                                    default=backend_name(), required=True,
                                    format_func=lambda b: ui.t(f"chat.backend.{b}"))
        if name != CHAT_BACKEND.get(ui.ws) or not CHAT_BACKEND.is_set(ui.ws):
            CHAT_BACKEND.set(ui.ws, name)
        cfg = chat_lib.config(ui.ws).get(name, {})
        backend_form(chat_lib.REGISTRY[name], cfg)
        if name in augment.DEFAULT_ON:
            memory_settings(name)
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
                st.error(md_escape(ui.error_text(exc)), icon=":material/error:")


def backend_form(spec: chat_lib.BackendSpec, cfg: dict) -> None:
    """The backend's own settings, drawn from its spec (lib/chat/backends/): endpoint fields, whether its keys were
    found, or a note when it needs nothing."""
    if spec.fields:
        with st.form(f"chat_{spec.name}"):
            values = {f.key: st.text_input(ui.t(f.label_key), cfg.get(f.key, ""), placeholder=f.placeholder or None,
                                           help=ui.t(f.help_key) if f.help_key else None)
                      for f in spec.fields}
            if st.form_submit_button(ui.t("chat.save")):
                chat_lib.set_config(ui.ws, spec.name, values)
                st.rerun()
    found, missing = spec.keys_caption
    if spec.secrets and found:
        st.caption(ui.t(found if spec.keys_found(secret) else missing))
    if spec.note_key:
        st.caption(ui.t(spec.note_key))


def memory_settings(name: str) -> None:
    """Your examples and memory in the prompt, per generative backend (on by default for the prompt-only ones)."""
    cur = augment.settings(ui.ws, name)
    c1, c2, c3 = st.columns([2, 1, 1])
    on = c1.toggle(ui.t("chat.memory_toggle"), cur["on"], help=ui.t("chat.memory_help"), key=f"chat_mem_{name}")
    k = c2.number_input(ui.t("chat.memory_k"), 0, 20, cur["k"], 1, disabled=not on, key=f"chat_mem_k_{name}")
    budget = c3.number_input(ui.t("chat.memory_budget"), 200, 32_000, cur["budget"], 100, disabled=not on,
                             key=f"chat_mem_b_{name}")
    if (on, int(k), int(budget)) != (cur["on"], cur["k"], cur["budget"]):
        augment.set_settings(ui.ws, name, on, int(k), int(budget))


def backend():
    return chat_lib.get_backend(backend_name(), ui.ws, secret)


def speaking() -> None:
    """Which twin is speaking and what would make it better (the owner's view only, never in demo mode)."""
    (key, vals), tips = augment.advice(ui.ws, backend_name())
    label = ui.t(f"chat.backend.{backend_name()}")
    text = ui.t(key, backend=md_escape(label), **{k: md_escape(v) for k, v in vals.items()})
    if tips:
        text += "  \n" + ui.t("chat.better") + " " + " ".join(
            ui.t(t, **{k: md_escape(v) for k, v in v2.items()}) for t, v2 in tips)
    st.info(text, icon=":material/record_voice_over:")


def why(b, messages: list[dict], params: ChatParams) -> dict | None:
    """What the reply was drawn from, for the "why this reply" expander: the offline twin's best candidates, or the
    examples and facts an augmented prompt carried. Kept with the message (the owner's view only)."""
    inner = getattr(b, "inner", b)
    got = getattr(inner, "retrieved", None)
    if got is not None:
        return {"kind": "prompt", "facts": [f.line() for f in got.facts],
                "examples": [augment.example_text(h, ui.lang) for h in got.examples], "tokens": got.tokens,
                "budget": got.budget, "left": got.left_out}
    if hasattr(inner, "explain"):
        try:
            cands = inner.explain(messages, params)
        except Exception:  # noqa: BLE001 - an explanation is a courtesy: never lose the reply over it
            return None
        guard_text = b.guard() if hasattr(b, "guard") else (lambda x: x)
        return {"kind": "offline", "candidates": [(round(c.score, 2), guard_text(c.prompt), guard_text(c.reply),
                                                   bool(c.chosen)) for c in cands]}
    return None


def show_why(info: dict | None) -> None:
    if not info or demo.enabled():
        return
    with st.expander(ui.t("chat.why"), icon=":material/manage_search:"):
        if info["kind"] == "offline":
            st.caption(ui.t("chat.why.offline"))
            for score, prompt, reply, chosen in info["candidates"]:
                st.caption(f"{score:.2f}" + (f" · {ui.t('chat.why.given')}" if chosen else ""))
                show_text(f"{ui.t('game.them')}: {prompt}\n{ui.t('chat.you')}: {reply}")
            return
        st.caption(ui.t("chat.why.tokens", tokens=info["tokens"], budget=info["budget"], left=info["left"]))
        st.markdown(f"**{md_escape(ui.t('chat.why.facts', n=len(info['facts'])))}**")
        for line in info["facts"]:
            show_text(line)
        st.markdown(f"**{md_escape(ui.t('chat.why.examples', n=len(info['examples'])))}**")
        for ex in info["examples"]:
            show_text(ex)


def reply_stream(b, messages: list[dict], params: ChatParams) -> Iterator[str]:
    """The backend's chunks, kept in session state as they arrive (so a stop keeps the partial reply) and shown
    with WeChat emoji as Unicode; an error ends the stream and is remembered for the transcript."""
    ss["chat_partial"] = ""
    shown = StreamConverter()
    try:
        for chunk in b.stream(messages, params):
            ss["chat_partial"] += chunk
            if out := shown.feed(chunk):
                yield out
    except (ChatError, BadInputError) as exc:
        ss["chat_error"] = ui.error_text(exc)
    if rest := shown.flush():
        yield rest


def twin_words(key: str, markdown: bool = True) -> str:
    """``key`` with the twin's name; "your twin" (``<key>_unnamed``) while the owner has not chosen one. Why: the
    owner should not meet a made-up default name ("Twin", "小T") before naming the twin. Friends in demo mode still
    see the name: to them it is not "your" twin."""
    if not demo.enabled() and not persona.twin_name_chosen(ui.ws):
        return ui.t(f"{key}_unnamed")
    name = persona.twin_name(ui.ws)
    return ui.t(key, name=md_escape(name) if markdown else name)


def answer() -> None:
    msgs = ss["chat_msgs"]
    p = chat_lib.params(ui.ws)
    params = ChatParams(p.temperature, p.top_p, p.max_tokens, p.history, persona.prompt(ui.ws))
    if "_chat_seed" in ss and "seed" in ChatParams.__dataclass_fields__:  # "Regenerate": another good reply
        params = replace(params, seed=ss.pop("_chat_seed"))
    label = ui.t(f"chat.backend.{backend_name()}")
    try:
        b = backend()
    except (ChatError, BadInputError) as exc:
        b, ss["chat_error"] = None, ui.error_text(exc)
    if b is not None:
        # The reply arrives while "typing…" shows, then appears in bubbles the way the owner writes, a short pause
        # before each; a stop keeps what had arrived (chat_partial).
        with st.spinner(twin_words("chat.typing")):
            for _ in reply_stream(b, msgs, params):
                pass
    err = ss.pop("chat_error", None)
    text = ss.pop("chat_partial", "")
    bubbles = bursts.split(text, bursts.turn_size(ui.ws)) if text else []
    for i, bubble in enumerate(bubbles or [""]):
        if i:
            time.sleep(bursts.pause(bubble))
        with st.chat_message("assistant", avatar=AVATARS["assistant"]):
            if bubble:
                show_text(to_unicode(bubble))  # plain text: model output is never markup
            if i == max(len(bubbles) - 1, 0):
                if err:
                    st.error(md_escape(err), icon=":material/error:")
                st.caption(label)
    info = why(b, msgs, params) if text and b is not None and not demo.enabled() else None
    show_why(info)
    if text:
        msgs.append({"role": "assistant", "content": text, "backend": label, "bubbles": bubbles, "why": info})
    if err:
        msgs.append({"role": "error", "content": err, "backend": label})
    keep(msgs)


def keep(msgs: list[dict]) -> None:
    """Save the conversation in the workspace (not in demo mode: a friend's chat is not kept)."""
    if not demo.enabled():
        transcript.save(ui.ws, msgs)


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
            ss["_chat_seed"] = secrets.randbits(31)
            st.rerun()
        if st.button(ui.t("chat.clear"), icon=":material/delete_sweep:", disabled=not msgs, key="chat_clear"):
            msgs.clear()
            keep(msgs)
            st.rerun()
        st.download_button(ui.t("chat.download"), transcript_text(msgs, name), disabled=not msgs,
                           file_name=f"chat-{time.strftime('%Y%m%d-%H%M')}.txt", mime="text/plain",
                           icon=":material/download:", key="chat_download")
        plain = [{k: m[k] for k in ("role", "content", "backend") if k in m} for m in msgs]  # no "why" in a file
        st.download_button(ui.t("chat.download_json"), transcript.transcript_json(plain, surface_redactor(ui.ws).text),
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
st.warning(twin_words("chat.disclosure"), icon=":material/smart_toy:")

with guard(ui):
    if demo.enabled():
        passcode_gate()
    else:
        speaking()
        settings()
    if ss.get("chat_ws") != ui.ws.name:  # a new session or another workspace: its own saved conversation
        ss["chat_msgs"] = [] if demo.enabled() else transcript.load(ui.ws)
        ss["chat_ws"] = ui.ws.name
    msgs: list[dict] = ss["chat_msgs"]
    if "chat_partial" in ss:  # the last reply was stopped mid-stream: keep what had arrived
        partial = ss.pop("chat_partial")
        ss.pop("chat_error", None)
        if partial:
            msgs.append({"role": "assistant", "content": partial, "backend": ui.t("chat.stopped")})
            keep(msgs)
    for m in msgs:
        role = "assistant" if m["role"] == "error" else m["role"]
        with st.chat_message(role, avatar=AVATARS.get(role)):
            if m["role"] == "error":
                st.error(md_escape(m["content"]), icon=":material/error:")
            elif m["role"] == "assistant":
                bubbles = m.get("bubbles") or [m["content"]]
                show_text(to_unicode(bubbles[0]))
                if len(bubbles) == 1:
                    st.caption(md_escape(m.get("backend", "")))
            else:
                show_text(m["content"])
        if m["role"] == "assistant" and len(m.get("bubbles") or []) > 1:
            for j, bubble in enumerate(m["bubbles"][1:], 2):
                with st.chat_message("assistant", avatar=AVATARS["assistant"]):
                    show_text(to_unicode(bubble))
                    if j == len(m["bubbles"]):
                        st.caption(md_escape(m.get("backend", "")))
        if m["role"] == "assistant":
            show_why(m.get("why"))
    # submit_mode="stop": while a reply streams, the send button is a stop button (the partial reply is kept above)
    prompt = st.chat_input(twin_words("chat.placeholder", markdown=False), key="chat_input", max_chars=4000,
                           submit_mode="stop")
    if prompt:
        msgs.append({"role": "user", "content": prompt})
        with st.chat_message("user", avatar=AVATARS["user"]):
            show_text(prompt)
        answer()
    elif ss.pop("_chat_pending", False):
        answer()
    toolbar(msgs, name)
