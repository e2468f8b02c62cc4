"""Library messages in the UI's language (issue 16.5, 18): error and import results by code, import notes, redaction
reasons and labelling evidence. Its words are merged into :mod:`lib.i18n`.

Why three ways:
- a :class:`lib.errors.BadInputError` or a :class:`lib.workspace.FileResult` carries ``code`` + ``params``: its text is
  ``msg.<code>`` here, formatted with the params (:func:`message`); English stays the library's own sentence.
- notes, redaction reasons and evidence are plain English strings made by modules other code owns (lib/pii,
  lib/importers); they are translated at display time from the patterns below (:func:`note_text`,
  :func:`reason_text`, :func:`evidence_text`). What no pattern knows is shown as the library wrote it.

Each key holds its English and its Chinese text side by side; :mod:`lib.i18n` merges every
group and ``tests/test_i18n.py`` checks that both use the same ``{placeholders}``."""
from __future__ import annotations

import re

WORDS: dict[str, tuple[str, str]] = {
    "format.discord_json": ("Discord · DiscordChatExporter JSON", "Discord · DiscordChatExporter JSON"),
    "format.imessage_txt": ("iMessage · imessage-exporter TXT", "iMessage · imessage-exporter TXT"),
    "format.instagram_json": (
        "Instagram · DM JSON (Download your information)",
        "Instagram · 私信 JSON（“下载你的信息”）",
    ),
    "format.memotrace_csv": ("WeChat · MemoTrace CSV", "微信 · MemoTrace CSV"),
    "format.memotrace_csv_zh": (
        "WeChat · MemoTrace CSV (2025, Chinese header)",
        "微信 · MemoTrace CSV（2025 版，中文表头）",
    ),
    "format.memotrace_txt": ("WeChat · MemoTrace TXT", "微信 · MemoTrace TXT"),
    "format.memotrace_json": ("WeChat · MemoTrace training JSON", "微信 · MemoTrace 训练 JSON"),
    "format.kakaotalk_csv": ("KakaoTalk · CSV (Mac)", "KakaoTalk · CSV（Mac 版）"),
    "format.kakaotalk_txt": ("KakaoTalk · TXT export", "KakaoTalk · TXT 导出"),
    "format.line_txt": ("LINE · TXT export", "LINE · TXT 导出"),
    "format.messenger_json": (
        "Facebook Messenger · JSON (Download your information)",
        "Facebook Messenger · JSON（“下载你的信息”）",
    ),
    "format.qq_txt": ("QQ · message manager TXT", "QQ · 消息管理器 TXT"),
    "format.signal_txt": ("Signal · signal-export chat.md", "Signal · signal-export chat.md"),
    "format.telegram_json": ("Telegram · Desktop JSON export", "Telegram · 桌面版 JSON 导出"),
    "format.pywxdump_csv": ("WeChat · PyWxDump / WeClone CSV", "微信 · PyWxDump / WeClone CSV"),
    "format.weflow_csv": ("WeChat · WeFlow CSV (WeClone layout)", "微信 · WeFlow CSV（WeClone 布局）"),
    "format.whatsapp_txt": ("WhatsApp · TXT export", "WhatsApp · TXT 导出"),
    "upload.hint": (
        "Drag the files onto the box above or use its button; up to {size} per file.",
        "把文件拖到上面的框里，或点框里的按钮选择文件；每个文件最大 {size}。",
    ),
    "progress.reading": ("reading", "读取中"),
    "progress.saving": ("saving", "保存中"),
    "msg.file_empty": (
        "{file}: the file is empty. Export the chat again and import the new file.",
        "{file}：文件是空的。请重新导出聊天记录，再导入新文件。",
    ),
    "msg.file_binary": (
        "{file}: this is a binary file (a picture, database or archive), not a chat export in any text encoding "
        "MeTwin reads. Import the CSV, TXT or JSON file your export tool wrote (for WhatsApp, the .txt or the "
        ".zip it shared).",
        "{file}：这是一个二进制文件（图片、数据库或压缩包），不是 MeTwin "
        "能读的任何文本编码的聊天导出。请导入导出工具生成的 CSV、TXT 或 JSON 文件（WhatsApp 请用它分享的 .txt 或 "
        ".zip）。",
    ),
    "msg.format_unknown": (
        "{file}: not a chat export format MeTwin knows. Choose the format by hand if you are sure, or check that "
        "this is the file the export tool wrote.",
        "{file}：不是 MeTwin 认识的聊天导出格式。如果确定格式，请手动选择；否则请确认这就是导出工具生成的文件。",
    ),
    "msg.format_name_unknown": ("unknown format {fmt}; pick one from the list.", "未知格式 {fmt}；请从列表中选择。"),
    "msg.out_of_memory": (
        "{file}: the computer ran out of memory reading this file. Close other programs and try again, or export "
        "per contact or per year and import the parts.",
        "{file}：读取这个文件时内存不足。请关闭其他程序后重试，或按联系人、按年份分别导出再逐个导入。",
    ),
    "msg.unreadable": (
        "{file}: looks like {format} but could not be read ({error}). The file may be truncated or edited; "
        "export it again.",
        "{file}：看起来是 {format}，但无法读取（{error}）。文件可能被截断或修改过，请重新导出。",
    ),
    "msg.too_big": (
        "{file}: {size} GB is more than the {limit} GB one import takes. Export per contact or per year and "
        "import the parts, or raise the limit (--max-size-mb).",
        "{file}：{size} GB 超过了单次导入上限 {limit} GB。请按联系人或按年份分别导出再逐个导入，或提高上限（--max"
        "-size-mb）。",
    ),
    "msg.no_messages": (
        "{file}: the export holds no messages. Check that you exported the right chat.",
        "{file}：导出中没有消息。请确认导出的是正确的聊天。",
    ),
    "msg.no_such_path": (
        "{file}: no such file or folder. Check the path and try again.",
        "{file}：没有这个文件或文件夹。请检查路径后重试。",
    ),
    "msg.too_many_files": (
        "{file}: holds more than {limit} chat files, more than one import reads. Import the folders or zips one "
        "by one.",
        "{file}：包含超过 {limit} 个聊天文件，超出一次导入能读取的数量。请逐个导入各文件夹或压缩包。",
    ),
    "msg.folder_empty": (
        "{file}: this folder holds no .csv, .txt, .json or .zip export files.",
        "{file}：这个文件夹里没有 .csv、.txt、.json 或 .zip 导出文件。",
    ),
    "msg.not_regular": (
        "{file}: not a regular file. Import the export file itself.",
        "{file}：不是普通文件。请导入导出文件本身。",
    ),
    "msg.file_too_big": (
        "{file}: the file is {size}, more than the {limit} MeTwin reads from one export file. Export per contact "
        "or per year and import the parts.",
        "{file}：文件大小为 {size}，超过 MeTwin 单个导出文件的上限 {limit}。请按联系人或按年份分别导出再逐个导入。",
    ),
    "msg.zip_entries": (
        "{file}: the zip has {n} entries, more than the {limit} MeTwin opens. Unzip it and import the chat files "
        "themselves.",
        "{file}：压缩包有 {n} 个条目，超过 MeTwin 能打开的 {limit} 个。请先解压，再导入其中的聊天文件。",
    ),
    "msg.zip_damaged": (
        "{file}: the zip archive is damaged ({error}). Download or export it again.",
        "{file}：压缩包已损坏（{error}）。请重新下载或导出。",
    ),
    "msg.zip_empty": (
        "{file}: the zip holds no .csv, .txt or .json chat export.",
        "{file}：压缩包里没有 .csv、.txt 或 .json 聊天导出。",
    ),
    "msg.zip_total": (
        "{file}: the zip unpacks to {size} of chat files, more than the {limit} one import unpacks. Unzip it and "
        "import the chat files one by one.",
        "{file}：压缩包解压后的聊天文件共 {size}，超过一次导入的上限 {limit}。请先解压，再逐个导入聊天文件。",
    ),
    "msg.disk_full": (
        "{file}: unpacking needs {need} of disk space and only {free} is free. Free some space and try again.",
        "{file}：解压需要 {need} 磁盘空间，但只剩 {free}。请腾出空间后重试。",
    ),
    "msg.zip_method": (
        "{file}: the zip uses a compression method MeTwin cannot unpack ({error}). Unzip it yourself and import "
        "the chat file.",
        "{file}：压缩包使用了 MeTwin 无法解压的压缩方式（{error}）。请自行解压后导入聊天文件。",
    ),
    "msg.zip_password": (
        "{file}: the zip is password-protected. Export the chat again without a password, or unzip it yourself "
        "and import the file.",
        "{file}：压缩包有密码保护。请不设密码重新导出，或自行解压后导入文件。",
    ),
    "msg.zip_bomb": (
        "{file}: {packed} in the zip unpacks to {size}: this looks like a zip bomb, not an export. Check where "
        "the file came from, or unzip it yourself and import the chat file.",
        "{file}：压缩包里的 {packed} 解压后达到 {size}：这像是压缩炸弹，而不是导出文件。请核实文件来源，或自行解"
        "压后导入聊天文件。",
    ),
    "msg.zip_lies": (
        "{file}: unpacks to more than the {size} its header declares: the zip is damaged or built to mislead. "
        "Export it again.",
        "{file}：解压后的大小超过了文件头声明的 {size}：压缩包已损坏或被刻意伪造。请重新导出。",
    ),
    "msg.not_participant": (
        "'{who}' is not a participant of this chat. Participants: {names}.",
        "“{who}”不是这个聊天的参与者。参与者：{names}。",
    ),
    "msg.workspace_busy": (
        "This workspace is busy: another import, scan or export is running (another tab or command). Nothing was "
        "changed; try again when it has finished.",
        "工作区正忙：另一个导入、扫描或导出正在进行（另一个标签页或命令）。没有做任何改动；请等它结束后再试。",
    ),
    "msg.imported": (
        "{file}: imported {n:,} {n|message|messages} ({format})",
        "{file}：已导入 {n:,} 条消息（{format}）",
    ),
    "msg.imported_dups": (
        "{file}: imported {n:,} {n|message|messages} ({format}); {dups:,} already in the workspace were skipped",
        "{file}：已导入 {n:,} 条消息（{format}）；{dups:,} 条已在工作区中，已跳过",
    ),
    "msg.already_imported": (
        "{file}: already imported on {date} (as {name}); skipped.",
        "{file}：已于 {date} 导入过（名为 {name}），已跳过。",
    ),
    "note.skipped": ("skipped {what}", "已跳过 {what}"),
    "note.cut_long": (
        "{n} long messages were cut to {limit} K characters; the raw file keeps the full text.",
        "{n} 条过长的消息被截断为 {limit}K 个字符；原始文件保留了全文。",
    ),
    "note.json_damaged": ("the JSON is damaged at line {line}, column {col}", "JSON 在第 {line} 行第 {col} 列损坏"),
    "note.csv_partial": (
        "the file ends in the middle of the row that starts on line {line}: that partial row was left out; "
        "export the chat again to get every message.",
        "文件在第 {line} 行开始的那一行中途结束：这半行已略去；请重新导出聊天以获得全部消息。",
    ),
    "note.not_valid_enc": (
        "the file is not valid {enc}; unreadable characters were replaced",
        "文件不是有效的 {enc}；无法读取的字符已被替换",
    ),
    "note.chats_in_file": ("{n} chats in this file.", "这个文件里有 {n} 个聊天。"),
    "note.bad_date": ("{n} messages had an impossible date and were left out.", "{n} 条消息的日期不可能，已略去。"),
    "note.undated": (
        "{n} messages before the first date line had no date and were left out.",
        "第一行日期之前的 {n} 条消息没有日期，已略去。",
    ),
    "note.lines_ignored": ("{n} lines before the first message were ignored", "第一条消息之前的 {n} 行已忽略"),
    "note.no_is_sender": (
        "{n} messages had no IsSender flag; choose who you are.",
        "{n} 条消息没有 IsSender 标记；请选择哪一位是你。",
    ),
    "note.bad_time": (
        "{n} messages had a time that could not be read and were given no time",
        "{n} 条消息的时间无法读取，已不设时间",
    ),
    "note.me_guessed": (
        "me = {name} (guessed from the export; choose another on the Import page)",
        "“我” = {name}（根据导出推测；可在导入页改选）",
    ),
    "note.meta_utc": (
        "Times were converted from Meta's UTC timestamps to this computer's time zone ({zone}).",
        "时间已从 Meta 的 UTC 时间戳换算为本机时区（{zone}）。",
    ),
    "note.meta_bytes": (
        "Texts were stored by Meta as escaped bytes and have been decoded to the real characters.",
        "Meta 把文字存成了转义字节，已解码为真实字符。",
    ),
    "note.no_me_label": (
        "No sender is labelled 'Me' (exported with a custom name?); choose which participant is you.",
        "没有发送者被标为“Me”（导出时用了自定义名字？）；请选择哪一位是你。",
    ),
    "note.text_before": ("Text before the first message was ignored.", "第一条消息之前的文字已忽略。"),
    "note.dates_read": ("Dates read as {order}: {why}.", "日期按 {order} 读取：{why}。"),
    "note.left_out": ("{n} {what} were left out.", "{n} 条{what}已略去。"),
    "note.self_destroying": ("{n} self-destroying 'Name:.' lines were left out.", "{n} 行阅后即焚的“名字:.”已略去。"),
    "note.telegram_utc": (
        "{n} messages had no local 'date'; their times are UTC from 'date_unixtime'.",
        "{n} 条消息没有本地时间“date”；其时间取自“date_unixtime”的 UTC 时间。",
    ),
    "note.line_dollar": (
        "This file separates fields with '$' instead of TABs (an edited export); read it that way.",
        "这个文件用“$”而不是 TAB 分隔字段（被编辑过的导出）；已按此读取。",
    ),
    "note.qq_renamed": (
        "{n} QQ numbers appeared under more than one display name; each number's messages are shown under its "
        "latest name.",
        "{n} 个 QQ 号用过不止一个昵称；每个号的消息都显示为它最新的昵称。",
    ),
    "note.tapbacks": (
        "{n} tapback lists were left out (reactions, not messages).",
        "{n} 组点按回应（Tapback）已略去（是回应，不是消息）。",
    ),
    "note.recovered": (
        "{n} messages deleted from the conversation were recovered by the exporter and kept.",
        "{n} 条从对话中删除的消息被导出工具找回并保留。",
    ),
    "note.extra_fields": (
        "some lines had more fields than the header; the extra fields were dropped",
        "有些行的字段比表头多；多出的字段已丢弃",
    ),
    "note.bad_fields": (
        "some lines did not have the right number of fields and were skipped ({detail})",
        "有些行的字段数不对，已跳过（{detail}）",
    ),
    "note.no_strtime": (
        "{n} messages had no StrTime; their time was computed from CreateTime in this computer's time zone",
        "{n} 条消息没有 StrTime；其时间按本机时区由 CreateTime 算出",
    ),
    "note.sent_other_name": (
        "{n} messages you sent (IsSender=1) carried another name or id; they are shown under your name ({name})",
        "{n} 条你发送的消息（IsSender=1）带着别的名字或 ID；已显示在你的名字（{name}）下",
    ),
    "reason.context": ("context: {word}", "上下文：{word}"),
    "reason.zh_name_context": (
        "Chinese name: surname {surname} + context {context}",
        "中文姓名：姓氏 {surname} + 上下文 {context}",
    ),
    "reason.zh_name_opening": (
        "Chinese name: surname {surname} + typical given name, opening a sentence",
        "中文姓名：姓氏 {surname} + 常见名字，位于句首",
    ),
    "reason.phone_valid": ("phonenumbers VALID ({region})", "号码库校验有效（{region}）"),
    "reason.mobile_shape": (
        "{region} mobile shape, not validated by phonenumbers",
        "{region} 手机号格式，号码库未验证",
    ),
    "reason.iban": ("IBAN mod-97 ok ({country})", "IBAN 校验通过（{country}）"),
    "reason.key_shape": ("key shape: {name}", "密钥格式：{name}"),
    "reason.url_param": ("URL with a credential parameter: {name}=", "带凭据参数的链接：{name}="),
    "reason.luhn_ok": ("Luhn ok", "Luhn 校验通过"),
    "reason.luhn_failed": ("Luhn failed", "Luhn 校验未通过"),
    "reason.answer": ("answer to the previous message", "回答上一条消息"),
    "evidence.keyword": ("keyword {token}", "关键词 {token}"),
    "evidence.kaomoji": ("kaomoji {token}", "颜文字 {token}"),
    "evidence.punctuation": ("punctuation {token}", "标点 {token}"),
    "evidence.emoji": ("emoji {token}", "表情符号 {token}"),
    "evidence.wechat": ("WeChat emoji {token}", "微信表情 {token}"),
    "evidence.laughter": ("laughter {token}", "笑声 {token}"),
    "evidence.sticker": ("[sticker]", "[表情包]"),
}

# the English words by key: a code this module does not know keeps the library's own sentence
EN: dict[str, str] = {key: en for key, (en, _) in WORDS.items()}

# ----- redaction reasons: fixed pieces (lower-cased English → Chinese) ---------------------------------------------
REASON_PIECES_ZH: dict[str, str] = {
    "known name (import, owner list or found elsewhere)": "已知姓名（导入、自己的名单或别处发现）",
    "known name (import or owner list)": "已知姓名（导入或自己的名单）",
    "part of a known name": "已知姓名的一部分",
    "known value (found elsewhere in the workspace)": "已知值（在工作区别处发现）",
    "found outside the messages (a file, chat or other name)": "在消息之外发现（文件、聊天或其他名称）",
    "owner term": "自己添加的词", "owner pattern": "自己添加的规则",
    "road + number": "道路 + 门牌号", "estate + building/room": "小区 + 楼栋/房号",
    "building + unit/room": "楼栋 + 单元/房号", "postcode": "邮编", "unit": "单元",
    "lower-case street address with unit/postcode": "小写街道地址，带单元/邮编",
    "street address with unit/city/postcode": "街道地址，带单元/城市/邮编", "street address shape": "街道地址格式",
    "street address": "街道地址", "street name, type and house number": "街道名、类型和门牌号",
    "street name + house number after a place word": "地点词后的街道名 + 门牌号",
    "building and house number + street name": "楼号和门牌号 + 街道名", "po box": "邮政信箱",
    "military mail address": "军邮地址", "street corner": "街角", "apartment or suite number": "公寓或套房号",
    "town + postcode": "城镇 + 邮编", "extension": "分机号",
    "luhn ok": "Luhn 校验通过", "luhn failed": "Luhn 校验未通过", "no known issuer": "发卡机构未知",
    "12 digits without context": "12 位数字，无上下文",
    "but a 16-19 digit unionpay 62 number": "但是 16–19 位的银联 62 开头卡号",
    "gb 11643 check digit ok": "GB 11643 校验位正确", "no context": "无上下文",
    "legacy 15-digit id": "旧版 15 位身份证号",
    "email address": "电子邮箱地址", "alphabetic tld": "字母顶级域名", "email shape": "邮箱格式",
    "non-alphabetic tld": "非字母顶级域名", "answer to the previous message": "回答上一条消息",
    "single-digit parts and no context": "各段都是一位数且无上下文",
    "relationship word before a name": "名字前有称谓词", "title before a name": "名字前有头衔",
    "given name and surname": "名和姓", "given name (also a word) with a surname": "名（也是普通词）和姓",
    "unlisted given name with a listed name": "未收录的名和已收录的名字",
    "surname-first full name": "姓在前的全名", "capitalised given name": "首字母大写的名",
    "given name (also a word) in context": "有上下文的名（也是普通词）",
    "given name that is also a word, no context": "也是普通词的名，无上下文",
    "capitalised name in context": "有上下文的首字母大写名字", "lowercase given name": "小写的名",
    "lowercase given name (also a word) after a contact verb": "联系动词后的小写名（也是普通词）",
    "chinese mobile shape 1[3-9]x, not validated by phonenumbers": "中国手机号格式 1[3-9]x，号码库未验证",
    "phone-shaped number": "电话号码格式的数字",
    "plate shape (province + letter + 5)": "车牌格式（省份 + 字母 + 5 位）",
    "high-entropy token": "高熵字符串", "url with user:password@ credentials": "带 用户名:密码@ 凭据的链接",
    "ssn shape": "SSN 格式", "ssn shape, valid area/group/serial": "SSN 格式，区号/组号/序号有效",
    "key shape: wechat internal id (wxid_)": "密钥格式：微信内部 ID（wxid_）",
    "invalid check digit": "校验位错误", "no known issuer; context": "发卡机构未知；上下文",
}
# The context a Chinese-name reason names (lib/pii/recognizers/person_zh.py ``_context``): "title 老板", "quote".
_ZH_CONTEXT: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^title (?P<w>.+)$"), "称谓 {w}"), (re.compile(r"^role (?P<w>.+)$"), "身份 {w}"),
    (re.compile(r"^naming word (?P<w>.+)$"), "称呼词 {w}"), (re.compile(r"^after (?P<w>.+)$"), "后接 {w}"),
    (re.compile(r"^quote$"), "引号"), (re.compile(r"^a colon after a name that opens the line$"), "行首名字后的冒号"),
]


def _zh_context(context: str) -> str:
    for pattern, zh in _ZH_CONTEXT:
        m = pattern.match(context)
        if m:
            return zh.format(**m.groupdict())
    return context


_REASON_TEMPLATES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^Chinese name: surname (?P<surname>\S+) \+ context (?P<context>.+)$"), "reason.zh_name_context"),
    (re.compile(r"^Chinese name: surname (?P<surname>\S+) \+ typical given name, opening a sentence$"),
     "reason.zh_name_opening"),
    (re.compile(r"^phonenumbers VALID \((?P<region>[^)]*)\)$"), "reason.phone_valid"),
    (re.compile(r"^(?P<region>\w+) mobile shape, not validated by phonenumbers$"), "reason.mobile_shape"),
    (re.compile(r"^IBAN mod-97 ok \((?P<country>[^)]*)\)$"), "reason.iban"),
    (re.compile(r"^URL with a credential parameter: (?P<name>.+)=$"), "reason.url_param"),
    (re.compile(r"^context: (?P<word>.+)$"), "reason.context"),
    (re.compile(r"^key shape: (?P<name>.+)$"), "reason.key_shape"),
]

# ----- labelling evidence: "<cue kind> <token>" (lib.label.emotion) ------------------------------------------------------
_EVIDENCE = re.compile(r"^(?P<kind>keyword|kaomoji|punctuation|emoji|wechat|laughter) (?P<token>.+)$", re.S)

# ----- import notes: English patterns → key -------------------------------------------------------------------------
_N = r"(?P<n>[\d,]+)"
_NOTE_TEMPLATES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^the JSON is damaged at line (?P<line>[\d,]+), column (?P<col>[\d,]+)"), "note.json_damaged"),
    (re.compile(r"^skipped (?P<what>.+)$", re.S), "note.skipped"),
    (re.compile(_N + r" messages? longer than (?P<limit>\d+) K characters (?:were|was) cut"), "note.cut_long"),
    (re.compile(r"^the file ends in the middle of the row that starts on line (?P<line>[\d,]+)"), "note.csv_partial"),
    (re.compile(r"^the file is not valid (?P<enc>[\w-]+); unreadable characters were replaced"), "note.not_valid_enc"),
    (re.compile("^" + _N + r" chats in this file\.$"), "note.chats_in_file"),
    (re.compile("^" + _N + r" messages had an impossible date(?: or time)? and were left out\.$"), "note.bad_date"),
    (re.compile("^" + _N + r" messages before the first date line had no date"), "note.undated"),
    (re.compile("^" + _N + r" line\(s\) before the first message were ignored"), "note.lines_ignored"),
    (re.compile("^" + _N + r" message\(s\) had no IsSender flag"), "note.no_is_sender"),
    (re.compile("^" + _N + r" message\(s\) had a time that could not be read"), "note.bad_time"),
    (re.compile(r"^me = (?P<name>.+) \(guessed from the export", re.S), "note.me_guessed"),
    (re.compile(r"^Times were converted from Meta's UTC timestamps to this computer's time zone \((?P<zone>[^)]*)\)"),
     "note.meta_utc"),
    (re.compile(r"^Texts were stored by Meta as escaped bytes"), "note.meta_bytes"),
    (re.compile(r"^No sender is labelled 'Me'"), "note.no_me_label"),
    (re.compile(r"^Text before the first message was ignored"), "note.text_before"),
    (re.compile(r"^Dates read as (?P<order>[a-z/]+): (?P<why>.+)\.$", re.S), "note.dates_read"),
    (re.compile("^" + _N + r" self-destroying 'Name:\.' lines were left out"), "note.self_destroying"),
    (re.compile("^" + _N + r" messages had no local 'date'"), "note.telegram_utc"),
    (re.compile(r"^This file separates fields with '\$' instead of TABs"), "note.line_dollar"),
    (re.compile("^" + _N + r" QQ number\(s\) appeared under more than one display name"), "note.qq_renamed"),
    (re.compile("^" + _N + r" tapback lists were left out"), "note.tapbacks"),
    (re.compile("^" + _N + r" messages deleted from the conversation were recovered"), "note.recovered"),
    (re.compile(r"^some lines had more fields than the header"), "note.extra_fields"),
    (re.compile(r"^some lines did not have the right number of fields and were skipped \((?P<detail>.*)\)$", re.S),
     "note.bad_fields"),
    (re.compile("^" + _N + r" message\(s\) had no StrTime"), "note.no_strtime"),
    (re.compile("^" + _N + r" message\(s\) you sent \(IsSender=1\) carried another name or id; they are shown under "
                r"your name \((?P<name>.*)\)$", re.S), "note.sent_other_name"),
    (re.compile("^" + _N + r" (?P<what>[a-z ()]+?) were left out\.$"), "note.left_out"),
]

# Pieces of notes: what was left out, WhatsApp's date order and why it was chosen.
LEFT_OUT_ZH: dict[str, str] = {
    "malformed messages": "格式错误的消息", "repeated messages (same id)": "重复的消息（同一 id）",
    "messages without a time": "没有时间的消息", "messages without a date": "没有日期的消息",
    "chats without a message list": "没有消息列表的聊天", "unsupported messages": "不支持的消息",
    "messages with an impossible time": "时间不可能的消息",
}
DATE_ORDER_ZH = {"day/month/year": "日/月/年", "month/day/year": "月/日/年", "year/month/day": "年/月/日",
                 "year/day/month": "年/日/月"}
_WHY_ZH: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^a day above 12 comes (first|second|third)$"), "有大于 12 的日子出现在第{pos}位"),
    (re.compile(r"^the dates run forward in this order and go back (?P<n>\d+) times in the other$"),
     "按这个顺序日期一路向前，换另一种顺序会倒退 {n} 次"),
    (re.compile(r"^the dates run through (?P<a>\d+) days? in this order and would spread over (?P<b>\d+) days in the "
                r"other$"), "按这个顺序日期跨 {a} 天，换另一种顺序会分散到 {b} 天"),
    (re.compile(r"^no field above 12; year/month/day is the usual year-first order$"),
     "没有大于 12 的字段；年/月/日是年份在前时的常见顺序"),
    (re.compile(r"^no field above 12 and both orders fit; a 12-hour clock points to month first \(US\)$"),
     "没有大于 12 的字段，两种顺序都说得通；12 小时制说明是月在前（美国）"),
    (re.compile(r"^no field above 12 and both orders fit; day first is the most common$"),
     "没有大于 12 的字段，两种顺序都说得通；日在前最常见"),
]
_POS_ZH = {"first": "一", "second": "二", "third": "三"}


def _note_params(key: str, params: dict, lang: str) -> dict:
    """Translate the English pieces a note template carries (what was left out, a date order and its reason)."""
    if key == "note.left_out":
        what = LEFT_OUT_ZH.get(params["what"])
        if what is None:
            raise LookupError(params["what"])  # unknown piece: the caller keeps the English note
        params["what"] = what
    elif key == "note.dates_read":
        params["order"] = DATE_ORDER_ZH.get(params["order"], params["order"])
        for pattern, zh in _WHY_ZH:
            m = pattern.match(params["why"])
            if m:
                pos = _POS_ZH.get(m.group(1)) if m.groups() and m.group(1) in _POS_ZH else ""
                params["why"] = zh.format(pos=pos, **m.groupdict())
                break
        else:
            raise LookupError(params["why"])
    return params


def _fill(key: str, lang: str, params: dict) -> str:
    from lib.i18n import t  # lib.i18n imports this module: import at call time

    return t(key, lang, **params)


def message(code: str | None, params: dict | None, english: str, lang: str) -> str:
    """``msg.<code>`` in ``lang`` with ``params``; the library's English sentence when the code is unknown or a
    parameter is missing (a message must never show a raw code or an unfilled ``{field}``)."""
    from lib.i18n import TRANSLATIONS, normalize_lang, placeholders  # lib.i18n imports this module

    key = f"msg.{code}" if code else ""
    if not key or key not in EN:
        return english
    template = TRANSLATIONS[normalize_lang(lang)].get(key) or EN[key]
    if not placeholders(template) <= set(params or {}):
        return english
    return _fill(key, lang, dict(params or {}))


def error_text(err: BaseException, lang: str) -> str:
    """What a page shows for an exception: its coded message in ``lang``, else ``str(err)``."""
    return message(getattr(err, "code", None), getattr(err, "params", None), str(err), lang)


def _english(lang: str) -> bool:
    from lib.i18n import normalize_lang

    return normalize_lang(lang) == "en"


def note_text(note: str, lang: str) -> str:
    """An import note in ``lang`` (known patterns; others as the importer wrote them)."""
    if _english(lang):
        return note
    for pattern, key in _NOTE_TEMPLATES:
        m = pattern.match(note)
        if m:
            params = m.groupdict()
            if key == "note.skipped":
                params["what"] = note_text(params["what"], lang)
            try:
                params = _note_params(key, params, lang)
            except LookupError:  # a piece no table knows: the whole note stays as the importer wrote it
                return note
            return _fill(key, lang, params)
    named = _NAMED.match(note)  # "a.json: <note>": the file name as is, the note translated
    if named:
        rest = note_text(named.group(2), lang)
        if rest != named.group(2):
            return f"{named.group(1)}：{rest}"
    return note


_NAMED = re.compile(r"^([^:\n]{1,200}?): (.+)$", re.S)


def _reason_piece(piece: str, lang: str) -> str:
    zh = REASON_PIECES_ZH.get(piece.strip().lower())
    if zh:
        return zh
    for pattern, key in _REASON_TEMPLATES:
        m = pattern.match(piece.strip())
        if m:
            params = m.groupdict()
            if "context" in params:
                params["context"] = _zh_context(params["context"])
            return _fill(key, lang, params)
    return piece


def reason_text(reason: str, lang: str) -> str:
    """A redaction reason in ``lang``: the whole reason if known, else piece by piece ("; ", ", " and " + " join
    the pieces recognizers build: "Luhn ok, UnionPay 62; context: 卡号"). Unknown pieces stay as written."""
    if _english(lang) or not reason:
        return reason
    whole = _reason_piece(reason, lang)
    if whole != reason:
        return whole
    parts = []
    for part in reason.split("; "):
        shown = _reason_piece(part, lang)
        if shown == part:
            shown = "，".join(_plus(p, lang) for p in part.split(", "))
        parts.append(shown)
    return "；".join(parts)


def _plus(piece: str, lang: str) -> str:
    """Pieces joined by " + " ("road + number + postcode"): the longest known run first, from the left."""
    shown = _reason_piece(piece, lang)
    if shown != piece:
        return shown
    parts, out, i = piece.split(" + "), [], 0
    while i < len(parts):
        for j in range(len(parts), i, -1):
            run = " + ".join(parts[i:j])
            zh = _reason_piece(run, lang)
            if zh != run or j == i + 1:
                out.append(zh)
                i = j
                break
    return " + ".join(out)


def evidence_text(evidence: str, lang: str) -> str:
    """One piece of labelling evidence ("keyword lol", "punctuation !!") in ``lang``; the token itself is the
    user's text and stays as typed. "[sticker]" (a message that is a sticker) is translated too."""
    if _english(lang) or not evidence:
        return evidence
    if evidence.strip() == "[sticker]":
        return _fill("evidence.sticker", lang, {})
    m = _EVIDENCE.match(evidence)
    if not m:
        return evidence
    return _fill(f"evidence.{m.group('kind')}", lang, {"token": m.group("token")})
