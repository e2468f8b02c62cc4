"""Known names: the chat export's own gazetteer (contacts, remarks, nicknames, group members) plus the owner's list.

Plain substring matching, because Chinese has no word boundaries (Presidio's deny list misses ``张三`` in
``我是张三啊``, docs/pii.md, "Names"). ASCII ends of a name still need ASCII boundaries so ``Alice`` is not found inside
``Malice``. The names compile into one trie-shaped regex: a few hundred names cost one scan per message, and the greedy
trie prefers the longest name at each position.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from lib.pii.kinds import KindSpec, operator, register_kind, register_recognizer
from lib.pii.base import SCORE_VALIDATED, Batch, Hit, default_norm, fold_width

# Kinship and endearment words people save as nicknames (备注 "老公", "妈妈"). Redacting them everywhere would gut the
# persona's voice, and they identify no one outside the chat.
_STOP_WORDS = """
宝宝 宝贝 贝贝 宝儿 亲爱的 亲亲 老公 老婆 媳妇 老婆大人 老公大人 对象 男朋友 女朋友 男票 女票
妈妈 爸爸 老妈 老爸 妈咪 爹地 爸比 母亲 父亲 爷爷 奶奶 外公 外婆 姥姥 姥爷 哥哥 姐姐 弟弟 妹妹 哥 姐 弟 妹
老哥 老姐 老弟 老妹 大哥 大姐 二哥 二姐 小弟 小妹 叔叔 阿姨 舅舅 舅妈 姑姑 姑父 姨妈 姨父 婶婶 伯伯 伯母
儿子 女儿 闺女 宝贝儿子 宝贝女儿 老婆婆 公公 婆婆 岳父 岳母 家人 家里人 兄弟 姐妹 闺蜜 基友 室友 同事 同学
老师 老板 领导 师傅 师父 小可爱 乖乖 猪猪 傻瓜 笨蛋 哈哈 哈哈哈 呵呵 嘿嘿 嘻嘻 嗯嗯 好的 我 你 自己
mom dad mum mama papa mommy daddy honey baby babe bae hubby wifey wife husband bro sis dear darling sweetie
love lover boss me you haha lol
"""
STOPLIST: frozenset[str] = frozenset(_STOP_WORDS.split())
# How this recognizer's hits explain themselves; the store tells known-name hits from free-text ones by them.
KNOWN_NAME_REASONS = ("known name (import, owner list or found elsewhere)", "part of a known name")

_ASCII_LETTER = "A-Za-z"
_SPACES = re.compile(r"\s+")
_LEAD_LETTERS = re.compile(r"[A-Za-z]+")  # the leading ASCII-letter run of a name, when it starts with one
_LETTER_RUNS = re.compile(r"[A-Za-z]+")
_ASCII_LOWER = {c: c + 32 for c in range(65, 91)}  # str.lower() may change the length of other text


def _guard(ch: str, alnum: bool) -> str:
    """The ASCII class that may not touch ``ch`` from outside: letters next to a letter, digits next to a digit
    (``alnum``: any ASCII letter or digit next to either); nothing for Han and other characters."""
    if not ch.isascii() or not ch.isalnum():
        return ""
    if alnum:
        return "0-9A-Za-z"
    return _ASCII_LETTER if ch.isalpha() else "0-9"


def _first(ch: str, alnum: bool) -> str:
    """The first character of a word plus its left boundary. The look-behind goes *after* the character so that the
    compiled pattern still starts with a plain character set, which ``re`` scans for quickly (a leading look-behind
    makes it try every position: 50× slower on a few hundred ASCII names)."""
    g = _guard(ch, alnum)
    return f"{re.escape(ch)}(?<![{g}]{re.escape(ch)})" if g else _escape(ch)


def _boundary_after(ch: str, alnum: bool) -> str:
    g = _guard(ch, alnum)
    return f"(?![{g}])" if g else ""


def _escape(ch: str) -> str:
    return r"\s+" if ch.isspace() else re.escape(ch)


def literal_alternation(words: Iterable[str], alnum_boundary: bool = False, fold_case: bool = True) -> str:
    """One regex matching any of ``words`` (compile it with IGNORECASE unless ``fold_case`` is False), longest first
    at each position.

    Built as a trie so the engine walks shared prefixes once. A word's ASCII letter/digit ends get a boundary (no
    ASCII letter, resp. digit, on that side; with ``alnum_boundary`` no ASCII letter or digit at all); Han and other
    ends match anywhere, so ``我是张三啊`` finds ``张三``.
    """
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            ch = ch.lower() if fold_case and ch.isascii() else ch
            node = node.setdefault(ch, {})
        node[""] = True  # end of a word

    def build(node: dict) -> str:
        branches = []
        for ch in sorted(k for k in node if k):
            branches.append(_escape(ch) + _suffix(node[ch], ch))
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    def _suffix(node: dict, ch: str) -> str:
        end = node.get("", False)
        children = [k for k in node if k]
        if not children:
            return _boundary_after(ch, alnum_boundary)
        rest = build(node)
        if not end:
            return rest
        # the longer continuation first (greedy), else stop here with this character's boundary
        return f"(?:{rest}|{_boundary_after(ch, alnum_boundary)})"

    tops = []
    for ch in sorted(k for k in trie if k):
        tops.append(_first(ch, alnum_boundary) + _suffix(trie[ch], ch))
    return "(?:" + "|".join(tops) + ")" if tops else r"(?!x)x"


def usable_name(name: str) -> bool:
    """Long enough, has a letter (not only digits/punctuation), and not a kinship/endearment word."""
    return len(name) >= 2 and any(ch.isalpha() for ch in name) and name.casefold() not in STOPLIST


class PersonRecognizer:
    """Known names and their parts, matched CJK-safely (``我是张三啊`` finds ``张三``).

    Known names come from the import (senders, chat names, remarks, nicknames, usernames), the owner's list and names
    found in free text anywhere in the workspace. Each is matched with its parts (:mod:`lib.pii.names`): "Emma" and "Mrs
    Rossi" for Emma Rossi, "晓明" and "王老师" for 王晓明. A hit's ``norm`` is its full name's, so all of them are one
    value with one placeholder. A one-word Latin name that is also an everyday word ("Will", "Mark") is matched only as
    written with a capital, so "will do" stays text.

    Names that start with an ASCII letter are kept in separate patterns behind a cheap word-set check: ``re`` would
    otherwise try every Latin letter of every English line against the trie.
    """

    kinds = ("PERSON",)

    def __init__(self, names: Iterable[str]) -> None:
        from lib.pii.names import is_common_word, variants

        clean = {_SPACES.sub(" ", fold_width(n)).strip() for n in names if n and n.strip()}
        self.names = sorted(n for n in clean if usable_name(n))
        forms = {v: c for v, c in variants(self.names).items() if usable_name(v)}
        self._canonical = {_key(v): c for v, c in forms.items()}
        latin = [v for v in forms if _LEAD_LETTERS.match(v)]
        exact = [v for v in latin if " " not in v and is_common_word(v)]
        folded = [v for v in latin if v not in set(exact)]
        other = [v for v in forms if not _LEAD_LETTERS.match(v)]
        self._other = re.compile(literal_alternation(other), re.IGNORECASE) if other else None
        self._latin = re.compile(literal_alternation(folded), re.IGNORECASE) if folded else None
        self._exact = re.compile(literal_alternation(exact, fold_case=False)) if exact else None
        self._latin_heads = frozenset(_LEAD_LETTERS.match(n).group().lower() for n in latin)

    def analyze(self, text: str) -> list[Hit]:
        return self.analyze_many(Batch([text])).get(0, [])

    def analyze_many(self, batch: Batch) -> dict[int, list[Hit]]:
        """Hits per text, with one scan of the batch (:class:`~lib.pii.base.Batch`) for names that do not start with
        an ASCII letter. Latin names are looked for only in the texts that hold one of their first words: which of
        those words the batch holds is one ``findall``, where they are is ``str.find`` (a case-folding regex over the
        batch would try every letter)."""
        out: dict[int, list[Hit]] = {}
        if self._other is not None:
            for m in self._other.finditer(batch.joined):
                k = batch.line(m.start())
                out.setdefault(k, []).append(self._hit(m, batch.starts[k]))
        if self._latin is None and self._exact is None:
            return out
        heads = self._latin_heads.intersection(map(str.lower, _LETTER_RUNS.findall(batch.joined)))
        if not heads:
            return out
        # where the heads are (a superset is fine: each text found is matched exactly below). ``lower`` is C-fast on
        # CJK text where ``translate`` looks up every character; it keeps positions unless a letter lowers to two
        lowered = batch.lowered() or batch.joined.translate(_ASCII_LOWER)
        lines: set[int] = set()
        for head in heads:
            pos = lowered.find(head)
            while pos >= 0:
                lines.add(batch.line(pos))
                pos = lowered.find(head, pos + 1)
        for k in sorted(lines):
            for rx in (self._latin, self._exact):
                if rx is not None:
                    found = [self._hit(m, 0) for m in rx.finditer(batch.text(k))]
                    if found:
                        out.setdefault(k, []).extend(found)
        return out

    def _hit(self, m: re.Match[str], offset: int) -> Hit:
        """The hit for match ``m`` of a text that starts at ``offset`` of the string it was found in."""
        canonical = self._canonical.get(_key(m.group(0)), m.group(0))
        reason = KNOWN_NAME_REASONS[0] if _key(canonical) == _key(m.group(0)) else KNOWN_NAME_REASONS[1]
        return Hit("PERSON", m.start() - offset, m.end() - offset, SCORE_VALIDATED, reason, default_norm(canonical))


def _key(surface: str) -> str:
    return _SPACES.sub(" ", surface).strip().casefold()


# --- registration (lib/pii/kinds.py): the kind this module finds, and how a scan builds its recognizer ---
register_kind(KindSpec("PERSON", order=130, mask=operator("mask_person"), fake=operator("fake_person")))
register_recognizer("person_known", 170, lambda config: [PersonRecognizer(config.names)] if config.names else [])
