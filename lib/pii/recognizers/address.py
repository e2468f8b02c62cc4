"""Street addresses: a Chinese administrative chain down to road + number (+ building/unit/room), or an English street
line. No regex can be complete here (docs/pii.md, "Addresses"); this one aims at precision so that ordinary chat
(``我在杭州``, ``西湖区很好玩``, ``302室``, ``12号见``) is never flagged, and proposes candidates for review rather than
certainty.

Chinese spans are built from Han characters minus a stop set of pronouns, verbs and particles (``我住在``, ``寄到``,
``地址是``) that never occur in place names, so the span starts at the place name without a word segmenter.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from lib.pii.kinds import KindSpec, operator, register_kind, register_recognizer
from lib.pii.base import SCORE_CONTEXT, SCORE_PATTERN, Hit, context_word

# --- Chinese ------------------------------------------------------------------------------------------------------
# Characters that end a place name on the left: pronouns, verbs of living/sending, particles. None of them occurs in
# a province, city, district or road name that matters (和/家/来/于/从/那/里/都 do, so they are not here).
_STOP = ("我你您他她它们咱在住到寄送发是的了去回就也还要想说这哪呢吗吧啊呀哦嗯"
         "给把被让跟搬址递收货填写改看玩刚才已经请帮找见着过不没很")
_H = rf"(?:(?![{_STOP}])[\u4e00-\u9fff])"
# 区/市/乡/镇 preceded by these are ordinary words (小区, 超市, 城市, 家乡, 城镇), not administrative units.
_ADMIN_UNIT = (r"(?:特别行政区|自治区|自治州|自治县|地区|省|(?<![超城门股夜早菜集])市|(?<![小社景校厂片郊营园])区|县|"
               r"旗|盟"
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
        pc = _CN_PC.match(text, end)  # 邮编100102 / ，100102 right after the address belongs to it
        if pc:
            end, reason = pc.end(), reason + " + postcode"
        hits.append(Hit("ADDRESS", start, end, score, reason))
    return hits


# --- English and international street lines ----------------------------------------------------------------------
# An address is an *anchor* (a street line, a PO box, a street corner) extended left over building numbers and a
# unit, and right over unit, town, state, country and postcode, so the whole address is one span and nothing leaks.
_L = r"[^\W\d_]"  # any letter, Latin or not (Greek and Icelandic street names occur in international contacts)
_WORD = rf"{_L}(?:{_L}|['’.∆/-])*"
_TOKEN = rf"(?:{_WORD}|[0-9]{{1,3}}(?:st|nd|rd|th))"
# Street types: these end an English street name on their own ...
_STRONG = (r"Street|Avenue|Road|Boulevard|Lane|Drive|Court|Way|Place|Terrace|Square|Highway|Parkway|Circle|Crescent"
           r"|Close|Alley|Row|Gardens|Grove|Mews|Walk|Parade|Trail|Turnpike|Expressway|Freeway|Plaza|Embankment"
           r"|Causeway|Quay|Wharf|Broadway|Motorway"
           r"|(?:St|Ave|Av|Rd|Blvd|Ln|Dr|Ct|Pl|Ter|Terr|Sq|Hwy|Pkwy|Cir|Cres|Gdns|Trl|Tpke|Expy|Fwy|Plz|Str)\.?")
# ... these are everyday words too (``3 National Parks``), so they need support: a unit, postcode, context word.
_WEAK = (r"Park|Parks|Point|Hill|Hills|View|Union|Pass|Mall|Island|Isle|Valley|Meadows?|Fields?|Falls|Commons|Creek"
         r"|Brook|Forges?|Coves?|Rapids|Radial|Crossroads?|Crossing|Gateway|Landing|Harbou?rs?|Junction|Heights"
         r"|Ridge|Run|Estates?|Loop|Path|Pike|Route|Bypass|Spur|Vista|Village|Rise|Vale|Bend|Glen|Knoll|Mills?"
         r"|Port|Station|Lodge|Manor|Oval|Orchards?|Pines|Plains?|Shores?|Springs?|Trace|Track|Tunnel|Wells?"
         r"|Corners?|Dale|Ferry|Ford|Forest|Haven|Hollow|Lakes?|Mount|Mountains?|Passage|Prairie|Ramp|Skyway"
         r"|Stream|Streets|Squares|Courts|Roads|Lanes|Drives|Ways|Walks|Points|Views|Green|Summit|Cliffs?|Fort")
_DIR = r"(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)"
_NOT_FIRST = r"(?!(?:the|a|an|my|your|our|his|her|their|this|that|of|in|on|at|to|for|and|or|with|by|is|it|i)\s)"
# ``14 Elm Road``, ``1600 Pennsylvania Avenue NW``, ``22 baker st`` (case is judged in code).
_EN_STREET = re.compile(
    rf"(?P<num>[0-9]{{1,5}}[A-Za-z]?(?:[-/][0-9]{{1,5}}[A-Za-z]?)?),? (?:{_DIR}\.? )?"
    rf"{_NOT_FIRST}(?P<words>{_TOKEN}(?: {_TOKEN}){{0,3}}?) (?:(?P<strong>{_STRONG})|(?P<weak>{_WEAK}))"
    rf"(?![^\W_])(?: {_DIR}\.?(?![^\W_]))?",
    re.IGNORECASE,
)
# Street types written before the name: ``29 Rue de Tanger``, ``137 Avenue Teboulbi``, ``Via Roma 131``.
_PREFIX_TYPES = ("via", "viale", "piazza", "vicolo", "corso", "largo", "rua", "rue", "calle", "avenida", "avda.", "av",
                 "av.", "avenue", "carrer", "paseo", "strada", "travessa", "praça", "chemin", "boulevard", "allée",
                 "quai", "impasse", "ul.", "ulica", "al.", "c/", "λ.", "λεωφόρος", "οδός", "οδ.", "trg", "rruga",
                 "rúa", "carrera", "camino", "estrada", "travesía", "ronda", "pod", "nad")
_EN_PREFIXED = re.compile(
    r"(?P<num>[0-9]{1,5}[A-Za-z]?),? (?P<type>Rue|Avenue|Boulevard|Allée|Impasse|Quai|Chemin|Via|Viale|Rua|Calle"
    r"|Avenida|Av\.?|Avda\.|Paseo|Piazza|Corso|Strada|Travessa|Praça|Carrer) "
    rf"(?P<words>(?:(?:de la|de l'|du|des|de|d'|da|do|dos|das|di|del|della|dei|la|le|al) ?)?{_WORD}"
    rf"(?: {_WORD}){{0,3}})",
    re.IGNORECASE,
)
# Types glued to the name or written after it, in the languages international contacts use (Koskikatu 25,
# Friedhofstrasse 33, Søndergade 52, Erzsébet tér 19, Király u. 15, Trenerys gate 232).
_GLUED = ("strasse", "straße", "str.", "gasse", "weg", "platz", "allee", "damm", "laan", "straat", "gracht", "plein",
          "vej", "gade", "gatan", "gata", "vägen", "veien", "vegen", "katu", "kuja", "polku", "tie", "stræti",
          "straeti", "stræde", "vegur", "braut", "vænget", "utca", "útja", "ulica", "ulice", "cesta", "sokak",
          "caddesi")
_TYPE_WORDS = frozenset(_PREFIX_TYPES) | {"u.", "utca", "út", "útja", "tér", "rkp.", "krt.", "str.", "str", "gate",
                                          "vei", "vej", "gata", "gatan", "terrasse", "straat", "laan", "weg", "kapu",
                                          "tee", "wei",
                                          "sor", "köz", "fasor", "street", "road", "avenue", "lane", "drive"}
_SEP_PC = re.compile(r",[ \t]*[0-9]{4,6}[ \t]")  # ``Elm Street 3, 10115 Berlin``
_EN_TYPES = frozenset({"street", "road", "avenue", "lane", "drive"})  # also everyday words: ``test drive 2``
_NAME_NUM = re.compile(rf"(?P<last>{_WORD}) (?P<num>[0-9]{{1,5}}[A-Za-z]?(?:[-/][0-9]{{1,4}})?)(?![^\W_])")
_PO_BOX = re.compile(r"(?:P\.? ?O\.? ?Box|Post Office Box|Postbox|PO Box) ?#?[0-9]{1,6}(?![0-9])", re.IGNORECASE)
_CORNER = re.compile(r"(?:the )?corner of (?P<a>[^\n,;!?]{3,60}?) (?:and|&) (?P<b>(?:[^\W_][\w.'’-]* ?){1,4})",
                     re.IGNORECASE)
# US military mail: ``PSC 3294, Box 9168 APO AA 61487``, ``USNS Vincent FPO AP 68422``.
_EN_MILITARY = re.compile(
    r"(?<![A-Za-z0-9])(?:(?:PSC|Unit|CMR) [0-9]{4},? Box [0-9]{4}|(?:USNS|USNV|USS|USCGC) [^\W\d_]+)"
    r"\s+(?:APO|FPO|DPO) (?:AA|AE|AP) [0-9]{5}(?![0-9])",
    re.IGNORECASE,
)

# --- the parts around a street line ---
_UNIT_WORDS = r"(?:Apt|Apartment|Suite|Ste|Unit|Flat|Room|Rm|Floor|Fl|Level|Lvl|Bldg|Building|#)"
_UNIT = re.compile(rf"{_UNIT_WORDS}\.? ?#?(?:[0-9][0-9A-Za-z-]{{0,5}}|[A-Z](?![^\W_]))(?![^\W_])", re.IGNORECASE)
_UNIT_ALONE = re.compile(r"(?:Apt|Apartment|Suite|Ste|Flat)\.? ?#?[0-9]{1,5}[A-Za-z]?(?![^\W_])", re.IGNORECASE)
_UNIT_HINT = re.compile(r"(?:apt|apartment|suite|ste|flat)\.? ?#?[0-9]", re.IGNORECASE)
_LEFT_UNIT = re.compile(rf"(?<![^\W_]){_UNIT_WORDS}\.? ?#?[0-9][0-9A-Za-z-]{{0,5}},? $", re.IGNORECASE)
_LEFT_NO = re.compile(r"(?<![^\W_])[0-9]{1,5}[A-Za-z]?,? $")
_UNIT_NAMES = frozenset({"apt", "apt.", "apartment", "suite", "ste", "ste.", "unit", "flat", "room", "rm", "rm.",
                         "floor", "fl", "fl.", "level", "lvl", "bldg", "building", "box", "no", "no.", "#"})
# Postcodes: UK (all outward forms; the inward letters never use C I K M O V), Canada, US ZIP(+4) after a state, and
# the plain 3-6 digit codes of most other countries (only ever taken after a street line or a context word).
_UK_PC = r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2}"
_CA_PC = r"[ABCEGHJ-NPRSTVXY][0-9][A-Z] ?[0-9][A-Z][0-9]"
# Irish Eircode (``P24 X5Y2``, ``D6W 1234``): routing key, then four characters, none of B G I J L M O Q S U Z.
_IE_PC = r"(?:[AC-FHKNPRTV-Y][0-9]{2}|D6W) ?[0-9AC-FHKNPRTV-Y]{4}"
_POSTCODE = re.compile(rf"(?:{_UK_PC}|{_CA_PC}|{_IE_PC}|[A-Z]{{2}}[ \t]+[0-9]{{3,6}}(?:-[0-9]{{4}})?|"
                       rf"[0-9]{{4,5}}-[0-9]{{3}}|[0-9]{{2}}-[0-9]{{3}}"
                       rf"|[0-9]{{1,6}}(?:-[0-9]{{4}})?)(?![^\W_\u2e80-\u9fff])")
_POSTCODE_I = re.compile(_POSTCODE.pattern, re.IGNORECASE)
# A dot ends the address unless a unit follows (Hungarian and Slavic house numbers carry one: ``utca 76. Apt. 289``).
_SEP = re.compile((r"\.?[ \t]*[,\r\n][ \t>,\r\n]*|[ \t]+|(?<=Co)\.[ \t]+(?=[A-Z])|\.[ \t]+(?=(?:Apt|Suite|Ste|Unit|"
                   r"Flat)\b)"), re.IGNORECASE)
_PLACE = re.compile(rf"{_WORD}|\({_WORD}\)")
_PARTICLES = frozenset({"de", "da", "do", "di", "del", "della", "dei", "delle", "degli", "dal", "dalla", "des", "du",
                        "la", "le", "los", "las", "el", "al", "dos", "das", "von", "van", "der", "den", "ter", "te",
                        "aan", "op", "im", "an", "zum", "zur", "y", "e", "nad", "na", "am", "upon", "on", "sur", "en",
                        "of"})
# Capitalised words that start a new sentence or clause rather than a town (``14 Elm Road, Thanks``).
_STOP_CAP = frozenset({
    "i", "i'm", "i’m", "i'll", "the", "a", "and", "but", "so", "please", "thanks", "thank", "thx", "see", "call",
    "meet", "let", "if", "when", "then", "is", "are", "it", "it's", "we", "you", "he", "she", "they", "my", "our",
    "your", "its", "this", "that", "there", "here", "what", "where", "how", "why", "who", "hi", "hey", "ok", "okay",
    "yes", "no", "lol", "haha", "today", "tomorrow", "tonight", "yesterday", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april", "june", "july", "august",
    "september", "october", "november", "december", "from", "to", "at", "in", "near", "by", "for", "with", "after",
    "before", "around", "about", "just", "also", "not", "come", "go", "bring", "best", "regards", "cheers", "love",
    "phone", "mobile", "email", "tel", "fax", "office", "card", "number", "on", "or", "have", "has", "had", "was",
    "will", "can", "do", "did", "be", "been", "am", "pm"})
_STOP_LOWER = _STOP_CAP | {"street", "road", "lol", "pls", "plz", "btw", "asap", "rn", "tho", "though", "mate",
                           "ok", "k", "ty", "babe", "x", "xx", "xo", "soon", "now", "later", "tmr", "tmrw"}
_EN_CONTEXT = ("address", "live at", "lives at", "living at", "located at", "ship to", "send to", "sent to",
               "deliver to", "delivered to", "mail to", "move to", "moved to", "post to", "billing", "shipping",
               "postcode", "post code", "zip", "地址")
_PC_CONTEXT = re.compile(r"(?:post ?code|postal ?code|zip ?code|zipcode|zip|邮编|邮政编码)\W{0,3}(?:is |是)?\W{0,2}",
                         re.IGNORECASE)
_US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR "
    "PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP".split())
_TOWN_PC = re.compile(rf"(?P<town>[A-Z][A-Za-z'’.-]+(?: [A-Z][A-Za-z'’.-]+){{0,2}})(?:,? )"
                      rf"(?:(?P<st>[A-Z]{{2}}) (?P<zip>[0-9]{{5}}(?:-[0-9]{{4}})?)"
                      rf"|(?P<pc>{_UK_PC}|{_CA_PC}|{_IE_PC}))(?![^\W_\u2e80-\u9fff])")
# Cheap first tests, so most lines pay for one or two searches only.
_NUMBER_WORD = re.compile(r"[0-9][A-Za-z]?,? [^\W_]")
_WORD_NUMBER = re.compile(r"[^\W\d_]\.?,? [0-9]")  # ``rkp. 18``: an abbreviated type ends in a dot
_PC_HINT = re.compile(r"[A-Z][0-9]|[A-Z]{2},? [0-9]")
_PC_WORDS = ("邮编", "邮政", "zip", "ZIP", "Zip", "post", "Post", "POST")
_SPACE_DIGIT = re.compile(r" [0-9]")  # a literal first character: ``re`` finds it with a fast scan
_CN_PC = re.compile(r"[ ,，、;；]*(?:(?:邮编|邮政编码)[:： ]*)?[0-9]{6}(?![0-9A-Za-z%元块万个件次号楼室栋层])")


_DATA = Path(__file__).resolve().parent.parent / "data"


def _read_words(name: str) -> frozenset[str]:
    with open(_DATA / name, encoding="utf-8") as fh:
        return frozenset(w.strip() for w in fh if w.strip() and not w.startswith("#"))


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    """Ordinary English words (lib/pii/data/common_words_en.txt): ``Windows 10``, ``Chapter 11``, ``Gate 12`` name a
    thing, while a street name without a type word (``Nieuwe Baan 473``, ``Joaquin Suarez 2906``) is a proper name."""
    return _read_words("common_words_en.txt")


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    return _read_words("countries_en.txt")


@lru_cache(maxsize=1 << 14)
def _foreign(word: str) -> bool:
    """A name-like word that is no ordinary English word (and no product spelling such as ``iPhone`` or ``PS5``)."""
    w = re.sub(r"['’]s$", "", word).strip(".'’").casefold()  # ``Ocean's 11``
    if len(w) < 3 or any(c.isdigit() for c in w) or word[1:].lower() != word[1:] and not word.isupper():
        return False
    return w not in _common() and w.rstrip("s") not in _common() and w not in _STOP_CAP


# A place word right before a street name whose type is left out: ``drops you off at 74678 midtvollen 130``, ``is on
# Peter Zuidhove 188``, ``return to Eyrarodda 66``; or the start of a line of an address block (``• 4923 Parmova 109``).
_CUE = re.compile(r"(?:(?:^|\n)[ \t>*•·?\-–]*|[:;(]\s*|(?<![^\W_])(?:at|on|to|of|is|near|off|along|from|onto|into"
                  r"|address|addr|located|lives?|living)\.?:?\s+(?:the\s+)?)$", re.IGNORECASE)
# Words after a number that make it a quantity, a time or a score rather than a house number.
_MEASURE = frozenset({"am", "pm", "min", "mins", "minute", "minutes", "h", "hr", "hrs", "hour", "hours", "sec", "secs",
                      "km", "kg", "g", "mi", "miles", "m", "ft", "years", "yrs", "year", "days", "weeks", "months",
                      "people", "times", "percent", "points", "pts", "goals", "dollars", "euros", "pounds", "bucks",
                      "k", "x", "gb", "tb", "mb", "fps", "hz", "p", "bpm", "o'clock", "to", "vs", "-", "–"})


def _cue(text: str, start: int, word: bool = False) -> bool:
    """A place word before ``start``, or (unless ``word``) the start of a line of an address block."""
    m = _CUE.search(text, max(0, start - 24), start)
    return m is not None and not (word and m.group().strip(" \t>*•·?-–\n") == "")


def _number_ends(text: str, end: int) -> bool:
    """The number at ``end`` closes a street line: not a time, price, score or quantity (``Level 5 boss``)."""
    if end < len(text) and (text[end].isdigit() or text[end] in ":%$€£x"):
        return False
    nxt = re.match(r"[ \t]+([^\s,.;!?]+)", text[end:end + 16])
    return not (nxt and nxt.group(1).casefold() in _MEASURE)


_PC_TAIL = re.compile(r"(?:[0-9]{3} [0-9]{2}|[0-9]{3,6}(?:-[0-9]{3,4})?|[0-9]{2}-[0-9]{3})(?![^\W_])")


def _is_cap(word: str) -> bool:
    return word[:1].isupper() or word[:1].isdigit() or word[:1] == "("


def _alnum(ch: str) -> bool:
    """A letter or digit that glues to a value; Han, kana and Hangul do not (``寄到5 Ashgrove Lane``)."""
    return (ch.isalnum() or ch == "_") and not ("\u2e80" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af")


def _left(text: str, start: int) -> int:
    """Move a street line's start left over building numbers and a unit written before it (``370 3911 Fourth Avenue``,
    ``Flat 3, 14 Elm Road``, ``Apt. 675 62314 Mellemvej 32``)."""
    for _ in range(3):
        lo = max(0, start - 16)
        m = _LEFT_UNIT.search(text, lo, start) or _LEFT_NO.search(text, lo, start)
        if not m:
            break
        start = m.start()
    return start


def _extend(text: str, end: int, lower_ok: bool) -> tuple[int, set[str]]:
    """Carry a street line over what follows it: unit, town, state, country, postcode, across commas, line breaks
    (``\\n> `` quoting included) and spaces. Returns the new end and the kinds of part taken (unit, postcode, place,
    newline, comma) so the caller can judge how well supported the line is."""
    kinds: set[str] = set()
    lower_run, after_unit = 0, False
    for _ in range(10):
        sep = _SEP.match(text, end)
        if not sep:
            break
        p, gap = sep.end(), sep.group()
        if p >= len(text):
            break
        broke = "\n" in gap or "," in gap
        m = _UNIT.match(text, p)
        if m:
            kinds.add("unit")
        else:
            m = (_POSTCODE_I if lower_ok else _POSTCODE).match(text, p)
            if m and (m.group()[0].isdigit() or m.group()[:2].upper() in _US_STATES or any(c.isdigit() for c in
                                                                                          m.group()[:4])):
                kinds.add("postcode" if len(m.group()) > 2 else "number")  # a house number (Strada X 65 22)
            else:
                m = _PLACE.match(text, p)
                if not m:
                    break
                w = m.group().rstrip(".")
                low = w.casefold()
                if _is_cap(w) and low not in _STOP_CAP:
                    lower_run = 0
                elif lower_ok and low not in _STOP_LOWER and (broke or after_unit or 0 < lower_run < 4) \
                        and len(w) > 1 or (
                        low in _PARTICLES and _PLACE.match(text, m.end() + 1) and _is_cap(text[m.end() + 1])):
                    lower_run += 1
                elif len(w) <= 4 and (low not in _STOP_LOWER or broke and len(w) == 2 and w.isupper()) \
                        and (nxt := _SEP.match(text, m.end())) and (pc := _PC_TAIL.match(text, nxt.end())):
                    # ``KNIVSTA, nan 18237``, ``Toronto\n, on\n 82269``: a short region word whose postcode follows
                    kinds.update(("place", "postcode"))
                    end = pc.end()
                    continue
                else:
                    break
                m_end = m.start() + len(w)
                kinds.add("place")
                after_unit = False
                kinds.update(k for k, c in (("newline", "\n"), ("comma", ",")) if c in gap)
                end = m_end
                continue
        kinds.update(k for k, c in (("newline", "\n"), ("comma", ",")) if c in gap)
        end, after_unit = m.end(), True
    return end, kinds


def _name_start(text: str, last: int) -> tuple[int, list[str]]:
    """Walk left from the word before a house number over the rest of the street name (``Rua do Arenque 1634``,
    ``Μεγάλη Άμμος 184``); stop at a function word, a unit word, punctuation or a line break."""
    start, words = last, []
    m = _PLACE.match(text, last)
    if m:
        words.append(m.group())
    for _ in range(4):
        if start < 2 or text[start - 1] != " ":
            break
        lo = max(0, start - 30)
        m = re.search(rf"{_WORD} $", text[lo:start])
        if not m:
            break
        w = m.group()[:-1]
        low = w.casefold()
        if (low in _STOP_CAP and not (low == "do" and words and _is_cap(words[0]))) or low in _UNIT_NAMES or (
                low in _PARTICLES and not words):  # ``Rua do Arenque``: Portuguese ``do`` is no verb there
            break
        start = lo + m.start()
        words.insert(0, w)
    while words and words[0].casefold() in _PARTICLES:  # ``of Joaquin``: a particle never starts a street name
        start += len(words.pop(0)) + 1
    return start, words


def _score(strong: bool, proper: bool, support: bool, ctx: str | None) -> tuple[float, str] | None:
    """Street-line score: a known type on a capitalised name is a pattern; support (a context word, a unit, a postcode,
    a multi-line block) makes it context; a weak shape needs support, and lowercase needs a context word."""
    if ctx:
        return SCORE_CONTEXT, f"street address, context: {ctx}"
    if not proper:
        return (SCORE_CONTEXT, "lower-case street address with unit/postcode") if strong and support else None
    if support:
        return SCORE_CONTEXT, "street address with unit/city/postcode"
    if strong:
        return SCORE_PATTERN, "street address shape"
    return None


def _support(kinds: set[str], lead: bool) -> bool:
    return bool(kinds & {"unit", "postcode", "newline"}) or (lead and "comma" in kinds)


def _line_hit(text: str, start: int, end: int, strong: bool, proper: bool, lead: bool = False,
              unit: bool = False, lower_ok: bool | None = None) -> Hit | None:
    start = _left(text, start)
    lead = lead or (start < len(text) and text[start].isdigit())
    end, kinds = _extend(text, end, not proper if lower_ok is None else lower_ok)
    if unit:
        kinds.add("unit")
    ctx = context_word(text, start, end, _EN_CONTEXT, before=30)
    scored = _score(strong, proper, _support(kinds, lead), ctx)
    if scored is None:
        return None
    return Hit("ADDRESS", start, end, *scored)


_TYPE_FULL = re.compile(rf"(?:{_STRONG}|{_WEAK})", re.IGNORECASE)
_LATIN_WORDS = re.compile(r"[A-Za-z]+")


@lru_cache(maxsize=1 << 16)
def _is_street_type(word: str) -> bool:
    return _TYPE_FULL.fullmatch(word) is not None


def _street_hits(text: str) -> list[Hit]:
    # the street pattern backtracks over every "10 min late" in chat: only lines with a street-type word try it
    if not any(_is_street_type(w) for w in _LATIN_WORDS.findall(text)):
        return []
    hits: list[Hit] = []
    for m in _EN_STREET.finditer(text):
        if m.start() and _alnum(text[m.start() - 1]):
            continue
        words = m.group("words")
        suffix = m.group("strong") or m.group("weak")
        proper = all(_is_cap(w) for w in words.split()) and suffix[0].isupper()
        if proper and words.split()[0].casefold() in _STOP_CAP:
            continue
        h = _line_hit(text, m.start(), m.end(), bool(m.group("strong")), proper)
        if h:
            hits.append(h)
    return hits


def _prefixed_hits(text: str) -> list[Hit]:
    hits: list[Hit] = []
    for m in _EN_PREFIXED.finditer(text):
        if m.start() and _alnum(text[m.start() - 1]):
            continue
        # keep the capitalised name words; ``29 Rue de Tanger and then`` ends at Tanger
        end, pos = m.end("type"), m.end("type")
        first = next((w for w in m.group("words").split() if w.casefold() not in _PARTICLES), "")
        proper = m.group("type")[0].isupper() or _is_cap(first)  # ``33 avenue de Provence``
        for i, w in enumerate(re.finditer(r" (\S+)", text[pos:m.end()])):
            word = w.group(1)
            low = word.casefold()
            if low not in _STOP_LOWER and (_is_cap(word) or not proper or (i == 0 and low not in _PARTICLES)):
                end = pos + w.end()
            elif word.casefold() not in _PARTICLES and word not in ("de la", "d'"):
                break
        if end == m.end("type"):
            continue
        h = _line_hit(text, m.start(), end, True, proper)
        if h:
            hits.append(h)
    return hits


# Hungarian types write the house number as an ordinal (``Király u. 15.``): the dot belongs to the address.
_DOT_TYPES = frozenset({"u.", "utca", "út", "útja", "tér", "krt.", "körút", "rkp.", "rakpart", "köz", "fasor", "sor",
                        "sétány"})


def _name_number_hits(text: str) -> list[Hit]:
    """A street name followed by its house number (``Koskikatu 25``, ``Rua Mina 50``, ``74678 midtvollen 130``,
    ``Nieuwe Baan 473``). A type word (glued or separate) makes it a street; without one, a leading postcode or house
    number, a unit, a city block or a context word must support it, or a place word (``at``, ``on``) before a name
    that is no ordinary English word (so ``Windows 10``, ``Room 101`` and ``Gate 12`` stay out)."""
    hits: list[Hit] = []
    for m in _NAME_NUM.finditer(text):
        if m.start() and _alnum(text[m.start() - 1]):
            continue
        start, words = _name_start(text, m.start("last"))
        if not words:
            continue
        if any(_is_cap(w) for w in words[1:]):  # ``north side of Rua Diadema``: the name is capitalised
            while len(words) > 1 and not _is_cap(words[0]) and words[0].casefold() not in _TYPE_WORDS:
                start += len(words.pop(0)) + 1
            while len(words) > 1 and words[0].casefold() in _PARTICLES:
                start += len(words.pop(0)) + 1
        lows = [w.casefold() for w in words]
        if lows[-1] in _UNIT_NAMES or lows[-1] in _STOP_CAP:
            continue
        if _is_cap(words[0]) and not _is_cap(words[-1]) and lows[-1] not in _TYPE_WORDS and lows[-1] in _common():
            continue  # ``Wall Street since 2019``: an English lower-case word after a capitalised name ends it
        if set(lows) & _EN_TYPES and len(m.group("num")) == 1 and not _SEP_PC.match(text, m.end()):
            continue  # ``Elm Street 3`` (a sequel): an English type writes the number first, unless a city follows
        glued = any(len(w) >= 6 and w.endswith(_GLUED) and not w.endswith("grade") for w in lows)
        typed = len(words) >= 2 and any(w in _TYPE_WORDS for w in lows)
        cap = _is_cap(words[0])
        proper = cap or lows[0] in _TYPE_WORDS  # ``ul. Miła``, ``Árpád fejedelem útja``
        lead = _LEFT_NO.search(text, max(0, start - 8), start) is not None
        end = m.end()
        if text[end:end + 1] == "." and any(w in _DOT_TYPES for w in lows):
            end += 1
        h = _line_hit(text, start, end, glued or typed, proper, lead, lower_ok=not cap)
        if h is None and (glued or typed) and not cap and _cue(text, _left(text, start)) and _number_ends(text,
                                                                                                          m.end()) \
                and any(w in _TYPE_WORDS or w.endswith(_GLUED) for w in lows if w not in _EN_TYPES):
            # ``enter on hegyalja út 98.``: a foreign type word, a house number and a place word before them
            e, _ = _extend(text, end, True)
            h = Hit("ADDRESS", _left(text, start), e, SCORE_PATTERN, "lower-case street name, type and house number")
        if glued or typed:
            if h is not None and proper and h.score < SCORE_CONTEXT and (lead or _cue(text, h.start, word=True)):
                # type word, house number and a place word or leading number (``lives on Rua Mina 50``): as strong
                # as a person's name read over the same words (``Rua Mina``), which would otherwise take the span
                h = Hit("ADDRESS", h.start, h.end, SCORE_CONTEXT,
                        "street name, type and house number after a place word")
            if h is not None:
                hits.append(h)
            continue
        if h is not None and (lead and proper and _cue(text, h.start) or "context" in h.reason or "unit" in h.reason
                              or _has(text, h, ("\n",))):
            hits.append(h)
            continue
        # no type word: a place word before it, and a name that is no ordinary English word
        num = m.group("num")
        if not _number_ends(text, m.end()) or (len(num) == 4 and num[:2] in ("19", "20")):
            continue
        s0 = _left(text, start)
        if not _cue(text, s0, word=not lead) or not _foreign(words[-1]) or not (lead or cap):
            continue
        if not (lead or len(num) >= 2 or len(words) >= 2):
            continue  # ``Tekken 7``
        e, _ = _extend(text, end, not cap)
        hits.append(Hit("ADDRESS", s0, e, SCORE_CONTEXT, "street name + house number after a place word"))
    return hits


_DOUBLE = re.compile(rf"(?P<a>[0-9]{{2,5}}) [0-9]{{1,5}}[A-Za-z]? (?P<words>{_WORD}(?: {_WORD}){{0,2}})")


def _double_number_hits(text: str) -> list[Hit]:
    """A postcode or building number before a house number and a street name without a type word (``at 9816 214
    Pavlou Drandaki``): after a place word, with a name that is no ordinary English word."""
    hits: list[Hit] = []
    for m in _DOUBLE.finditer(text):
        if m.start() and (_alnum(text[m.start() - 1]) or text[m.start() - 1] in ".,:$€£"):
            continue
        if not _cue(text, m.start()):
            continue
        words = m.group("words").split()
        keep = []
        for w in words:
            if w.casefold() in _STOP_LOWER or w.casefold() in _UNIT_NAMES:
                break
            keep.append(w)
        if not keep or not any(_foreign(w) for w in keep):
            continue
        ctx = context_word(text, m.start(), m.start(), _EN_CONTEXT, before=30)
        cap = _is_cap(keep[0])
        if not (cap or ctx):
            continue
        end = m.start("words") + len(" ".join(keep))
        end, _ = _extend(text, end, not cap)
        hits.append(Hit("ADDRESS", m.start(), end, SCORE_CONTEXT, "building and house number + street name"))
    return hits


def _has(text: str, h: Hit, marks: tuple[str, ...]) -> bool:
    return any(mk in text[h.start:h.end] for mk in marks)


def _box_hits(text: str) -> list[Hit]:
    hits: list[Hit] = []
    for m in _PO_BOX.finditer(text):
        if m.start() and _alnum(text[m.start() - 1]):
            continue
        h = _line_hit(text, m.start(), m.end(), True, True)
        if h:
            hits.append(Hit("ADDRESS", h.start, h.end, h.score, "PO box" + h.reason[len("street address"):]))
    for m in _EN_MILITARY.finditer(text):
        hits.append(Hit("ADDRESS", m.start(), m.end(), SCORE_CONTEXT, "military mail address"))
    return hits


def _corner_hits(text: str) -> list[Hit]:
    """``the corner of 159 Main St and Rennie Union``: both streets, one span."""
    hits: list[Hit] = []
    for m in _CORNER.finditer(text):
        a = m.group("a")
        b_words = m.group("b").split()
        keep = 0
        for i, w in enumerate(b_words):
            if w.casefold() in _STOP_CAP and i:
                break
            keep = i + 1
            if re.fullmatch(rf"(?:{_STRONG}|{_WEAK})\.?", w, re.IGNORECASE):
                break
        b = " ".join(b_words[:keep])
        typed = re.search(rf"(?<![^\W_])(?:{_STRONG}|{_WEAK})(?![^\W_])", f"{a} {b}", re.IGNORECASE)
        if not b or not (typed or any(c.isdigit() for c in a)) or not (_is_cap(a) or any(c.isdigit() for c in a)):
            continue
        end = m.start("b") + len(" ".join(m.group("b").split()[:keep]))
        hits.append(Hit("ADDRESS", m.start(), end, SCORE_CONTEXT, "street corner"))
    return hits


_UNIT_LEFT = re.compile(rf"(?:(?:{_WORD}|[0-9]{{1,5}}[A-Za-z]?) ){{2,6}}$")


def _unit_hits(text: str) -> list[Hit]:
    """An apartment or suite number (``Apt. 050``, ``Suite 292``): on its own, part of an address whose street was
    sent in another message or line; after a house number and a street name without a type word (``2505 Heatherleigh
    Suite 620, Paphos``), the whole line. Unit, Room, Floor and Level alone are left out: courses, hotels and games."""
    hits: list[Hit] = []
    for m in _UNIT_ALONE.finditer(text):
        if m.start() and _alnum(text[m.start() - 1]):
            continue
        start, end, reason = m.start(), m.end(), "apartment or suite number"
        line = max(text.rfind("\n", 0, start) + 1, start - 60)
        left = _UNIT_LEFT.search(text, line, start)
        if left:
            toks = left.group().split()
            while toks and (toks[0].casefold() in _STOP_CAP or toks[0].casefold() in _UNIT_NAMES):
                toks.pop(0)
            has_num = any(t[0].isdigit() for t in toks)
            if toks and has_num and any(not t[0].isdigit() for t in toks) and all(
                    t[0].isdigit() or t.casefold() not in _STOP_LOWER for t in toks):
                start = start - len(" ".join(toks)) - 1
                end, _ = _extend(text, end, not _is_cap(toks[0]))
                reason = "street line with a unit"
        hits.append(Hit("ADDRESS", start, end, SCORE_CONTEXT if start < m.start() else SCORE_PATTERN, reason))
    return hits


_COUNTRY_NUM = re.compile(r"(?<![0-9])(?:[0-9]{4,6}|[0-9]{3} [0-9]{2})(?![^\W_])")
_COUNTRY_LEFT = re.compile(rf"(?:^|(?<=[\n,:;>?•*·-])|(?<=\s))[ \t]*(?P<c>{_WORD}(?: \(?{_WORD}\)?){{0,3}}),?[ \t]$")


def _country_hits(text: str) -> list[Hit]:
    """A country and its postcode closing an address block on their own line (``New Zealand 57006``, ``belgium
    97466``). Not a year (``Italy 2006``), and nothing may follow on the line but punctuation."""
    hits: list[Hit] = []
    for m in _COUNTRY_NUM.finditer(text):
        num = m.group()
        if len(num) == 4 and num[:2] in ("19", "20"):
            continue
        rest = text[m.end():m.end() + 2]
        if rest and rest[0] not in "\n.,;!?)" and not rest.isspace():
            continue
        if m.end() < len(text) and text[m.end()] in " \t" and text[m.end():m.end() + 2].strip():
            continue
        line = max(text.rfind("\n", 0, m.start()) + 1, m.start() - 48)
        seg = text[line:m.start()]
        toks = re.findall(rf"\(?{_WORD}\)?|,", seg)
        # the longest run of final words that names a country (``Cyprus (Greek)``, ``New Zealand``)
        words = [t for t in toks[-4:]]
        found = None
        for k in range(len(words), 0, -1):
            cand = words[-k:]
            if "," in cand:
                continue
            name = " ".join(cand).casefold()
            if name in _countries():
                found = name
                break
        if not found:
            continue
        pos = seg.casefold().rfind(found.split()[0])
        start = line + pos
        before = text[line:start]
        if before.strip(" \t>*•·?-,") and not before.rstrip().endswith(","):
            continue  # ``we beat Sweden 67626``: a country closes an address line, not a sentence
        hits.append(Hit("ADDRESS", start, m.end(), SCORE_PATTERN, "country + postcode"))
    return hits


# A named street without a house number after a place word (``on Marina Fort Street``): a street, not an ordinary
# phrase, only when its name is no ordinary English word (``on Wall Street``, ``down Memory Lane`` stay out).
_NAMED = re.compile(rf"(?<![^\W_])(?:on|at|along|down|off|onto|into|via)[ \t]+(?P<name>[A-Z]{_WORD[len(_L):]}"
                    rf"(?: [A-Z]{_WORD[len(_L):]}){{0,2}}) (?:Street|Road|Avenue|Lane|Drive|Boulevard|Crescent"
                    r"|Terrace)(?![^\W_])")
_NAMED_HINT = re.compile(r" (?:Street|Road|Avenue|Lane|Drive|Boulevard|Crescent|Terrace)(?![^\W_])")


def _named_street_hits(text: str) -> list[Hit]:
    hits: list[Hit] = []
    for m in _NAMED.finditer(text):
        words = m.group("name").split()
        if words[0].casefold() in _STOP_CAP or not _foreign(words[0]):
            continue
        hits.append(Hit("ADDRESS", m.start("name"), m.end(), SCORE_PATTERN, "named street"))
    return hits


# Postcodes written with a space, a dash or letters, taken whole after a context word: Sweden, Czechia, Greece
# (``394 13``), the Netherlands (``7412 SL``), Brazil (``75534-030``), Poland (``00-950``).
_PC_WIDE = re.compile(r"(?:[0-9]{3} [0-9]{2}|[0-9]{4} ?[A-Z]{2}|[0-9]{4,5}-[0-9]{3}|[0-9]{2}-[0-9]{3})(?![^\W_])")


def _postcode_hits(text: str) -> list[Hit]:
    """A town with a UK/Canadian postcode or a US state and ZIP (``Leeds LS6 2AB``, ``Springfield, IL 62704``) is a
    partial address; a postcode right after a context word (``postcode: LS6 2AB``, ``邮编100102``) is one too. A bare
    number is never a postcode."""
    hits: list[Hit] = []
    for m in _TOWN_PC.finditer(text):
        if m.group("st") and m.group("st") not in _US_STATES:
            continue
        if m.group("town").split()[0].casefold() in _STOP_CAP or (m.start() and _alnum(text[m.start() - 1])):
            continue
        hits.append(Hit("ADDRESS", m.start(), m.end(), SCORE_PATTERN, "town + postcode"))
    for c in _PC_CONTEXT.finditer(text):
        m = _PC_WIDE.match(text, c.end()) or _POSTCODE_I.match(text, c.end())
        if m and any(ch.isdigit() for ch in m.group()):
            hits.append(Hit("ADDRESS", m.start(), m.end(), SCORE_CONTEXT, f"postcode, context: {c.group().strip()}"))
    return hits


def _en_hits(text: str) -> list[Hit]:
    hits: list[Hit] = []
    number_word = _NUMBER_WORD.search(text) is not None
    if number_word:
        hits += _street_hits(text)
        hits += _prefixed_hits(text)
    if _SPACE_DIGIT.search(text) and _WORD_NUMBER.search(text):
        hits += _name_number_hits(text)
    if "ox" in text or "OX" in text or "PO " in text or "po " in text:
        hits += _box_hits(text)
    if "orner of" in text:
        hits += _corner_hits(text)
    if _PC_HINT.search(text) or any(w in text for w in _PC_WORDS):
        hits += _postcode_hits(text)
    if _DOUBLE_HINT.search(text):
        hits += _double_number_hits(text)
    if _NAMED_HINT.search(text):
        hits += _named_street_hits(text)
    if _UNIT_HINT.search(text):  # a unit inside a street line's span is dropped by _outermost
        hits += _unit_hits(text)
    if _COUNTRY_HINT.search(text):
        hits += _country_hits(text)
    return hits


_DOUBLE_HINT = re.compile(r"[0-9] [0-9]{1,5}[A-Za-z]? [^\W\d_]")
_COUNTRY_HINT = re.compile(r"[^\W\d_)],?[ \t][0-9]{3}[0-9 ]")


_DIGIT = re.compile(r"[0-9]")


class AddressRecognizer:
    """Chinese road + number (+ building/room) or estate + building/room lines, English and international street
    lines, PO boxes and street corners, each with the postcode that follows it; town + postcode on their own."""

    kinds = ("ADDRESS",)
    needs = "digit"  # the analyzer skips lines without this (lib.pii.analyzer.GATES)

    def analyze(self, text: str) -> list[Hit]:
        # every address this finds holds an ASCII digit (house number, postcode, unit, 号/室 number): most chat lines
        # hold none, and the analyzer's ``needs`` gate skips them too; named streets count only beside a number
        if _DIGIT.search(text) is None:
            return []
        hits: list[Hit] = []
        if any(c in text for c in _CN_CHARS) and _CN_HINT.search(text):
            hits.extend(_cn_hits(text))
        hits.extend(_en_hits(text))
        return _join_blocks(text, _outermost(hits)) if len(hits) > 1 else hits


# What may lie between an address line and the country + postcode that closes its block: town, region and state
# words across commas and line breaks, but no sentence end and no other punctuation (``?``, ``!``, ``:``).
_BLOCK_GAP = re.compile(r"[^\W_]|[ \t\r\n,>()∆.'’-]")


def _join_blocks(text: str, hits: list[Hit]) -> list[Hit]:
    """``475 Breivangvegen 38 Suite 490\nKRISTIANSUND N\n, nan\n Norway 61682`` is one address: a country +
    postcode hit right after an address line (at most 60 characters and 4 lines of town words between) joins it."""
    out: list[Hit] = []
    for h in hits:
        if out and h.reason == "country + postcode" and out[-1].end <= h.start:
            gap = text[out[-1].end:h.start]
            if len(gap) <= 60 and gap.count("\n") <= 4 and ". " not in gap and all(
                    _BLOCK_GAP.match(c) for c in gap):
                prev = out.pop()
                h = Hit("ADDRESS", prev.start, h.end, max(prev.score, h.score), prev.reason + " + country and postcode")
        out.append(h)
    return out


def _outermost(hits: list[Hit]) -> list[Hit]:
    """One hit per address: a part found on its own (``Washington, DC 20500``) inside a whole line is dropped."""
    hits.sort(key=lambda h: (h.start, -h.end, -h.score))
    out: list[Hit] = []
    for h in hits:
        if out and h.start >= out[-1].start and h.end <= out[-1].end:
            continue
        out.append(h)
    return out


# --- registration (lib/pii/kinds.py): the kind this module finds, and how a scan builds its recognizer ---
register_kind(KindSpec("ADDRESS", order=120, fake=operator("fake_address")))
register_recognizer("address", 120, lambda config: [AddressRecognizer()])
