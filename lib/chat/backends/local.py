"""A transformers model on this machine, with a LoRA adapter trained here (the optional training extra)."""
from __future__ import annotations

import os

from lib.chat import Backend, BackendSpec, ConfigField, Secret, register
from lib.errors import BadInputError


def make(ws, cfg: dict, secret: Secret) -> Backend:
    from lib.chat.local import LocalModel

    base = cfg.get("base_model") or os.environ.get("METWIN_LOCAL_MODEL")
    if not base:
        raise BadInputError("the local backend needs the base model's folder (chat settings, or the Train page's "
                            "\"use in chat\")")
    return LocalModel(base, cfg.get("adapter") or "")


register(BackendSpec(
    "local", "chat.backend.local", make, order=30,
    fields=(ConfigField("base_model", "chat.local_base", "chat.local_base_help"),
            ConfigField("adapter", "chat.local_adapter", "chat.local_adapter_help")),
))
