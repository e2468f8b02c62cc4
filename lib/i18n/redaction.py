"""The Redaction page and the PII vocabulary (kinds, reasons, modes).

Each key holds its English and its Chinese text side by side; :mod:`lib.i18n` merges every
group and ``tests/test_i18n.py`` checks that both use the same ``{placeholders}``."""
from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "pii.title": ("Redaction review", "脱敏审核"),
    "pii.caption": (
        "Private data is replaced before anything reaches a training file. Every detection that you do not "
        "reject is replaced, reviewed or not; here you check them, one value at a time.",
        "任何内容进入训练文件之前，隐私信息都会被替换。凡是没有被你驳回的检测结果都会被替换（无论是否审核过）；你"
        "在这里逐个值检查它们。",
    ),
    "pii.empty": (
        "Nothing to review yet: this workspace has no messages. Import your chats first.",
        "还没有可审核的内容：这个工作区没有消息。请先导入聊天记录。",
    ),
    "pii.scanning": ("Looking for private data in {n:,} messages...", "正在 {n:,} 条消息中查找隐私信息……"),
    "pii.scanned": (
        "Scanned {n:,} messages in {secs} s: {hits:,} detections.",
        "已扫描 {n:,} 条消息，用时 {secs} 秒：{hits:,} 处检测结果。",
    ),
    "pii.scan_needed": (
        "{n:,} messages have not been scanned for private data yet. Until they are, exports scan them first.",
        "有 {n:,} 条消息尚未做隐私扫描。在扫描之前，导出会先扫描它们。",
    ),
    "pii.scan_now": ("Scan {n:,} messages now", "立即扫描 {n:,} 条消息"),
    "pii.count.pending": ("To review", "待审核"),
    "pii.count.accepted": ("Accepted", "已接受"),
    "pii.count.rejected": ("Rejected", "已驳回"),
    "pii.count.skipped": ("Skipped", "已跳过"),
    "pii.count.hits": ("Occurrences", "出现次数"),
    "pii.count.hits_help": (
        "Places in your messages where a detected value occurs.",
        "检测到的值在你的消息中出现的位置数。",
    ),
    "pii.progress": (
        "{done:,} of {total:,} values decided (pending and skipped ones are still replaced in exports)",
        "已决定 {done:,} / {total:,} 个值（待审核和已跳过的值在导出时仍会被替换）",
    ),
    "pii.view": ("View", "视图"),
    "pii.view.review": ("Review", "逐条审核"),
    "pii.view.table": ("All detections", "全部检测结果"),
    "pii.view.terms": ("Terms and allow-list", "自定义词与白名单"),
    "pii.view.settings": ("Settings", "设置"),
    "pii.f.kind": ("Kind", "类型"),
    "pii.f.status": ("Status", "状态"),
    "pii.f.score": ("Lowest score", "最低分数"),
    "pii.f.chat": ("Chat", "聊天"),
    "pii.f.search": ("Search", "搜索"),
    "pii.f.all": ("All", "全部"),
    "pii.status.pending": ("pending", "待审核"),
    "pii.status.accepted": ("accepted", "已接受"),
    "pii.status.rejected": ("rejected", "已驳回"),
    "pii.status.skipped": ("skipped", "已跳过"),
    "pii.kind.PHONE": ("Phone", "电话"),
    "pii.kind.EMAIL": ("E-mail", "邮箱"),
    "pii.kind.CN_ID": ("ID card", "身份证号"),
    "pii.kind.US_SSN": ("US SSN", "美国社保号"),
    "pii.kind.BANK_CARD": ("Bank card / IBAN", "银行卡 / IBAN"),
    "pii.kind.IP": ("IP address", "IP 地址"),
    "pii.kind.URL": ("URL with token", "带令牌的链接"),
    "pii.kind.QQ": ("QQ number", "QQ 号"),
    "pii.kind.WECHAT_ID": ("WeChat ID", "微信号"),
    "pii.kind.PLATE": ("Licence plate", "车牌"),
    "pii.kind.PASSPORT": ("Passport", "护照"),
    "pii.kind.ADDRESS": ("Address", "地址"),
    "pii.kind.PERSON": ("Name", "姓名"),
    "pii.kind.SECRET": ("Password / code / key", "密码 / 验证码 / 密钥"),
    "pii.kind.CUSTOM": ("Your term", "自定义词"),
    "pii.position": ("Value {pos:,} of {total:,} in this queue", "当前队列第 {pos:,} / {total:,} 个值"),
    "pii.queue_empty": (
        "Nothing left in this queue. Change the filters to see other values.",
        "这个队列已经清空。修改筛选条件可查看其他值。",
    ),
    "pii.why": ("Why: {reason} · score {score} · {n:,} occurrence(s)", "原因：{reason} · 分数 {score} · 出现 {n:,} 次"),
    "pii.status_line": ("Status: **{status}**  \nBecomes: `{rep}`", "状态：**{status}**  \n替换为：`{rep}`"),
    "pii.before": ("Before", "替换前"),
    "pii.after": ("After (what a training file gets)", "替换后（训练文件中的样子）"),
    "pii.more_occurrences": (
        "...and {n:,} more occurrence(s); one decision covers them all.",
        "……另有 {n:,} 处出现；一个决定对全部生效。",
    ),
    "pii.accept": ("Accept", "接受"),
    "pii.reject": ("Not private", "不是隐私"),
    "pii.skip": ("Skip", "跳过"),
    "pii.prev": ("Previous", "上一个"),
    "pii.next": ("Next", "下一个"),
    "pii.undo": ("Undo", "撤销"),
    "pii.allow": ("Never flag", "永不标记"),
    "pii.allow_help": (
        "Reject this value and add it to the allow-list, so no later scan flags it again.",
        "驳回这个值并加入白名单，以后的扫描都不再标记它。",
    ),
    "pii.edit": ("Replace with", "替换为"),
    "pii.edit_help": (
        "Your own replacement for every occurrence of this value (saving it accepts the value). Leave empty for "
        "the default shown.",
        "这个值每次出现时使用的自定义替换文本（保存即表示接受）。留空则使用显示的默认值。",
    ),
    "pii.save": ("Save", "保存"),
    "pii.keys": (
        "Keys: A accept · X not private · S skip · J next · K previous · U undo · Shift+→ / Shift+← one word "
        "more / less at the end · Alt+Shift+← / Alt+Shift+→ one word more / less at the start.",
        "快捷键：A 接受 · X 不是隐私 · S 跳过 · J 下一个 · K 上一个 · U 撤销 · Shift+→ / Shift+← 结尾多一个 / "
        "少一个词 · Alt+Shift+← / Alt+Shift+→ 开头多一个 / 少一个词。",
    ),
    "pii.span.start.grow": ("Word before", "向前扩一个词"),
    "pii.span.start.shrink": ("Drop first word", "去掉第一个词"),
    "pii.span.end.shrink": ("Drop last word", "去掉最后一个词"),
    "pii.span.end.grow": ("Word after", "向后扩一个词"),
    "pii.span_help": (
        "Make the value one word longer or shorter (in its first occurrence shown). The new text becomes the "
        "value everywhere it occurs; its decision and placeholder stay. Undo with U.",
        "让这个值长一个词或短一个词（以显示的第一处为准）。新文本在所有出现处成为这个值，决定和占位符保持不变。按"
        " U 撤销。",
    ),
    "pii.done.span": ("The value is now: {value}", "这个值现在是：{value}"),
    "pii.mark": ("Mark a missed value", "标记漏掉的值"),
    "pii.mark_help": (
        "Select text in the Before column (or type it here) and pick its kind: every occurrence in the workspace "
        "is then replaced (accepted). Undo with U.",
        "在“替换前”一栏选中文字（或在这里输入）并选择类型：工作区中它的每一处出现都会被替换（已接受）。按 U 撤销。",
    ),
    "pii.mark_placeholder": ("select text above, or type it", "在上面选中文字，或直接输入"),
    "pii.mark_button": ("Mark", "标记"),
    "pii.done.marked": ("Marked {value}: {n:,} occurrence(s) will be replaced.", "已标记 {value}：{n:,} 处将被替换。"),
    "pii.done.accepted": ("Accepted: {value}", "已接受：{value}"),
    "pii.done.rejected": ("Kept as is: {value}", "保持原样：{value}"),
    "pii.done.skipped": ("Skipped: {value}", "已跳过：{value}"),
    "pii.done.undo": ("Undone.", "已撤销。"),
    "pii.done.edited": ("Replacement saved.", "替换文本已保存。"),
    "pii.done.allowed": ("{value} is on the allow-list.", "{value} 已加入白名单。"),
    "pii.table_caption": ("Values {a:,}-{b:,} of {n:,}", "第 {a:,}-{b:,} 个值，共 {n:,} 个"),
    "pii.table_hint": ("Select a row to open it in the review card.", "选中一行即可在审核卡片中打开。"),
    "pii.col.kind": ("Kind", "类型"),
    "pii.col.value": ("Value", "值"),
    "pii.col.n": ("Occurrences", "出现次数"),
    "pii.col.score": ("Score", "分数"),
    "pii.col.status": ("Status", "状态"),
    "pii.col.becomes": ("Becomes", "替换为"),
    "pii.bulk": ("Accept many at once", "批量接受"),
    "pii.bulk_button": ("Accept {n:,} values", "接受 {n:,} 个值"),
    "pii.bulk_confirm": (
        "Accept **{n:,}** pending or skipped values of kind **{kind}** with a score of at least **{score}**? You "
        "can still change each one later.",
        "接受类型为 **{kind}**、分数不低于 **{score}** 的 **{n:,}** 个待审核或已跳过的值？之后仍可逐个修改。",
    ),
    "pii.bulk_yes": ("Accept them", "全部接受"),
    "pii.bulk_no": ("Cancel", "取消"),
    "pii.bulk_done": ("{n:,} values accepted.", "已接受 {n:,} 个值。"),
    "pii.terms": ("Your terms", "自定义词"),
    "pii.terms_help": (
        "Words or patterns that must always be replaced (a nickname, a street, a company). Every occurrence "
        "becomes a detection.",
        "必须始终替换的词或模式（昵称、街道、公司）。它的每一处出现都会成为检测结果。",
    ),
    "pii.term": ("Term", "词语"),
    "pii.term_regex": ("Regular expression", "正则表达式"),
    "pii.term_regex_short": ("regex", "正则"),
    "pii.term_add": ("Add term", "添加"),
    "pii.term_scanning": ("Finding every occurrence...", "正在查找所有出现位置……"),
    "pii.term_added": ("Added: {n:,} occurrence(s) found.", "已添加：找到 {n:,} 处。"),
    "pii.remove": ("Remove", "移除"),
    "pii.allowlist": ("Allow-list", "白名单"),
    "pii.allowlist_help": (
        "Values that are never flagged (your favourite café, a public hotline).",
        "永远不会被标记的值（你常去的咖啡馆、公共服务热线）。",
    ),
    "pii.allow_add": ("Add to allow-list", "加入白名单"),
    "pii.modes": ("What replaces each kind", "各类型的替换方式"),
    "pii.modes_help": (
        "Placeholders like <PHONE_1> are the safest; masks keep the shape (138****5678); fakes are realistic "
        "made-up values, the same fake for the same value.",
        "<PHONE_1> 这样的占位符最安全；掩码保留形状（138****5678）；仿真值是逼真的虚构值，同一个值总是同一个仿真"
        "值。",
    ),
    "pii.mode.placeholder": ("Placeholder <KIND_n>", "占位符 <类型_n>"),
    "pii.mode.mask": ("Mask", "掩码"),
    "pii.mode.surrogate": ("Realistic fake", "仿真值"),
    "pii.detection": ("Detection", "检测"),
    "pii.regions": ("Phone regions", "电话号码地区"),
    "pii.regions_help": (
        "Two-letter country codes whose national phone formats to recognise, e.g. CN, US, GB. Numbers written "
        "with + and a country code are found anyway.",
        "需要识别本国电话格式的两位国家代码，例如 CN、US、GB。带 + 和国家代码的号码总能被识别。",
    ),
    "pii.threshold": ("Lowest score to flag", "标记的最低分数"),
    "pii.threshold_help": (
        "Lower finds more (and more false alarms). 0.5 flags every pattern that has a checksum, a distinctive "
        "shape or a context word.",
        "越低找到的越多（误报也越多）。0.5 会标记所有有校验位、形状独特或有上下文提示词的模式。",
    ),
    "pii.names": ("Names to always replace (one per line)", "始终替换的姓名（每行一个）"),
    "pii.names_help": (
        "Added to the names the import already knows (chat partners, group members, you).",
        "在导入已知的姓名（聊天对象、群成员、你自己）之外额外添加。",
    ),
    "pii.save_settings": ("Save settings", "保存设置"),
    "pii.settings_saved": ("Settings saved; the next scan uses them.", "设置已保存，下次扫描时生效。"),
    "pii.rescan": ("Rescan everything", "全部重新扫描"),
    "pii.rescan_help": ("Scan every message again. Your decisions are kept.", "重新扫描所有消息。你的决定会保留。"),
}
