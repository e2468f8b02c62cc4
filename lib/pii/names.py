"""The shorter forms a known person is mentioned by, so every mention gets the person's one placeholder.

A chat names a person in full once ("my sister Emma Rossi", "明天跟王晓明吃饭") and afterwards by a part ("Emma",
"晓明", "王老师", "Mrs Rossi"). Once a full name is known (from the export's own people, the owner's list, or a
detection in free text), its parts become known values for the whole workspace. Each part points back at its full
name (its *canonical* form), so ``Emma`` and ``Emma Rossi`` are one value under review and one placeholder in exports.

The language-specific rules (which part of 欧阳娜娜 is the surname; whether "Will" is also an everyday word) live with
the free-text recognizers in :mod:`lib.pii.recognizers.person_zh` and :mod:`lib.pii.recognizers.person_en`; this module
only combines them.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

_HAN = re.compile(r"^[\u3400-\u9fff]+$")
_LATIN_TOKEN = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f'\-]*")


_SYMBOLS = re.compile(r"[^\w\s'\-.]+")


def _zh_parts(name: str) -> list[str]:
    from lib.pii.recognizers import person_zh

    return list(person_zh.name_parts(name))


def _en_parts(name: str) -> list[str]:
    from lib.pii.recognizers import person_en

    return list(person_en.name_parts(name))


def is_common_word(token: str) -> bool:
    """True when a single-word name is also an everyday English word ("Will", "Mark", "Rose"): matched only when
    capitalised, so "will do" stays text."""
    from lib.pii.recognizers import person_en

    return bool(person_en.is_common_word(token))


def parts(name: str) -> list[str]:
    """The other forms of ``name`` worth matching on their own (never ``name`` itself)."""
    name = " ".join(name.split())
    if not name:
        return []
    core = " ".join(_SYMBOLS.sub(" ", name).split())  # "Jane 🌸" is written "Jane" in messages
    if core and core != name:
        return [p for p in dict.fromkeys([core, *parts(core)]) if p != name]
    if _HAN.match(name):
        out = _zh_parts(name) if 2 <= len(name) <= 4 else []
    elif len(_LATIN_TOKEN.findall(name)) >= 2 and all(ch.isascii() or ch.isalpha() or ch in " '-." for ch in name):
        out = _en_parts(name)
    else:
        out = []
    return [p for p in dict.fromkeys(out) if p and p != name]


def variants(names: Iterable[str]) -> dict[str, str]:
    """Every name and each of its parts, mapped to the full name it stands for.

    A part shared by two different people ("Daniel" of Daniel Kim and of Daniel Wu) is still matched, but stands for
    itself: guessing which Daniel would give one person's placeholder to another. A one-word name that is also the
    part of exactly one longer name ("Daniel", found alone, and "Daniel Okafor") is taken as that person.
    """
    names = list(dict.fromkeys(n for n in names if n))
    out: dict[str, str] = {n: n for n in names}
    owners: dict[str, set[str]] = {}
    for n in names:
        for p in parts(n):
            owners.setdefault(p, set()).add(n)
    for p, who in owners.items():
        # "Daniel" found alone and "Daniel Okafor" found in full are one person when no other Daniel is known
        out[p] = next(iter(who)) if len(who) == 1 else p
    return out
