"""UI text of the Fidelity page's separate scores, rows and LLM judge (merged into :mod:`lib.i18n`; same rules, same

Each key holds its English and its Chinese text side by side; :mod:`lib.i18n` merges every
group and ``tests/test_i18n.py`` checks that both use the same ``{placeholders}``."""
from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "fid.share_pct": ("Share of conversations to hold out (latest)", "留出对话的比例（最新的）"),
    "fid.share_pct_help": (
        "The latest conversations, by time: a twin is used on the future. 10 % is usual.",
        "按时间取最新的对话：分身用于未来的聊天。通常为 10%。",
    ),
    "fid.adapter": ("LoRA adapter folder (optional)", "LoRA 适配器文件夹（可选）"),
    "fid.adapter_help": (
        "A training run's adapter folder: adds a row for the local model with it (the base model is the local "
        "backend's, in the chat settings).",
        "某次训练输出的适配器文件夹：增加一行本地模型加该适配器的结果（基座模型取聊天设置中本地后端的）。",
    ),
    "fid.row.offline": ("Offline twin", "离线分身"),
    "fid.row.random": ("Random reply of mine (baseline)", "随机抽取的我的回复（基线）"),
    "fid.row.prompt_only": ("{model}: prompt only", "{model}：仅提示词"),
    "fid.row.augmented": ("{model}: prompt + examples + memory", "{model}：提示词 + 示例 + 记忆"),
    "fid.row.adapter": ("Local model + adapter", "本地模型 + 适配器"),
    "fid.row.local": ("Local model (measured)", "本地模型（被评估）"),
    "fid.row.base": ("Untuned base model (baseline)", "未微调的基座模型（基线）"),
    "fid.skipped": ("Not measured: {label}. {reason}", "未评估：{label}。{reason}"),
    "fid.col.chrf": ("chrF", "chrF 字符重合度"),
    "fid.metric.chrf": ("chrF (higher is closer)", "chrF（越高越接近）"),
    "fid.metric.style_distance": ("Style distance (lower is closer)", "风格距离（越低越接近）"),
    "fid.metric.pick_rate": ("Twin-vs-real pick (0.5 is indistinguishable)", "分身被选为真的比例（0.5 表示无法分辨）"),
    "fid.scores": ("What matters, scored separately", "分项评分"),
    "fid.col.style_chrf": ("Style: chrF", "风格：chrF"),
    "fid.col.facts": ("Facts right", "事实答对"),
    "fid.col.facts_recall": ("Facts: words held", "事实：词语覆盖"),
    "fid.col.memory": ("Memory right", "记忆答对"),
    "fid.col.memory_recall": ("Memory: words held", "记忆：词语覆盖"),
    "fid.col.judged": ("Judge: taken for mine", "评审：被当成我"),
    "fid.col.judge_real": ("Judge: real one found", "评审：找出真实回复"),
    "fid.col.no_answer": ("Judge: no answer", "评审：未作答"),
    "fid.questions": (
        "{facts} questions from your accepted memory facts, {memory} past exchanges replayed.",
        "根据你已接受的记忆事实提出 {facts} 个问题，重放 {memory} 段过去的对话。",
    ),
    "fid.scores_explain": (
        "**Style**: chrF, the style detector and distinct replies, on held-out conversations. **Facts**: one "
        "question per person, place or kind of your accepted facts (Memory page); right when the reply holds the "
        "fact. **Memory**: your past exchanges replayed; right when the reply holds what you said then. "
        "**Judge**: a language model picks the real reply among {k}; chance is {chance}.",
        "**风格**：在留出对话上的 chrF、风格判别器和不重复回复比例。**事实**：按你已接受的事实（记忆页面）中的每"
        "个人、地点或类型各问一个问题，回复包含该事实即为答对。**记忆**：重放你过去的对话，回复包含你当时说的话即"
        "为答对。**评审**：语言模型在 {k} 个回复中挑出真实的那个；随机为 {chance}。",
    ),
    "fid.judge": ("LLM judge: which reply is really mine?", "大模型评审：哪条回复真的是我写的？"),
    "fid.judge_help": (
        "An OpenAI-compatible model (the one set for labelling and memory) is shown the conversation and several "
        "replies (yours, the twin's, random ones of yours) and asked which one you wrote. Only redacted text is "
        "sent, as a friend of the twin would see it; a round still holding a private value is not sent.",
        "把对话和若干回复（你的、分身的、随机抽取的你的其他回复）发给一个 OpenAI "
        "兼容模型（标注和记忆页面设置的那个），让它判断哪条是你写的。只发送脱敏后的文本，和分身的朋友看到的一样；"
        "仍含隐私值的轮次不会发送。",
    ),
    "fid.judge_on": ("Ask the judge too", "同时请评审判断"),
    "fid.judge_k": ("Candidates per round", "每轮候选数"),
    "fid.judge_setup": (
        "Set a model in the Emotion labels or Memory page's LLM tab to use the judge.",
        "请先在情绪标注或记忆页面的大模型选项卡中设置模型，才能使用评审。",
    ),
    "fid.judge_prompt": (
        "What would be sent (the first round; the twin's reply is filled in when measured)",
        "将要发送的内容（第一轮；分身的回复在评估时填入）",
    ),
    "fid.judge_twin": ("(the twin's reply)", "（分身的回复）"),
    "fid.judge_result": (
        "Judge: {model}, {k} candidates per round (chance {chance}).",
        "评审：{model}，每轮 {k} 个候选（随机为 {chance}）。",
    ),
}
