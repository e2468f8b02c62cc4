"""Chat with the twin: backends behind one interface (:mod:`lib.chat.base`) and their configuration.

- ``offline``: the embedded default, the owner's own redacted replies chosen by relevance (no model, key or server);
- ``openai``: any OpenAI-compatible server;
- ``spark``: iFLYTEK Spark over its signed WebSocket, fine-tuned MaaS models included;
- ``local``: a transformers model on this machine with a LoRA adapter trained here (optional training extra).

Endpoints (URLs, model names, app ids) are workspace settings; keys are not. Keys come from ``secret(name)`` --
``.streamlit/secrets.toml`` or the environment -- so they never land in a workspace file or an export.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from lib.chat.base import Backend, ChatError, ChatParams, Message, window
from lib.errors import BadInputError
from lib.settings import CHAT_BACKENDS, CHAT_PARAMS

SETTING = CHAT_BACKENDS.key  # per-backend configs; the chosen backend is CHAT_BACKEND ("chat.backend")
Secret = Callable[[str], "str | None"]


@dataclass(frozen=True)
class ConfigField:
    """One endpoint setting a backend's form asks for and saves in the workspace (never a key: keys come from
    secrets or the environment, see :attr:`BackendSpec.secrets`)."""
    key: str                                         # its name in the backend's saved config (``cfg[key]``)
    label_key: str                                   # i18n key of the field's label
    help_key: str = ""                               # i18n key of its help text
    placeholder: str = ""                            # an example value (a URL shape), shown greyed


@dataclass(frozen=True)
class BackendSpec:
    """One chat backend, as the CLI (``eval --backend``, ``serve --backend``), the Chat page and the prompt builder
    know it. ``make(ws, cfg, secret)`` builds it from its saved settings (``cfg``) and keys (``secret``), raising
    BadInputError saying what is missing; import heavy libraries inside it, so listing backends stays cheap."""

    name: str
    label_key: str                                   # i18n key of its name on the Chat page (chat.backend.<name>)
    make: Callable[[object, dict, Secret], Backend]
    prompt_memory: bool = False                      # persona + examples + facts in its prompt by default
    generative: bool = True                          # writes new text (the offline twin only picks real replies)
    servable: bool = True                            # offered by ``serve --backend``
    order: int = 100                                 # place in the Chat page's picker (the offline twin first)
    fields: tuple[ConfigField, ...] = ()             # what its settings form asks for (the Chat page draws it)
    secrets: tuple[tuple[str, ...], ...] = ()        # keys it needs: each inner tuple is names that can stand in
    keys_caption: tuple[str, str] = ("", "")         # i18n keys: its keys were found / were not found
    note_key: str = ""                               # i18n key of a caption shown instead of a form (none needed)

    def keys_found(self, secret: Secret) -> bool:
        """Whether every key it needs is in ``.streamlit/secrets.toml`` or the environment."""
        return all(any(secret(n) for n in names) for names in self.secrets)


REGISTRY: dict[str, BackendSpec] = {}


def register(spec: BackendSpec) -> BackendSpec:
    REGISTRY[spec.name] = spec
    return spec


def _env(name: str) -> str | None:
    return os.environ.get(name) or None


def config(ws) -> dict:
    """Saved endpoint settings per backend (no keys)."""
    return CHAT_BACKENDS.get(ws)


def set_config(ws, name: str, values: dict) -> None:
    if name not in REGISTRY:
        raise BadInputError(f"unknown backend {name!r}; choose one of {', '.join(REGISTRY)}")
    if any("key" in k.lower() or "secret" in k.lower() for k in values):
        raise BadInputError("keys are not stored in the workspace: put them in .streamlit/secrets.toml or the "
                            "environment")
    cfg = config(ws)
    cfg[name] = {k: str(v).strip() for k, v in values.items()}
    CHAT_BACKENDS.set(ws, cfg)


def params(ws) -> ChatParams:
    saved = CHAT_PARAMS.get(ws)
    return ChatParams(**{k: v for k, v in saved.items() if k in ChatParams.__dataclass_fields__ and k != "system"})


def set_params(ws, p: ChatParams) -> None:
    if not 0.0 <= p.temperature <= 2.0:
        raise BadInputError("temperature must be between 0 and 2 (0.9 suits a twin)")
    if p.top_p is not None and not 0.0 < p.top_p <= 1.0:
        raise BadInputError("top-p must be in (0, 1]")
    if p.max_tokens is not None and p.max_tokens < 1:
        raise BadInputError("max tokens must be at least 1")
    CHAT_PARAMS.set(ws, {"temperature": p.temperature, "top_p": p.top_p, "max_tokens": p.max_tokens,
                                   "history": p.history})


def get_backend(name: str, ws, secret: Secret = _env) -> Backend:
    """The backend ``name`` configured for ``ws``, behind the workspace's output guard (:mod:`lib.pii.guard`): every
    reply it streams has its placeholders rendered and private values replaced, wherever it is shown or sent. Raises
    BadInputError saying what is missing. A generative backend comes wrapped by :func:`lib.chat.augment.augmented`
    when memory in the prompt is on for it (its last retrieval: ``backend.inner.retrieved``)."""
    from lib.chat.augment import augmented
    from lib.pii.guard import guarded

    # Generative backends get the owner's persona, similar real exchanges and facts in their system prompt (on by
    # default for the prompt-only ones; the ``chat.memory`` setting switches it per backend).
    return guarded(augmented(_make(name, ws, secret), ws, name), ws)


def _make(name: str, ws, secret: Secret) -> Backend:
    """The bare backend (no guard): only :func:`get_backend` calls it."""
    spec = REGISTRY.get(name)
    if spec is None:
        raise BadInputError(f"unknown backend {name!r}; choose one of {', '.join(REGISTRY)}")
    return spec.make(ws, config(ws).get(name, {}), secret)


# ----- the backends: one module each in lib/chat/backends/, found at import (like lib/importers) ----------------------
def _load() -> None:
    """Import every module of :mod:`lib.chat.backends`: each calls :func:`register` for its own backend, so a new
    backend is one new module there (plus its labels and test) and nothing else changes. The modules are small: the
    heavy libraries are imported inside each spec's ``make``."""
    import importlib
    import pkgutil

    from lib.chat import backends

    for info in sorted(pkgutil.iter_modules(backends.__path__), key=lambda m: m.name):
        importlib.import_module(f"{backends.__name__}.{info.name}")
    ordered = sorted(REGISTRY.values(), key=lambda spec: (spec.order, spec.name))  # the picker's order
    REGISTRY.clear()
    REGISTRY.update((spec.name, spec) for spec in ordered)


_load()
BACKENDS: tuple[str, ...] = tuple(REGISTRY)  # the built-ins; REGISTRY is the source (a plugin may add to it)


__all__ = ["BACKENDS", "REGISTRY", "Backend", "BackendSpec", "ConfigField", "register", "ChatError", "ChatParams",
           "Message", "config", "get_backend", "params", "set_config", "set_params", "window"]
