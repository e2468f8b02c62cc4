"""Rule-based emotion *suggestions* for chat messages (issue 4): a first guess the owner confirms or corrects.

Why rules and not a model: labelling starts before any labels exist, runs on a laptop over hundreds of thousands of
messages, and must explain itself. Every suggestion therefore carries the cues it saw ("emoji [流泪]",
"keyword 想你", "kaomoji QAQ", "punctuation ～") in text order, including cues that voted for another label, so a
low confidence can be read off the reasons.

Cues and weights (score per label, summed):

- WeChat bracket emoji (``[流泪]``, ``[流淚]``, ``[Sob]``, ``[旺柴]``...): 1.0, 0.5 when the emoji means neutral.
  Names and labels live in ``data/lexicon/wechat_emoji.tsv`` (column ``emotion``, filled by hand for how people *use*
  them: ``[微笑]`` is read as passive-aggressive, ``[捂脸]`` as playful).
- Unicode emoji, variation selectors and skin tones ignored (❤️ == ❤): 1.0 (neutral 0.5).
- Kaomoji (``QAQ``, ``T_T``, ``orz``, ``(｡•́︿•̀｡)``...): 1.0.
- Keywords, zh and en: 0.8 (single-character ones 0.5, neutral ones 0.4). Longer keywords win over the ones they
  contain, so 不开心 is sadness, not joy, and 恐怕 ("probably") is no fear.
- Laughter (哈哈, hhh, 233, haha): 0.8 for playful. ASCII tokens only count as whole words (no "sad" in "sadly").
- Punctuation habits, each counted once per message: ``~``/``～`` playful 0.3 + affection 0.2; ``……``/``...`` sadness
  0.3 + grievance 0.2; ``??`` surprise 0.3; ``!!`` adds 0.3 to the strongest non-neutral label so far (joy 0.2 alone).

A cue repeated in one message counts a little more (×1.5, ×2 from the third time), never linearly: "[流泪]" typed five
times is emphasis, not five pieces of evidence.

Confidence = (1 - exp(-s)) × s / total, with s the winner's score: agreeing cues push it towards 1, conflicting cues
divide it, and punctuation alone stays well below 0.5. Labels outside the given taxonomy are dropped before the vote;
a tie goes to the label listed first in the taxonomy.

Speed: one regex pass per message (a trie-shaped alternation whose branches all start with a literal, so ``re`` skips
non-candidate positions in C) plus a cached per-token lookup; about 1 s per 100,000 messages on a slow 2-core box.
"""
from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

DEFAULT_TAXONOMY: tuple[str, ...] = (
    "joy", "affection", "playful", "sadness", "grievance", "anger", "fear", "surprise", "neutral",
)

LABEL_ZH: dict[str, str] = {
    "joy": "开心", "affection": "亲昵", "playful": "调皮", "sadness": "难过", "grievance": "委屈",
    "anger": "生气", "fear": "害怕", "surprise": "惊讶", "neutral": "平静",
}

LEXICON_PATH = Path(__file__).resolve().parents[2] / "data" / "lexicon" / "wechat_emoji.tsv"
NAME_COLUMNS: tuple[str, ...] = ("cn", "hk_tw", "en_us", "en_alias_from_memotrace")  # earlier column wins a clash

W_EMOJI, W_KAOMOJI, W_KEYWORD, W_SHORT_KEYWORD, W_LAUGH = 1.0, 1.0, 0.8, 0.5, 0.8
NEUTRAL_FACTOR = 0.5   # a neutral emoji says little: half weight
W_NEUTRAL_KEYWORD = 0.4

# Unicode emoji, written without variation selectors (they are stripped from the text before matching).
UNICODE_EMOJI: dict[str, str] = {
    **dict.fromkeys("😊😄😁😃😀☺🥳🎉🎊👍👏✨🌞💪🙌🎂🌈🍻🥂😌", "joy"),
    **dict.fromkeys("😂🤣😜😝😛🤪😏😹🙈🤭😆😉🤡😎🐶🤓", "playful"),
    **dict.fromkeys("❤♥💕💖💗💓💞💘💝💋🌹🤗😘😍🥰😚😙😻🫶💑💏", "affection"),
    **dict.fromkeys("😭😢😞😔😟☹🙁💔😿🥀😥😪🥲", "sadness"),
    **dict.fromkeys("🥺😒🙄😑😕😣😩😫", "grievance"),
    **dict.fromkeys("😡😠🤬👿💢🖕😤", "anger"),
    **dict.fromkeys("😱😨😰😧🫣😬😖", "fear"),
    **dict.fromkeys("😮😲😯😳🤯👀😦", "surprise"),
    **dict.fromkeys("😐😶🤔👌🙏🙂", "neutral"),
}

# Kaomoji written literally (matched case-insensitively like the rest).
KAOMOJI: dict[str, str] = {
    "(＾▽＾)": "joy", "(^▽^)": "joy", "(^_^)": "joy", "^_^": "joy", "^^": "joy", "(≧▽≦)": "joy",
    "ヽ(✿ﾟ▽ﾟ)ノ": "joy", "o(*￣▽￣*)ブ": "joy", "(๑•̀ㅂ•́)و✧": "joy", "\\(^o^)/": "joy", "(*^▽^*)": "joy",
    "(｡•́︿•̀｡)": "sadness", "(╥﹏╥)": "sadness", "(ㄒoㄒ)": "sadness", "(ಥ_ಥ)": "sadness", "ಥ_ಥ": "sadness",
    "╮(╯▽╰)╭": "playful", "┑(￣Д ￣)┍": "playful", "(￣▽￣)": "playful", "(￣y▽￣)": "playful", "(¬‿¬)": "playful",
    "(≧∇≦)": "playful", "( ͡° ͜ʖ ͡°)": "playful", "¯\\_(ツ)_/¯": "playful",
    "(っ´▽`)っ": "affection", "(づ｡◕‿‿◕｡)づ": "affection", "(*╯3╰)": "affection", "(づ￣3￣)づ": "affection",
    "(灬º‿º灬)": "affection", "(｡♥‿♥｡)": "affection",
    "(╯°□°）╯︵ ┻━┻": "anger", "(╬▔皿▔)": "anger", "(╬￣皿￣)": "anger", "(#`皿´)": "anger", "(╯‵□′)╯︵┻━┻": "anger",
    "(°ロ°)": "surprise", "Σ(っ °Д °;)っ": "surprise", "(⊙_⊙)": "surprise", "(⊙o⊙)": "surprise", "Σ(ﾟдﾟ)": "surprise",
    "(((ﾟДﾟ;)))": "fear", "(;´Д`)": "fear", "(ﾟДﾟ≡ﾟДﾟ)": "fear",
    "(´･_･`)": "grievance", "(＞﹏＜)": "grievance", "(。﹏。)": "grievance", "(´・ω・`)": "grievance",
}

# ASCII kaomoji, spelled out case by case; like every token that starts or ends with a letter or digit they only
# count between word boundaries (TAT is no cue in "TATTOO", :o none in ":oops").
KAOMOJI_ASCII: dict[str, str] = {
    **dict.fromkeys(("QAQ", "QWQ", "QwQ", "Q_Q", "TAT", "T_T", "TvT", "T.T", "TT", ":(", ":-(", ":'("), "sadness"),
    **dict.fromkeys(("orz", "Orz", "OTZ", "otz", "ORZ", "OTL", ":p", ":P", ":-p", ":-P", ";)", ";-)"), "playful"),
    **dict.fromkeys((":)", ":-)", ":D", ":-D"), "joy"),
    **dict.fromkeys((":o", ":O", ":-o", ":-O"), "surprise"),
}

KEYWORDS: dict[str, tuple[str, ...]] = {
    "joy": ("开心", "高兴", "太好了", "快乐", "幸福", "太棒了", "好棒", "真棒", "好耶", "爽", "恭喜", "美滋滋", "满意",
            "兴奋", "开森", "好消息", "赞", "happy", "glad", "great", "awesome", "yay", "congrats", "excited",
            "666"),
    "affection": ("想你", "爱你", "喜欢你", "抱抱", "亲亲", "么么哒", "么么", "宝贝", "宝宝", "亲爱的", "想死你",
                  "爱死你", "贴贴", "心疼你", "晚安", "摸摸头", "陪你", "mua", "miss you", "love you", "love u",
                  "hugs", "xoxo", "sweetheart", "honey", "babe", "darling"),
    "playful": ("嘿嘿", "嘻嘻", "略略略", "逗你", "开玩笑", "笑死", "笑哭", "狗头", "皮一下", "调皮", "嘚瑟", "好家伙",
                "绝了", "搞笑", "沙雕", "憋笑", "笑出声", "lol", "lmao", "lmfao", "rofl", "jk", "kidding", "hehe"),
    "sadness": ("难过", "伤心", "哭", "想哭", "难受", "心痛", "心碎", "失望", "绝望", "孤独", "寂寞", "郁闷", "沮丧",
                "崩溃", "不开心", "不快乐", "呜呜", "好累", "唉", "emo", "sad", "depressed", "crying", "upset",
                "lonely", "heartbroken", "sigh"),
    "grievance": ("委屈", "凭什么", "不理我", "哼", "讨厌", "算了", "随便你", "无语", "呵呵", "不公平", "欺负", "冤枉",
                  "没人理", "嫌弃我", "不高兴", "又不回", "不回我", "whatever", "unfair", "ignored",
                  "you never"),
    "anger": ("生气", "气死", "气死我了", "烦死", "烦死了", "好烦", "真烦", "烦人", "烦躁", "滚", "闭嘴", "恶心",
              "受够了", "混蛋", "有病", "神经病", "妈的", "去死", "火大", "不爽", "愤怒", "怒了", "angry", "mad",
              "pissed", "wtf", "hate", "annoying", "shut up", "fuck"),
    "fear": ("害怕", "怕", "吓死", "吓死我了", "好怕", "怕怕", "恐怖", "可怕", "担心", "紧张", "慌", "不敢", "焦虑",
             "吓人", "瑟瑟发抖", "惊吓", "噩梦", "救命", "scared", "afraid", "terrified", "nervous", "worried",
             "scary", "anxious"),
    "surprise": ("天哪", "天啊", "天呐", "我的天", "不会吧", "真的假的", "居然", "竟然", "卧槽", "我靠", "我去", "哇",
                 "哇塞", "震惊", "没想到", "吃惊", "不是吧", "离谱", "惊了", "wow", "omg", "whoa", "no way",
                 "seriously", "oh my god"),
    "neutral": ("收到", "好滴", "嗯嗯", "ok", "okay"),
}

# Longer words that contain a cue but mean nothing emotional: matched, then ignored.
SHADOWS: tuple[str, ...] = ("恐怕", "哪怕", "不怕", "别怕", "麻烦", "哭笑不得", "怕是", "爽快", "凉爽")

# Cues with a variable length. Each alternative starts with a literal character so that ``re`` can skip, in C, every
# position where no cue can start; the kind is then read off the first character (PATTERN_KINDS).
PATTERNS: tuple[str, ...] = (
    "哈哈+", "233+", "hhh+", "HHH+", "haha(?:ha)*h?", "Haha(?:ha)*h?", "HAHA(?:HA)*H?",   # laughter
    "~[~～]*", "～[~～]*", "……*", r"\.\.\.+", "。。。+", "⋯⋯*",                              # tilde, ellipsis
    r"\?[?？]+", "？[?？]+", "![!！]+", "！[!！]+", "xD+", "XD+", "<3+",                    # ??, !!, xD, <3
)
PATTERN_KINDS: dict[str, str] = {
    **dict.fromkeys("哈2hH", "laughter"), **dict.fromkeys("~～", "tilde"), **dict.fromkeys("….。⋯", "ellipsis"),
    **dict.fromkeys("?？", "question"), **dict.fromkeys("!！", "bang"), **dict.fromkeys("xX<", "kaomoji"),
}
PATTERN_LABELS: dict[str, str] = {"x": "playful", "X": "playful", "<": "affection"}
PUNCT_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    "tilde": (("playful", 0.3), ("affection", 0.2)),
    "ellipsis": (("sadness", 0.3), ("grievance", 0.2)),
    "question": (("surprise", 0.3),),
}
W_BANG_BOOST, W_BANG_ALONE = 0.3, 0.2

IGNORED_CHARS = re.compile("[\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]")  # variation selectors, skin tones


# Every reason in ``Suggestion.reasons`` is "<cue kind> <token>" with one of these kinds ("keyword lol"): the token is
# the user's own text, the kind a word lib.i18n.messages translates (``evidence.<kind>``) when a page shows it.
CUE_KINDS = ("keyword", "kaomoji", "emoji", "laughter", "punctuation")


@dataclass(frozen=True)
class Suggestion:
    """One suggested label: confidence in [0, 1] and the cues seen, in text order."""

    label: str
    confidence: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class _Rules:
    """Compiled once: a regex for cues led by a BMP character, one for emoji outside the BMP, and a lookup from
    matched text to (kind, label, weight). Two regexes because ``re`` turns a first-character set holding astral
    characters into a slow linear list, while a BMP-only set is a bitmap checked in C at every position."""

    pattern: re.Pattern[str]
    astral: re.Pattern[str]
    literals: dict[str, tuple[str, str, float]]


def _read_lexicon(path: Path = LEXICON_PATH) -> list[dict[str, str]]:
    """The WeChat emoji table; QUOTE_NONE because legacy codes such as /::"( hold quotes."""
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def _bracket_names(rows: list[dict[str, str]]) -> dict[str, str]:
    """Every bracket name → label; a name in an earlier column wins (an alias never shadows a real name)."""
    names: dict[str, str] = {}
    for column in NAME_COLUMNS:
        for row in rows:
            for name in (row.get(column) or "").split(","):
                name = name.strip()
                if name.startswith("[") and name.endswith("]"):
                    names.setdefault(name, row["emotion"])
    return names


def _weighted(label: str, weight: float) -> float:
    return weight * NEUTRAL_FACTOR if label == "neutral" else weight


def _literal_table() -> dict[str, tuple[str, str, float]]:
    """Matched text → (cue kind, label, weight); ASCII keywords lower-cased. Shadows have an empty label."""
    table: dict[str, tuple[str, str, float]] = {}
    for label, words in KEYWORDS.items():
        for word in words:
            weight = W_NEUTRAL_KEYWORD if label == "neutral" else W_SHORT_KEYWORD if len(word) == 1 else W_KEYWORD
            table[word.lower()] = ("keyword", label, weight)
    table.update({w: ("shadow", "", 0.0) for w in SHADOWS})
    table.update({k: ("kaomoji", label, W_KAOMOJI) for k, label in {**KAOMOJI, **KAOMOJI_ASCII}.items()})
    table.update({e: ("emoji", label, _weighted(label, W_EMOJI)) for e, label in UNICODE_EMOJI.items()})
    brackets = _bracket_names(_read_lexicon())
    table.update({n: ("emoji", label, _weighted(label, W_EMOJI)) for n, label in brackets.items()})
    return table


def _spellings(word: str, kind: str) -> set[str]:
    """ASCII keywords are matched as typed in lower, Title and UPPER case (no IGNORECASE: it would slow ``re`` down)."""
    if kind == "keyword" and word.isascii():
        return {word, word.capitalize(), word.title(), word.upper()}
    return {word}


def _trie_regex(words: Iterable[str]) -> list[str]:
    """Top-level alternatives of a trie regex: one per first character, longest match first (greedy optional tails)."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return [re.escape(ch) + _trie_tail(child) for ch, child in sorted(trie.items())]


def _trie_tail(node: dict[str, dict]) -> str:
    alts = [re.escape(ch) + _trie_tail(child) for ch, child in sorted(node.items()) if ch]
    if not alts:
        return ""
    if "" in node:
        return "(?:" + "|".join(alts) + ")?"
    return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"


@cache
def _rules() -> _Rules:
    """Compile once per process: the lexicon file is read here and never again."""
    literals = _literal_table()
    words = {w for word, (kind, _, _) in literals.items() for w in _spellings(word, kind)}
    bmp = {w for w in words if w[0] <= "\uffff"}
    if any(len(w) > 1 for w in words - bmp):
        raise ValueError("astral-led cues must be single characters")   # the astral regex matches one character
    # Top level stays a plain alternation of literal-led branches: that is what lets ``re`` prefilter positions.
    pattern = re.compile("|".join(_trie_regex(bmp) + list(PATTERNS)))
    return _Rules(pattern, re.compile("[\U00010000-\U0010ffff]"), literals)


def _is_word_char(ch: str) -> bool:
    return ch < "\x80" and ch.isalnum()


def _fits(text: str, start: int, end: int) -> bool:
    """A token that begins (ends) with an ASCII letter or digit must not continue a word (be continued); a tilde
    glued to a following letter or digit is a range (3~5) or a path, not a tone."""
    if start > 0 and _is_word_char(text[start]) and _is_word_char(text[start - 1]):
        return False
    if end < len(text) and (_is_word_char(text[end - 1]) or text[start] in "~～") and _is_word_char(text[end]):
        return False
    return True


Cue = tuple[str, str, str, float]   # kind, reason ("emoji [流泪]"), label, weight


@lru_cache(maxsize=65536)
def _token_cues(token: str) -> tuple[tuple[Cue, ...], bool]:
    """Cues for one matched token, and whether its neighbours must be checked. Cached (bounded): chats repeat
    themselves, so most tokens are classified once per process."""
    check = _is_word_char(token[0]) or _is_word_char(token[-1]) or token[0] in "~～"
    literals = _rules().literals
    hit = literals.get(token) or literals.get(token.lower())
    if hit is not None:
        kind, label, weight = hit
        return (() if kind == "shadow" else ((kind, f"{kind} {token}", label, weight),)), check
    kind = PATTERN_KINDS[token[0]]
    if kind == "laughter":
        return (("laughter", f"laughter {token}", "playful", W_LAUGH),), check
    if kind == "kaomoji":
        return (("kaomoji", f"kaomoji {token}", PATTERN_LABELS[token[0]], W_KAOMOJI),), check
    if kind == "bang":   # label '' : resolved when scoring
        return (("punctuation", f"punctuation {token[:3]}", "", 0.0),), check
    return tuple(("punctuation", f"punctuation {token[:3]}", label, w) for label, w in PUNCT_WEIGHTS[kind]), check


def _cues(text: str, rules: _Rules) -> list[Cue]:
    """All cues in text order."""
    text = IGNORED_CHARS.sub("", text)
    found: list[Cue] = []
    matches = list(rules.pattern.finditer(text))
    if rules.astral.search(text):
        astral = [m for m in rules.astral.finditer(text) if m.group() in rules.literals]
        matches = sorted(matches + astral, key=lambda m: m.start())
    for m in matches:
        cues, check = _token_cues(m.group())
        if cues and (not check or _fits(text, m.start(), m.end())):
            found += cues
    return found


def _repeat_factor(n: int) -> float:
    """1, 1.5, 2, 2, ...: repetition is emphasis, not independent evidence."""
    return 1.0 + 0.5 * min(n - 1, 2)


def _score(cues: list[Cue], allowed: AbstractSet[str]) -> tuple[dict[str, float], list[str]]:
    """Sum weights per label (repeats damped, punctuation once per habit) and collect the reasons in text order."""
    times: dict[tuple[str, str], int] = {}
    weights: dict[tuple[str, str], float] = {}
    reasons: list[str] = []
    bang = False
    for kind, reason, label, weight in cues:
        if not label:   # '!!', resolved below
            if not bang:
                bang = True
                reasons.append(reason)
            continue
        if label not in allowed:
            continue
        key = (kind if kind == "punctuation" else reason, label)
        if key in times:
            if kind != "punctuation":
                times[key] += 1
            continue
        times[key], weights[key] = 1, weight
        if reason not in reasons:
            reasons.append(reason)
    scores: dict[str, float] = {}
    for key, n in times.items():
        scores[key[1]] = scores.get(key[1], 0.0) + weights[key] * _repeat_factor(n)
    if bang:
        _apply_bang(scores, allowed)
    return scores, reasons


def _apply_bang(scores: dict[str, float], allowed: AbstractSet[str]) -> None:
    """'!!' strengthens whatever the message already feels (joy or anger alike); alone it leans to joy."""
    emotional = {k: v for k, v in scores.items() if k != "neutral"}
    if emotional:
        top = max(emotional, key=emotional.__getitem__)
        scores[top] += W_BANG_BOOST
    elif "joy" in allowed:
        scores["joy"] = scores.get("joy", 0.0) + W_BANG_ALONE


def _confidence(scores: dict[str, float], winner: str) -> float:
    """Strength of the winner (saturating) times its share of all evidence."""
    s, total = scores[winner], sum(scores.values())
    return round((1.0 - math.exp(-s)) * s / total, 3)


def _suggest(text: str, rules: _Rules, order: dict[str, int]) -> Suggestion | None:
    """``order`` maps each taxonomy label to its position: it is the allowed set and breaks ties (first listed wins)."""
    if not text:
        return None
    cues = _cues(text, rules)
    if not cues:
        return None
    scores, reasons = _score(cues, order.keys())
    if not scores:
        return None
    winner = max(scores, key=lambda k: (scores[k], -order[k]))
    return Suggestion(winner, _confidence(scores, winner), tuple(reasons))


def _order(taxonomy: Sequence[str]) -> dict[str, int]:
    return {label: i for i, label in reversed(list(enumerate(taxonomy)))}


def suggest(text: str, taxonomy: Sequence[str] = DEFAULT_TAXONOMY) -> Suggestion | None:
    """Best label for one message, or None when it holds no cue at all (or none within ``taxonomy``)."""
    return _suggest(text, _rules(), _order(taxonomy))


def suggest_many(texts: Iterable[str], taxonomy: Sequence[str] = DEFAULT_TAXONOMY) -> list[Suggestion | None]:
    """Suggestions for many messages, compiling the rules and resolving the taxonomy once."""
    rules, order = _rules(), _order(taxonomy)
    return [_suggest(t, rules, order) for t in texts]
