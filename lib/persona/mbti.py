"""Personality augmentation from the Machine_Mindset MBTI dataset (its record layout is described below).

A twin trained only on chat pairs learns the owner's voice but rarely hears them answer "are you more introverted or
extraverted?". The Machine_Mindset files give thousands of in-character Alpaca answers per MBTI pole, plus a
first-person self-awareness file per type. Mixed in *sparingly* and restyled toward the owner's habits, they add
personality signal without drowning the owner's voice.

Pure functions only: reading the files, picking the owner's type, sampling, restyling and turning records into the
neutral pair shape. Storage and UI live elsewhere.
"""
from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from lib.errors import BadInputError
from lib.textio import decode_bytes

if TYPE_CHECKING:  # lib.persona.traits pulls in pandas; restyle only reads attributes
    from lib.persona.traits import Traits

MAX_BYTES = 50 * 1024 * 1024  # the largest real file is 14.8 MB; anything far bigger is the wrong file

RECOMMENDED_RATIO = 0.1
"""Augmented MBTI records per real chat record.

Augmentation adds personality signal (how the type answers questions the owner's chats never raise), but the
dataset's answers are written by an LLM in a neutral, essay-like voice: too many and the twin sounds like the dataset,
not the owner. WeClone mixed a single self-awareness file (437 records) into thousands of chat pairs; keeping the
share small (one augmented record per ten real ones) keeps the owner's voice dominant.
"""

# Pole → (dimension, letter). The pole decides its dimension, so a misspelt dimension in a name does not matter.
POLES: dict[str, tuple[str, str]] = {
    "extraversion": ("energy", "E"), "introversion": ("energy", "I"),
    "intuition": ("information", "N"), "sensing": ("information", "S"),
    "feeling": ("decision", "F"), "thinking": ("decision", "T"),
    "judging": ("execution", "J"), "perceiving": ("execution", "P"),
}
# The four letters of a type, in order, are the energy, information, decision and execution poles.
DIMENSIONS: tuple[str, ...] = ("energy", "information", "decision", "execution")
_LETTER_POLE = {letter: pole for pole, (_, letter) in POLES.items()}
TYPES: tuple[str, ...] = tuple(a + b + c + d for a in "EI" for b in "NS" for c in "FT" for d in "JP")

_TYPE = re.compile(r"([EI][NS][FT][JP])(?:-[AT])?")
_LANG = re.compile(r"^(zh|en)(?=[_\-. ]|$)")
_SELF = re.compile(r"(?:^|[_\-. ])([ei][ns][ft][jp])[_\-. ]?self[_\-. ]?awareness")
_POLE = re.compile(r"(?:^|[_\-. ])(extraversion|extroversion|introversion|intuition|sensing|feeling|thinking|judging"
                   r"|perceiving)(?=[_\-. ]|$)")
_DIM = re.compile(r"(energy|energe|information|decision|execution)")
_DPO_TYPE = re.compile(r"dpo[_\-. ]([ei][ns][ft][jp])(?=[_\-. ]|$)")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class MbtiFile:
    """What a dataset file is, read from its name: language, kind and which pole or type it speaks for.

    ``lang`` is "" when neither the name nor (after :func:`parse`) the content tells.
    """

    name: str
    lang: str
    kind: str  # "behaviour" | "self_awareness" | "dpo"
    dimension: str | None = None  # energy | information | decision | execution
    pole: str | None = None  # extraversion, introversion, intuition, sensing, feeling, thinking, judging, perceiving
    mbti_type: str | None = None  # e.g. "ENFJ" for a self-awareness file
    letter: str | None = None  # E/I/N/S/F/T/J/P for a pole file


@dataclass(frozen=True)
class MbtiRecord:
    """One question and its in-character answer; ``file`` names the source so sampling can balance files."""

    instruction: str
    output: str
    file: str


class Parsed(NamedTuple):
    """What :func:`parse` returns; unpacks as ``file, records, skipped``.

    ``skipped`` counts records dropped because their instruction or output was empty after stripping, so the UI can
    say "n records skipped" rather than silently losing them.
    """

    file: MbtiFile
    records: list[MbtiRecord]
    skipped: int


def describe(filename: str) -> MbtiFile:
    """Read a file's role from its name, so the owner can drop the whole dataset in and we pick what fits.

    Accepts ``zh_energy_extraversion.json``, ``en_ENTJ_self_awareness.json``, ``dpo_energy_i_e.json``, a path, a
    suffix such as ``.first30`` or `` (1)``, any case, and the README's misspelling "energe". Unknown names give a
    behaviour file with the language left "" (guessed from the content by :func:`parse`) and the rest ``None``.
    """
    name = Path(str(filename).replace("\\", "/")).name
    low = name.lower()
    lang_m = _LANG.match(low)
    lang = lang_m.group(1) if lang_m else ""

    if low.startswith("dpo"):
        dim = _DIM.search(low)
        typ = _DPO_TYPE.search(low)
        return MbtiFile(name, lang, "dpo", dimension=_dimension(dim.group(1)) if dim else None,
                        mbti_type=typ.group(1).upper() if typ else None)
    m = _SELF.search(low)
    if m:
        return MbtiFile(name, lang, "self_awareness", mbti_type=m.group(1).upper())
    m = _POLE.search(low)
    if m:
        pole = "extraversion" if m.group(1) == "extroversion" else m.group(1)
        dimension, letter = POLES[pole]
        return MbtiFile(name, lang, "behaviour", dimension=dimension, pole=pole, letter=letter)
    return MbtiFile(name, lang, "behaviour")


def _dimension(word: str) -> str:
    return "energy" if word == "energe" else word


def parse(path_or_bytes: str | Path | bytes | bytearray | memoryview, name: str | None = None) -> Parsed:
    """Read one Machine_Mindset file (a JSON array of ``{"instruction", "input", "output"}``).

    ``input`` is always " " in the real files: it is stripped and, only when something is left, appended to the
    instruction on a new line (LLaMA-Factory's Alpaca rule, minus its bug of keeping the lone space). Records whose
    instruction or output is empty are skipped and counted in ``skipped``. A UTF-8 BOM is fine. ``name`` defaults to
    the path's file name; it decides :func:`describe`'s answer. Raises :class:`BadInputError` for DPO files (preference
    data), broken or truncated JSON, a non-array, a record without ``instruction``/``output``, an empty array, a file
    with no usable record, and files over 50 MB.
    """
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        raw = bytes(path_or_bytes)
        name = name or "the uploaded file"
        _check_size(len(raw), name)
    else:
        path = Path(path_or_bytes)
        name = name or path.name
        try:
            _check_size(path.stat().st_size, name)
            raw = path.read_bytes()
        except OSError as exc:
            raise BadInputError(f"{path} could not be read ({exc.strerror or exc}); check the path.") from None
    info = describe(name)
    if info.kind == "dpo":
        raise _dpo_error(name)
    if not raw.strip():
        raise BadInputError(f"{name} is empty; download the file again.")

    text, _ = decode_bytes(raw)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        # json reports an unterminated string only when it reaches the end of the text looking for the quote.
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            raise BadInputError(f"{name} is cut off: the JSON ends early at line {exc.lineno} (an interrupted "
                                f"download?); download the file again.") from None
        raise BadInputError(f"{name} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); pick a "
                            f".json file from the Machine_Mindset MBTI dataset.") from None
    if not isinstance(data, list):
        raise BadInputError(f"{name} holds a JSON {_json_kind(data)}, not an array of records; pick a data file of "
                            f"the Machine_Mindset MBTI dataset such as zh_energy_extraversion.json.")
    if not data:
        raise BadInputError(f"{name} is an empty array with no records; pick another file of the dataset.")

    records: list[MbtiRecord] = []
    skipped = 0
    for i, rec in enumerate(data):
        where = f"Record {i + 1} (index {i}) of {name}"
        if not isinstance(rec, dict):
            raise BadInputError(f"{where} is a JSON {_json_kind(rec)}, not an object with instruction and output; "
                                f"pick a file in the Alpaca format of the Machine_Mindset dataset.")
        for key in ("instruction", "output"):
            if key not in rec:
                raise BadInputError(f"{where} has no \"{key}\" key; pick a file in the Alpaca format "
                                    f"(instruction, input, output) of the Machine_Mindset dataset.")
        if isinstance(rec["output"], list):
            raise _dpo_error(name)
        instruction = _text(rec["instruction"], "instruction", where).strip()
        extra = _text(rec.get("input"), "input", where).strip()
        output = _text(rec["output"], "output", where).strip()
        if extra:
            instruction = f"{instruction}\n{extra}" if instruction else extra
        if not instruction or not output:
            skipped += 1
            continue
        records.append(MbtiRecord(instruction, output, info.name))
    if not records:
        raise BadInputError(f"{name} has no usable record: every instruction or output is empty; pick another file "
                            f"of the dataset.")
    if not info.lang:
        info = replace(info, lang=guess_lang(r.output for r in records[:200]))
    return Parsed(info, records, skipped)


def _check_size(size: int, name: str) -> None:
    if size > MAX_BYTES:
        raise BadInputError(f"{name} is {size / 1024 / 1024:.1f} MB, over the {MAX_BYTES // 1024 // 1024} MB limit "
                            f"for an MBTI file (the dataset's largest is 15 MB); check you picked the right file.")


def _dpo_error(name: str) -> BadInputError:
    return BadInputError(f"{name} is a DPO file (preference data: each output is a [chosen, rejected] pair), which "
                         f"is not supported for chat augmentation; use the behaviour or self-awareness files instead.")


def _json_kind(value: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number")


def _text(value: object, key: str, where: str) -> str:
    """A record's field as text; null counts as empty (the record is then skipped), anything else is an error."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadInputError(f"{where} has a {_json_kind(value)} as \"{key}\" where text is expected; pick a file "
                            f"in the Alpaca format of the Machine_Mindset dataset.")
    return value


def guess_lang(texts) -> str:
    """"zh" when Chinese characters make up at least a third of the letters, else "en"; for names that do not say."""
    cjk = latin = 0
    for t in texts:
        cjk += len(_CJK.findall(t))
        latin += len(_LATIN.findall(t))
    return "zh" if cjk and cjk * 3 >= cjk + latin else "en"


def normalise_type(mbti_type: str) -> str:
    """"infp", " INFP-T " → "INFP": the -A/-T identity suffix (16Personalities) has no file of its own."""
    m = _TYPE.fullmatch(str(mbti_type or "").strip().upper())
    if not m:
        raise BadInputError(f"{mbti_type!r} is not an MBTI type; give four letters such as INFP or ESTJ (optionally "
                            f"-A or -T).")
    return m.group(1)


def type_poles(mbti_type: str) -> list[str]:
    """"INFP" → ["introversion", "intuition", "feeling", "perceiving"] (energy, information, decision, execution)."""
    return [_LETTER_POLE[letter] for letter in normalise_type(mbti_type)]


def files_for_type(mbti_type: str, available: Sequence[MbtiFile], lang: str) -> list[MbtiFile]:
    """The files that speak for ``mbti_type`` in ``lang``: its 4 pole files (energy, information, decision,
    execution order) then its self-awareness file, as far as they are among ``available``.

    formats.md §6: "to build a type, concatenate the 4 pole files"; the self-awareness file adds first-person answers
    about the type. When two available files fill the same slot (say the full file and a ``.first30`` excerpt), only
    the first is kept, so no pole is counted twice. Missing files are simply absent from the result.
    """
    typ = normalise_type(mbti_type)
    if lang not in ("zh", "en"):
        raise BadInputError(f"{lang!r} is not a dataset language; choose \"zh\" or \"en\".")
    wanted = type_poles(typ)
    chosen: dict[str, MbtiFile] = {}
    for f in available:
        if f.lang != lang:
            continue
        if f.kind == "behaviour" and f.pole in wanted:
            chosen.setdefault(f.pole, f)
        elif f.kind == "self_awareness" and f.mbti_type == typ:
            chosen.setdefault("self_awareness", f)
    return [chosen[slot] for slot in (*wanted, "self_awareness") if slot in chosen]


def sample(records: Sequence[MbtiRecord], n: int, seed: int) -> list[MbtiRecord]:
    """Up to ``n`` records, deterministic for ``seed``, balanced across source files.

    Each file's records are shuffled on their own (seeded by ``seed`` and the file name, so adding a file does not
    change what another file contributes), then taken round-robin one file at a time: a 7,398-record decision file
    cannot crowd out a 437-record self-awareness file. A question already taken is not taken again (two answers to
    one question would teach the twin to contradict itself). ``n`` at or above what is available returns everything,
    in a deterministic shuffled order; ``n <= 0`` returns nothing.
    """
    if n <= 0 or not records:
        return []
    by_file: dict[str, list[MbtiRecord]] = {}
    for r in records:
        by_file.setdefault(r.file, []).append(r)
    queues = []
    for file in sorted(by_file):
        items = list(by_file[file])
        random.Random(f"{seed}\x00{file}").shuffle(items)
        queues.append(items)
    picked: list[MbtiRecord] = []
    seen: set[str] = set()
    pos = [0] * len(queues)
    while len(picked) < n:
        progressed = False
        for q, items in enumerate(queues):
            while pos[q] < len(items):
                r = items[pos[q]]
                pos[q] += 1
                if r.instruction not in seen:
                    seen.add(r.instruction)
                    picked.append(r)
                    progressed = True
                    break
            if len(picked) == n:
                break
        if not progressed:
            break
    random.Random(f"{seed}\x00order").shuffle(picked)
    return picked


# ----- restyling toward the owner's habits ----------------------------------------------------------------------------
SHORT_MEDIAN = 20  # owners whose median message is shorter than this (characters) get long answers trimmed
KEEP_FACTOR = 3  # ...to about this many times their median length
FULL_STOP_RARE = 0.2  # share of messages ending in 。/. below which a full stop is "rare"
NO_END_COMMON = 0.5  # share of messages ending without punctuation at or above which that is the habit
TILDE_MIN_SHARE = 0.05  # below this a tilde is noise, not a habit
EMOJI_CAP = 0.5  # at most this share of answers gets an emoji, however emoji-happy the owner is

# A sentence ends at 。！？ (any run), at .!? followed by a space or the end (so 3.5 and file.txt stay whole), with
# closing quotes/brackets kept with it, or at a newline.
_SENT_END = re.compile(r"(?:[。！？]+|[.!?]+(?=[”’」』）)\]\"']*(?:\s|$)))[”’」』）)\]\"']*|\n+")
_FULL_STOP = re.compile(r"(?<![.。])[。.]$")
_WORDY_END = re.compile(r"[\w\u3400-\u4dbf\u4e00-\u9fff]$")


def sentences(text: str) -> list[str]:
    """Split into sentences, losslessly: ``"".join(sentences(t)) == t``; the whitespace after a sentence starts the
    next one. Used to trim and decorate only at sentence boundaries."""
    out: list[str] = []
    start = 0
    for m in _SENT_END.finditer(text):
        if m.end() > start:
            out.append(text[start:m.end()])
            start = m.end()
    if start < len(text):
        out.append(text[start:])
    return out


def restyle(text: str, traits: Traits, seed: int) -> str:
    """Rewrite a dataset answer toward the owner's habits; deterministic per ``(text, seed)``.

    Only ever removes whole sentences or trailing full stops and adds a tilde or one of the owner's own emoji; no word
    is invented. Punctuation added follows the answer's script (～ in Chinese, ~ in English). Rules, in order:

    1. **Length.** When the owner's median message is under :data:`SHORT_MEDIAN` characters and the answer is longer
       than :data:`KEEP_FACTOR` × that median, keep the leading sentences that fit in that budget (at least the first
       one), cutting only at a sentence boundary (。！？.!? or a newline), never mid-sentence.
    2. **Tilde.** When the owner's tilde share is at least :data:`TILDE_MIN_SHARE`, each sentence ending in a single
       。/. or in no punctuation ends in a tilde instead with probability = that share. Questions and exclamations
       keep their mark.
    3. **Full stop.** When the owner rarely ends with a full stop (share < :data:`FULL_STOP_RARE`) and usually ends
       with no punctuation (share ≥ :data:`NO_END_COMMON`), a single trailing 。/. is dropped (an ellipsis is kept).
    4. **Emoji.** With probability = the owner's emoji rate (unicode emoji per message plus bracket emoji such as
       [旺柴] per message, capped at :data:`EMOJI_CAP`), one of their top emoji, drawn by how often they use it, is
       appended (after a space in English).
    """
    if not text.strip():
        return text
    rng = random.Random(f"{seed}\x00{text}")
    zh = guess_lang([text]) == "zh"
    out = text

    median = float(traits.median_length or 0)
    if 0 < median < SHORT_MEDIAN and len(out.strip()) > KEEP_FACTOR * median:
        out = shorten(out, KEEP_FACTOR * median)

    punct = traits.punctuation or {}
    tilde = float(punct.get("tilde", 0.0))
    if tilde >= TILDE_MIN_SHARE:
        mark = "～" if zh else "~"
        parts = []
        for s in sentences(out):
            core = s.rstrip()
            if core and (_FULL_STOP.search(core) or _WORDY_END.search(core)) and rng.random() < tilde:
                core = (core[:-1] if _FULL_STOP.search(core) else core) + mark
                s = core + s[len(s.rstrip()):]
            parts.append(s)
        out = "".join(parts)

    if (float(punct.get("full stop at end", 1.0)) < FULL_STOP_RARE
            and float(punct.get("no punctuation at end", 0.0)) >= NO_END_COMMON):
        core = out.rstrip()
        if _FULL_STOP.search(core):
            out = core[:-1]

    pool = [(e, n) for e, n in [*(traits.top_emoji or []), *(traits.top_bracket_emoji or [])] if n > 0]
    rate = emoji_rate(traits)
    if pool and rate > 0 and rng.random() < rate:
        emoji = rng.choices([e for e, _ in pool], weights=[n for _, n in pool])[0]
        core = out.rstrip()
        out = core + emoji if zh or emoji.startswith("[") else f"{core} {emoji}"
    return out


def shorten(text: str, budget: float) -> str:
    """The leading whole sentences of ``text`` that fit in ``budget`` characters; at least the first sentence, so a
    cut never falls mid-sentence."""
    kept = ""
    for s in sentences(text):
        if not s.strip():
            kept += s
            continue
        if kept.strip() and len((kept + s).strip()) > budget:
            break
        kept += s
    return kept.rstrip()


def emoji_rate(traits: Traits) -> float:
    """Share of answers that should carry an emoji: unicode emoji per message plus the owner's top bracket emoji per
    text message, capped at :data:`EMOJI_CAP` (a heavy user's 3 emoji per message must not tag every answer)."""
    rate = float(traits.emoji_per_message or 0.0)
    if traits.text_messages and traits.top_bracket_emoji:
        rate += sum(n for _, n in traits.top_bracket_emoji) / traits.text_messages
    return min(rate, EMOJI_CAP)


def to_pair(record: MbtiRecord, system: str, style: Traits | None = None, seed: int = 0) -> dict:
    """A record as a neutral two-turn pair, the same shape the exporters take from real chats; with ``style`` the
    answer is :func:`restyle`-d toward the owner's habits. ``source`` marks it as augmentation so it can be counted
    and filtered."""
    output = restyle(record.output, style, seed) if style is not None else record.output
    return {"system": system,
            "turns": [{"role": "human", "text": record.instruction}, {"role": "gpt", "text": output}],
            "source": "mbti", "file": record.file}


def records_for_ratio(n_real: int, ratio: float = RECOMMENDED_RATIO) -> int:
    """How many augmented records go with ``n_real`` real ones at ``ratio`` (rounded half up)."""
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not math.isfinite(ratio) or ratio < 0:
        raise BadInputError(f"{ratio!r} is not a valid augmentation ratio; give a number of 0 or more, such as "
                            f"{RECOMMENDED_RATIO}.")
    if n_real < 0:
        raise BadInputError(f"{n_real} real records is not a count; give 0 or more.")
    return math.floor(n_real * ratio + 0.5 + 1e-9)
