"""Hand the dataset to LLaMA-Factory or a hosted fine-tuning service: ready-to-run training configs and instructions.

Writes, next to an export's ``dataset_info.json``:

- ``metwin_lora.yaml``: single-GPU LoRA SFT (the original experiments' setup);
- ``metwin_qlora.yaml``: the same in 4-bit (QLoRA) for a GPU with little memory;
- ``metwin_lora_ds.yaml`` + ``ds_z2_config.json``: multi-GPU with DeepSpeed ZeRO-2, for users who outgrow one machine;
- ``TRAINING.md``: how to run each, and how to use a hosted service (iFLYTEK MaaS, OpenAI-style fine-tuning).

The YAML keys and values are LLaMA-Factory's (``llamafactory-cli train FILE``): tests/test_llamafactory_compat.py
parses every generated file with LLaMA-Factory's own argument classes (unknown keys refused), checks enum and literal
values against its value sets, and the template against its registry. Values are written by hand, not with a YAML
library: every value here is a number, a boolean or a quoted string, so the format cannot drift.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from lib.errors import BadInputError

# LLaMA-Factory's chat template per model family: the template must match the base model's own, or the model trains
# on a prompt format it is never served with. Checked against LLaMA-Factory's template registry and its own
# model -> template table (tests/test_llamafactory_compat.py). Patterns are tried in order on the model folder's or
# hub id's last part, lower-cased: the more specific come first (an R1 distill of Qwen is "deepseekr1", not "qwen").
TEMPLATES: tuple[tuple[str, str], ...] = (
    (r"deepseek-r1", "deepseekr1"),  # R1 and its Qwen/Llama distills
    (r"deepseek-v3|deepseek-v2\.5|deepseek-v2-chat-0628", "deepseek3"),
    (r"deepseek-coder-v2|deepseek-v2", "deepseek"),
    (r"deepseek-coder", "deepseekcoder"),
    (r"deepseek", "deepseek"),
    (r"qwen3\.5", "qwen3_5"),
    (r"qwen3-(?!.*(?:vl|omni)).*instruct", "qwen3_nothink"),  # Qwen3-*-Instruct-2507: no thinking block
    (r"qwen3-(?!.*(?:vl|omni))", "qwen3"),
    (r"qwq|qwen2\.5-(?!vl|omni)|qwen2-(?!vl|audio)|qwen-|qwen1\.5", "qwen"),
    (r"llama3-llava-next", "llava_next_llama3"),
    (r"llama-?4", "llama4"),
    (r"llama-?3(?:\.\d)?-.*vision", "mllama"),
    (r"llama-?3", "llama3"),
    (r"llama-?2", "llama2"),
    (r"chatglm3", "chatglm3"),
    (r"glm-z1", "glmz1"),
    (r"glm-4\.7", "glm4_7"),
    (r"glm-4\.[56](?!v)", "glm4_moe"),
    (r"glm-4(?![.\d]*v)", "glm4"),
    (r"medgemma", "gemma3"),
    (r"(?:^|[-_])gemma-4-e\d", "gemma4n"),
    (r"(?:^|[-_])gemma-4-", "gemma4"),
    (r"(?:^|[-_])gemma-3n-", "gemma3n"),
    (r"(?:^|[-_])gemma-3-(?:1b|270m)", "gemma2"),  # the text-only Gemma 3 sizes use Gemma 2's template there
    (r"(?:^|[-_])gemma-3-", "gemma3"),
    (r"(?:^|[-_])gemma-2-", "gemma2"),  # not "gemma-2b": that is Gemma 1
    (r"gemma", "gemma"),
    (r"phi-4-mini", "phi4_mini"),
    (r"phi-4", "phi4"),
    (r"phi-3-small", "phi_small"),
    (r"phi-3", "phi"),
    (r"mistral-small", "mistral_small"),
    (r"ministral-3-", "ministral3"),
    (r"ministral|mistral-nemo", "ministral"),
    (r"mistral|mixtral", "mistral"),
    (r"(?:^|[-_])yi-vl", "yi_vl"),
    (r"(?:^|[-_])yi-", "yi"),
    (r"intern-s1", "intern_s1"),
    (r"internlm", "intern2"),  # InternLM2, 2.5 and 3
)
_TEMPLATE_RES = tuple((re.compile(pattern), template) for pattern, template in TEMPLATES)


def template_for(base_model: str) -> str:
    """LLaMA-Factory's template name for a model path or id (``"default"`` when unknown: check it by hand)."""
    name = Path(str(base_model).rstrip("/\\")).name.lower() or str(base_model).lower()
    return next((t for pattern, t in _TEMPLATE_RES if pattern.search(name)), "default")


@dataclass
class HandoffConfig:
    base_model: str
    template: str = ""  # empty: guessed from the model name
    epochs: float = 3.0
    lr: float = 1e-4
    lora_rank: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    cutoff_len: int = 1024
    batch_size: int = 1
    grad_accum: int = 8
    output_dir: str = "saves/metwin-lora"


def _yaml(pairs: list[tuple[str, object] | str]) -> str:
    lines = []
    for item in pairs:
        if isinstance(item, str):
            lines.append(f"\n### {item}" if lines else f"### {item}")
            continue
        key, value = item
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (int, float)):
            text = repr(value)
        else:
            text = json.dumps(str(value), ensure_ascii=False)  # a quoted YAML string
        lines.append(f"{key}: {text}")
    return "\n".join(lines) + "\n"


WARMUP = 0.1  # share of the optimizer steps spent warming up


def warmup_steps(cfg: HandoffConfig, n_train: int) -> int:
    """Warm-up as a whole number of steps (10% of one GPU's run), the one form every transformers version that
    LLaMA-Factory runs on reads the same way: ``warmup_ratio`` is gone from transformers 5.x's newer releases, and a
    fractional ``warmup_steps`` means a ratio only from 5.0 on (4.x takes it as 0.1 of a step: no warm-up)."""
    per_epoch = max(1, math.ceil(max(n_train, 0) / max(1, cfg.batch_size)) // max(1, cfg.grad_accum))
    return math.ceil(math.ceil(per_epoch * cfg.epochs) * WARMUP)


def lora_yaml(cfg: HandoffConfig, dataset_dir: str, has_val: bool, qlora: bool = False,
              deepspeed: str | None = None, n_train: int = 0) -> str:
    """One LLaMA-Factory training config; ``n_train`` (records in the train split) sizes the warm-up."""
    template = cfg.template or template_for(cfg.base_model)
    pairs: list = [
        "model", ("model_name_or_path", cfg.base_model), ("trust_remote_code", True),
        "method", ("stage", "sft"), ("do_train", True), ("finetuning_type", "lora"), ("lora_rank", cfg.lora_rank),
        ("lora_alpha", cfg.lora_alpha), ("lora_dropout", cfg.lora_dropout), ("lora_target", "all"),
    ]
    if qlora:
        # LLaMA-Factory's QuantizationMethod value is "bnb": any other string is stored unchecked and matches no
        # quantization branch, so the model would silently train in full precision.
        pairs += [("quantization_bit", 4), ("quantization_method", "bnb")]
    if deepspeed:
        pairs += [("deepspeed", deepspeed)]
    pairs += [
        "dataset", ("dataset", "metwin"), ("dataset_dir", dataset_dir), ("template", template),
        ("cutoff_len", cfg.cutoff_len), ("overwrite_cache", True), ("preprocessing_num_workers", 4),
        "output", ("output_dir", cfg.output_dir + ("-qlora" if qlora else "-ds" if deepspeed else "")),
        ("logging_steps", 10), ("save_steps", 200), ("plot_loss", True), ("overwrite_output_dir", True),
        "train", ("per_device_train_batch_size", cfg.batch_size), ("gradient_accumulation_steps", cfg.grad_accum),
        ("learning_rate", cfg.lr), ("num_train_epochs", float(cfg.epochs)), ("lr_scheduler_type", "cosine"),
        ("warmup_steps", warmup_steps(cfg, n_train)), ("bf16", True),
    ]
    if has_val:
        pairs += ["eval", ("eval_dataset", "metwin_val"), ("per_device_eval_batch_size", 1),
                  ("eval_strategy", "steps"), ("eval_steps", 200)]
    return _yaml(pairs)


DS_Z2 = {
    "train_batch_size": "auto", "train_micro_batch_size_per_gpu": "auto", "gradient_accumulation_steps": "auto",
    "gradient_clipping": "auto", "zero_allow_untested_optimizer": True,
    "bf16": {"enabled": "auto"}, "fp16": {"enabled": "auto", "loss_scale": 0, "loss_scale_window": 1000,
                                          "initial_scale_power": 16, "hysteresis": 2, "min_loss_scale": 1},
    "zero_optimization": {"stage": 2, "allgather_partitions": True, "allgather_bucket_size": 5e8,
                          "overlap_comm": True, "reduce_scatter": True, "reduce_bucket_size": 5e8,
                          "contiguous_gradients": True, "round_robin_gradients": True},
}


def _count_records(path: Path) -> int:
    """Records in a JSON list (ShareGPT, Alpaca) or JSON-lines file; 0 when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return 0
    try:
        data = json.loads(text)
        return len(data) if isinstance(data, list) else 0
    except json.JSONDecodeError:
        return sum(1 for line in text.splitlines() if line.strip())


def write(export_dir: Path, cfg: HandoffConfig) -> list[Path]:
    """Write the configs and ``TRAINING.md`` into an export folder (ShareGPT or LLaMA-Factory format)."""
    export_dir = Path(export_dir)
    info_path = export_dir / "dataset_info.json"
    if not info_path.exists():
        raise BadInputError(f"{export_dir} has no dataset_info.json: export as ShareGPT or LLaMA-Factory first")
    info = json.loads(info_path.read_text(encoding="utf-8"))
    if "metwin" not in info:
        raise BadInputError(f"{info_path} has no 'metwin' dataset entry: export again with MeTwin")
    if not cfg.base_model.strip():
        raise BadInputError("give the base model: a Hugging Face id (Qwen/Qwen2.5-7B-Instruct) or a local folder")
    has_val = "metwin_val" in info
    n_train = _count_records(export_dir / info["metwin"].get("file_name", "train.json"))
    out = [export_dir / "metwin_lora.yaml", export_dir / "metwin_qlora.yaml", export_dir / "metwin_lora_ds.yaml",
           export_dir / "ds_z2_config.json", export_dir / "TRAINING.md"]
    out[0].write_text(lora_yaml(cfg, ".", has_val, n_train=n_train), encoding="utf-8")
    out[1].write_text(lora_yaml(cfg, ".", has_val, qlora=True, n_train=n_train), encoding="utf-8")
    out[2].write_text(lora_yaml(cfg, ".", has_val, deepspeed="ds_z2_config.json", n_train=n_train), encoding="utf-8")
    out[3].write_text(json.dumps(DS_Z2, indent=2) + "\n", encoding="utf-8")
    out[4].write_text(instructions(cfg, has_val), encoding="utf-8")
    return out


def instructions(cfg: HandoffConfig, has_val: bool) -> str:
    template = cfg.template or template_for(cfg.base_model)
    guessed = "" if cfg.template else " -- guessed: check it matches the model"
    return f"""# Training this dataset

Base model: `{cfg.base_model}` (LLaMA-Factory template `{template}`{guessed}).
Settings: {cfg.epochs:g} epochs, learning rate {cfg.lr:g}, LoRA rank {cfg.lora_rank} / alpha {cfg.lora_alpha}, cutoff
{cfg.cutoff_len} tokens{', validation split included' if has_val else ''}. A small learning rate and few epochs: a twin
overfits fast (fewer than 500 records and more than 3 epochs starts to parrot).

## LLaMA-Factory, one GPU (LoRA)

```bash
pip install "llamafactory[torch,metrics]"
cd <this folder>
llamafactory-cli train metwin_lora.yaml
```

## Less GPU memory (QLoRA, 4-bit)

```bash
pip install bitsandbytes
llamafactory-cli train metwin_qlora.yaml
```

## Several GPUs (DeepSpeed ZeRO-2)

```bash
pip install deepspeed
FORCE_TORCHRUN=1 llamafactory-cli train metwin_lora_ds.yaml
```

`warmup_steps` is counted for one GPU (10% of its steps); with N GPUs there are N times fewer steps, so divide it by
N to keep the same share.

The adapter lands in `{cfg.output_dir}`. Chat with it in MeTwin (Train page: "use in chat"), or merge it for vLLM:
`python -m lib merge --base-model {cfg.base_model} --adapter {cfg.output_dir} --out merged/`.

## Hosted fine-tuning

- **iFLYTEK MaaS (星辰 / 精调服务)**: create a dataset and upload `train.json` (ShareGPT; `val.json` as the
  validation set if the console asks for one), pick a base model and LoRA, and start the job with the settings above.
  When it is done, publish the service and copy its **serviceId** (the `domain`) and **resourceId** (the `patch_id`)
  into MeTwin's Chat page (backend "iFLYTEK Spark", URL `wss://maas-api.cn-huabei-1.xf-yun.com/v1.1/chat`); the
  API key and secret go into `.streamlit/secrets.toml` as `METWIN_SPARK_API_KEY` and `METWIN_SPARK_API_SECRET`.
- **OpenAI-style services**: export in the *OpenAI JSONL* format instead and upload `train.jsonl` (and `val.jsonl`).
"""
