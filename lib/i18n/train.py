"""UI text of the Train page.

Each key holds its English and its Chinese text side by side; :mod:`lib.i18n` merges every
group and ``tests/test_i18n.py`` checks that both use the same ``{placeholders}``."""
from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "page.train": ("Train", "训练"),
    "train.title": ("Train", "训练"),
    "train.caption": (
        "Fine-tune a LoRA adapter on an export, on this computer (a GPU when there is one, slowly on the CPU), "
        "or hand the dataset to LLaMA-Factory or a hosted service.",
        "在这台电脑上用导出的数据微调 LoRA 适配器（有 GPU 就用 GPU，CPU 上较慢），或把数据集交给 LLaMA-Factory "
        "或在线微调服务。",
    ),
    "train.tab.here": ("Train here", "本机训练"),
    "train.tab.handoff": ("Hand off", "交给其他工具"),
    "train.no_extra": (
        "Training needs the optional extra: pip install -r requirements-train.txt (torch, transformers, peft), "
        "then reload this page.",
        "训练需要可选依赖：pip install -r requirements-train.txt（torch、transformers、peft），然后刷新本页。",
    ),
    "train.no_export": ("No ShareGPT export yet: export the dataset first.", "还没有 ShareGPT 导出：请先导出数据集。"),
    "train.export": ("Dataset (an export)", "数据集（一次导出）"),
    "train.base": ("Base model folder", "基础模型文件夹"),
    "train.base_help": (
        "A chat model downloaded beforehand (MeTwin downloads nothing), e.g. a Qwen2.5 Instruct folder.",
        "事先下载好的对话模型（MeTwin 不会下载任何东西），例如 Qwen2.5 Instruct 的文件夹。",
    ),
    "train.preset": ("Preset", "预设"),
    "train.preset.smoke": ("Quick check", "快速检查"),
    "train.preset.recommended": ("Recommended", "推荐"),
    "train.preset.careful": ("Careful", "稳妥"),
    "train.preset_why.smoke": (
        "30 steps to see that everything runs and the loss falls; not a usable twin.",
        "30 步，确认一切能跑、损失在下降；得到的分身不能用。",
    ),
    "train.preset_why.recommended": (
        "What the original experiments found: a small learning rate (1e-4) and 3 epochs. More epochs on a small "
        "dataset make the twin parrot its training chats.",
        "原始实验的结论：较小的学习率（1e-4）和 3 个 epoch。小数据集上 epoch 太多，分身会照搬训练里的聊天。",
    ),
    "train.preset_why.careful": (
        "For a large dataset or a bigger model: a lower rate, 2 epochs, more LoRA capacity, longer context.",
        "适合大数据集或更大的模型：更低的学习率、2 个 epoch、更大的 LoRA 容量、更长的上下文。",
    ),
    "train.opt.epochs": ("Epochs", "Epoch 数"),
    "train.opt.lr": ("Learning rate", "学习率"),
    "train.opt.lora_rank": ("LoRA rank", "LoRA rank"),
    "train.opt.lora_alpha": ("LoRA alpha", "LoRA alpha"),
    "train.opt.cutoff_len": ("Cutoff (tokens)", "截断长度（token）"),
    "train.opt.max_steps": ("Max steps", "最大步数"),
    "train.opt.max_steps.help": ("-1: train all epochs.", "-1：训练完所有 epoch。"),
    "train.opt.grad_accum": ("Gradient accumulation", "梯度累积"),
    "train.opt.batch_size": ("Batch size", "批大小"),
    "train.opt.epochs.help": (
        "Passes over the dataset; more than 3 on a small dataset makes the twin parrot its chats.",
        "遍历数据集的次数；小数据集上超过 3 次，分身会照搬训练里的聊天。",
    ),
    "train.opt.lr.help": (
        "1e-4 to 2e-4 suits LoRA on chats; higher rates can erase the model's chat ability.",
        "LoRA 用 1e-4 到 2e-4 比较合适；太高会毁掉模型的对话能力。",
    ),
    "train.opt.lora_rank.help": (
        "The adapter's capacity: 8-16 is usually enough for a personal style.",
        "适配器的容量：个人风格通常 8-16 就够。",
    ),
    "train.opt.lora_alpha.help": (
        "The adapter's scale, commonly twice the rank.",
        "适配器的缩放，一般是 rank 的两倍。",
    ),
    "train.opt.cutoff_len.help": (
        "Tokens per record: longer records are cut; more tokens need more memory.",
        "每条记录的 token 数：更长的记录会被截断；越长越占显存。",
    ),
    "train.opt.grad_accum.help": (
        "Batches per optimizer step: a larger effective batch without more memory.",
        "每次优化累积的批数：不增加显存就能得到更大的等效批。",
    ),
    "train.opt.batch_size.help": (
        "Records per forward pass; more needs more memory.",
        "每次前向的记录数；越大越占显存。",
    ),
    "train.device": ("Device", "设备"),
    "train.device.cuda": ("GPU: {name}, {mem} GiB ({note}).", "GPU：{name}，{mem} GiB（{note}）。"),
    "train.device.mps": (
        "{name}: found, but training runs on the CPU here (slowly).",
        "{name}：已找到，但这里的训练在 CPU 上进行（较慢）。",
    ),
    "train.device.cpu": (
        "No GPU found: training runs on the CPU, slowly (fine for the quick check on a small model).",
        "没有找到 GPU：训练在 CPU 上进行，较慢（在小模型上做快速检查没问题）。",
    ),
    "train.device.none": (
        "PyTorch is not installed ({note}): install requirements-train.txt to train here.",
        "没有安装 PyTorch（{note}）：安装 requirements-train.txt 后才能在本机训练。",
    ),
    "train.device.check": ("Check the device", "检测设备"),
    "train.device.check_help": (
        "Loads PyTorch once (a few seconds) to see which GPU, if any, training can use.",
        "加载一次 PyTorch（几秒钟），看训练能用哪块 GPU。",
    ),
    "train.needs": (
        "Memory each preset needs for this model (about {params} B parameters): {needs}.",
        "这个模型（约 {params} B 参数）每个预设需要的显存：{needs}。",
    ),
    "train.needs_fit": ("fits", "够用"),
    "train.needs_tight": ("more than this GPU has", "超过这块 GPU 的显存"),
    "train.needs_unknown": (
        "Point the base model folder at a model with a config.json to see what each preset needs.",
        "把基础模型文件夹指向含 config.json 的模型，就能看到每个预设需要多少显存。",
    ),
    "train.model.empty": (
        "Give the base model's folder: a chat model downloaded beforehand (MeTwin downloads nothing).",
        "请填写基础模型的文件夹：事先下载好的对话模型（MeTwin 不会下载任何东西）。",
    ),
    "train.model.missing": (
        "No folder at {folder}: download the base model first (MeTwin downloads nothing).",
        "{folder} 不存在：请先下载基础模型（MeTwin 不会下载任何东西）。",
    ),
    "train.model.file": (
        "{folder} is a file; give the folder that holds config.json and the model's weights.",
        "{folder} 是一个文件；请填写包含 config.json 和模型权重的文件夹。",
    ),
    "train.model.no_config": (
        "{folder} has no config.json: give the model's own folder (the one with config.json and the weights).",
        "{folder} 里没有 config.json：请填写模型本身的文件夹（包含 config.json 和权重的那个）。",
    ),
    "train.model.no_weights": (
        "{folder} has config.json but no weights (*.safetensors or *.bin): the download may be unfinished.",
        "{folder} 有 config.json 但没有权重（*.safetensors 或 *.bin）：可能还没下载完。",
    ),
    "train.model.no_tokenizer": (
        "{folder} has no tokenizer files (tokenizer.json or tokenizer_config.json).",
        "{folder} 里没有分词器文件（tokenizer.json 或 tokenizer_config.json）。",
    ),
    "train.records": (
        "{n:,} training records, {val:,} validation records.",
        "训练记录 {n:,} 条，验证记录 {val:,} 条。",
    ),
    "train.start": ("Start training", "开始训练"),
    "train.run_line": ("Run **{id}**: {state}", "运行 **{id}**：{state}"),
    "train.state.running": ("running", "进行中"),
    "train.state.finished": ("finished", "已完成"),
    "train.state.stopped": ("stopped", "已停止"),
    "train.state.failed": ("failed (see the logs)", "失败（请看日志）"),
    "train.loss": ("training loss", "训练损失"),
    "train.eval_loss": ("validation loss", "验证损失"),
    "train.step": ("Step", "步数"),
    "train.logs": ("Logs", "日志"),
    "train.stop": ("Stop", "停止"),
    "train.stopping": ("Stopping after this step (a checkpoint is saved)…", "将在这一步之后停止（会保存检查点）…"),
    "train.use": ("Use in chat", "在聊天中使用"),
    "train.used": (
        "The Chat page now uses this adapter (backend: local model).",
        "聊天页面现在使用这个适配器（后端：本地模型）。",
    ),
    "train.past": ("Past runs", "以往的运行"),
    "train.handoff_help": (
        "Write LLaMA-Factory configs (LoRA, QLoRA, multi-GPU DeepSpeed) and instructions for hosted fine-tuning "
        "into an export's folder.",
        "把 LLaMA-Factory 配置（LoRA、QLoRA、多 GPU DeepSpeed）和在线微调说明写入一次导出的文件夹。",
    ),
    "train.handoff_base": ("Base model (Hugging Face id or folder)", "基础模型（Hugging Face id 或文件夹）"),
    "train.handoff_write": ("Write the configs", "生成配置"),
    "train.handoff_done": ("Wrote {files} into {folder}.", "已把 {files} 写入 {folder}。"),
}
