"""Optional sentence embeddings for the memory index: used when the owner has installed fastembed or
sentence-transformers **and** named a model already on this machine; never required, never downloaded.

Why opt-in by name: both libraries fetch a default model from the internet on first use, and MeTwin downloads
nothing. The model is named in the workspace setting ``memory.embed_model`` (or ``METWIN_EMBED_MODEL``): a local
folder for sentence-transformers, a model name already in fastembed's cache for fastembed. Any failure (package
missing, model absent, a broken install) leaves the index on BM25 alone.
"""
from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from typing import Protocol

from lib import settings

SETTING = settings.EMBED_MODEL.key
_LOADED: dict[str, Embedder | None] = {}
_LOCK = threading.Lock()


class Embedder(Protocol):
    name: str

    def encode(self, texts: Sequence[str]): ...


def available() -> list[str]:
    """The embedding packages importable here (none is fine)."""
    return [p for p, mod in (("fastembed", "fastembed"), ("sentence-transformers", "sentence_transformers"))
            if importlib.util.find_spec(mod) is not None]


class _SentenceTransformers:
    def __init__(self, model: str) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = f"sentence-transformers:{model}"
        self._model = SentenceTransformer(model, local_files_only=True)

    def encode(self, texts: Sequence[str]):
        return self._model.encode(list(texts), batch_size=64, show_progress_bar=False)


class _FastEmbed:
    def __init__(self, model: str) -> None:
        from fastembed import TextEmbedding

        self.name = f"fastembed:{model}"
        self._model = TextEmbedding(model_name=model, local_files_only=True)

    def encode(self, texts: Sequence[str]):
        import numpy as np

        return np.stack(list(self._model.embed(list(texts))))


def _configured(ws) -> str:
    return str(ws.get_setting(SETTING) or os.environ.get("METWIN_EMBED_MODEL") or "").strip()


def peek_embedder(ws) -> tuple[bool, Embedder | None]:
    """(known, embedder) without loading anything: ``known`` is False while a configured model has not been tried in
    this process yet (then nothing built with it can exist either)."""
    model = _configured(ws)
    if not model:
        return True, None
    with _LOCK:
        return (True, _LOADED[model]) if model in _LOADED else (False, None)


def load_embedder(ws) -> Embedder | None:
    """The configured embedder, loaded once per process; None when none is configured or it cannot load."""
    model = _configured(ws)
    if not model:
        return None
    with _LOCK:
        if model in _LOADED:
            return _LOADED[model]
        emb = None
        for pkg, make in (("sentence-transformers", _SentenceTransformers), ("fastembed", _FastEmbed)):
            if pkg in available():
                try:
                    emb = make(model)
                    break
                except Exception:  # noqa: BLE001 - an optional model that will not load is simply not used
                    emb = None
        _LOADED[model] = emb
        return emb


__all__ = ["SETTING", "Embedder", "available", "load_embedder", "peek_embedder"]
