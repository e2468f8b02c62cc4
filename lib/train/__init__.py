"""Fine-tune the twin: a LoRA adapter trained on the exported ShareGPT data with the base model's own chat template.

    from lib.train import TrainConfig, advice, train, merge
    result = train(TrainConfig(data="export/train.json", base_model="models/Qwen2.5-1.5B-Instruct", out="runs/1"))

``config`` (settings, advice) imports nothing heavy, so the app can show advice without torch installed; ``data``
and ``sft`` need ``requirements-train.txt`` and are loaded on first use.
"""
from __future__ import annotations

from lib.train.config import TrainConfig, advice

__all__ = ["RunResult", "TrainConfig", "advice", "available", "build_dataset", "load_sharegpt", "merge", "train"]


NEEDS = ("torch", "transformers", "peft", "accelerate", "safetensors", "tokenizers")
_LAZY = {"train": "lib.train.sft", "merge": "lib.train.sft", "RunResult": "lib.train.sft",
         "build_dataset": "lib.train.data", "load_sharegpt": "lib.train.data"}


def available() -> bool:
    """Whether the training extra is installed, checked without importing it (torch alone takes seconds)."""
    from importlib.util import find_spec

    return all(find_spec(name) is not None for name in NEEDS)


def __getattr__(name: str):
    """Heavy modules load on first use: ``import lib.train`` stays cheap for the app and the command line."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lib.train' has no attribute {name!r}")
