"""What this computer can train on, what each preset needs, and whether a folder holds a model: what the Train page
says before a run starts (issue 18), so a run does not fail minutes later on a missing GPU or a wrong folder.

Importing torch takes seconds, so :func:`detect` runs only when asked (the page caches its answer) and reports a
missing torch instead of failing. Nothing here imports torch at module load.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

GIB = 1024 ** 3
# Rough rule for a LoRA run on a bf16/fp16 GPU: the weights (2 bytes a parameter), plus activations that grow with
# the cutoff length and the batch. Measured figures for a 1.5B model at cutoff 1024 were about 5 GiB.
_ACT_BYTES_PER_TOKEN_PER_B = 0.6 * 1024 ** 2  # activations per token, per billion parameters (with LoRA, no ckpt)


@dataclass(frozen=True)
class DeviceInfo:
    """The device a run with ``device="auto"`` would use. ``kind``: cuda, mps, cpu, or none (torch missing)."""

    kind: str
    name: str = ""
    memory_gib: float | None = None
    torch_version: str = ""
    note: str = ""

    @property
    def has_torch(self) -> bool:
        return self.kind != "none"


def detect() -> DeviceInfo:
    """CUDA (name and memory of GPU 0), else Apple MPS, else the CPU; ``kind="none"`` when torch is not installed.

    Note: the trainer itself uses CUDA when present and otherwise the CPU (lib.train.sft.pick_device); MPS is
    reported so the owner knows the Mac's GPU is there but not used."""
    if find_spec("torch") is None:
        return DeviceInfo("none", note="torch is not installed")
    try:
        import torch
    except Exception as exc:  # noqa: BLE001 - a broken install is reported, not raised
        return DeviceInfo("none", note=f"torch does not load: {type(exc).__name__}")
    version = str(torch.__version__)
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        return DeviceInfo("cuda", props.name, round(props.total_memory / GIB, 1), version,
                          f"{torch.cuda.device_count()} CUDA device(s)")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return DeviceInfo("mps", "Apple GPU (MPS)", None, version, "training runs on the CPU (MPS is not used)")
    return DeviceInfo("cpu", "CPU", None, version, "no GPU found: training runs on the CPU, slowly")


def estimate_gib(params_b: float, cutoff_len: int, batch_size: int = 1) -> float:
    """GPU memory a LoRA run needs, roughly: weights in 16 bits plus activations for one batch, plus 1 GiB slack."""
    weights = params_b * 1e9 * 2
    acts = _ACT_BYTES_PER_TOKEN_PER_B * max(params_b, 0.1) * cutoff_len * batch_size
    return round((weights + acts) / GIB + 1.0, 1)


def model_params_b(folder: str | Path) -> float | None:
    """The model's size in billions of parameters from its config.json (hidden size, layers, vocabulary); None when
    the folder has no readable config."""
    try:
        cfg = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    cfg = cfg.get("text_config", cfg) if isinstance(cfg, dict) else {}
    h, layers, vocab = cfg.get("hidden_size"), cfg.get("num_hidden_layers"), cfg.get("vocab_size")
    if not all(isinstance(x, int) and x > 0 for x in (h, layers, vocab)):
        return None
    inter = cfg.get("intermediate_size") if isinstance(cfg.get("intermediate_size"), int) else 4 * h
    per_layer = 4 * h * h + 3 * h * inter  # attention + gated MLP
    tied = 1 if cfg.get("tie_word_embeddings", False) else 2
    return round((layers * per_layer + tied * vocab * h) / 1e9, 2)


WEIGHTS = ("*.safetensors", "*.bin", "*.pt", "*.gguf")


PROBLEMS = {  # code -> the sentence (English; the page shows i18n's train.model.<code> with the same {folder})
    "empty": "Give the base model's folder: a chat model downloaded beforehand (MeTwin downloads nothing).",
    "missing": "No folder at {folder}: download the base model first (MeTwin downloads nothing).",
    "file": "{folder} is a file; give the folder that holds config.json and the model's weights.",
    "no_config": "{folder} has no config.json: give the model's own folder (the one with config.json and the weights).",
    "no_weights": "{folder} has config.json but no weights (*.safetensors or *.bin): the download may be unfinished.",
    "no_tokenizer": "{folder} has no tokenizer files (tokenizer.json or tokenizer_config.json).",
}


def model_folder_check(folder: str) -> str | None:
    """Why ``folder`` cannot be a base model, as a code of :data:`PROBLEMS`; None when it looks like one."""
    folder = (folder or "").strip()
    if not folder:
        return "empty"
    path = Path(folder).expanduser()
    if not path.exists():
        return "missing"
    if not path.is_dir():
        return "file"
    if not (path / "config.json").is_file():
        return "no_config"
    if not any(any(path.glob(p)) for p in WEIGHTS):
        return "no_weights"
    if not any((path / n).is_file() for n in ("tokenizer.json", "tokenizer_config.json", "tokenizer.model")):
        return "no_tokenizer"
    return None


def model_folder_problem(folder: str) -> str | None:
    """The check's answer as one sentence the owner can act on (for the command line); None when fine."""
    code = model_folder_check(folder)
    return None if code is None else PROBLEMS[code].format(folder=(folder or "").strip())


def preset_needs(presets: dict[str, dict], params_b: float | None, batch_size: int = 1) -> dict[str, float | None]:
    """GPU memory (GiB) each preset needs for a model of ``params_b`` billion parameters; None when unknown."""
    return {name: (estimate_gib(params_b, int(p.get("cutoff_len", 1024)), batch_size) if params_b else None)
            for name, p in presets.items()}
