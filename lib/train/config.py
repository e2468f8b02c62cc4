"""Training settings and the advice that comes with them. Imports nothing heavy: the app shows the advice before
torch is even installed (it lives in ``requirements-train.txt``)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path

# What the original experiments settled on for a personal-chat LoRA: a few hundred to a few thousand records, a
# small learning rate and few epochs; anything more and the twin parrots its training set.
SMALL_DATASET = 500
MAX_EPOCHS_SMALL = 3
MAX_LR = 5e-4
SUGGESTED = "epochs 2-3, learning rate 1e-4 to 2e-4, LoRA rank 8-16"


@dataclass
class TrainConfig:
    """One supervised LoRA fine-tuning run. Steps are optimizer steps (``batch_size * grad_accum`` records each)."""

    data: Path | str  # ShareGPT JSON as exported (train.json)
    base_model: str  # local folder (or hub id already in the local cache) of a chat model with a chat template
    out: Path | str  # run folder: adapter/, checkpoints/, log.jsonl, run_card.json, README.md
    epochs: int = 3
    lr: float = 1e-4
    lora_rank: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    target_modules: str | list[str] = "auto"  # "auto", "all", "q_proj,v_proj" or a list
    max_steps: int = -1  # > 0 overrides epochs
    cutoff_len: int = 1024  # tokens per record; longer records are cut, ones with no reply left are dropped
    batch_size: int = 1
    grad_accum: int = 4
    val: Path | str | None = None  # validation ShareGPT file (val.json)
    eval_steps: int = 50  # 0: evaluate only at the end
    save_steps: int = 100  # 0: no intermediate checkpoints
    save_total_limit: int = 3  # checkpoints kept (0: all)
    seed: int = 42
    resume: bool | Path | str = False  # True: latest checkpoint under out/checkpoints; or a checkpoint folder
    log_every: int = 1
    warmup_ratio: float = 0.1
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    gradient_checkpointing: bool = False  # trades compute for memory on long records / big models
    device: str = "auto"  # "auto" (cuda when present), "cpu", "cuda", "cuda:1"

    def __post_init__(self) -> None:
        self.data = Path(self.data)
        self.out = Path(self.out)
        self.val = Path(self.val) if self.val else None
        if isinstance(self.resume, str) and self.resume.lower() in ("true", "latest"):
            self.resume = True
        elif isinstance(self.resume, str) and self.resume.lower() in ("", "false", "no"):
            self.resume = False
        elif isinstance(self.resume, str):
            self.resume = Path(self.resume)

    def problems(self) -> list[str]:
        """Settings that cannot work, each a sentence the user can act on."""
        out = []
        for name in ("epochs", "lora_rank", "cutoff_len", "batch_size", "grad_accum", "log_every"):
            if int(getattr(self, name)) < 1:
                out.append(f"{name} must be at least 1 (got {getattr(self, name)}).")
        if not self.lr > 0:
            out.append(f"lr must be positive (got {self.lr}).")
        if not 0 <= self.lora_dropout < 1:
            out.append(f"lora_dropout must be in [0, 1) (got {self.lora_dropout}).")
        if not 0 <= self.warmup_ratio < 1:
            out.append(f"warmup_ratio must be in [0, 1) (got {self.warmup_ratio}).")
        if self.eval_steps < 0 or self.save_steps < 0:
            out.append("eval_steps and save_steps must be 0 (off) or positive.")
        return out

    def to_dict(self) -> dict:
        """JSON-ready (paths as strings), for the run card and checkpoints."""
        d = asdict(self)
        for f in fields(self):
            if isinstance(d[f.name], Path):
                d[f.name] = str(d[f.name])
        return d


def advice(n_records: int, cfg: TrainConfig) -> list[str]:
    """Warnings about settings that tend to ruin a personal twin, with the values that worked. Empty: no concerns.

    A small chat dataset overfits within a few epochs (the twin starts quoting its training chats verbatim), and
    a high learning rate makes LoRA forget how to hold a conversation at all."""
    out: list[str] = []
    epochs = cfg.epochs
    if cfg.max_steps and cfg.max_steps > 0 and n_records > 0:
        epochs = max(epochs, cfg.max_steps * cfg.batch_size * cfg.grad_accum / n_records)
    if n_records < SMALL_DATASET and epochs > MAX_EPOCHS_SMALL:
        out.append(f"Only {n_records} records and {epochs:g} epochs: a dataset under {SMALL_DATASET} records overfits "
                   f"after about {MAX_EPOCHS_SMALL} epochs (the twin repeats its training chats). Try {SUGGESTED}.")
    if cfg.lr > MAX_LR:
        out.append(f"Learning rate {cfg.lr:g} is high for LoRA (above {MAX_LR:g}); training may diverge or erase the "
                   f"model's chat ability. Try {SUGGESTED}.")
    if n_records < 50:
        out.append(f"Only {n_records} records: expect a twin that barely sounds like you; export more chats if you "
                   "can (a few hundred records is a good start).")
    if cfg.lora_rank > 64:
        out.append(f"LoRA rank {cfg.lora_rank} is large for a personal-style dataset; rank 8-16 is usually enough "
                   "and overfits less.")
    return out
