"""UI text of the persona, export and statistics pages.

Each key holds its English and its Chinese text side by side; :mod:`lib.i18n` merges every
group and ``tests/test_i18n.py`` checks that both use the same ``{placeholders}``."""
from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "nav.dataset": ("Dataset", "数据集"),
    "page.persona": ("Persona", "人设"),
    "page.export": ("Export", "导出"),
    "page.statistics": ("Statistics", "统计"),
    "per.title": ("Persona", "人设"),
    "per.caption": (
        "The twin's system prompt, written from your trait card and habits. Lines whose placeholders are empty "
        "disappear. Saving records a version; every export records the version it used.",
        "分身的系统提示词，由你的特征卡和说话习惯生成。占位符为空的行会自动省略。保存即记录一个版本；每次导出都会"
        "记录所用的版本。",
    ),
    "per.name": ("The twin's name", "分身的名字"),
    "per.name_help": (
        "The name your twin goes by in its prompt, exports and replies. It is never redacted, so pick one you "
        "are happy to show (your own name too, if you like). Other personal data in the prompt is redacted like "
        "messages unless you mark it not private on the Redaction page.",
        "分身在提示词、导出数据和回复中使用的名字。它不会被脱敏，请选一个你愿意公开的名字（也可以用你自己的名字）"
        "。提示词中的其他个人信息会像消息一样被脱敏，除非你在脱敏审核页面将其标记为非隐私。",
    ),
    "per.name_ask": (
        "What should your twin be called? Until you choose, it goes by **{name}**.",
        "你的分身叫什么名字？在你选定之前，它叫 **{name}**。",
    ),
    "per.name_keep": ("Keep {name}", "就叫{name}"),
    "per.name_saved": ("The twin is now called {name}", "分身现在叫 {name}"),
    "per.template": ("System prompt template", "系统提示词模板"),
    "per.template_help": (
        "Placeholders: {fields}. Write {{ or }} for a literal brace.",
        "占位符：{fields}。写 {{ 或 }} 表示花括号本身。",
    ),
    "per.save": ("Save version", "保存版本"),
    "per.reset": ("Reset to the default", "恢复默认"),
    "per.saved": ("Saved as version {v}", "已保存为版本 {v}"),
    "per.preview": ("Live preview", "实时预览"),
    "per.preview_for": ("Preview for chat", "预览的聊天"),
    "per.no_chat": ("no chat (no relationship note)", "不指定聊天（无关系说明）"),
    "per.preview_help": (
        "Exactly what an export writes: filled in and redacted.",
        "与导出内容完全一致：已填充并脱敏。",
    ),
    "per.versions": ("Versions ({n})", "版本（{n}）"),
    "per.no_versions": (
        "No version saved yet; the first export saves one.",
        "还没有保存的版本；第一次导出时会自动保存。",
    ),
    "per.relationships": ("Relationship notes", "关系说明"),
    "per.relationships_help": (
        "One line per chat, added to that chat's system prompt, e.g. \"The other person is your sister.\" Saved "
        "as you edit.",
        "每个聊天一行，会加入该聊天的系统提示词，例如“对方是你的妹妹”。编辑后即保存。",
    ),
    "per.note": ("Note", "说明"),
    "per.notes_saved": ("Relationship notes saved", "关系说明已保存"),
    "per.go_traits": ("Edit the trait card on the Traits page", "在个性特征页面编辑特征卡"),
    "per.scan_pending": (
        "New messages are not scanned for personal data yet: open the Redaction page to scan them; until then "
        "the preview may show values an export would replace.",
        "新消息还没有扫描个人信息：请打开脱敏审核页面扫描；在此之前，预览中可能出现导出时会被替换的内容。",
    ),
    "exp.title": ("Export", "导出"),
    "exp.caption": (
        "Write the curated, redacted conversations as a training dataset. Redaction is always applied: every "
        "detected value you did not mark as not private is replaced, in messages, notes, names and the prompt. A "
        "dataset card (README.md) is written beside the data.",
        "把整理并脱敏后的对话写成训练数据集。脱敏始终生效：所有未被你标记为非隐私的检测值都会在消息、说明、名字和"
        "提示词中被替换。数据旁会写一份数据集说明（README.md）。",
    ),
    "exp.format": ("Format", "格式"),
    "exp.fmt.sharegpt": ("ShareGPT", "ShareGPT"),
    "exp.fmt.llamafactory": ("LLaMA-Factory", "LLaMA-Factory"),
    "exp.fmt.openai": ("OpenAI JSONL", "OpenAI JSONL"),
    "exp.fmt.alpaca": ("Alpaca", "Alpaca"),
    "exp.options": ("Options", "选项"),
    "export.opt.max_chars.help": (
        "A single longer pair still goes alone, never cut.",
        "单个更长的对话轮仍单独成条，不会被截断。",
    ),
    "export.opt.min_chars.help": (
        "Records where my side has fewer characters are dropped.",
        "我这一方字数少于此值的记录会被去掉。",
    ),
    "export.opt.dedup.help": (
        "Duplicate records: keep all, remove exact copies, or exact and near ones.",
        "重复记录：全部保留、去掉完全相同的，或连近似重复一起去掉。",
    ),
    "export.opt.val_ratio.help": (
        "Share of conversations kept for validation; each conversation goes whole to one side.",
        "用于验证的对话比例；每段对话整体只进入一边。",
    ),
    "export.opt.split.help": (
        "Which conversations go to validation: random (by the seed) or the latest.",
        "哪些对话进入验证集：按种子随机，或最近的对话。",
    ),
    "export.opt.seed.help": (
        "Seed of the random split: the same seed gives the same split.",
        "随机划分的种子：相同种子得到相同划分。",
    ),
    "export.opt.include_groups.help": (
        "Group chats are left out unless you turn this on.",
        "默认不包含群聊，打开此项才包含。",
    ),
    "export.opt.emotion.help": (
        "Write each message's emotion label (your final labels).",
        "写入每条消息的情绪标签（你最终确认的标签）。",
    ),
    "export.opt.notes.help": (
        "Write your context notes, into the system prompt or as a leading turn.",
        "写入你的背景说明：放进系统提示词，或作为开头的一轮。",
    ),
    "export.opt.include_mbti.help": (
        "Mix the imported MBTI records into the dataset.",
        "把导入的 MBTI 记录混入数据集。",
    ),
    "export.opt.opener": ("Conversations I open", "我先开口的对话"),
    "export.opt.opener.help": (
        "The trainer needs the other side first: add a neutral opening turn, or drop my opening turns.",
        "训练器要求对方先说：可以加一句中性的开场，或去掉我开头的发言。",
    ),
    "export.opt.opener.neutral": ("add a neutral opening turn", "加一句中性开场"),
    "export.opt.opener.drop": ("drop my opening turns", "去掉我开头的发言"),
    "export.opt.max_turns": ("Max turns per record", "每条记录最多轮数"),
    "export.opt.max_turns.help": (
        "Longer conversations are split between turns, never inside one.",
        "更长的对话会在轮与轮之间拆分，绝不从一轮中间切断。",
    ),
    "export.opt.max_chars": ("Max characters per record", "每条记录最多字数"),
    "export.opt.min_chars": ("Min characters of mine", "我至少要说的字数"),
    "export.opt.dedup": ("Duplicates", "重复"),
    "export.opt.dedup.none": ("keep all", "全部保留"),
    "export.opt.dedup.exact": ("remove exact", "去除完全重复"),
    "export.opt.dedup.near": ("remove exact and near", "去除完全和近似重复"),
    "export.opt.traits": ("character_traits", "character_traits"),
    "export.opt.traits.help": (
        "Per message: the message's or conversation's trait tags, or the trait card on every reply.",
        "每条消息：该消息或对话的特征标签，或在每条回复上使用特征卡。",
    ),
    "export.opt.traits.none": ("none", "不写"),
    "export.opt.traits.tagged": ("tagged only", "只写已打标签的"),
    "export.opt.traits.persona": ("tags, else the trait card", "标签，否则用特征卡"),
    "export.opt.val_ratio": ("Validation share", "验证集比例"),
    "export.opt.split": ("Split", "划分方式"),
    "export.opt.split.random": ("random by conversation (seed)", "按对话随机（种子）"),
    "export.opt.split.time": ("latest conversations", "最新的对话"),
    "export.opt.seed": ("Seed", "种子"),
    "export.opt.include_groups": ("Include group chats", "包含群聊"),
    "export.opt.emotion": ("Emotion labels", "情绪标注"),
    "export.opt.notes": ("Context notes", "背景说明"),
    "exp.mbti": ("MBTI augmentation", "MBTI 数据增强"),
    "exp.mbti_help": (
        "Import Machine-Mindset MBTI files (Alpaca JSON). With your type set, its four dimension files and its "
        "self-awareness file are used; otherwise every imported file.",
        "导入 Machine-Mindset MBTI 文件（Alpaca JSON）。设置了你的类型时，使用该类型的四个维度文件和自我认知文件"
        "；否则使用所有已导入的文件。",
    ),
    "exp.mbti_upload": ("MBTI files", "MBTI 文件"),
    # The imported MBTI files table: its columns, and the words of its kind, language and pole cells.
    "exp.mbti_col.file": ("File", "文件"),
    "exp.mbti_col.lang": ("Language", "语言"),
    "exp.mbti_col.kind": ("Kind", "类型"),
    "exp.mbti_col.what": ("Pole or type", "倾向或类型"),
    "exp.mbti_col.records": ("Records", "记录数"),
    "exp.mbti_kind.behaviour": ("dimension", "维度"),
    "exp.mbti_kind.self_awareness": ("self-awareness", "自我认知"),
    "exp.mbti_kind.dpo": ("preference pairs", "偏好对"),
    "exp.mbti_lang.zh": ("Chinese", "中文"),
    "exp.mbti_lang.en": ("English", "英文"),
    "exp.mbti_pole.extraversion": ("extraversion (E)", "外向（E）"),
    "exp.mbti_pole.introversion": ("introversion (I)", "内向（I）"),
    "exp.mbti_pole.sensing": ("sensing (S)", "实感（S）"),
    "exp.mbti_pole.intuition": ("intuition (N)", "直觉（N）"),
    "exp.mbti_pole.thinking": ("thinking (T)", "思考（T）"),
    "exp.mbti_pole.feeling": ("feeling (F)", "情感（F）"),
    "exp.mbti_pole.judging": ("judging (J)", "判断（J）"),
    "exp.mbti_pole.perceiving": ("perceiving (P)", "感知（P）"),
    "exp.mbti_import": ("Import the files", "导入文件"),
    "exp.mbti_imported": ("{file}: {n:,} new records", "{file}：新增 {n:,} 条记录"),
    "exp.mbti_type": ("My MBTI type", "我的 MBTI 类型"),
    "exp.mbti_type_help": ("For example INFP. Taken from the trait card when you set it there.", "例如 INFP。"),
    "exp.mbti_files": ("Use only these files", "只使用这些文件"),
    "exp.mbti_files_help": (
        "Pick dimension or self-awareness files by hand; this overrides the type.",
        "手动选择维度文件或自我认知文件；会覆盖类型的选择。",
    ),
    "exp.mbti_preview": (
        "Two converted pairs, as an export writes them (the system prompt is left out here):",
        "两条转换后的对话，与导出时一致（此处省略系统提示词）：",
    ),
    "exp.mbti_restyle": ("Rewrite answers toward my style", "按我的风格改写回答"),
    "exp.mbti_restyle_help": (
        "Your punctuation, tilde and emoji habits and your message length, applied to the augmented answers (no "
        "words are invented).",
        "把你的标点、波浪号、表情习惯和消息长度应用到增强的回答上（不会编造内容）。",
    ),
    "export.opt.include_mbti": ("Mix MBTI records into the export", "在导出中混入 MBTI 记录"),
    "export.opt.system_turn": ("Persona as a system turn", "人设作为系统轮次"),
    "export.opt.system_turn.help": (
        "Write the persona as the first turn (`{\"from\": \"system\"}`) instead of the top-level `system` field: "
        "torchtune and axolotl read only the turns. LLaMA-Factory reads either.",
        "把人设写成第一轮对话（`{\"from\": \"system\"}`），而不是顶层的系统提示字段（`system`）：torchtune 和 "
        "axolotl 只读对话轮次。LLaMA-Factory 两种都能读。",
    ),
    "export.opt.license": ("Licence (dataset card)", "许可证（数据集卡片）"),
    "export.opt.license.help": (
        "The licence written into the dataset card, as a Hugging Face licence id: `other` (your own terms), "
        "`cc-by-nc-4.0` (Creative Commons, non-commercial), `apache-2.0` (permissive open source)… Chats are "
        "personal data: keep `other` unless you decide otherwise.",
        "写入数据集卡片的许可证，填 Hugging Face 许可证 ID：`other`（其他，自定条款）、`cc-by-nc-4.0`（知识共享，"
        "非商业）、`apache-2.0`（宽松的开源许可）… 聊天记录是个人数据：除非你另有决定，请保留 `other`。",
    ),
    "export.opt.mbti_ratio": ("Augmented records per real record", "每条真实记录配几条增强记录"),
    "export.opt.mbti_ratio.help": (
        "0.1 is recommended: enough personality signal without drowning your own voice.",
        "推荐 0.1：足以带来性格信号，又不会淹没你自己的声音。",
    ),
    "exp.preview": ("Preview", "预览"),
    "exp.preview_help": (
        "{n:,} records from {convs:,} conversations with these options; the first three:",
        "按这些选项共 {n:,} 条记录，来自 {convs:,} 段对话；前三条：",
    ),
    "exp.building": ("Building the records…", "正在生成记录…"),
    "exp.nothing": (
        "Nothing to export: no trainable conversation has a reply of yours. Check the funnel, your curation "
        "decisions and who is \"me\".",
        "没有可导出的内容：可训练的对话里没有你的回复。请检查漏斗、你的整理决定以及谁是“我”。",
    ),
    "exp.run": ("Export as {fmt}", "导出为 {fmt}"),
    "exp.writing": ("Writing the dataset…", "正在写入数据集…"),
    "exp.done": ("Wrote {n:,} records to {path} in {secs} s.", "已将 {n:,} 条记录写入 {path}，用时 {secs} 秒。"),
    "exp.download": ("Download {name}.zip", "下载 {name}.zip"),
    "exp.records": ("Records", "记录"),
    "exp.train_val": ("Train / validation", "训练 / 验证"),
    "exp.my_turns": ("My turns", "我的轮次"),
    "exp.tokens": ("Tokens", "Token"),
    "exp.tokens_help": (
        "Estimate: CJK characters count one token each, other text one per four characters.",
        "估算：中日韩字符每字约一个 token，其他文字约每四个字符一个 token。",
    ),
    "exp.left_out": ("Left out", "未纳入"),
    "exp.n": ("Records", "记录数"),
    "exp.history": ("Past exports", "以往的导出"),
    "exp.col.when": ("When", "时间"),
    "exp.col.folder": ("Folder", "文件夹"),
    "exp.col.persona": ("Persona version", "人设版本"),
    "stat.title": ("Statistics", "统计"),
    "stat.caption": (
        "From raw messages to training records: what is kept, what is left out and why, and whether the data "
        "sounds like you.",
        "从原始消息到训练记录：保留了什么、去掉了什么、为什么，以及数据像不像你。",
    ),
    "stat.computing": ("Counting…", "正在统计…"),
    "stat.records": ("Records", "记录"),
    "stat.my_turns": ("My turns", "我的轮次"),
    "stat.my_chars": ("My characters", "我的字数"),
    "stat.tokens": ("Tokens (estimate)", "Token（估算）"),
    "stat.val": ("Validation records", "验证记录"),
    "stat.defaults": ("Export figures use the default export options.", "导出相关的数字使用默认导出选项。"),
    "stat.left_out": ("Left out while building records", "生成记录时未纳入的"),
    "stat.lengths": ("Turn length in characters", "每轮字数"),
    "stat.pairs": ("Turn pairs per record", "每条记录的轮对数"),
    "stat.mine": ("mine", "我"),
    "stat.theirs": ("theirs", "对方"),
    "stat.over_time": ("Messages per month", "每月消息数"),
    "stat.per_chat": ("Messages per chat", "各聊天消息数"),
    "stat.emotions": ("Emotion labels", "情绪标注"),
    "stat.suggested": ("suggested, not yet reviewed", "建议（未审核）"),
    "stat.pii": ("Personal data found, by kind", "发现的个人信息（按类型）"),
    "stat.habits": ("Emoji, stickers and punctuation", "表情、表情包与标点"),
}
