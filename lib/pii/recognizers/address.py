"""Street addresses: a Chinese administrative chain down to road + number (+ building/unit/room), or an English street
line. No regex can be complete here (docs/pii.md §3); this one aims at precision so that ordinary chat (``我在杭州``,
``西湖区很好玩``, ``302室``, ``12号见``) is never flagged, and proposes candidates for review rather than certainty.

Chinese spans are built from Han characters minus a stop set of pronouns, verbs and particles (``我住在``, ``寄到``,
``地址是``) that never occur in place names, so the span starts at the place name without a word segmenter.
"""
from __future__ import annotations

import re

from lib.pii.base import SCORE_CONTEXT, SCORE_PATTERN, SCORE_WEAK, Hit, context_word

# --- Chinese ------------------------------------------------------------------------------------------------------
# Characters that end a place name on the left: pronouns, verbs of living/sending, particles. None of them occurs in
# a province, city, district or road name that matters (和/家/来/于/从/那/里/都 do, so they are not here).
_STOP = "我你您他她它们咱在住到寄送发是的了去回就也还要想说这哪呢吗吧啊呀哦嗯给把被让跟搬址递收货填写改看玩刚才已经请帮找见着过不没很"
_H = rf"(?:(?![{_STOP}])[\u4e00-\u9fff])"
# 区/市/乡/镇 preceded by these are ordinary words (小区, 超市, 城市, 家乡, 城镇), not administrative units.
_ADMIN_UNIT = (r"(?:特别行政区|自治区|自治州|自治县|地区|省|(?<![超城门股夜早菜集])市|(?<![小社景校厂片郊营园])区|县|旗|盟"
               r"|(?<![城乡古小])镇|(?<![家老故城同])乡|街道)")
_ADMIN = rf"(?:{_H}{{2,8}}?{_ADMIN_UNIT} ?)"
_ROAD = rf"(?:{_H}{{2,6}}?(?:大道|大街|胡同|路|街|巷|道)(?:[东西南北中]?段|[一二三四五六七八九十0-9]{{1,2}}段)? ?)"
_LANE = r"(?:[0-9]{1,5} ?弄 ?)"
_NUMBER = r"(?:[0-9]{1,5}(?:[-之][0-9]{1,4})? ?号(?!线|码|机|位|车|床|窗口|口岸|文件) ?)"
_ESTATE = rf"(?:{_H}{{1,8}}?(?:小区|花园|公寓|大厦|家园|新村|社区|广场|中心|山庄|庄园|大楼|苑|府|城|村) ?)"
# Building / unit / floor / room parts, and a bare room number right after a building or unit (2号楼1203).
_PART = r"(?:(?<![0-9A-Za-z])[0-9A-Za-z]{1,4} ?(?:号楼|栋|幢|座|单元|楼|层|室|号|户) ?)"
_ROOM = r"(?:(?<=[楼栋幢座元层 ])[0-9]{3,5}(?![0-9A-Za-z]))"
_TAIL = rf"(?:(?:[A-Za-z]{{1,10}}|{_H}){{0,10}}?(?P<parts>{_PART}+){_ROOM}?)"

_CN = re.compile(
    rf"(?P<admin>{_ADMIN}{{0,6}})"
    rf"(?:(?P<road>{_ROAD}){_LANE}?(?P<num>{_NUMBER}){_TAIL}?"
    rf"|(?P<estate>{_ESTATE})?(?P<bparts>{_PART}{{1,5}}){_ROOM}?)"
)
_CN_HINT = re.compile(r"[路街道巷弄同段] ?[0-9]|[0-9] ?(?:栋|幢|座|单元|室|号楼|楼|层)")
_CN_CHARS = "号栋幢座元楼层室户"  # one of these is in every Chinese candidate; ``in`` is the cheapest first test
_PART_RE = re.compile(_PART)
# Nouns that often sit right before an address and are not part of it (公司杭州市…); trimmed off the left edge.
_LEAD = ("老家", "公司", "单位", "学校", "家里", "新家", "现在", "目前", "今天", "明天", "后天", "周末", "地点", "位置")


def _cn_hits(text: str) -> list[Hit]:
    hits: list[Hit] = []
    for m in _CN.finditer(text):
        admin = bool(m.group("admin"))
        if m.group("road"):
            road = m.group("road").rstrip()
            # bare 道/街 (知道, 逛街) only count after an administrative unit
            if road[-1] in "道街" and not road.endswith(("大道", "大街")) and not admin:
                continue
            score, reason = SCORE_CONTEXT, "road + number"
        else:
            parts = [p.rstrip() for p in _PART_RE.findall(m.group("bparts"))]
            bare_room = m.end() > m.end("bparts")
            n = len(parts) + bare_room
            has_room = bare_room or any(p.endswith(("室", "户")) for p in parts)
            # a residential building marker; 3楼302室 alone is an office or a meeting room as often as a home
            residential = any(p.endswith(("栋", "幢", "座", "号楼", "单元")) for p in parts)
            if m.group("estate") and (n >= 2 or admin):
                score, reason = SCORE_PATTERN, "estate + building/room"
            elif residential and has_room and n >= 2:
                score, reason = SCORE_PATTERN, "building + unit/room"
            else:
                continue
            if admin and n >= 2:
                score = SCORE_CONTEXT
        start, end = m.start(), m.end()
        while end > start and text[end - 1] == " ":
            end -= 1
        for lead in _LEAD:
            if text.startswith(lead, start):
                start += len(lead)
                break
        hits.append(Hit("ADDRESS", start, end, score, reason))
    return hits


# --- English ------------------------------------------------------------------------------------------------------
# Full words, then abbreviations (which may carry a dot: ``St.``; a dot after a full word ends the sentence).
_SUFFIX = (r"(?:Street|Avenue|Road|Boulevard|Lane|Drive|Court|Way|Place|Terrace|Square|Highway|Parkway|Circle|Crescent"
           r"|Close|Alley|Row|(?:St|Ave|Rd|Blvd|Ln|Dr|Ct|Pl|Ter|Sq|Hwy|Pkwy|Cir)\.?)")
_WORD = r"(?:[A-Za-z][A-Za-z\u00C0-\u024F'’-]*\.?|[0-9]{1,3}(?:st|nd|rd|th))"
_NOT_FIRST = r"(?!(?:the|a|an|my|your|our|his|her|their|this|that|of|in|on|at|to|for|and|or|with|by|is|it|i)\s)"
_UNIT = r"(?:,? ?(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Room|Rm\.?|Floor|Fl\.?|#) ?#?[0-9][A-Za-z0-9-]{0,5}(?![A-Za-z0-9]))"
# The English patterns carry no leading look-behind (it would make ``re`` try every position of every line); the
# left boundary is checked in code, which also takes in a building number written before the street
# (``6750 Koskikatu 25``).
_EN_STREET = re.compile(
    rf"(?P<street>[0-9]{{1,5}}[A-Za-z]?(?:-[0-9]{{1,5}})? "
    r"(?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.? )?"
    # as few words as possible before the suffix: ``90 Whitchurch Road street`` ends at Road
    rf"{_NOT_FIRST}(?P<words>{_WORD}(?: {_WORD}){{0,3}}?) (?P<suffix>{_SUFFIX})(?![A-Za-z0-9])"
    r"(?: (?:N|S|E|W|NE|NW|SE|SW)\.?(?![A-Za-z]))?)"
    rf"(?P<unit>{_UNIT})?",
    re.IGNORECASE,
)
_CAP = r"[A-Z\u00C0-\u00DE][A-Za-z\u00C0-\u024F'’-]+"
# Continental forms common in international contacts: ``Via Roma 131``, ``Rua Diadema 1903``, ``Friedhofstrasse 33``.
_EN_PREFIXED = re.compile(
    r"(?:Via|Viale|Piazza|Vicolo|Corso|Largo|Rua|Rue|Calle|Avenida|Avda\.|Carrer|Strada"
    r"|Travessa|Praça|Chemin|Boulevard|Allée|Quai|ul\.|Ulica) "
    r"(?:(?:de|da|do|di|del|della|des|du|la|le|dos|das|von|van) |d')?"
    rf"{_CAP}(?: {_CAP}){{0,3}},? [0-9]{{1,5}}[a-z]?(?![0-9A-Za-z]){_UNIT}?"
)
_EN_SUFFIXED = re.compile(
    r"[A-Z\u00C0-\u00DE][a-z\u00DF-\u024F]{2,}"
    r"(?:strasse|straße|str\.|weg|gasse|platz|allee|damm|laan|straat|gracht|plein|vej|gade|gatan|vägen|veien|katu"
    rf"|kuja|polku|tie) [0-9]{{1,5}}[a-z]?(?![0-9A-Za-z]){_UNIT}?"
)
# French number-first lines: ``29 Rue de Tanger``, ``33 avenue de Provence`` (the particle keeps English out).
_EN_FRENCH = re.compile(
    r"[0-9]{1,5},? (?:(?:[Rr]ue|[Aa]venue|[Bb]oulevard|[Aa]llée|[Ii]mpasse|[Qq]uai|[Cc]hemin) "
    r"(?:de la |de l'|du |des |de |d')|[Rr]ue )"
    r"[A-Za-z\u00C0-\u024F][A-Za-z\u00C0-\u024F'’-]*(?: [A-Za-z\u00C0-\u024F][A-Za-z\u00C0-\u024F'’-]*){0,2}"
    rf"(?![A-Za-z0-9]){_UNIT}?"
)
# US military mail: ``PSC 3294, Box 9168 APO AA 61487``, ``USNS Vincent FPO AP 68422``.
_EN_MILITARY = re.compile(
    r"(?<![A-Za-z0-9])(?:(?:PSC|Unit|CMR) [0-9]{4},? Box [0-9]{4}|(?:USNS|USNV|USS|USCGC) [A-Z][a-z]+)"
    r"\s+(?:APO|FPO|DPO) (?:AA|AE|AP) [0-9]{5}(?![0-9])"
)
# What may follow a street line and still be the address: unit, city, state, country, postcode, each after a comma,
# a line break or a space, and each capitalised (``, Springfield, IL 62704``, ``\n Suite 132\n LONDON\n UK``).
_ZIP = r"[0-9]{4,6}(?:-[0-9]{4})?"
_CONT = re.compile(
    rf"(?:(?:,? *\n *|, *| +)(?:{_UNIT.replace(',? ?', '', 1)}|[A-Z]{{2}}(?: +{_ZIP})?"
    rf"|(?!I\b){_CAP}(?: {_CAP}){{0,3}}(?: +{_ZIP})?|[0-9]{{5}}(?:-[0-9]{{4}})?)(?![A-Za-z0-9])){{1,5}}"
)
# Cheap first tests: a number then a word (street lines), a word then a number (continental forms).
_NUMBER_WORD = re.compile(r"[0-9][A-Za-z]? [A-Za-z0-9]")
_WORD_NUMBER = re.compile(r"[A-Za-z\u00C0-\u024F.],? [0-9]")
_LEAD_NO = re.compile(r"(?<![0-9A-Za-z])[0-9]{1,5} $")
_EN_CONTEXT = ("address", "live at", "lives at", "living at", "located at", "ship to", "send to", "deliver to",
               "mail to", "move to", "moved to", "地址")


def _capitalised(words: str) -> bool:
    return all(w[0].isupper() or w[0].isdigit() for w in words.split())


def _start(text: str, start: int) -> int:
    """The start of an English street match, moved left over a building number before it; -1 when the match is
    glued to an ASCII letter or digit (``B12 Main St`` is no street line)."""
    if start and text[start - 1].isascii() and text[start - 1].isalnum():
        return -1
    m = _LEAD_NO.search(text, max(0, start - 6), start)
    return m.start() if m and (m.start() == 0 or not _alnum(text[m.start() - 1])) else start


def _alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _extend(text: str, end: int) -> int:
    """Carry a street line over the unit/city/state/postcode that follow it."""
    m = _CONT.match(text, end)
    return m.end() if m else end


def _en_hits(text: str) -> list[Hit]:
    hits: list[Hit] = []
    street = _EN_STREET.finditer(text) if _NUMBER_WORD.search(text) else ()
    for m in street:
        start = _start(text, m.start())
        if start < 0:
            continue
        ctx = context_word(text, start, m.end(), _EN_CONTEXT, before=20)
        proper = _capitalised(m.group("words")) and m.group("suffix")[0].isupper()
        end = _extend(text, m.end()) if proper else m.end()
        if ctx:
            score, reason = SCORE_CONTEXT, f"street address, context: {ctx}"
        elif proper and (m.group("unit") or end > m.end()):
            score, reason = SCORE_CONTEXT, "street address with unit/city"
        elif proper:
            score, reason = SCORE_PATTERN, "street address shape"
        else:
            score, reason = SCORE_WEAK, "lower-case street address shape"
        hits.append(Hit("ADDRESS", start, end, score, reason))
    rxs = ((_EN_PREFIXED, _EN_SUFFIXED) if _WORD_NUMBER.search(text) else ()) + ((_EN_FRENCH,) if street else ())
    for rx in rxs:
        for m in rx.finditer(text):
            start = _start(text, m.start())
            if start < 0:
                continue
            ctx = context_word(text, start, m.end(), _EN_CONTEXT, before=20)
            hits.append(Hit("ADDRESS", start, _extend(text, m.end()), SCORE_CONTEXT if ctx else SCORE_PATTERN,
                            f"street address, context: {ctx}" if ctx else "street name + number"))
    if "Box " in text or "PO " in text:
        hits.extend(Hit("ADDRESS", m.start(), m.end(), SCORE_CONTEXT, "military mail address")
                    for m in _EN_MILITARY.finditer(text))
    return hits


class AddressRecognizer:
    """Chinese road + number (+ building/room) or estate + building/room lines, and English street lines."""

    kinds = ("ADDRESS",)
    needs = "digit"  # the analyzer skips lines without this (lib.pii.analyzer.GATES)

    def analyze(self, text: str) -> list[Hit]:
        hits: list[Hit] = []
        if any(c in text for c in _CN_CHARS) and _CN_HINT.search(text):
            hits.extend(_cn_hits(text))
        hits.extend(_en_hits(text))
        return hits
