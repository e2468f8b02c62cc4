"""Training settings and the advice that comes with them. Imports nothing heavy: the app shows the advice before
torch is even installed (it lives in ``requirements-train.txt``)."""
from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path

# What the original experiments settled on for a personal-chat LoRA: a few hundred to a few thousand records, a
# small learning rate and few epochs; anything more and the twin parrots its training set.
SMALL_DATASET = 500
MAX_EPOCHS_SMALL = 3
MAX_LR = 5e-4
SUGGESTED = "epochs 2-3, learning rate 1e-4 to 2e-4, LoRA rank 8-16"
# The fields the Train page offers (their words are the i18n keys train.opt.<field>); the rest keep their defaults.
PAGE_FIELDS = ("epochs", "lr", "lora_rank", "lora_alpha", "cutoff_len", "max_steps", "grad_accum", "batch_size")


def _opt(default=MISSING, help: str = "", **meta):
    """A TrainConfig field: its default and its help (and bounds), the one source for ``python -m lib train``'s flags
    and the Train page's widgets (:mod:`lib.dataclass_args`)."""
    return field(default=default, metadata={"help": help, **meta})


@dataclass
class TrainConfig:
    """One supervised LoRA fine-tuning run. Steps are optimizer steps (``batch_size * grad_accum`` records each)."""

    data: Path | str = _opt(help="ShareGPT JSON from python -m lib export (train.json).")
    base_model: str = _opt(help="Local folder of a chat model with a chat template (or a hub id already in the local "
                                "cache); MeTwin downloads nothing.")
    out: Path | str = _opt(help="Run folder: adapter/, checkpoints/, log.jsonl, run_card.json, README.md.")
    epochs: int = _opt(3, "Passes over the dataset; more than 3 on a small dataset makes the twin parrot its chats.",
                       min=1, max=50)
    lr: float = _opt(1e-4, "Learning rate; 1e-4 to 2e-4 suits LoRA on chats.", min=1e-6, max=1e-2, format="%.0e")
    lora_rank: int = _opt(8, "LoRA rank: the adapter's capacity (8-16 is usually enough).", min=1, max=256)
    lora_alpha: int = _opt(16, "LoRA alpha: the adapter's scale (commonly twice the rank).", min=1, max=512)
    lora_dropout: float = _opt(0.05, "Dropout on the LoRA layers.", min=0.0, max=0.9, step=0.05)
    target_modules: str | list[str] = _opt("auto", "Layers that get an adapter: \"auto\", \"all\" or a list such as "
                                                   "q_proj,v_proj.")
    max_steps: int = _opt(-1, "Optimizer steps to train; > 0 overrides epochs, -1 trains all epochs.",
                          min=-1, max=10**7)
    cutoff_len: int = _opt(1024, "Tokens per record; longer records are cut, ones with no reply left are dropped.",
                           min=64, max=32768, step=64)
    batch_size: int = _opt(1, "Records per forward pass.", min=1, max=64)
    grad_accum: int = _opt(4, "Forward passes per optimizer step (gradient accumulation).", min=1, max=256)
    val: Path | str | None = _opt(None, "Validation ShareGPT file (val.json): evaluation loss.")
    eval_steps: int = _opt(50, "Evaluate every this many steps; 0 evaluates only at the end.", min=0)
    save_steps: int = _opt(100, "Save a checkpoint every this many steps; 0 saves no intermediate checkpoints.",
                           min=0)
    save_total_limit: int = _opt(3, "Checkpoints kept; 0 keeps all.", min=0)
    seed: int = _opt(42, "Seed for shuffling and LoRA initialisation.", min=0)
    resume: bool | Path | str = _opt(False, "Continue from the latest checkpoint in the run folder (or, from Python, "
                                            "a checkpoint folder).")
    log_every: int = _opt(1, "Log the loss every this many steps.", min=1)
    warmup_ratio: float = _opt(0.1, "Share of the steps spent warming the learning rate up.", min=0.0, max=0.9)
    weight_decay: float = _opt(0.0, "Weight decay of the optimizer.", min=0.0)
    max_grad_norm: float = _opt(1.0, "Gradient clipping norm.", min=0.0)
    gradient_checkpointing: bool = _opt(False, "Trade compute for memory on long records or big models.")
    device: str = _opt("auto", "Where to train: auto (CUDA when present, else the CPU), cpu, cuda, cuda:1.")

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
