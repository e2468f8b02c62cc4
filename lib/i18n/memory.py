"""UI text of the Memory page.

Each key holds its English and its Chinese text side by side; :mod:`lib.i18n` merges every
group and ``tests/test_i18n.py`` checks that both use the same ``{placeholders}``."""
from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "page.memory": ("Memory", "记忆"),
    "mem.title": ("Memory", "记忆"),
    "mem.caption": (
        "What your twin knows about your life: facts about you, the people in your life (by alias), places, "
        "preferences, opinions and events, each citing the messages it comes from. A model you connect gets the "
        "relevant facts and your most similar real exchanges with every message.",
        "分身对你生活的了解：关于你自己、你生活中的人（用称呼）、地点、喜好、观点和经历的事实，每条都注明来自哪些"
        "消息。你接入的模型每次回复都会拿到相关的事实和你最相似的真实对话。",
    ),
    "mem.count.facts": ("Facts", "事实"),
    "mem.count.proposed": ("Proposals to review", "待审核的建议"),
    "mem.count.exchanges": ("Exchanges indexed", "已索引的对话片段"),
    "mem.count.search": ("Search", "检索方式"),
    "mem.count.not_yet": (
        "Counted once your history is indexed: when you search it, cite sources or ask a model for proposals.",
        "在你搜索、引用来源或请模型提出建议时，聊天记录会先建索引，之后显示数量。",
    ),
    "mem.indexing": (
        "Indexing your history for search (once after each change; a large history takes a while)…",
        "正在为聊天记录建立检索索引（每次数据变化后一次；记录很多时需要一会儿）……",
    ),
    "mem.tab.facts": ("Facts", "事实"),
    "mem.tab.add": ("Add a fact", "添加事实"),
    "mem.tab.llm": ("Proposed by a model", "模型建议"),
    "mem.tab.search": ("Search your history", "搜索聊天记录"),
    "mem.kind": ("Kind", "类型"),
    "mem.all": ("All kinds", "全部类型"),
    "mem.kind.profile": ("Profile", "个人资料"),
    "mem.kind.person": ("Person (by alias)", "人物（称呼）"),
    "mem.kind.place": ("Place", "地点"),
    "mem.kind.preference": ("Preference", "喜好"),
    "mem.kind.opinion": ("Opinion", "观点"),
    "mem.kind.timeline": ("Timeline", "时间线"),
    "mem.subject": ("Alias or label", "称呼或标签"),
    "mem.subject_help": (
        "For a person: how you refer to them (\"Mum\", \"my flatmate\"), never their real name.",
        "人物：写你怎么称呼对方（“妈妈”“室友”），不要写真名。",
    ),
    "mem.text": ("Fact", "事实"),
    "mem.text_placeholder": (
        "e.g. works as a nurse in a big hospital; loves hotpot; moved city in 2023",
        "例如：在大医院当护士；超爱火锅；2023 年搬了城市",
    ),
    "mem.none": (
        "No facts yet. Add one, or let a model propose some from your history.",
        "还没有事实。自己添加，或者让模型从聊天记录里提出建议。",
    ),
    "mem.col.id": ("#", "#"),
    "mem.col.sources": ("Sources", "来源"),
    "mem.col.origin": ("Written by", "写入者"),
    "mem.origin.owner": ("you", "你"),
    "mem.origin.llm": ("a model (accepted)", "模型（已接受）"),
    "mem.edit_pick": ("Fact to edit", "要编辑的事实"),
    "mem.store_redacted": ("Store it redacted if it holds personal data", "如果含有个人信息，就脱敏后保存"),
    "mem.save": ("Save", "保存"),
    "mem.delete": ("Delete", "删除"),
    "mem.sources": ("Source messages ({n})", "来源消息（{n}）"),
    "mem.no_sources": ("No source messages cited.", "没有注明来源消息。"),
    "mem.sources_outside": (
        "{n} cited messages are not in the current export (dropped or held out).",
        "有 {n} 条引用的消息不在当前导出中（已被剔除或留作评估）。",
    ),
    "mem.add_help": (
        "Write what is true about you. Cite the messages that say so: search them below and pick them, or leave "
        "it empty and the best matching exchanges are cited.",
        "写下关于你的真实情况，并注明出处：在下面搜索并选择相关消息；不选的话会自动引用最匹配的对话片段。",
    ),
    "mem.find_sources": ("Find source messages", "查找来源消息"),
    "mem.find_sources_help": (
        "Searches your redacted history (the same text an export writes).",
        "在脱敏后的聊天记录中搜索（和导出的文本相同）。",
    ),
    "mem.cite": ("Cite these exchanges", "引用这些对话片段"),
    "mem.add": ("Add the fact", "添加事实"),
    "mem.added": ("Fact added, citing {n} messages.", "已添加事实，引用了 {n} 条消息。"),
    "mem.auto_cited": (
        "Cited automatically: the exchanges that match the fact best. Edit it if they are wrong.",
        "已自动引用与这条事实最匹配的对话片段。如果不对，请编辑。",
    ),
    "mem.refused": (
        "This holds personal data that the export would redact (a name, number, address or similar). Rewrite it "
        "without that value, or tick \"store it redacted\"; it would then read: {redacted}",
        "这里含有导出时会被脱敏的个人信息（姓名、号码、地址等）。请去掉这个值重写，或勾选“脱敏后保存”；保存后会是"
        "：{redacted}",
    ),
    "mem.llm_help": (
        "A model reads some of your redacted exchanges and proposes facts. The prompt is shown before anything "
        "is sent; each batch is stored as it returns; proposals become facts only when you accept them. The "
        "endpoint is the one the Emotion labels page uses.",
        "模型会读取你的一部分脱敏对话并提出事实建议。发送前会先显示提示词；每批结果返回后立即保存；只有你接受的建"
        "议才会成为事实。使用的接口和“情绪标注”页面相同。",
    ),
    "mem.llm_n": ("Exchanges to read", "读取的对话片段数"),
    "mem.llm_nothing": (
        "Every exchange worth reading already backs a fact.",
        "值得读取的对话片段都已经支撑了某条事实。",
    ),
    "mem.llm_prompt": ("What will be sent (first batch of {n})", "将要发送的内容（第一批，共 {n} 个）"),
    "mem.llm_run": ("Propose facts from {n} exchanges", "从 {n} 个对话片段中提出事实"),
    "mem.llm_running": ("Asking the model…", "正在询问模型…"),
    "mem.llm_done": ("{n} facts proposed: review them below.", "提出了 {n} 条事实：请在下面审核。"),
    "mem.llm_kept": ("The {n} proposals stored before the error are kept.", "出错前保存的 {n} 条建议都保留着。"),
    "mem.proposals": ("Proposals to review ({n})", "待审核的建议（{n}）"),
    "mem.no_proposals": ("No proposals waiting.", "没有待审核的建议。"),
    "mem.accept_all": ("Accept all {n}", "全部接受（{n}）"),
    "mem.accept": ("Accept", "接受"),
    "mem.reject": ("Reject", "拒绝"),
    "mem.search": ("Search your history", "搜索聊天记录"),
    "mem.search_placeholder": ("hotpot, weekend, mum…", "火锅、周末、妈妈…"),
    "mem.search_none": ("Nothing in your history matches.", "聊天记录里没有匹配的内容。"),
}
