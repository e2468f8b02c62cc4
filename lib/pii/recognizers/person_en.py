"""People nobody listed, found by name in free English chat text ("ask my sister Emma Rossi", "Dr. Okafor", "tell
daniel", "Priya's car").

Evidence is a given-name/surname gazetteer (Faker's Latin-script person lists, ~23k given names and ~29k surnames,
generated into ``lib/pii/data`` by ``gen_names_en.py``) plus context: titles, relationship words, introductions
("my name is", "this is"), verbs of contact ("ask", "text", "meeting"), "X said", greetings and a speaker colon.
Capitalisation counts only where it carries information (not at the start of a sentence). First names that are also
everyday words (Will, Mark, Grace, Hope, May) need stronger context than other names, and a run of capitalised words
whose second word is an ordinary word (Rose Bowl, Grace period, Golden Gate) is a proper noun, not a person.

Speed: the recognizer runs on every line holding an ASCII letter. One word scan and one frozenset check of its
lowercase words against the trigger set (distinctive names, titles, relationship and contact words) rejects most
lines before any per-token logic runs.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from lib.pii.kinds import register_recognizer
from lib.pii.base import SCORE_CONTEXT, SCORE_PATTERN, SCORE_WEAK, Hit, default_norm

DATA = Path(__file__).resolve().parent.parent / "data"
# Words this frequent (rank among English words) are function-level words even when they are also names (an, will,
# may, can): never a name without a title or an introduction.
FUNCTION_RANK = 400

TITLES = frozenset("""
dr doctor mr mrs ms mx miss prof professor sir madam dame lord lady aunt auntie aunty uncle grandma grandpa granny
nana nan gran grandad granddad coach nurse officer sgt sergeant captain capt rev reverend father sister brother pastor
judge mister missus
""".split())
RELATIONS = frozenset("""
sister brother sis bro mom mum dad wife husband hubby wifey boyfriend girlfriend bf gf partner fiance fiancee fiancé
fiancée ex friend friends bestie bff colleague colleagues coworker coworkers co-worker workmate boss manager landlord
landlady neighbour neighbor roommate flatmate housemate cousin nephew niece son daughter grandson granddaughter
stepson stepdaughter stepmom stepdad teacher tutor dentist therapist lawyer accountant client classmate teammate mate
buddy pal babysitter nanny plumber electrician agent realtor supervisor intern assistant student coach mentor
doctor doc gp surgeon vet contractor cleaner driver trainer physio counselor counsellor mentee bandmate date crush
aunt uncle grandma grandpa grandmother grandfather stepbrother stepsister sibling twin
""".split())
# "my name is X", "this is X", "I'm X": the token(s) right before the name.
INTRO_ONE = frozenset({"i'm", "i’m", "im", "named", "called", "name's", "name’s", "it's", "it’s", "its"})
INTRO_TWO = frozenset({("name", "is"), ("this", "is"), ("i", "am"), ("call", "me"), ("names", "is"), ("it", "is"),
                       ("here", "is"), ("meet", "my")})
# Verbs of contact right before a name: strong enough for a lowercase name that is also a word ("meeting sam").
CONTACT = frozenset("""
ask asked asking tell told telling text texted texting call called calling meet meeting met ping pinged message
messaged dm dmed email emailed invite invited remind thank thanks visit visiting visited congrats congratulate
""".split())
GREETINGS = frozenset("hi hey hello hiya yo dear morning evening night bye thanks thx cheers sorry love miss".split())
# Weaker company: fine for a distinctive name ("with Priya"), not for one that is also a word ("with grace").
WEAK_BEFORE = frozenset("with and to from for by see saw tell via cc or".split())
SAID = frozenset("""
said says say told asked texted called replied wrote thinks thought wants wanted reckons mentioned messaged emailed
sent is's just will would can could
""".split())
STRONG_SAID = frozenset("said says told asked texted replied wrote thinks reckons mentioned messaged emailed".split())
PARTICLES = frozenset("van von de der den da das dos del della di du la le bin ibn al el st".split())
MONTHS_DAYS = frozenset("""
january february march april may june july august september october november december monday tuesday wednesday
thursday friday saturday sunday jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri
sat sun
""".split())
# A capitalised word right before a name that makes it a place ("New York", "Fort Worth", "Golden Gate"), and one
# right after a name run that makes the run a place or a building ("Rose Bowl", "Victoria Station").
PLACE_BEFORE = frozenset("""
new san santa los las saint st lake mount mt port fort north south east west upper lower great little golden royal
old central
""".split())
PLACE_AFTER = frozenset("""
street st road rd avenue ave station airport bridge river lake beach bay hospital school university college church
centre center mall hotel stadium arena tower county square boulevard blvd drive bowl gate gardens island islands
mountains valley falls city heights
""".split())
# Proper nouns that look like "First Last" or a lone name to a gazetteer: assistants, brands, places, holidays.
NOT_PEOPLE = frozenset("""
siri alexa cortana google apple amazon uber lyft netflix spotify tesla starbucks costco walmart target
christmas easter halloween thanksgiving
""".split())
NOT_PEOPLE_PHRASES = frozenset({
    "new york", "los angeles", "san francisco", "san diego", "san jose", "las vegas", "costa rica", "puerto rico",
    "hong kong", "sri lanka", "new zealand", "new jersey", "new orleans", "rose bowl", "golden gate", "st louis",
    "santa monica", "santa barbara", "santa clara", "saint louis", "monte carlo", "buenos aires", "rio de janeiro",
    "abu dhabi", "el paso", "la paz", "santa claus", "mother nature", "taco bell", "jack daniels", "jack daniel's",
    "dan murphy", "victoria station", "king's cross", "kings cross", "jordan river", "georgia tech", "tommy hilfiger",
    "ralph lauren", "calvin klein", "harley davidson", "mercedes benz", "dolce gabbana", "marks spencer",
})

_LETTER = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
_TOKEN = re.compile(rf"[{_LETTER}]+(?:['’\-][{_LETTER}]+)*")
_WORD = re.compile(rf"[{_LETTER}]+")
# the words of _WORD that start with a capital, found by the engine (no Python step per word)
_UPPER = "".join(c for c in map(chr, range(0x250)) if c.isupper() and _WORD.fullmatch(c))  # _LETTER's capitals
_CAP_WORD = re.compile(rf"(?<![{_LETTER}])[{_UPPER}][{_LETTER}]*")
_LABEL_VALUE = re.compile(r"\s*(?:https?://|www\.|[0-9#@$£€¥+(])")  # what follows a label's colon, not a speaker's
_SENTENCE_END = frozenset(".!?:;\"“”()[]…\n\r\t*>-•|")


def _read(name: str) -> list[str]:
    with open(DATA / name, encoding="utf-8") as fh:
        text = fh.read()
    if text.startswith("#"):  # the generator's one header line
        text = text[text.find("\n") + 1:] if "\n" in text else ""
    text = text.strip("\n")
    if "\n\n" not in text:  # the usual shape: one split in C, no per-line Python (start-up)
        return text.split("\n") if text else []
    return [w for w in text.split("\n") if w]


def _fold(s: str) -> str:
    if s.isascii():
        return s.casefold()
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=1)
def _lexicon() -> tuple[frozenset[str], frozenset[str], dict[str, int]]:
    first = frozenset(_read("names_en_first.txt"))
    last = frozenset(_read("names_en_last.txt"))
    common = _read("common_words_en.txt")
    rank = dict(zip(common, range(len(common))))  # {w: i for i, w in enumerate(common)}, in C (start-up)
    return first, last, rank


@lru_cache(maxsize=1)
def _trigger_sets() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(every listed name, those that are no everyday word, those that are): built once per process, since a workspace
    scan builds several recognizers. Set algebra in C, the same sets as testing ``_common`` name by name."""
    first, last, rank = _lexicon()
    names = first | last
    distinctive = names.difference(rank, MONTHS_DAYS)
    return names, distinctive, names - distinctive


def is_common_word(token: str) -> bool:
    """True when ``token`` is an ordinary English word (Will, Mark, Grace, Hope, Bill, Park...), so a bare mention of
    it is not safely a name: match it case-sensitively or with context only. Distinctive names (Emma, Priya, John)
    are False."""
    _, _, rank = _lexicon()
    t = _fold(token.strip())
    return t in rank or t in MONTHS_DAYS


def name_parts(full: str) -> list[str]:
    """The shorter forms under which a person named ``full`` is mentioned later and that are safe to match across the
    workspace: the first name, title + surname ("Dr Smith", "Mr. Smith"), and the bare surname only when it is not an
    everyday word (so "Ali Park" does not make every "park" a name). A single-word name has no shorter form."""
    tokens = [t for t in re.split(r"\s+", full.strip()) if t]
    tokens = [t for t in tokens if t.rstrip(".").casefold() not in TITLES]
    if len(tokens) < 2:
        return []
    first, last = tokens[0], tokens[-1]
    parts: list[str] = []
    if len(first) >= 2 and not (len(first) == 2 and first.endswith(".")):
        parts.append(first)
    for title in ("Dr", "Dr.", "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Miss", "Prof", "Prof."):
        parts.append(f"{title} {last}")
    if len(last) >= 3 and not is_common_word(last):
        parts.append(last)
    return parts


class _Tok:
    __slots__ = ("text", "start", "end", "low", "cap", "poss", "gap_before", "_line")

    def __init__(self, m: re.Match[str], text: str, prev_end: int) -> None:
        raw = m.group()
        self.start = m.start()
        self.poss = raw[-2:] in ("'s", "’s", "'S") and len(raw) > 2
        core = raw[:-2] if self.poss else raw
        self.text = core
        self.end = self.start + len(core)
        self.low = _fold(core)
        self.cap = core[0].isupper()
        self.gap_before = text[prev_end:self.start]
        self._line = text

    @property
    def initial(self) -> bool:
        """Whether the token opens a sentence: what stands before it, spaces skipped, is nothing, a sentence end or
        not ASCII. Read only for the few tokens judged, by looking back from the token (no copy of the text)."""
        text, k = self._line, self.start - 1
        while k >= 0 and text[k].isspace():
            k -= 1
        return k < 0 or text[k] in _SENTENCE_END or not text[k].isascii()


class EnglishNameRecognizer:
    """Full names, titled names, possessives, lowercase chat names and names in context, in English text."""

    kinds = ("PERSON",)
    needs = "alpha"

    def __init__(self) -> None:
        self.first, self.last, self.rank = _lexicon()
        # The cheap look before any tokenising (most lines name nobody). A line is worth a look when it holds a
        # listed name that is no everyday word ("priya"), a listed name written with a capital ("Will said"), or a
        # context word (greeting, title, relation, contact verb, "said", "I'm") together with a listed name or a
        # capitalised word that is no English word ("Hi Manlio"). Context words alone ("thanks so much", "in a
        # meeting", "I'm so tired") are everywhere and name nobody.
        self.names, self._t_names, self._t_common_names = _trigger_sets()
        self._t_context = frozenset(w for w in (TITLES | RELATIONS | CONTACT | GREETINGS | STRONG_SAID | INTRO_ONE
                                                | {"name", "is", "am", "me", "m"}) if "'" not in w and "’" not in w)
        self._t_contact = frozenset(CONTACT)
        # what may stand right before a lowercase name that is also a word, for :meth:`_judge` to take it: a contact
        # verb, a greeting, a title, a relation or an introduction (as plain words: "i'm" is "i", "m")
        intro = {part for w in INTRO_ONE for part in re.split("['’]", w)} | {p1 for _, p1 in INTRO_TWO}
        self._t_before_common = frozenset(CONTACT | GREETINGS | TITLES | RELATIONS | intro)
        # a lowercase function word is never a name for _judge ("me the", "is the": The is a surname)
        self._t_common_lower = frozenset(w for w in self._t_common_names if not self._function(w))

    def _worth_a_look(self, text: str, words: list[str]) -> bool:
        if ":" in text:
            return True
        lows = set(map(str.lower, words))  # C loops: this runs on every line with a letter
        if not self._t_names.isdisjoint(lows):
            return True
        caps = set(map(str.lower, _CAP_WORD.findall(text)))
        caps.discard("i")
        if not self._t_common_names.isdisjoint(caps):
            return True
        if self._t_context.isdisjoint(lows):
            return False
        if any(lw not in self.rank for lw in caps):  # "Hi Manlio", "Vsevolod said", "I'm Kasia"
            return True
        # a lowercase name that is also a word is a name only right after a contact verb ("text mark"), and then only
        # next to what _judge takes as its context (a contact verb, greeting, title, relation or introduction before
        # it, or "said" after it): "thanks, the meeting can wait" holds a contact verb and two such words, no name
        common = self._t_common_lower
        if self._t_contact.isdisjoint(lows) or common.isdisjoint(lows):
            return False
        seq = [w.lower() for w in words]
        before = self._t_before_common
        return any((b in common and a in before) or (a in common and b in STRONG_SAID) for a, b in zip(seq, seq[1:]))

    # -- word classes -------------------------------------------------------------------------------------------
    def _common(self, low: str) -> bool:
        return low in self.rank or low in MONTHS_DAYS

    def _function(self, low: str) -> bool:
        return self.rank.get(low, FUNCTION_RANK) < FUNCTION_RANK or low in MONTHS_DAYS

    def _continues(self, prev: _Tok, tok: _Tok, lower_name: bool, third: bool = False) -> bool:
        """Does ``tok`` extend the name that ends with ``prev`` (a surname, a second given name)?"""
        if prev.poss:
            return False
        gap = tok.gap_before
        if not (gap == " " or (gap.strip() == "" and "\n" not in gap and len(gap) <= 2)
                or (gap.strip() == "." and len(prev.text) == 1)):
            return False
        if lower_name:
            return not tok.cap and tok.low in self.last and not self._common(tok.low) and tok.low not in SAID
        if not tok.cap:
            return False
        if len(tok.text) == 1:
            return True  # a middle initial: "Faina D. Yefremova"
        if tok.low in PLACE_AFTER:
            return False
        if tok.low in self.names:
            if self._function(tok.low):  # "Nguyen Van An": a word-like name only as a third part
                return third
            return not self._function(tok.low) and (not self._common(tok.low) or tok.low in self.last)
        return not self._common(tok.low) and tok.low not in NOT_PEOPLE and not tok.text.isupper()

    # -- main ---------------------------------------------------------------------------------------------------
    def analyze(self, text: str) -> list[Hit]:
        words = _WORD.findall(text)
        if not words or not self._worth_a_look(text, words):
            return []
        toks: list[_Tok] = []
        prev_end = 0
        for m in _TOKEN.finditer(text):
            toks.append(_Tok(m, text, prev_end))
            prev_end = toks[-1].end + (2 if toks[-1].poss else 0)
        hits: list[Hit] = []
        i, n = 0, len(toks)
        while i < n:
            j = self._extent(toks, i)
            if j > i:
                hit = self._judge(text, toks, i, j)
                if hit is not None:
                    hits.append(hit)
                    i = j
                    continue
            i += 1
        return hits

    def _extent(self, toks: list[_Tok], i: int) -> int:
        """End (exclusive) of the name that could start at token ``i``, or ``i`` when none can."""
        tok = toks[i]
        if len(tok.text) < 2 or tok.low in TITLES and tok.low not in self.first:
            return i
        if tok.low in NOT_PEOPLE or (("'" in tok.text or "’" in tok.text) and tok.low not in self.names):
            return i  # brands, and contractions ("I'm", "Don't")
        if not tok.cap and tok.low not in self.names:
            return i
        if tok.cap and tok.low not in self.names and self._common(tok.low):
            return i
        j = i + 1
        lower = not tok.cap
        while j < len(toks) and j - i < 4:
            nxt = toks[j]
            if nxt.low in PARTICLES and j + 1 < len(toks) and toks[j + 1].cap and not lower and nxt.gap_before == " ":
                if self._continues(nxt, toks[j + 1], False):
                    j += 2
                    continue
            if not self._continues(toks[j - 1], nxt, lower, j - i >= 2):
                break
            j += 1
        # A capitalised run ending in an everyday word that is no surname is a proper noun ("Grace Period").
        return j

    def _before(self, toks: list[_Tok], i: int, k: int) -> str:
        return toks[i - k].low if i - k >= 0 else ""

    def _judge(self, text: str, toks: list[_Tok], i: int, j: int) -> Hit | None:
        name = toks[i:j]
        head, tail = name[0], name[-1]
        phrase = " ".join(t.low for t in name)
        if phrase in NOT_PEOPLE_PHRASES:
            return None
        p1, p2 = self._before(toks, i, 1), self._before(toks, i, 2)
        attached = i > 0 and toks[i - 1].end <= head.start and "\n" not in toks[i].gap_before \
            and toks[i].gap_before.strip() in ("", ".")
        title = attached and p1 in TITLES
        relation = attached and (p1 in RELATIONS or (title and p2 in RELATIONS))
        intro = attached and (p1 in INTRO_ONE or (p2, p1) in INTRO_TWO) and toks[i].gap_before.strip() == ""
        speaker = (head.initial and text[:head.start].strip() in ("", "-", "*") or text[:head.start].endswith("\n")) \
            and text[tail.end + (2 if tail.poss else 0):].lstrip(" ").startswith(":")
        if speaker and j - i == 1 and self._common(head.low) \
                and _LABEL_VALUE.match(text, text.index(":", tail.end) + 1):
            speaker = False  # "Link: https://…", "Miles: 12": a label and its value, not a speaker and a line
        contact = attached and toks[i].gap_before.strip() in ("", ",") and p1 in CONTACT
        greet = attached and p1 in GREETINGS and toks[i].gap_before.strip() in ("", ",")
        weak = attached and p1 in WEAK_BEFORE and toks[i].gap_before.strip() == ""
        after = toks[j].low if j < len(toks) and not tail.poss else ""
        said = after in STRONG_SAID
        strong = title or relation or intro or speaker
        if not strong and head.cap:
            if i > 0 and p1 in PLACE_BEFORE and toks[i - 1].cap and toks[i].gap_before == " ":
                return None
            if j < len(toks) and after in PLACE_AFTER and toks[j].cap and toks[j].gap_before == " ":
                return None

        low = head.low
        in_first, in_last = low in self.first, low in self.last
        common, function = self._common(low), self._function(low)
        multi = j - i >= 2
        reason = ""
        score = 0.0
        if strong:
            if not head.cap and low not in self.names:
                return None
            if function and not head.cap:
                return None
            if function and head.cap and not (title or relation) and not multi:
                return None
            score = SCORE_CONTEXT
            reason = ("relationship word before a name" if relation else "title before a name" if title else
                      "introduces a name" if intro else "speaker name before a colon")
        elif multi:
            rest = name[1:]
            rest_listed = any(t.low in self.names for t in rest)
            if low in self.names and not common and (rest_listed or head.cap):
                score = SCORE_CONTEXT if rest_listed else SCORE_PATTERN
                reason = "given name and surname"
            elif low in self.names and not function and head.cap and tail.low in self.last \
                    and not self._common(tail.low):
                score = SCORE_PATTERN
                reason = "given name (also a word) with a surname"
            elif head.cap and low not in self.names and not common and rest_listed:
                score = SCORE_PATTERN
                reason = "unlisted given name with a listed name"
            elif head.cap and low in self.last and not common:
                score = SCORE_PATTERN
                reason = "surname-first full name"
            else:
                # Not a person as a run: judge the head alone ("Mark Twain" passes above; "Will Do" falls here).
                return self._judge(text, toks, i, i + 1) if j - i > 1 else None
            if contact or greet or said or weak or head.poss or tail.poss:
                score = SCORE_CONTEXT
        else:
            if low in NOT_PEOPLE:
                return None
            if head.cap and head.text.isupper() and len(head.text) > 2:
                return None  # shouting or a heading ("LONDON", "PRESS"), not a name without context
            if head.cap:
                if in_first and not common:
                    score = SCORE_CONTEXT if (contact or greet or said or weak or head.poss) else SCORE_PATTERN
                    reason = "capitalised given name"
                elif in_first and not function:
                    # mid-sentence capitals are evidence in English; at a sentence start they are not
                    prev_cap_word = i > 0 and toks[i - 1].cap and toks[i].gap_before == " " \
                        and toks[i - 1].low not in self.names and self._common(toks[i - 1].low)
                    if prev_cap_word and not (contact or greet or said):  # "Christmas Eve", "Jordan River"
                        score = SCORE_WEAK
                    elif contact or greet or said or head.poss or not head.initial:
                        score = SCORE_PATTERN
                        reason = "given name (also a word) in context"
                    else:
                        score = SCORE_WEAK
                        reason = "given name that is also a word, no context"
                elif (in_last or not common) and not function and (contact or greet or said or weak):
                    # "Hi Manlio": a capitalised word that is no English word, right after a greeting, is a name
                    score = SCORE_PATTERN if (in_last or contact or said or greet) else SCORE_WEAK
                    reason = "capitalised name in context"
                else:
                    return None
            else:
                if not in_first or function:
                    return None
                if not common:
                    if contact or greet or said or weak or head.poss:
                        score = SCORE_CONTEXT
                    elif after in SAID or (head.initial and j < len(toks)):  # "priya is coming", "ravi just left"
                        score = SCORE_PATTERN
                    else:
                        score = SCORE_WEAK
                    reason = "lowercase given name"
                elif contact or greet or said:
                    score = SCORE_PATTERN
                    reason = "lowercase given name (also a word) after a contact verb"
                else:
                    return None
        if score <= 0:
            return None
        # the grouping key known names use too (lib.pii.recognizers.person), so a name found here and later matched as
        # a known name is one value with one placeholder
        return Hit("PERSON", head.start, tail.end, score, reason, default_norm(text[head.start:tail.end]))


# --- registration (lib/pii/kinds.py): the kind this module finds, and how a scan builds its recognizer ---
register_recognizer("person_en", 150, lambda config: [EnglishNameRecognizer()])
