#!/usr/bin/env python3
"""Build-time generator for the English name recognizer's word lists (lib/pii/recognizers/person_en.py).

    pip install faker wordfreq english-words   # build time only; the app never imports them
    python3 lib/pii/data/gen_names_en.py

Writes, next to this file, one lowercase entry per line after a ``#`` header (names sorted; common words most frequent first, so a word's
line number is its frequency rank):

- ``names_en_first.txt``: given names from every Latin-script person provider of Faker (MIT licence), with the romanized
  Chinese/Japanese lists, plus ASCII-folded forms (``José`` → ``jose``). Faker is ~25 MB: too big for a run-time
  dependency that only contributes lists.
- ``names_en_last.txt``: surnames, from the same providers.
- ``common_words_en.txt``: ordinary English words: the most frequent English words of wordfreq (code Apache-2.0, data
  CC BY-SA 4.0: this derived list keeps that attribution) with Zipf frequency >= 3.0, minus words that are used mostly
  as names. A word counts as "used as a name" when it is in the name lists and either Webster's 2nd (web2, public
  domain, via english-words, MIT) does not have it in lowercase, or it is about as frequent in German, French,
  Spanish... as in English (names cross languages, English words do not: ``emma`` vs ``hope``). A short list of names
  that are plainly everyday words (from the issue: will, mark, rose, grace...) is forced back in.
"""
from __future__ import annotations

import importlib
import os
import pkgutil
import statistics
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ZIPF_MIN = 3.0            # about the 28,000 most frequent English words
CROSS_LANG_MARGIN = 0.5   # zipf(en) − median zipf(other languages) below this: a name more than a word
OTHER_LANGS = ("de", "fr", "es", "it", "nl", "pt", "sv", "pl")

# Names that are ordinary English words whatever the statistics say (the examples and their kin).
EVERYDAY_NAME_WORDS = """
will mark rose bill grace hope sunny may june april august jack pat dawn joy faith summer autumn winter ivy ruby
amber holly heather daisy sky chase hunter drew frank art ray rob guy earl dean crystal destiny angel lance grant glen
kent brandy carol ebony jade diamond chad page paige sterling royal rich penny sandy storm river rain lane hall
ford stone cliff gene rusty dusty misty happy honey candy cherry hazel iris jasmine olive pearl violet
lily lilly
link miles media lies era forum ties chip gang alpha beta delta echo villa yoga visa metro mentor pastor canyon par con
banks mills wells burns doc junior saint indie cam
""".split()
# ...except these: in chat they are far more often a person than the word ("ask lily"). Kept as names.
NAME_FIRST = {"lily", "lilly"}


def ascii_fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def _latin(s: str) -> bool:
    return bool(s) and all(ord(c) < 0x250 or c in " -'" for c in s) and any(c.isalpha() for c in s)


def _values(obj) -> list[str]:
    if isinstance(obj, dict):
        return [k for k in obj if isinstance(k, str)]
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [v for v in obj if isinstance(v, str)]
    return []


def faker_names() -> tuple[set[str], set[str]]:
    import faker.providers.person as person

    first: set[str] = set()
    last: set[str] = set()
    for mod in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{mod.name}").Provider
        for attr in dir(provider):
            if attr.startswith("_"):
                continue
            target = first if attr.startswith("first_") and attr.endswith(("names", "names_male", "names_female",
                                                                          "names_nonbinary", "names_unisex")) else (
                last if attr.startswith("last_") and attr.endswith(("names", "names_male", "names_female")) or
                attr in ("male_last_names", "unisex_last_names") else None)
            if target is None or "kana" in attr:
                continue
            val = getattr(provider, attr, None)
            for v in _values(val):
                if _latin(v):
                    for part in v.replace("-", " ").split():  # "João Miguel", "Hans-Joachim", "van Salmen"
                        if len(part) >= 2:
                            target.add(part.casefold())
                            target.add(ascii_fold(part).casefold())
    return first, last


def common_words(names: set[str]) -> list[str]:
    from english_words import get_english_words_set
    from wordfreq import top_n_list, zipf_frequency

    web2_lower = {w for w in get_english_words_set(["web2"], lower=False, alpha=True) if w.islower()}
    out: dict[str, None] = {}  # ordered by frequency: the loader reads a word's rank from its line
    for w in top_n_list("en", 60000):
        if not w.isalpha() or not w.isascii():
            continue
        z = zipf_frequency(w, "en")
        if z < ZIPF_MIN:
            break
        if w in names and w not in EVERYDAY_NAME_WORDS:
            if w not in web2_lower:
                continue
            others = statistics.median(zipf_frequency(w, lang) for lang in OTHER_LANGS)
            if z - others < CROSS_LANG_MARGIN:
                continue
        out[w] = None
    for w in EVERYDAY_NAME_WORDS:
        out.setdefault(w)
    return [w for w in out if w not in NAME_FIRST]


def main() -> None:
    first, last = faker_names()
    common = common_words(first | last)
    header = "# generated by lib/pii/data/gen_names_en.py; {}\n"
    src_names = "source: Faker person providers (MIT)"
    src_words = "source: wordfreq (data CC BY-SA 4.0) and web2 (public domain) via english-words (MIT)"
    for name, items, src in (("names_en_first.txt", sorted(first), src_names),
                             ("names_en_last.txt", sorted(last), src_names),
                             ("common_words_en.txt", common, src_words + "; most frequent first")):
        path = HERE / name
        path.write_text(header.format(src) + "\n".join(items) + "\n", encoding="utf-8")
        print(f"{name}: {len(items)} entries, {os.path.getsize(path) // 1024} KiB")


if __name__ == "__main__":
    main()
