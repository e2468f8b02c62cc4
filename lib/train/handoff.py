"""Hand the dataset to LLaMA-Factory or a hosted fine-tuning service: ready-to-run training configs and instructions.

Writes, next to an export's ``dataset_info.json``:

- ``metwin_lora.yaml``: single-GPU LoRA SFT (the original experiments' setup);
- ``metwin_qlora.yaml``: the same in 4-bit (QLoRA) for a GPU with little memory;
- ``metwin_lora_ds.yaml`` + ``ds_z2_config.json``: multi-GPU with DeepSpeed ZeRO-2, for users who outgrow one machine;
- ``TRAINING.md``: how to run each, and how to use a hosted service (iFLYTEK MaaS, OpenAI-style fine-tuning).

The YAML keys are LLaMA-Factory's (``llamafactory-cli train FILE``; checked against its examples/train_lora and
examples/train_qlora configs). Values are written by hand, not with a YAML library: every value here is a number, a
boolean or a quoted string, so the format cannot drift.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from lib.errors import BadInputError

# LLaMA-Factory's chat template per model family: the template must match the base model's own.
TEMPLATES: tuple[tuple[str, str], ...] = (
    ("qwen3", "qwen3"), ("qwen2.5", "qwen"), ("qwen2", "qwen"), ("qwen", "qwen"), ("llama-3", "llama3"),
    ("llama3", "llama3"), ("llama-2", "llama2"), ("glm-4", "glm4"), ("glm4", "glm4"), ("chatglm3", "chatglm3"),
    ("baichuan2", "baichuan2"), ("yi", "yi"), ("mistral", "mistral"), ("gemma", "gemma"), ("deepseek", "deepseek3"),
    ("internlm", "intern2"), ("phi", "phi"),
)


def template_for(base_model: str) -> str:
    """LLaMA-Factory's template name for a model path or id (``"default"`` when unknown: check it by hand)."""
    name = Path(str(base_model)).name.lower() or str(base_model).lower()
    return next((t for key, t in TEMPLATES if key in name), "default")


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


def lora_yaml(cfg: HandoffConfig, dataset_dir: str, has_val: bool, qlora: bool = False,
              deepspeed: str | None = None) -> str:
    template = cfg.template or template_for(cfg.base_model)
    pairs: list = [
        "model", ("model_name_or_path", cfg.base_model), ("trust_remote_code", True),
        "method", ("stage", "sft"), ("do_train", True), ("finetuning_type", "lora"), ("lora_rank", cfg.lora_rank),
        ("lora_alpha", cfg.lora_alpha), ("lora_dropout", cfg.lora_dropout), ("lora_target", "all"),
    ]
    if qlora:
        pairs += [("quantization_bit", 4), ("quantization_method", "bitsandbytes")]
    if deepspeed:
        pairs += [("deepspeed", deepspeed)]
    pairs += [
        "dataset", ("dataset", "metwin"), ("dataset_dir", dataset_dir), ("template", template),
        ("cutoff_len", cfg.cutoff_len), ("overwrite_cache", True), ("preprocessing_num_workers", 4),
        "output", ("output_dir", cfg.output_dir + ("-qlora" if qlora else "-ds" if deepspeed else "")),
        ("logging_steps", 10), ("save_steps", 200), ("plot_loss", True), ("overwrite_output_dir", True),
        "train", ("per_device_train_batch_size", cfg.batch_size), ("gradient_accumulation_steps", cfg.grad_accum),
        ("learning_rate", cfg.lr), ("num_train_epochs", float(cfg.epochs)), ("lr_scheduler_type", "cosine"),
        ("warmup_ratio", 0.1), ("bf16", True),
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
    out = [export_dir / "metwin_lora.yaml", export_dir / "metwin_qlora.yaml", export_dir / "metwin_lora_ds.yaml",
           export_dir / "ds_z2_config.json", export_dir / "TRAINING.md"]
    out[0].write_text(lora_yaml(cfg, ".", has_val), encoding="utf-8")
    out[1].write_text(lora_yaml(cfg, ".", has_val, qlora=True), encoding="utf-8")
    out[2].write_text(lora_yaml(cfg, ".", has_val, deepspeed="ds_z2_config.json"), encoding="utf-8")
    out[3].write_text(json.dumps(DS_Z2, indent=2) + "\n", encoding="utf-8")
    out[4].write_text(instructions(cfg, has_val), encoding="utf-8")
    return out


def instructions(cfg: HandoffConfig, has_val: bool) -> str:
    template = cfg.template or template_for(cfg.base_model)
    return f"""# Training this dataset

Base model: `{cfg.base_model}` (LLaMA-Factory template `{template}`{' -- guessed: check it matches the model' if not cfg.template else ''}).
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
