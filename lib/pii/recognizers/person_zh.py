"""Chinese full names of people nobody listed, found in free chat text ("明天跟张伟一起吃火锅", "王小明医生说").

A candidate is a surname of the Hundred Family Surnames (compound ones first: 欧阳娜娜 is 欧阳 + 娜娜) followed by one
or two given-name characters. Chinese has no spaces, and most surname characters are everyday characters (高, 方, 马,
于, 江), so a candidate is kept only when
- it neither starts an everyday word (高手, 方向, 林荫道) nor ends one (大家, 关于): a word list built from jieba's
  dictionary (``lib/pii/data/words_zh.txt``, see ``gen_words_zh.py``);
- the context supports a person: a title or role next to it (医生, 老师, 房东, 同事, 表姐), a verb of meeting,
  calling or speaking (跟, 约, 找, 嫁给, 说), 叫 / 名字是, a colon after a name that opens a line, quotes; or, with no
  context, three typical given-name characters in a row where a sentence starts.
Its length (2 or 3 characters) ends early at a particle or where the third character starts a word (张伟一起 → 张伟).

Speed: this runs on every chat line, so a line pays for one regex search (a surname character followed by a possible
given-name character) and only candidates pay for the Python checks, which are set look-ups and ``str.endswith``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from lib.pii.kinds import register_recognizer
from lib.pii.base import Batch, SCORE_CONTEXT, SCORE_PATTERN, Hit

# Hundred Family Surnames (public domain), in its order, plus common modern surnames it lacks (肖, 付, 闫, 覃...).
SINGLE_SURNAMES: str = (
    "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛奚范彭郎鲁韦昌马苗凤花方"
    "俞任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常乐于时傅皮卞齐康伍余元卜顾孟平黄和穆萧尹姚邵湛汪祁毛禹狄米贝明臧"
    "计伏成戴谈宋茅庞熊纪舒屈项祝董梁杜阮蓝闵席季麻强贾路娄危江童颜郭梅盛林刁钟徐邱骆高夏蔡田樊胡凌霍虞万支柯昝管卢莫"
    "经房裘缪干解应宗丁宣贲邓郁单杭洪包诸左石崔吉钮龚程嵇邢滑裴陆荣翁荀羊於惠甄曲家封芮羿储靳汲邴糜松井段富巫乌焦巴弓"
    "牧隗山谷车侯宓蓬全郗班仰秋仲伊宫宁仇栾暴甘钭厉戎祖武符刘景詹束龙叶幸司韶郜黎蓟薄印宿白怀蒲邰从鄂索咸籍赖卓蔺屠蒙"
    "池乔阴郁胥能苍双闻莘党翟谭贡劳逄姬申扶堵冉宰郦雍却璩桑桂濮牛寿通边扈燕冀郏浦尚农温别庄晏柴瞿阎充慕连茹习宦艾鱼容"
    "向古易慎戈廖庾终暨居衡步都耿满弘匡国文寇广禄阙东欧殳沃利蔚越夔隆师巩厍聂晁勾敖融冷訾辛阚那简饶空曾毋沙乜养鞠须丰"
    "巢关蒯相查后荆红游竺权逯盖益桓公岳帅缑亢况郈有琴商牟佘佴伯赏墨哈谯笪年爱阳佟言福"
    "肖付闫覃兰练邝蔺揭栗原苟粟仝谌"
)
COMPOUND_SURNAMES: tuple[str, ...] = tuple("""
万俟 司马 上官 欧阳 夏侯 诸葛 闻人 东方 赫连 皇甫 尉迟 公羊 澹台 公冶 宗政 濮阳 淳于 单于 太叔 申屠 公孙 仲孙 轩辕 令狐
钟离 宇文 长孙 慕容 鲜于 闾丘 司徒 司空 亓官 司寇 子车 颛孙 端木 巫马 公西 漆雕 乐正 壤驷 公良 拓跋 夹谷 宰父 谷梁
段干 百里 东郭 南门 呼延 归海 羊舌 微生 梁丘 左丘 东门 西门 南宫 第五
""".split())

# About the 100 most common surnames: a name with one of them needs less context than one with a rare surname.
COMMON_SURNAMES: frozenset[str] = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭"
    "陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")

# Surnames that are mostly everyday function characters: a name with one needs a title, 叫, or a line-opening colon.
WEAK_SURNAMES: frozenset[str] = frozenset(
    "和时从全文明安平常成能都那有年爱言福后相空公国广利越通别终经干解应家山双党宁秋印宿怀习容易古师冷查红游权盖须养"
    "巢益商伯赏哈阳原水云花凤乐计强危支单吉富巴弓谷车仰申扶通农别充连鱼居步满东沃隆简毋丰关牧井蓬松甘束幸薄"
    "能苍双闻贡劳寿边尚庄晏柴慎终衡匡寇禄阙殳蔚越晁勾融辛那沙乜鞠后荆竺桓公况有琴牟墨年爱言仝")

# Characters typical of given names (a weight, not a gate): names made of them need less context.
GIVEN_CHARS: frozenset[str] = frozenset(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华霞平刚桂文辉玲建国红志鹏飞斌宇浩凯健俊帆帅旭宁龙林欢阳佳晨雪慧琳晶颖倩璐"
    "瑶怡婧琪悦欣蕾薇梅莉兰凤云萍燕玉珍洁蓉彤妍晓小思雨子梓涵轩博睿哲泽铭皓然瑞嘉懿晗萱诗琦可馨一诺依若沐宸逸景昊天翔"
    "宏海波峰坤毅鑫亮永春荣德福生成兵东光学新锋鸿良庆坚忠山仁义礼智信善安乐宝贵发财富祥顺利泰彬豪彪武威松柏桦楠森枫柳"
    "竹菊荷莲菲芬芸茜蓓蕊苗茹艾岚霖露霜霏雯婉婕娅娴姝媛妮姗嫣娇瑾瑜琼瑛珊璇珏琴璟玮琨琛珂珺昕晔晖昱曦晴暄昭晟旻炜烨煜"
    "熙灿焱炎鹤鸣骏驰腾跃康升恒立正诚伦谦敬贤达远航舟川江河湖涛渊源泉溪清澄淳润泓滨潇湘沁漫冰凌冬秋夏月星辰耀煌卓越凡"
    "宙乾坤金银钢锐钧铎锦绣纯素紫青丹朱翠碧凰麟虎鹰鸥蝶梦聪捷美雅淑贞婷妙蕙香莺鹃茵蕴娥妹姣婵媚琰瑶婷莹滢澜沛淼汐洛"
    "晋亚琛铮骁钰铄凯旭恺悦楷栋梁桐杉柯樟松岩磊峻崇岳嵩巍峥嵘屹鼎彦奕弈羽翼翊翰墨书画琪骞骅骐骥驹璋瑄璨琬瑗瑷珩珞"
    "芝芷蓝莎菁萌蓬蔚薪蓓莘荔葳蕾芮苒茗荟萃雁鹂鸾凤彩霓虹霄霆雷震电宣宜宾容宛宵家宁安定宗宪寰崧昌晋普景智晶暖曼朗望"
    "期杭松林枝柔栩桂梅森楚榕槿樱欣歌正武毓民永汉江池沛河泰洪洲津浩海涵淑清渝溢滔潘澈灵炫烁焕然照熠燊爽玥珀珠琅瑞瑶"
    "璐璞甜田畅百皓益盈真睿石硕磊祖神祥福禾秀秉程稳穆立章童竣端笑筱箐简紫红纬纯绮维缘美羚翔翠翎耀聪肖胜舒航良艺芊"
    "芙芯苑若英茂茜荣莉莹菡萧蒙蓉蕊薇虹蝶行衡裕西言誉诗诚语谊豪贝贞财贤资赫超越跃轩辉达迪逸遥道邦郁铭锋锦长闻阳雄雅"
    "雪雯震霖霞青静非韬韵顺颖飘飞馥骏高鸿鹏麒黎鼎齐龙伶佩倚健傲儒允元兆光克全兴冠冰凝凯函初利力功勋勤华卉南博卫卿厚"
    "友可君含启咏哲唯善喜嘉园圆坤培城基堂增士壮多天奇妍姿娟婉婷媛嫣子孜学宁宇守安宏宝实宸家容宽富寒尚展山岚峰崇嵩川"
    "巧希帆平年幸广庆康建弘强彤彦影征德心志忠怡思恩恬悦惠想意慧成承振捷敏文斌新方旭昆昊昌明易星春昭晓晨晴"
)

# Characters that end a name: particles, pronouns and function words ("张伟说", "陈静和我", "王磊他们").
STOP_CHARS: frozenset[str] = frozenset(
    "的了着过吗呢吧啊呀哦嘛么哈嘿呗啦哇喔噢嗯他她它我你您们是在和跟与同也都就又还再才很太最不没别要会能可把被对给让叫请"
    "说讲问道这那哪谁啥什怎个些里上下中来去回到从向往为于以及或而且但却所因如等今昨今后前这之其每各该此从有无"
    "吃喝看买卖拿做干打玩写读听想恨找约见陪带送接等二三四五六七八九十几两百千亿号点分秒年月日周次岁会"
    "，。！？、；：,.!?;:\"'“”‘’「」『』（）()【】《》 \t\n~～…—-_/@#")

# Title and role words that follow a name ("王小明医生", "陈老师", "刘总") or precede it ("我同事王磊", "房东李建国").
TITLES_AFTER: tuple[str, ...] = tuple("""
医生 大夫 老师 教授 先生 女士 小姐 阿姨 叔叔 伯伯 奶奶 爷爷 老板 经理 主任 总监 律师 师傅 同学 同事 警官 护士 院长 校长
局长 处长 科长 部长 书记 主管 老总 总 工 博士 会计 导演 教练 大爷 大妈 大姐 大哥 姐姐 哥哥 妹妹 弟弟 姐 哥 姨 叔 老弟
医师 律所 班长 组长 队长 所长 董事长 总裁 老爷子 师兄 师姐 师弟 师妹 学长 学姐 学弟 学妹 同志 太太 夫人 女士们
""".split())
ROLES_BEFORE: tuple[str, ...] = tuple("""
同事 同学 老师 医生 大夫 护士 房东 房客 租客 中介 老板 领导 上司 主管 经理 主任 客户 邻居 朋友 好友 室友 舍友 闺蜜 发小
表姐 表哥 表妹 表弟 堂姐 堂哥 堂妹 堂弟 姐姐 妹妹 哥哥 弟弟 我姐 我哥 我妹 我弟 老公 老婆 丈夫 妻子 男朋友 女朋友 男友
女友 前男友 前女友 前任 前妻 前夫 对象 未婚夫 未婚妻 舅舅 舅妈 姑姑 姑父 姨妈 阿姨 叔叔 婶婶 伯伯 爷爷 奶奶 外公 外婆
表叔 表姑 侄子 侄女 外甥 外甥女 儿子 女儿 师傅 师父 教练 导师 班主任 校长 同桌 学长 学姐 学弟 学妹 网友 律师 会计 助理
秘书 司机 保姆 月嫂 家教 老乡 合伙人 搭档 队友 组长 队长 新来的 实习生 亲家 岳父 岳母 公公 婆婆 嫂子 姐夫 妹夫 弟媳
""".split())
NAMING_BEFORE: tuple[str, ...] = ("名叫", "叫做", "名字是", "名字叫", "姓名", "姓名是", "叫", "署名", "联系人",
                                  "收件人", "签名", "本人", "我是", "这是", "他是", "她是", "就是", "是", "我叫",
                                  "他叫", "她叫")
VERBS_BEFORE: tuple[str, ...] = tuple("""
跟 和 同 与 约 见 找 问 给 陪 带 告诉 记得 想起 提到 听说 等下 等会 说起 梦到 看见 遇见 打给 回复 转给 嫁给 娶 喊 请 让
通知 联系 打给 碰到 遇到 看到 认识 介绍 被 帮 等 催 谢谢 感谢 @
约了 见了 找了 问了 陪着 带着 还有 以及 或者 转告 提醒 麻烦 拜托 想念 想 喜欢 爱 恨 讨厌 嫁 追 夸 骂 求 送 接 叫上 喊上
把 替 向 对 由 问问 找找 约约 看看 一起 电话 微信 加了 加 拉黑 删了 分手 结婚 离婚 相亲 表白 暗恋 对象是 关于
""".split())
VERBS_AFTER: tuple[str, ...] = tuple("""
说 讲 问 告诉 让 叫 打 发 来 去 回 请 和 跟 也 刚 今天 明天 昨天 后天 在 要 想 觉得 他 她 的 是 呢 吗 啊 呀 吧 还 又 都
就 已经 一直 最近 突然 居然 竟然 好像 非常 特别 真 太 总是 从来 不 没 给 把 被 帮 约 找 带 陪 送 借 欠 住 结婚 离婚 生
去世 走了 那边 这边 家 一起 会 那个 这个 打电话 发消息 发微信 回消息 他们 她们 几个 同学 同事 医生 老师 和我 跟我 对我
给我 也是 这个人 这人 人 本人 先 后来 ，
""".split()) + ("，", "。", "！", "？", ",", ".", "!", "?", "、", "~", " ")
QUOTES = ("“", "「", "『", '"', "‘", "《")
COLONS = (":", "：")

# jieba tags these everyday words as person names (nr): they never count as plausible names.
_NR_MISTAGS = frozenset("马虎 张罗 许可 林荫道 高潮 白白 张口 高耸 黄蜂 马尾 金玉 黄石 魏晋 金陵 王宫 孔道 沈思 施恩 "
                        "马拉 何曾 "
                        "白虎 卫戍 马扎 华硕 王储 金龟 黄芩 马科 卫尉 陈迹 金汤 黄叶 卫护 高堂 白芷 白霜 白毛 金碧 "
                        "林苑 高胡 韩日 "
                        "黄毛 高汤 江米 何堪 高昂 万一 黄金 石头 田野 高大 白天".split())
# Title words appended to a surname for the forms a person is called by later (张老师, 老张); shared by name_parts.
TITLE_WORDS: tuple[str, ...] = ("老师", "医生", "大夫", "先生", "女士", "阿姨", "叔叔", "老板", "经理", "主任", "教授",
                                "律师", "师傅", "同学", "总")

_HAN = "\u4e00-\u9fff"
_DATA = Path(__file__).resolve().parents[1] / "data" / "words_zh.txt"


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _surname_pattern() -> str:
    """A surname's first character, then a character that can start a given name (Han, not a particle).

    One character class first, so ``re`` scans for it in C; a leading alternation of compound surnames would make it
    try every position (5× slower). Compound surnames are recognised from their first character (欧, 司, 诸...), and
    淳于/单于/鲜于 let 于 through although it is a particle."""
    firsts = "".join(sorted(set(SINGLE_SURNAMES) | {c[0] for c in COMPOUND_SURNAMES}))
    stop = "".join(re.escape(c) for c in sorted(STOP_CHARS) if _is_han(c))

    def chars(cs: Iterable[str]) -> str:
        return "".join(re.escape(c) for c in sorted(set(cs)))

    # After the class, what the first cheap checks in analyze_many require anyway, tested by the engine: a common
    # surname, or a given-name character next, or a compound surname. Fewer than half the candidates reach Python.
    common, given = chars(COMMON_SURNAMES), chars(GIVEN_CHARS)
    compound_first, compound_second = chars(c[0] for c in COMPOUND_SURNAMES), chars(c[1] for c in COMPOUND_SURNAMES)
    return (f"[{firsts}](?=[^{stop}\\x00-\\u4dff\\ua000-\\U0010ffff]|于)"
            f"(?:(?<=[{common}])|(?=[{given}])|(?<=[{compound_first}])(?=[{compound_second}]))")


_CANDIDATE = re.compile(_surname_pattern())
_COMPOUND = frozenset(COMPOUND_SURNAMES)
_SURNAME_SET = frozenset(SINGLE_SURNAMES)
_COMPOUND_ONLY = frozenset(c[0] for c in COMPOUND_SURNAMES) - set(SINGLE_SURNAMES)


_COMMENT = re.compile(r"^#[^\n]*(?:\n|$)", re.M)
_TAGGED = re.compile(r"^([^ \n]+) nr$", re.M)
_TWO = re.compile(f"^[{SINGLE_SURNAMES}][^ \\n]$", re.M)  # two-character words opening with a surname character


@lru_cache(maxsize=1)
def _words() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(every listed word, the ones jieba also tags as a person's name, the quick rejects). Loaded once, on first use.

    Quick rejects are two-character words that open a candidate and can never start a name: the second character is
    not a given-name character and jieba does not know the word as a name (周末, 谢谢, 余额), or the surname is weak
    (文件, 关注). Most candidates in chat are these, and they cost one set look-up."""
    with open(_DATA, encoding="utf-8") as f:
        return _parse_words(f.read())


def _parse_words(text: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """:func:`_words` from the word list's text.

    Start-up matters (``pii-scan`` and every workspace scan build this), so the ~70k lines are parsed with C-level
    string and regex operations instead of a Python loop per line (47 ms → 29 ms). The shape it relies on (one
    optional " nr" tag after a word, "\\n" line ends, no blank line) is checked; anything else takes the plain loop
    (:func:`_words_plain`). tests/test_pii_speed_paths.py checks both give the same sets."""
    body = _COMMENT.sub("", text) if text.startswith("#") or "\n#" in text else text
    tagged = body.count(" nr\n") + body.endswith(" nr")
    plain = body.replace(" nr\n", "\n").strip("\n")
    if plain.endswith(" nr"):
        plain = plain[:-3]
    if "\r" in body or body.count(" ") != tagged or "\n\n" in plain or not plain or body.startswith(" ") \
            or "\n " in body:
        return _words_plain(text)
    words = plain.split("\n")
    names = set(_TAGGED.findall(body)) - _NR_MISTAGS
    quick = {w for w in _TWO.findall(plain) if w not in names and w not in _COMPOUND
             and (w[1] not in GIVEN_CHARS or w[0] in WEAK_SURNAMES)}
    return frozenset(words), frozenset(names), frozenset(quick)


def _words_plain(text: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """:func:`_words` read line by line: the reference the fast parse is tested against, and its fallback."""
    lines = [line for line in text.split("\n") if line and not line.startswith("#")]
    words = {line.partition(" ")[0] for line in lines}
    names = {line[:-3] for line in lines if line.endswith(" nr")} - set(_NR_MISTAGS)
    singles = set(SINGLE_SURNAMES)
    quick = {w for w in words if len(w) == 2 and w[0] in singles and w not in names and w not in _COMPOUND
             and (w[1] not in GIVEN_CHARS or w[0] in WEAK_SURNAMES)}
    return frozenset(words), frozenset(names), frozenset(quick)


def split_name(full: str) -> tuple[str, str]:
    """(surname, given name) of a Chinese full name; compound surnames first (欧阳娜娜 → 欧阳, 娜娜)."""
    if len(full) >= 3 and full[:2] in _COMPOUND:
        return full[:2], full[2:]
    return full[:1], full[1:]


def surname_title_forms(surname: str) -> list[str]:
    """How a person with ``surname`` is addressed without a given name: 张老师, 张医生, 老张, 小张...

    Forms that are themselves everyday words or start one (小白 "newbie", 老实, 王总是 is still found: the caller
    matches exact strings, so 王总 inside 王总是 is a known risk of the short 总 form, kept because 王总 is how bosses
    are named in chat) are left out."""
    if not surname:
        return []
    forms = [surname + t for t in TITLE_WORDS]
    if surname in COMMON_SURNAMES:
        # 老王, 小李: only for common surnames (others make everyday words: 老公, 小时, 老师), and not where the form
        # is itself a word or starts one (小白 "newbie", 小于, 小程序, 小周末, 一小张纸)
        forms += [p + surname for p in ("老", "小") if p + surname not in _NOT_TITLE_FORMS]
    return list(dict.fromkeys(forms))


def name_parts(full: str) -> list[str]:
    """The shorter forms a Chinese full name is mentioned by later, safe to match as exact strings workspace-wide:
    the given name when it has two or more characters and is not an everyday word (张晓明 → 晓明; a one-character
    given name alone is any word),
    then the surname with a title (:func:`surname_title_forms`). Never ``full`` itself."""
    full = full.strip()
    if not 2 <= len(full) <= 4 or not re.fullmatch(f"[{_HAN}]+", full):
        return []
    surname, given = split_name(full)
    out: list[str] = []
    words, names, _ = _words()
    if len(given) >= 2 and (given not in words or given in names):
        out.append(given)  # not 国庆 of 张国庆 or 平安 of 王平安: everyday words would be flagged everywhere
    out += surname_title_forms(surname)
    return [p for p in dict.fromkeys(out) if p != full]


class ChineseNameRecognizer:
    """Full Chinese names in free text, scored with the context around them (see the module docstring)."""

    kinds = ("PERSON",)
    needs = ""  # Chinese lines carry no ASCII: run on every line

    def __init__(self) -> None:
        self._words, self._name_words, self._quick = _words()

    def analyze(self, text: str) -> list[Hit]:
        return self.analyze_many(Batch([text])).get(0, [])

    def analyze_many(self, batch: Batch) -> dict[int, list[Hit]]:
        """Hits per text. One candidate scan over the whole batch (:class:`~lib.pii.base.Batch`): the surname class
        matches in most Chinese lines, and a call per line cost more than the scan."""
        out: dict[int, list[Hit]] = {}
        joined, starts = batch.joined, batch.starts
        skip_to = 0
        quick, words = self._quick, self._words
        for m in _CANDIDATE.finditer(joined):
            # Cheap rejections first (set look-ups): most candidates in chat end here. NUL between texts is no
            # character of any word, so looking one character back or ahead never sees the neighbouring text.
            i = m.start()
            two = joined[i:i + 2]
            if i < skip_to or two in quick:
                continue
            if two not in _COMPOUND:
                if two[0] in _COMPOUND_ONLY:
                    continue  # 微, 太, 第: only the start of a compound surname
                if two[1] not in GIVEN_CHARS and two[0] not in COMMON_SURNAMES:
                    continue  # a rare surname needs a typical given name (包笑死, 温注意)
                if i and joined[i - 1:i + 1] in words and joined[i - 1] not in _BEFORE_CHARS:
                    continue  # the surname character ends a word (大家, 关于, 小李, 晚上)
            k = batch.line(i)
            hit = self._judge(batch.text(k), i - starts[k])
            if hit is not None:
                out.setdefault(k, []).append(hit)
                skip_to = starts[k] + hit.end
        return out

    def _judge(self, text: str, i: int) -> Hit | None:
        """The name starting at ``i``, or None."""
        words = self._words
        j = i + 2 if text[i:i + 2] in _COMPOUND and i + 2 < len(text) and _is_han(text[i + 2]) else i + 1
        surname = text[i:j]
        n = len(text)
        c1 = text[j]
        if c1 in STOP_CHARS or text[j:j + 2] in _TITLE_SET or c1 in _SINGLE_TITLES:
            return None  # 王总, 张医生: a title form, not a full name
        if j == i + 1 and c1 == surname:
            return None  # 谢谢老板, 明明老师说: a doubled character is a word (thanks, obviously), not a name
        if i and text[i - 1:i + 1] in words and c1 in _SURNAME_SET:
            return None  # 谢谢王老板, 谢谢张伟老师: the character ends a word (谢谢), and a surname follows it
        # Length: three characters unless the third is a particle, starts a title or a word (张伟一起, 张伟医生).
        end = j + 1
        c2 = text[j + 1] if j + 1 < n else ""
        if c2 and _is_han(c2) and c2 not in STOP_CHARS and not text[j + 1:].startswith(TITLES_AFTER):
            pair = text[j + 1:j + 3]
            three = text[i:j + 2]
            if three in self._name_words or len(pair) < 2 or pair not in words or c2 in GIVEN_CHARS and (
                    text[j + 2:].startswith(TITLES_AFTER) or text[j + 2] in STOP_CHARS):
                end = j + 2
        name = text[i:end]
        given = text[j:end]
        plausible = all(c in GIVEN_CHARS for c in given)
        common = surname in COMMON_SURNAMES or len(surname) == 2
        strong, medium = _context(text, i, end)
        if surname in WEAK_SURNAMES and not strong:
            return None
        if medium and i and text[i - 1:i + 1] in words:
            return None  # the verb before and the surname make a word (加班明天见, 上班发生): no verb of meeting
        # Everyday words that start at the surname (高手, 方向盘, 林荫道). A word that covers the whole candidate blocks
        # it, unless the word list also knows it as a name (李强, 高峰) and the context says person. A word that is
        # only a prefix (王国 of 王国庆) blocks it unless the context says person and the given name looks like one.
        for k in (2, 3, 4):
            w = text[i:i + k]
            if len(w) < k or i + k <= j or w not in words:
                continue
            if i + k >= end:
                if not (w in self._name_words and i + k == end and (strong or medium and plausible
                                                                          and not medium.startswith("after"))):
                    return None
            elif not ((strong or medium) and plausible):
                return None
        opens = i == 0 or text[i - 1] in _OPENERS
        if strong:
            score = SCORE_CONTEXT if plausible or common else SCORE_PATTERN
            reason = f"Chinese name: surname {surname} + context {strong}"
        elif medium:
            if plausible and common:
                score = SCORE_CONTEXT if not medium.startswith("after") or opens else SCORE_PATTERN
            elif plausible or common:
                score = SCORE_PATTERN
            else:
                return None
            reason = f"Chinese name: surname {surname} + context {medium}"
        elif opens and common and plausible and len(given) == 2 and (
                end >= len(text) or text[end:].startswith(VERBS_AFTER) or text[end] in STOP_CHARS):
            score = SCORE_PATTERN  # 诸葛明亮是我高中同学: three typical name characters opening a sentence
            reason = f"Chinese name: surname {surname} + typical given name, opening a sentence"
        else:
            return None
        return Hit("PERSON", i, end, score, reason, name)


def _context(text: str, i: int, end: int) -> tuple[str, str]:
    """(strong evidence, medium evidence) of a person around ``text[i:end]``, each a short description or ''."""
    before = text[max(0, i - 5):i]
    if before.endswith(_ASPECT):  # 嫁给了 / 陪着: the verb before its aspect particle
        before = before[:-1]
    after = text[end:end + 4]
    if after.startswith(TITLES_AFTER) and text[end:end + 2] not in _TITLE_FALSE:
        return "title " + next(t for t in TITLES_AFTER if after.startswith(t)), ""
    if before.endswith(ROLES_BEFORE):
        return "role " + next(t for t in ROLES_BEFORE if before.endswith(t)), ""
    if before.endswith(_NAMING_STRONG):
        return "naming word " + next(t for t in _NAMING_STRONG if before.endswith(t)), ""
    if after.startswith(COLONS) and (i == 0 or text[i - 1] in " \n\t@"):
        return "a colon after a name that opens the line", ""
    ends = end >= len(text) or after.startswith(VERBS_AFTER) or text[end] in STOP_CHARS
    if before.endswith(VERBS_BEFORE) and (ends or end - i >= 3):
        return "", next(t for t in VERBS_BEFORE if before.endswith(t))
    if before.endswith(NAMING_BEFORE) and (ends or end - i >= 3):
        return "", next(t for t in NAMING_BEFORE if before.endswith(t))
    if before.endswith(QUOTES) and (ends or end - i >= 3):
        return "", "quote"
    if after.startswith(_SPEECH_AFTER):
        return "", "after " + next(t for t in _SPEECH_AFTER if after.startswith(t))
    return "", ""


_TITLE_SET = frozenset(t for t in TITLES_AFTER if len(t) == 2)
_SINGLE_TITLES = frozenset("总")
_TITLE_FALSE = frozenset(("总是", "总共", "总之", "总算", "总结", "工作", "工资", "工具", "姐妹", "哥们", "叔侄"))
_BEFORE_CHARS = frozenset(v[-1] for v in VERBS_BEFORE + NAMING_BEFORE + ROLES_BEFORE)
_ASPECT = ("了", "着", "过")
_NOT_TITLE_FORMS = frozenset("小张 小于 老于 小白 老白 小米 小钱 小孔 小程 小苏 小金 小周 小叶 老汤 小方 老方 小石 "
                             "小田 老田 "
                              "小黄 老黄 小龙 小万 小向 小江 小高 老史 小史 小严 老严 小武 小熊 小董 小姚".split())
_NAMING_STRONG = ("名叫", "叫做", "名字是", "名字叫", "姓名", "姓名是", "叫", "署名", "联系人", "收件人",
                  "我是", "我叫")
# Verbs and phrases after a name that speak for a person ("刘洋说", "余彤打电话给我", "陈浩那个人").
_SPEECH_AFTER: tuple[str, ...] = tuple("""
说 讲 问 告诉 打电话 发消息 发微信 回消息 回我 让我 叫我 喊我 给我 跟我 和我 对我 找我 约我 请我 帮我 会来 那个人 这个人
那人
刚刚 刚才 已经 居然 竟然 突然 今天 明天 昨天 也来 都来 和 跟 他们 她们 家 吗 呢 说过
""".split())
_OPENERS = frozenset(" \n\t，。！？、；,.!?;“「『\"'（(【[")


# --- registration (lib/pii/kinds.py): the kind this module finds, and how a scan builds its recognizer ---
register_recognizer("person_zh", 160, lambda config: [ChineseNameRecognizer()])
