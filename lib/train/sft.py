"""Supervised LoRA fine-tuning of a chat model on the exported ShareGPT data, in a plain PyTorch loop.

Why a hand-written loop rather than HF ``Trainer``: the app needs a per-step callback, a stop button that leaves a
resumable checkpoint, a JSON-lines log it can chart while training runs, and bit-for-bit resume; all of that is a few
lines here and a stack of callbacks and private state there.

Layout of a run folder (``cfg.out``)::

    log.jsonl                   one line per step {step, epoch, loss, lr, elapsed}; eval lines {step, epoch, eval_loss}
    checkpoints/step-N/         adapter (peft) + trainer_state.pt (optimizer, scheduler, RNG) + state.json
    adapter/                    the final LoRA adapter (adapter_config.json, adapter_model.safetensors) + tokenizer
    run_card.json, README.md    what was trained on what, with which settings, and how it went

A fresh run (``resume=False``) clears ``log.jsonl`` and ``checkpoints/`` of an earlier run in the same folder.
"""
from __future__ import annotations

import contextlib
import json
import logging
import math
import platform
import random
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lib.errors import BadInputError
from lib.train.config import TrainConfig, advice
from lib.train.data import (
    IGNORE,
    Dataset,
    build_dataset,
    check_tokenizer,
    persona_version,
)

log = logging.getLogger(__name__)

ATTENTION = ("q_proj", "k_proj", "v_proj", "o_proj")
HEADS = ("lm_head", "embed_out")
_STEP_DIR = re.compile(r"^step-(\d+)$")
LIBRARIES = ("torch", "transformers", "peft", "accelerate", "safetensors", "tokenizers")


@dataclass
class RunResult:
    """How a run ended. ``adapter`` is None when it was stopped before the end (``checkpoint`` then resumes it)."""

    out: Path
    adapter: Path | None
    steps: int
    total_steps: int
    train_loss: float | None
    eval_loss: float | None
    stopped: bool
    records_used: int
    records_dropped: int
    wall_time_s: float
    checkpoint: Path | None = None
    resumed_from: int | None = None
    warnings: list[str] = field(default_factory=list)
    run_card: dict = field(default_factory=dict, repr=False)


def library_versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def detect_target_modules(model) -> list[str]:
    """LoRA targets: the attention projections when the model names them so (Llama, Qwen, Mistral, ...), else every
    linear layer but the output head (the head is huge and tied to the vocabulary; adapting it buys nothing)."""
    import torch
    from transformers.pytorch_utils import Conv1D

    names = {name.rsplit(".", 1)[-1] for name, mod in model.named_modules()
             if isinstance(mod, (torch.nn.Linear, Conv1D)) and name}
    attention = [n for n in ATTENTION if n in names]
    return attention or sorted(n for n in names if n not in HEADS)


def _targets(cfg: TrainConfig, model) -> list[str]:
    t = cfg.target_modules
    if isinstance(t, str):
        if t.strip().lower() == "auto":
            return detect_target_modules(model)
        if t.strip().lower() in ("all", "all-linear"):
            import torch
            from transformers.pytorch_utils import Conv1D
            return sorted({n.rsplit(".", 1)[-1] for n, m in model.named_modules()
                           if isinstance(m, (torch.nn.Linear, Conv1D)) and n} - set(HEADS))
        t = [x.strip() for x in t.split(",") if x.strip()]
    return list(t)


def pick_device(want: str = "auto"):
    """(device, dtype): CUDA with bf16 (fp16 on GPUs without it) when present, else CPU in fp32."""
    import torch

    if want == "auto":
        want = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(want)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise BadInputError("device 'cuda' was asked for, but PyTorch sees no CUDA GPU.")
        return device, torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return device, torch.float32


def _dtype_kwarg(dtype) -> dict:
    """``from_pretrained``'s dtype keyword was renamed (``torch_dtype`` -> ``dtype``) in transformers 4.56."""
    import transformers
    from packaging.version import Version

    return {"dtype" if Version(transformers.__version__) >= Version("4.56") else "torch_dtype": dtype}


def _load_base(name: str, dtype, device=None):
    from transformers import AutoModelForCausalLM

    try:
        model = AutoModelForCausalLM.from_pretrained(name, **_dtype_kwarg(dtype))
    except OSError as e:
        raise BadInputError(f"Cannot load the base model {name!r} ({e}); pass a local model folder.") from None
    return model.to(device) if device is not None else model


def _load_tokenizer(name: str):
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(name)
    except OSError as e:
        raise BadInputError(f"Cannot load the tokenizer of {name!r} ({e}); pass a local model folder.") from None
    check_tokenizer(tok, name)
    return tok


def _lr_lambda(total: int, warmup: int) -> Callable[[int], float]:
    """Linear warmup to the peak, then linear decay; never exactly 0, so no step is wasted."""
    def f(s: int) -> float:
        if s < warmup:
            return (s + 1) / warmup
        return max(total - s, 1) / max(total - warmup, 1)
    return f


def _batch(examples: list, pad_id: int, device):
    import torch

    n = max(len(e.input_ids) for e in examples)
    ids = torch.full((len(examples), n), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), n), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(examples), n), dtype=torch.long)
    for i, e in enumerate(examples):
        k = len(e.input_ids)
        ids[i, :k] = torch.tensor(e.input_ids)
        labels[i, :k] = torch.tensor(e.labels)
        mask[i, :k] = 1
    return ids.to(device), mask.to(device), labels.to(device)


def _order(n: int, seed: int, epoch: int) -> list[int]:
    """The epoch's shuffle, from its own generator: resuming mid-epoch replays exactly the same order."""
    import torch

    return torch.randperm(n, generator=torch.Generator().manual_seed(seed * 1000 + epoch)).tolist()


def evaluate(model, data: Dataset, batch_size: int, pad_id: int, device, autocast) -> float:
    """Token-weighted mean loss over the replies of ``data``."""
    import torch

    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(data.examples), batch_size):
            ids, mask, labels = _batch(data.examples[i:i + batch_size], pad_id, device)
            n = int((labels[:, 1:] != IGNORE).sum())
            if not n:
                continue
            with autocast():
                loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            total += float(loss) * n
            count += n
    model.train()
    return total / count if count else float("nan")


# -- checkpoints ---------------------------------------------------------------------------------------------------

def checkpoints(out: Path) -> list[Path]:
    """Complete checkpoints under ``out/checkpoints``, oldest first."""
    root = Path(out) / "checkpoints"
    found = [(int(m.group(1)), p) for p in root.glob("step-*")
             if (m := _STEP_DIR.match(p.name)) and (p / "state.json").is_file()]
    return [p for _, p in sorted(found)]


def _save_checkpoint(model, opt, sched, scaler, step: int, out: Path, state: dict, keep: int) -> Path:
    """Written to a temporary folder and renamed, so a crash mid-save never leaves a half checkpoint to resume."""
    import torch

    root = out / "checkpoints"
    final, tmp = root / f"step-{step}", root / f".step-{step}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(tmp)
    rng = {"torch": torch.get_rng_state(), "python": random.getstate(),
           "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None}
    torch.save({"optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                "scaler": scaler.state_dict() if scaler is not None else None, "rng": rng}, tmp / "trainer_state.pt")
    (tmp / "state.json").write_text(json.dumps({**state, "step": step}, indent=1), encoding="utf-8")
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    if keep > 0:
        for old in checkpoints(out)[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
    return final


def _resume_point(cfg: TrainConfig) -> Path | None:
    if cfg.resume is False or cfg.resume is None:
        return None
    if cfg.resume is True:
        found = checkpoints(cfg.out)
        if not found:
            log.info("resume: no checkpoint under %s, starting fresh", cfg.out / "checkpoints")
        return found[-1] if found else None
    path = Path(cfg.resume)
    if not (path / "state.json").is_file():
        raise BadInputError(f"{path} is not a training checkpoint (no state.json): pass a folder under "
                            f"{cfg.out / 'checkpoints'} or resume=True for the latest.")
    return path


def _load_checkpoint(path: Path, model, opt, sched, scaler, device) -> dict:
    import torch
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    weights = path / "adapter_model.safetensors"
    if not weights.is_file():
        raise BadInputError(f"Checkpoint {path} has no adapter_model.safetensors; resume from another one.")
    set_peft_model_state_dict(model, load_file(str(weights), device=str(device)))
    st = torch.load(path / "trainer_state.pt", map_location="cpu", weights_only=True)
    opt.load_state_dict(st["optimizer"])
    sched.load_state_dict(st["scheduler"])
    if scaler is not None and st.get("scaler"):
        scaler.load_state_dict(st["scaler"])
    torch.set_rng_state(st["rng"]["torch"])
    random.setstate(st["rng"]["python"])
    if st["rng"].get("cuda") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(st["rng"]["cuda"])
    return json.loads((path / "state.json").read_text(encoding="utf-8"))


def _truncate_log(path: Path, step: int) -> None:
    """Drop log lines past the resumed step (the crashed run went on after its last checkpoint): no step twice."""
    if not path.is_file():
        return
    keep = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            if json.loads(line).get("step", 0) <= step:
                keep.append(line)
        except json.JSONDecodeError:
            continue  # a line cut by the crash
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(x + "\n" for x in keep), encoding="utf-8")
    tmp.replace(path)


# -- the run -------------------------------------------------------------------------------------------------------

def train(cfg: TrainConfig, progress: Callable[[dict], None] | None = None,
          should_stop: Callable[[], bool] | None = None) -> RunResult:
    """Fine-tune ``cfg.base_model`` with a LoRA adapter on ``cfg.data``; see the module docstring for the outputs.

    ``progress(event)`` gets every log line plus ``kind`` ("train", "eval", "checkpoint") and ``total_steps``;
    ``should_stop()`` is polled after every step and, when true, ends the run with a checkpoint to resume from.
    Raises :class:`BadInputError` for bad settings, data or base model."""
    import torch
    from peft import LoraConfig, get_peft_model

    t_start = time.monotonic()
    if bad := cfg.problems():
        raise BadInputError(" ".join(bad))
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    device, dtype = pick_device(cfg.device)
    tok = _load_tokenizer(cfg.base_model)
    data = build_dataset(cfg.data, tok, cfg.cutoff_len)
    if not data.examples:
        raise BadInputError(f"No record of {cfg.data} keeps a reply within cutoff_len={cfg.cutoff_len} tokens; "
                            "raise cutoff_len.")
    val = build_dataset(cfg.val, tok, cfg.cutoff_len) if cfg.val else None
    if val is not None and not val.examples:
        val = None
    warnings = advice(data.records, cfg)
    for w in warnings:
        log.warning(w)

    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    model = _load_base(cfg.base_model, dtype, device)
    if cfg.gradient_checkpointing:
        model.config.use_cache = False  # the KV cache is useless in training and incompatible with checkpointing
    targets = _targets(cfg, model)
    if not targets:
        raise BadInputError("No linear layers found for LoRA; set target_modules explicitly.")
    lora = LoraConfig(r=cfg.lora_rank, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                      target_modules=targets, task_type="CAUSAL_LM", bias="none")
    model = get_peft_model(model, lora)
    if cfg.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.enable_input_require_grads()
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)

    n = len(data.examples)
    n_batches = math.ceil(n / cfg.batch_size)
    per_epoch = math.ceil(n_batches / cfg.grad_accum)
    total = cfg.max_steps if cfg.max_steps > 0 else per_epoch * cfg.epochs
    warmup = int(total * cfg.warmup_ratio)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, _lr_lambda(total, warmup))
    scaler = torch.amp.GradScaler("cuda") if dtype == torch.float16 else None
    autocast = ((lambda: torch.autocast(device_type="cuda", dtype=dtype)) if device.type == "cuda"
                else contextlib.nullcontext)
    pad_id = tok.pad_token_id

    log_path = out / "log.jsonl"
    step, elapsed0, resumed_from = 0, 0.0, None
    ckpt = _resume_point(cfg)
    if ckpt is not None:
        state = _load_checkpoint(ckpt, model, opt, sched, scaler, device)
        if state.get("data_sha256") not in (None, data.sha256):
            raise BadInputError(f"{cfg.data} changed since checkpoint {ckpt.name}; start a fresh run "
                                "(resume=False) or restore the original file.")
        step = resumed_from = int(state["step"])
        elapsed0 = float(state.get("elapsed", 0.0))
        _truncate_log(log_path, step)
        log.info("resumed from %s at step %d", ckpt, step)
    else:
        log_path.unlink(missing_ok=True)
        shutil.rmtree(out / "checkpoints", ignore_errors=True)

    t_loop = time.monotonic()

    def elapsed() -> float:
        return round(elapsed0 + time.monotonic() - t_loop, 3)

    def emit(rec: dict, kind: str, write: bool = True) -> None:
        if write:
            with open(log_path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(rec) + "\n")
        if progress is not None:
            progress({**rec, "kind": kind, "total_steps": total})

    def ckpt_state() -> dict:
        return {"data_sha256": data.sha256, "total_steps": total, "elapsed": elapsed(), "config": cfg.to_dict()}

    losses: list[float] = []
    eval_loss: float | None = None
    last_ckpt: Path | None = ckpt
    stopped = False
    while step < total and not stopped:
        epoch = step // per_epoch
        order = _order(n, cfg.seed, epoch)
        batches = [order[i:i + cfg.batch_size] for i in range(0, n, cfg.batch_size)]
        groups = [batches[i:i + cfg.grad_accum] for i in range(0, len(batches), cfg.grad_accum)]
        for g_idx in range(step % per_epoch, per_epoch):
            group = groups[g_idx]
            lr_now = sched.get_last_lr()[0]
            group_loss = 0.0
            for b in group:
                ids, mask, labels = _batch([data.examples[i] for i in b], pad_id, device)
                with autocast():
                    loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss / len(group)
                (scaler.scale(loss) if scaler is not None else loss).backward()
                group_loss += float(loss.detach())
            if scaler is not None:
                scaler.unscale_(opt)
            if cfg.max_grad_norm and cfg.max_grad_norm > 0:
                torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm)
            if scaler is not None:
                scaler.step(opt)
                scaler.update()
            else:
                opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            losses.append(group_loss)
            if not math.isfinite(group_loss):
                raise BadInputError(f"Training diverged at step {step} (loss {group_loss}); lower the learning "
                                    f"rate (now {cfg.lr:g}).")
            rec = {"step": step, "epoch": round(epoch + (g_idx + 1) / per_epoch, 4), "loss": round(group_loss, 6),
                   "lr": lr_now, "elapsed": elapsed()}
            emit(rec, "train", write=step % cfg.log_every == 0 or step == total)
            if val is not None and cfg.eval_steps and step % cfg.eval_steps == 0 and step < total:
                eval_loss = evaluate(model, val, cfg.batch_size, pad_id, device, autocast)
                emit({"step": step, "epoch": rec["epoch"], "eval_loss": round(eval_loss, 6), "elapsed": elapsed()},
                     "eval")
            if step >= total:
                break
            stop = bool(should_stop and should_stop())
            if (cfg.save_steps and step % cfg.save_steps == 0) or stop:
                last_ckpt = _save_checkpoint(model, opt, sched, scaler, step, out, ckpt_state(), cfg.save_total_limit)
                emit({"step": step, "checkpoint": str(last_ckpt)}, "checkpoint", write=False)
            if stop:
                stopped = True
                break

    adapter = None
    if not stopped:
        if cfg.save_steps and (last_ckpt is None or last_ckpt.name != f"step-{step}"):
            # The end state too, so a finished run can be extended (resume with a larger max_steps or epochs).
            last_ckpt = _save_checkpoint(model, opt, sched, scaler, step, out, ckpt_state(), cfg.save_total_limit)
        if val is not None:
            eval_loss = evaluate(model, val, cfg.batch_size, pad_id, device, autocast)
            emit({"step": step, "epoch": round(step / per_epoch, 4), "eval_loss": round(eval_loss, 6),
                  "elapsed": elapsed()}, "eval")
        adapter = out / "adapter"
        shutil.rmtree(adapter, ignore_errors=True)
        model.save_pretrained(adapter)
        tok.save_pretrained(adapter)

    wall = round(elapsed0 + time.monotonic() - t_start, 3)
    train_loss = round(losses[-1], 6) if losses else _last_logged_loss(log_path)
    card = {
        "status": "stopped" if stopped else "completed",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "base_model": str(cfg.base_model),
        "adapter": "adapter" if adapter else None,
        "checkpoint": str(last_ckpt) if stopped and last_ckpt else None,
        "data": data.summary(),
        "val": val.summary() if val is not None else None,
        "persona_version": persona_version(cfg.data),
        "hyperparameters": {**cfg.to_dict(), "target_modules_resolved": targets, "total_steps": total,
                            "warmup_steps": warmup, "steps_per_epoch": per_epoch,
                            "effective_batch": cfg.batch_size * cfg.grad_accum},
        "train_loss": train_loss,
        "train_loss_avg10": round(sum(losses[-10:]) / len(losses[-10:]), 6) if losses else None,
        "eval_loss": eval_loss,
        "steps": step,
        "total_steps": total,
        "epochs": round(step / per_epoch, 4),
        "resumed_from": resumed_from,
        "device": _device_name(device),
        "dtype": str(dtype).removeprefix("torch."),
        "wall_time_s": wall,
        "versions": library_versions(),
        "warnings": warnings,
    }
    (out / "run_card.json").write_text(json.dumps(card, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (out / "README.md").write_text(run_card_markdown(card), encoding="utf-8")
    return RunResult(out=out, adapter=adapter, steps=step, total_steps=total, train_loss=train_loss,
                     eval_loss=eval_loss, stopped=stopped, records_used=len(data.examples),
                     records_dropped=data.dropped_cutoff, wall_time_s=wall, checkpoint=last_ckpt,
                     resumed_from=resumed_from, warnings=warnings, run_card=card)


def _last_logged_loss(path: Path) -> float | None:
    """The loss of the last step logged (a run resumed at its very end trains no step itself)."""
    if not path.is_file():
        return None
    losses = [r["loss"] for r in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if "loss" in r]
    return losses[-1] if losses else None


def _device_name(device) -> str:
    import torch

    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    return str(device)


def run_card_markdown(card: dict) -> str:
    """The run card for people: what the adapter is, what it learned from, and how training went."""
    d, hp = card["data"], card["hyperparameters"]
    rows = [("status", card["status"]), ("base model", card["base_model"]), ("dataset", d["path"]),
            ("dataset sha256", f"`{d['sha256']}`"), ("persona version", card["persona_version"]),
            ("records used / dropped (cutoff) / in file", f"{d['used']} / {d['dropped_cutoff']} / {d['records']}"),
            ("reply tokens trained", d["trained_tokens"]), ("steps", f"{card['steps']} of {card['total_steps']}"),
            ("epochs", card["epochs"]), ("final train loss", card["train_loss"]), ("eval loss", card["eval_loss"]),
            ("device / dtype", f"{card['device']} / {card['dtype']}"), ("wall time (s)", card["wall_time_s"])]
    hp_rows = [(k, v) for k, v in hp.items() if k not in ("data", "base_model", "out")]
    table = ["| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    hp_table = ["| setting | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in hp_rows]
    lines = ["# MeTwin LoRA run", "",
             "A LoRA adapter (`adapter/`) for the base model below, trained only on the owner's replies.", "",
             *table, "", "## Settings", "", *hp_table, ""]
    if card["warnings"]:
        lines += ["## Warnings", "", *[f"- {w}" for w in card["warnings"]], ""]
    lines += ["## Libraries", "", ", ".join(f"{k} {v}" for k, v in card["versions"].items()), ""]
    return "\n".join(lines)


def _merge_tokenizer(adapter: Path, base_model: str | Path):
    """The tokenizer to ship with a merged model: the adapter's own copy (what training used), else the base model's.

    The adapter's copy may not load here: one saved by transformers 5 (LLaMA-Factory's current environment) names the
    class ``TokenizersBackend``, which transformers 4 does not have, and a copy can be damaged. Training never changes
    the vocabulary, so the base model's tokenizer is the same one; only when neither loads is the merge refused."""
    from transformers import AutoTokenizer

    if (adapter / "tokenizer_config.json").is_file():
        try:
            return AutoTokenizer.from_pretrained(str(adapter))
        except Exception as e:  # noqa: BLE001 -- unknown class, bad JSON, missing vocab: all mean "use the base's"
            log.warning("merge: the adapter's tokenizer does not load (%s: %s); using the base model's",
                        type(e).__name__, str(e)[:200])
    try:
        return AutoTokenizer.from_pretrained(str(base_model))
    except Exception as e:  # noqa: BLE001
        raise BadInputError(f"Neither the adapter's tokenizer nor the base model's ({base_model}) loads "
                            f"({type(e).__name__}: {str(e)[:200]}); pass the base model's local folder.") from None


def merge(base_model: str | Path, adapter: str | Path, out: str | Path) -> Path:
    """Fold the adapter into the base weights and save a plain model + tokenizer to ``out``: what vLLM (or any
    server without LoRA support) loads. ``adapter`` may be the adapter folder or the run folder holding it.

    Everything is written to ``<out>.partial-<random>`` and renamed into place only once complete (an earlier merge
    in ``out`` is replaced as a whole): a merge that fails half-way, out of disk or killed, leaves no folder that
    looks like a model but is not one. A non-empty ``out`` that is not a model folder is refused, not replaced."""
    from peft import PeftModel

    from lib import locking

    adapter, out = Path(adapter), Path(out)
    if not (adapter / "adapter_config.json").is_file() and (adapter / "adapter" / "adapter_config.json").is_file():
        adapter = adapter / "adapter"
    if not (adapter / "adapter_config.json").is_file():
        raise BadInputError(f"{adapter} holds no LoRA adapter (adapter_config.json); pass a run's adapter folder.")
    if out.exists() and not out.is_dir():
        raise BadInputError(f"{out} is a file; give a folder for the merged model.")
    if out.is_dir() and any(out.iterdir()) and not (out / "config.json").is_file():
        raise BadInputError(f"{out} holds files that are not a model; the merge replaces its folder as a whole, so "
                            "give a new or empty folder.")
    tok = _merge_tokenizer(adapter, base_model)
    base = _load_base(str(base_model), "auto")
    merged = PeftModel.from_pretrained(base, str(adapter)).merge_and_unload()
    out.parent.mkdir(parents=True, exist_ok=True)
    locking.recover(out)  # what an earlier crashed merge left beside this folder
    job = locking.partial_dir(out)
    with job as partial:  # removed if anything below fails
        merged.save_pretrained(partial, safe_serialization=True)
        tok.save_pretrained(partial)
        locking.publish(job, out)
    return out
