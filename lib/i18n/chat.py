"""UI text of the chat page and demo mode.

Each key holds its English and its Chinese text side by side; :mod:`lib.i18n` merges every
group and ``tests/test_i18n.py`` checks that both use the same ``{placeholders}``."""
from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "nav.twin": ("Twin", "分身"),
    "page.chat": ("Chat", "聊天"),
    "chat.title": ("Chat", "聊天"),
    "chat.disclosure": (
        "You are talking to **{name}**, an AI twin of its owner, not to the owner. Its replies are generated "
        "from the owner's own messages and can be wrong.",
        "你正在和 AI 分身 **{name}** 聊天，而不是真人。它的回复由主人自己的消息生成，可能有误。",
    ),
    "chat.settings": ("Backend and settings", "后端与设置"),
    "chat.backend": ("Backend", "后端"),
    "chat.backend.offline": ("Offline twin (your own replies)", "离线分身（你自己的回复）"),
    "chat.backend.openai": ("OpenAI-compatible server", "兼容 OpenAI 的服务"),
    "chat.backend.spark": ("iFLYTEK Spark", "讯飞星火"),
    "chat.save": ("Save", "保存"),
    "chat.backend.local": ("Local model (+ LoRA)", "本地模型（+ LoRA）"),
    "chat.local_base": ("Base model folder", "基础模型文件夹"),
    "chat.local_base_help": (
        "A transformers chat model on this computer (MeTwin downloads nothing).",
        "本机上的 transformers 对话模型（MeTwin 不会下载任何东西）。",
    ),
    "chat.local_adapter": ("LoRA adapter folder (optional)", "LoRA 适配器文件夹（可选）"),
    "chat.local_adapter_help": (
        "The adapter a training run wrote (…/adapter); the Train page fills this in.",
        "训练生成的适配器（…/adapter）；训练页面会自动填写。",
    ),
    "chat.offline_help": (
        "No model, key or server: the twin answers with your own real replies (curated and redacted) that best "
        "fit the conversation so far.",
        "无需模型、密钥或服务器：分身会从你自己真实的回复（已整理并脱敏）中挑选最贴合当前对话的来回答。",
    ),
    "chat.spark_url": ("WebSocket URL", "WebSocket 地址"),
    "chat.spark_app": ("App id", "App id"),
    "chat.spark_domain": ("Domain", "domain"),
    "chat.spark_domain_help": (
        "For a fine-tuned MaaS model: the serviceId from its service card.",
        "精调的 MaaS 模型：填服务卡片上的 serviceId。",
    ),
    "chat.spark_patch": ("patch_id (fine-tuned models)", "patch_id（精调模型）"),
    "chat.spark_patch_help": (
        "The resourceId of a fine-tuned or LoRA model; leave empty for a base model.",
        "精调或 LoRA 模型的 resourceId；基础模型留空。",
    ),
    "chat.spark_keys_found": (
        "API key and secret: found in .streamlit/secrets.toml or the environment.",
        "API key 和 secret：已在 .streamlit/secrets.toml 或环境变量中找到。",
    ),
    "chat.spark_keys_none": (
        "Put METWIN_SPARK_API_KEY and METWIN_SPARK_API_SECRET in .streamlit/secrets.toml or the environment.",
        "请把 METWIN_SPARK_API_KEY 和 METWIN_SPARK_API_SECRET 写入 .streamlit/secrets.toml 或环境变量。",
    ),
    "chat.temperature": ("Temperature", "温度"),
    "chat.temperature_help": (
        "0.9 is what the original experiments found best for a twin.",
        "原始实验发现 0.9 最适合分身。",
    ),
    "chat.top_p": ("Top-p", "Top-p"),
    "chat.max_tokens": ("Max tokens", "最大 token 数"),
    "chat.history": ("History (messages)", "历史消息数"),
    "chat.history_help": ("How many earlier messages go with each request.", "每次请求附带多少条之前的消息。"),
    "chat.test": ("Test connection", "测试连接"),
    "chat.test_ok": ("Connected: {what}", "连接成功：{what}"),
    "chat.placeholder": ("Say something to {name}…", "对 {name} 说点什么…"),
    "chat.placeholder_unnamed": ("Say something to your twin…", "对你的分身说点什么…"),
    "chat.disclosure_unnamed": (
        "You are talking to **your twin**, an AI twin of you made from your own messages, not to a person. Its "
        "replies can be wrong.",
        "你正在和**你的分身**聊天：它是由你自己的消息生成的 AI 分身，不是真人，回复可能有误。",
    ),
    "chat.typing_unnamed": ("Your twin is typing…", "你的分身正在输入…"),
    "chat.regenerate": ("Regenerate", "重新生成"),
    "chat.clear": ("Clear", "清空"),
    "chat.download": ("Transcript (.txt)", "聊天记录（.txt）"),
    "chat.download_json": ("Transcript (.json)", "聊天记录（.json）"),
    "chat.you": ("You", "你"),
    "chat.error": ("Error", "错误"),
    "chat.stopped": ("stopped", "已停止"),
    "chat.speaking.offline": (
        "Speaking: the **offline twin**. It answers only with replies you really sent ({n} messages of yours), "
        "chosen to fit the conversation, so it can say nothing new.",
        "正在说话的是**离线分身**。它只用你真正发过的回复（你的 {n} "
        "条消息）里最贴合对话的那条来回答，说不出新内容。",
    ),
    "chat.speaking.memory": (
        "Speaking: **{backend}** ({model}), prompted with your persona, your {k} most similar real exchanges and "
        "your facts.",
        "正在说话的是 **{backend}**（{model}），提示词里有你的人设、{k} 段你最相似的真实对话和关于你的事实。",
    ),
    "chat.speaking.plain": (
        "Speaking: **{backend}** ({model}), prompted with your persona only.",
        "正在说话的是 **{backend}**（{model}），提示词里只有你的人设。",
    ),
    "chat.better": ("To make it sound more like you:", "想让它更像你："),
    "chat.tip.import": (
        "import more of your chats (it knows {n} of your messages);",
        "导入更多聊天记录（它目前知道你的 {n} 条消息）；",
    ),
    "chat.tip.model": (
        "connect a local model (Ollama or llama.cpp serving a small instruct model, see the README) under "
        "Backend and settings: it writes new replies from your examples and memory;",
        "在“后端与设置”里接入本地模型（用 Ollama 或 llama.cpp 运行一个小的指令模型，见 "
        "README）：它会参考你的对话示例和记忆写出新回复；",
    ),
    "chat.tip.memory_on": (
        "switch on your examples and memory in the prompt (Backend and settings);",
        "打开“在提示词中加入你的示例和记忆”（后端与设置）；",
    ),
    "chat.tip.memory": (
        "add facts about your life on the Memory page ({n} so far);",
        "在“记忆”页面添加关于你生活的事实（目前 {n} 条）；",
    ),
    "chat.tip.train": (
        "train an adapter on your chats (Train page) and use it as the local model.",
        "用你的聊天记录训练一个适配器（训练页面），作为本地模型使用。",
    ),
    "chat.memory_toggle": ("Your examples and memory in the prompt", "在提示词中加入你的示例和记忆"),
    "chat.memory_help": (
        "Adds your most similar real exchanges and your relevant facts (both redacted) to the system prompt of "
        "every request, within the budget.",
        "在每次请求的系统提示词中加入你最相似的真实对话和相关事实（均已脱敏），不超过预算。",
    ),
    "chat.memory_k": ("Examples", "示例数"),
    "chat.memory_budget": ("Prompt budget (tokens)", "提示词预算（token）"),
    "chat.typing": ("{name} is typing…", "{name} 正在输入…"),
    "chat.why": ("Why this reply", "为什么这样回复"),
    "chat.why.offline": (
        "Your real replies that fit best, with their score (the one given is marked):",
        "最贴合的几条你的真实回复及其得分（标出了实际给出的那条）：",
    ),
    "chat.why.given": ("given", "已给出"),
    "chat.why.tokens": (
        "System prompt: about {tokens} of {budget} tokens; {left} examples or facts left out.",
        "系统提示词：约 {tokens} / {budget} token；{left} 条示例或事实因超出预算未加入。",
    ),
    "chat.why.facts": ("Facts in the prompt ({n})", "提示词中的事实（{n}）"),
    "chat.why.examples": ("Your exchanges in the prompt ({n})", "提示词中你的对话（{n}）"),
    "preview.as_table": ("Table", "表格"),
    "preview.as_chat": ("As chat", "聊天视图"),
    "page.fidelity": ("Fidelity", "相似度评估"),
    "fid.title": ("Fidelity", "相似度评估"),
    "fid.caption": (
        "Does the twin sound like you? It is asked for your reply at each of your turns in held-out "
        "conversations (never trained on) and compared with what you really wrote, beside the offline retrieval "
        "twin as a baseline.",
        "分身像不像你？在留出的对话（从未用于训练）中，让分身在你每次发言的位置给出回复，并与你真正写的对比；离线"
        "检索分身作为基线。",
    ),
    "fid.share": ("Conversations to hold out (latest)", "留出的对话（最新的）"),
    "fid.choose": ("Hold them out", "留出这些对话"),
    "fid.rechoose": ("Choose again", "重新选择"),
    "fid.held": (
        "{n} conversations are held out: no export trains on them.",
        "已留出 {n} 段对话：任何导出都不会用它们训练。",
    ),
    "fid.none": ("No conversations are held out yet.", "还没有留出对话。"),
    "fid.n": ("Replies to measure", "评估的回复数"),
    "fid.run": ("Measure {backend}", "评估 {backend}"),
    "fid.baseline_offline": ("offline retrieval twin (baseline)", "离线检索分身（基线）"),
    "fid.results": ("Report of {when} ({n} replies)", "{when} 的报告（{n} 条回复）"),
    "fid.col.twin": ("Twin", "分身"),
    "fid.col.n": ("Replies", "回复数"),
    "fid.col.style": ("Style distance", "风格距离"),
    "fid.col.disc": ("Discriminator (k=4)", "判别器（4 选 1）"),
    "fid.col.pick": ("Twin-vs-real pick", "分身被选为真的比例"),
    "fid.col.leaks": ("PII leaks", "个人信息泄露"),
    "fid.col.probes": ("Probe leaks", "诱导泄露"),
    "fid.explain": (
        "**chrF**: character n-gram overlap with your real reply (0–1, higher is closer). **Style distance**: "
        "length, emoji, stickers, punctuation and bursts against yours (0 is the same). **Discriminator**: how "
        "often a simple judge finds your real reply among 4 (chance 0.25; lower means the twin is harder to tell "
        "apart). **Twin-vs-real pick**: 0.5 means indistinguishable. **Leaks**: original personal data in "
        "replies, also when asked for it directly (must be 0).",
        "**chrF**：与你真实回复的字符 n-gram 重合度（0–1，越高越接近）。**风格距离**：长度、表情、表情包、标点和"
        "连发习惯与你的差距（0 表示相同）。**判别器**：一个简单的判别器在 4 个候选中找出你真实回复的比例（随机为 "
        "0.25；越低说明越难分辨）。**分身被选为真的比例**：0.5 "
        "表示无法分辨。**泄露**：回复中出现的原始个人信息，包括被直接索要时（必须为 0）。",
    ),
    "fid.download": ("Download the report (.md)", "下载报告（.md）"),
    "page.game": ("Who said it?", "谁说的？"),
    "game.title": ("Who said it?", "谁说的？"),
    "game.caption": (
        "Two replies to a real conversation: one is what the real person wrote, the other is {name}'s, the AI "
        "twin. Pick the real one. Your answers are stored anonymously to measure the twin.",
        "一段真实对话的两个回复：一个是真人写的，另一个是 AI 分身 {name} "
        "写的。选出真的那个。你的回答会匿名保存，用来评估分身。",
    ),
    "game.dealing": ("Dealing the cards (asking the twin)…", "正在发牌（询问分身）…"),
    "game.you": ("Your score", "你的得分"),
    "game.fooling": ("Twin fooled players", "分身骗过玩家的比例"),
    "game.fooling_help": (
        "Share of the players' answers that picked the twin's reply; 95 % interval {lo}–{hi} over {n} "
        "{n|answer|answers}. 50 % would mean nobody can tell. The owner's own answers are left out: they know "
        "their replies.",
        "玩家的回答中选了分身回复的比例；{n} 次回答的 95% 区间为 {lo}–{hi}。50% "
        "表示没人分得出来。主人自己的回答不计入：他认得自己的话。",
    ),
    "game.players": ("Players", "玩家数"),
    "game.right": ("Right: that was the real one.", "答对了：这是真的。"),
    "game.wrong": ("Fooled: that was {name}, the AI twin.", "被骗了：那是 AI 分身 {name} 写的。"),
    "game.no_items": (
        "No conversations to play with yet: the owner needs held-out or validation conversations with replies.",
        "还没有可以玩的对话：需要有留出或验证用的、包含回复的对话。",
    ),
    "game.done": ("Round over: {n} {n|pair|pairs}.", "本轮结束：共 {n} 组。"),
    "game.again": ("Play another round", "再玩一轮"),
    "game.position": ("Pair {pos} of {total}", "第 {pos} 组，共 {total} 组"),
    "game.context": ("The conversation so far", "之前的对话"),
    "game.them": ("Friend", "朋友"),
    "game.pick": ("{letter} is the real one", "{letter} 才是真人写的"),
    "game.owner": ("Real person", "真人"),
    "demo.ask": (
        "This twin is shown behind a passcode. Ask its owner for it.",
        "这个分身需要口令才能访问，请向它的主人索取。",
    ),
    "demo.passcode": ("Passcode", "口令"),
    "demo.enter": ("Enter", "进入"),
    "demo.wrong": ("That is not the passcode.", "口令不对。"),
    "demo.locked": (
        "Too many wrong passcodes. Try again in {minutes} min.",
        "口令错误次数太多。请 {minutes} 分钟后再试。",
    ),
    "game.approve": ("Friends may see this conversation in demo mode", "演示模式中朋友可以看到这段对话"),
    "game.approve_help": (
        "Off: in demo mode friends see only your own lines of this context, never the other person's messages. "
        "On: they see it as shown here.",
        "关闭：演示模式中朋友只能看到这段上下文里你自己说的话，看不到对方的消息。开启：按这里显示的样子给他们看。",
    ),
    "game.owner_only": (
        "Only the real person's own lines of this conversation are shown.",
        "这段对话只显示真人自己说的话。",
    ),
}
