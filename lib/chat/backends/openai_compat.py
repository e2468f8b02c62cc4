"""Any OpenAI-compatible server (Ollama, llama.cpp, vLLM, a hosted API)."""
from __future__ import annotations

import os

from lib.chat import Backend, BackendSpec, ConfigField, Secret, register
from lib.errors import BadInputError


def make(ws, cfg: dict, secret: Secret) -> Backend:
    from lib.chat.openai_backend import OpenAIBackend
    from lib.llm import Endpoint

    base = cfg.get("base_url") or os.environ.get("METWIN_LLM_BASE_URL")
    model = cfg.get("model") or os.environ.get("METWIN_LLM_MODEL")
    if not base or not model:
        raise BadInputError("the OpenAI-compatible backend needs a base URL and a model (chat settings, or "
                            "METWIN_LLM_BASE_URL and METWIN_LLM_MODEL)")
    key = secret("METWIN_LLM_API_KEY") or secret("OPENAI_API_KEY") or ""
    return OpenAIBackend(Endpoint(base, model, key, timeout=float(cfg.get("timeout") or 120)))


register(BackendSpec(
    "openai", "chat.backend.openai", make, prompt_memory=True, order=10,
    fields=(ConfigField("base_url", "lab.llm_base", placeholder="http://127.0.0.1:8000/v1"),
            ConfigField("model", "lab.llm_model")),
    secrets=(("METWIN_LLM_API_KEY", "OPENAI_API_KEY"),),
    keys_caption=("lab.llm_key_found", "lab.llm_key_none"),
))
