"""Mine the owner's speaking habits from their own messages: what makes the twin sound like them.

Everything here is counted, not guessed: top phrases, emoji and sticker habits, punctuation habits, message length,
burstiness (messages per turn) and active hours. The persona card (issue 5) turns these figures into words.
Counts are vectorised with pandas string methods; phrase mining (a Python loop over n-grams) reads at most the
owner's :data:`PHRASE_SAMPLE` most recent text messages, which is plenty to find a catchphrase.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Iterable

import pandas as pd

from lib import settings
from lib.errors import BadInputError

# One emoji "character": a pictograph with optional variation selector / skin tone, or a flag pair.
_EMOJI = re.compile("(?:[\U0001F1E6-\U0001F1FF]{2}|[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50\u2764]"
                    "[\uFE0F\U0001F3FB-\U0001F3FF]?)")
_BRACKET = re.compile(r"\[[^\[\]\s]{1,8}\]")  # WeChat/QQ bracket emoji: [旺柴], [Smile]
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_WORD = re.compile(r"[A-Za-z][A-Za-z']+")
# Punctuation habits worth imitating, each as (name, regex). Counted as "share of messages that use it".
PUNCTUATION: tuple[tuple[str, str], ...] = (
    ("tilde", r"[~～]"),
    ("exclamation", r"[!！]"),
    ("repeated exclamation", r"[!！]{2,}"),
    ("ellipsis", r"…|\.{3,}|。{2,}"),
    ("question", r"[?？]"),
    ("full stop at end", r"[。.]\s*$"),
    ("no punctuation at end", r"[\w\u4e00-\u9fff]\s*$"),
    ("laughter", r"哈{2,}|h{3,}|233+|lol|lmao"),
)
PHRASE_SAMPLE = 50_000
# Fillers too common to be a habit. Short on purpose: a catchphrase of one person is often a common word.
STOP_EN = frozenset("the a an and or to of in on is it i you me my we be so do at for that this with are was "
                    "just not no yes ok have has had but if what how its im dont".split())


@dataclass
class Traits:
    """Habits mined from one person's messages."""

    messages: int = 0
    text_messages: int = 0
    median_length: float = 0.0
    mean_length: float = 0.0
    messages_per_turn: float = 0.0
    sticker_share: float = 0.0
    emoji_per_message: float = 0.0
    top_emoji: list[tuple[str, int]] = field(default_factory=list)
    top_bracket_emoji: list[tuple[str, int]] = field(default_factory=list)
    top_phrases: list[tuple[str, int]] = field(default_factory=list)
    punctuation: dict[str, float] = field(default_factory=dict)
    active_hours: list[int] = field(default_factory=lambda: [0] * 24)
    peak_hours: list[int] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def mine(messages: pd.DataFrame, top: int = 10, names: Iterable[str] = (), others: pd.Series | None = None) -> Traits:
    """Habits of the messages given (pass only the owner's). Columns used: ``time``, ``kind``, ``text`` and, when
    present, ``conv_id`` and ``turn`` (for burstiness). ``names``: people's names, kept out of the phrases;
    ``others``: the other side's text messages, which catchphrases are measured against."""
    out = Traits(messages=len(messages))
    if messages.empty:
        return out
    kind = messages["kind"].astype(str)
    text = messages.loc[kind == "text", "text"].fillna("").astype(str)
    text = text[text.str.strip() != ""]
    out.text_messages = len(text)
    out.sticker_share = round(float((kind == "sticker").mean()), 3)

    if len(text):
        lengths = text.str.len()
        out.median_length = float(lengths.median())
        out.mean_length = round(float(lengths.mean()), 1)
        emoji = text.str.findall(_EMOJI).explode().dropna()
        out.emoji_per_message = round(len(emoji) / len(text), 3)
        out.top_emoji = _top(emoji.str.replace("\uFE0F", "", regex=False), top)
        out.top_bracket_emoji = _top(text.str.findall(_BRACKET).explode().dropna(), top)
        out.punctuation = {name: round(float(text.str.contains(rx, regex=True, case=False).mean()), 3)
                           for name, rx in PUNCTUATION}
        out.top_phrases = top_phrases(text.iloc[-PHRASE_SAMPLE:], top, exclude=names,
                                      others=None if others is None else others.iloc[-PHRASE_SAMPLE:])

    if {"conv_id", "turn"} <= set(messages.columns):
        turns = messages.dropna(subset=["conv_id", "turn"])
        turns = turns[turns["turn"].astype("Int64") >= 0]
        n_turns = len(turns.groupby(["conv_id", "turn"]).size())
        out.messages_per_turn = round(len(turns) / n_turns, 2) if n_turns else 0.0

    hours = pd.to_datetime(messages["time"], errors="coerce", format="ISO8601").dt.hour.dropna().astype(int)
    counts = hours.value_counts()
    out.active_hours = [int(counts.get(h, 0)) for h in range(24)]
    if len(counts):
        out.peak_hours = sorted(int(h) for h in counts.sort_values(ascending=False).index[:3])
    return out


def _phrase_counts(text: pd.Series, cjk: tuple[Counter[str], Counter[str]] | None = None) -> Counter[str]:
    """In how many messages each candidate phrase occurs: whole short messages ("好滴", "okk"), Chinese 2–4
    character pieces and English words. Bracket emoji are taken out first: their names ([旺柴]) are stickers, not
    words the person types.

    With ``cjk = (inside, alone)``, the same pass also counts, per Chinese piece, the messages holding it
    (``inside``) and those where it is a whole Chinese run, with no Chinese character on either side (``alone``):
    :func:`_standalone` needs both for hundreds of candidates, and one pass here replaces a scan of every message
    per candidate."""
    counts: Counter[str] = Counter()
    text = text.str.replace(_BRACKET, " ", regex=True)
    short = text.str.strip()
    short = short[short.str.len().between(2, 8)]
    counts.update({p: int(n) for p, n in short.value_counts().items()})
    for t in text:
        seen: set[str] = set()
        runs = _CJK_RUN.findall(t)
        for run in runs:
            for size in (2, 3, 4):
                seen.update(run[i:i + size] for i in range(len(run) - size + 1))
        if cjk is not None:
            cjk[0].update(seen)
            cjk[1].update(set(runs))
        seen.update(w.lower() for w in _WORD.findall(t) if w.lower() not in STOP_EN)
        counts.update(seen)
    return counts


def _standalone(phrase: str, text: pd.Series, inside: Counter[str], alone: Counter[str]) -> float:
    """Of the messages holding a Chinese ``phrase``, the share where it stands on its own (message edge, space,
    punctuation or emoji on both sides). Catchphrases do (嘿嘿, 冲呀, 好滴); topics and names sit inside sentences
    (年糕今天学会开柜门了, 今天去爬山吗). Pieces of 2–4 characters come from the counts of one pass; a longer phrase
    (a whole short message) is rare among candidates and scanned for."""
    if len(phrase) <= 4:
        held = inside.get(phrase, 0)
        return 1.0 if not held else min(1.0, alone.get(phrase, 0) / held)
    hits = text[text.str.contains(phrase, regex=False)]
    if hits.empty:
        return 0.0
    edge = rf"(?<![\u4e00-\u9fff]){re.escape(phrase)}(?![\u4e00-\u9fff])"
    return float(hits.str.contains(edge).mean())


STANDALONE_MIN = 0.5  # a Chinese catchphrase stands on its own in at least half the messages that hold it
PRIOR = 10.0   # pseudo-messages of the pooled rate added to each side (Monroe et al.'s informative Dirichlet prior)
Z_MIN = 1.0    # a catchphrase is said distinctively more by the owner: log-odds z above this (the prior already
               # shrinks rare phrases; a stricter cut leaves a small chat with none)


def distinctive(mine: Counter[str], n_mine: int, theirs: Counter[str], n_theirs: int) -> dict[str, float]:
    """Weighted log-odds z-score of each of the owner's phrases against the other side's messages (Monroe, Colaresi
    and Quinn, "Fightin' Words", 2008): how much more often *the owner* says it, with rare phrases shrunk toward the
    pooled rate. Topics both sides talk about (今天, 火锅) and the names they both use score near zero."""
    total = n_mine + n_theirs
    out: dict[str, float] = {}
    for p, y_i in mine.items():
        y_j = theirs.get(p, 0)
        a = PRIOR * (y_i + y_j) / total  # the prior's share of this phrase
        d = math.log((y_i + a) / (n_mine + PRIOR - y_i - a)) - math.log((y_j + a) / (n_theirs + PRIOR - y_j - a))
        out[p] = d / math.sqrt(1 / (y_i + a) + 1 / (y_j + a))
    return out


def top_phrases(text: pd.Series, top: int = 10, min_count: int = 2,
                exclude: Iterable[str] = (), others: pd.Series | None = None) -> list[tuple[str, int]]:
    """The owner's catchphrases, as (phrase, messages holding it). A phrase counts once per message, so one long rant
    does not dominate. With ``others`` (the other side's text messages) a phrase must be said distinctively more by
    the owner (:func:`distinctive`) and they are ranked by that; without, by count. Phrases that overlap a name in
    ``exclude`` (the people in the chats) are left out: a friend's name is not a catchphrase, and it must not slip
    into a persona."""
    names = [n.lower() for n in exclude if n and len(n) >= 2]
    inside: Counter[str] = Counter()
    alone: Counter[str] = Counter()
    counts = _phrase_counts(text, (inside, alone))
    items = [(p, n) for p, n in counts.items() if n >= min_count]
    if others is not None and len(others):
        z = distinctive(counts, len(text), _phrase_counts(others), len(others))
        items = [(p, n) for p, n in items if z[p] > Z_MIN]
        items.sort(key=lambda pn: (-z[pn[0]], -len(pn[0]), pn[0]))
    else:
        items.sort(key=lambda pn: (-pn[1], -len(pn[0]), pn[0]))

    def embedded(p: str) -> bool:
        """A Chinese piece that mostly sits inside sentences: a topic or a name, not a catchphrase."""
        return others is not None and len(others) > 0 and bool(_CJK_RUN.fullmatch(p)) \
            and _standalone(p, text, inside, alone) < STANDALONE_MIN
    # Prefer the longer phrase when a shorter one only occurs inside it ("哈哈哈" over "哈哈" when always tripled).
    picked: list[tuple[str, int]] = []
    for p, n in items:
        if any((p in q or q in p) and n <= m for q, m in picked):
            continue
        low = p.lower()
        if any(low in name or name in low for name in names):  # checked only for candidates, not every n-gram
            continue
        if embedded(p):
            continue
        picked.append((p, n))
        if len(picked) == top:
            break
    return picked


def mine_workspace(ws, top: int = 10) -> Traits:
    """The owner's habits over every message they sent in the workspace (left-out messages included: a habit is a
    habit even in a group chat)."""
    df = pd.read_sql_query("SELECT time, kind, text, conv_id, turn FROM messages WHERE is_me = 1 "
                           "ORDER BY time", ws.conn)
    names = {r[0] for r in ws.conn.execute("SELECT DISTINCT sender FROM messages UNION SELECT name FROM chats")}
    others = pd.read_sql_query("SELECT text FROM (SELECT text, time FROM messages WHERE is_me = 0 AND kind = 'text' "
                               "AND TRIM(text) != '' ORDER BY time DESC LIMIT ?) ORDER BY time",
                               ws.conn, params=(PHRASE_SAMPLE,))["text"].fillna("").astype(str)
    return mine(df, top, names, others)


def _top(values: pd.Series, n: int) -> list[tuple[str, int]]:
    return [(str(k), int(v)) for k, v in values.value_counts().head(n).items()]


# ----- the persona-level trait card -----------------------------------------------------------------------------------
MBTI = re.compile(r"[EI][SN][TF][JP](?:-[AT])?")


@dataclass
class TraitCard:
    """What the owner says about themselves; the persona page (issue 5) writes it into the system prompt.

    Catchphrases start from the mined top phrases; everything else is the owner's own words.
    """

    personality: str = ""
    occupation: str = ""
    interests: list[str] = field(default_factory=list)
    mbti: str = ""
    catchphrases: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def character_traits(self) -> dict:
        """The ``character_traits`` shape of ShareGPT exports."""
        return {"personality": self.personality, "occupation": self.occupation, "interests": list(self.interests)}


def _items(values) -> list[str]:
    if isinstance(values, str):
        values = re.split(r"[,，、;；\n]", values)
    out: list[str] = []
    for v in values or []:
        v = str(v).strip()
        if v and v not in out:
            out.append(v[:60])
    return out[:30]


def clean_card(card: TraitCard) -> TraitCard:
    """Validate and tidy a card: lists de-duplicated, lengths bounded, MBTI in the 16-type notation (INFP, ENTJ-A)."""
    mbti = card.mbti.strip().upper()
    if mbti and not MBTI.fullmatch(mbti):
        raise BadInputError(f"{card.mbti!r} is not an MBTI type: four letters such as INFP or ESTJ "
                            "(optionally -A or -T)")
    return TraitCard(card.personality.strip()[:500], card.occupation.strip()[:100], _items(card.interests), mbti,
                     _items(card.catchphrases))


def load_card(ws, mined: Traits | None = None) -> TraitCard:
    """The saved card; before the first save, one with the mined catchphrases filled in."""
    saved = settings.TRAITS_CARD.get(ws)
    if saved:
        return TraitCard(**{k: v for k, v in saved.items() if k in TraitCard.__dataclass_fields__})
    phrases = [p for p, _ in (mined.top_phrases if mined else [])][:5]
    return TraitCard(catchphrases=phrases)


def save_card(ws, card: TraitCard) -> TraitCard:
    card = clean_card(card)
    settings.TRAITS_CARD.set(ws, card.to_dict())
    return card


def cached_traits(ws, top: int = 10) -> Traits:
    """:func:`mine_workspace`, reused until the workspace changes (a million messages take seconds to mine)."""
    from lib.workspace import content_stamp, shared_cache

    return shared_cache(ws, f"traits.{top}", content_stamp(ws), lambda: mine_workspace(ws, top))
