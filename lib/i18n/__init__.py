"""The app's words in English and Simplified Chinese: ``t(key, lang, **fmt)``.

Every piece of UI text goes through :func:`t`. Keys are dotted (``import.button``); a key missing in Chinese falls back
to English, a key missing everywhere comes back as itself (a visible bug, never a crash), and a template whose
placeholders do not match ``fmt`` is returned unformatted. ``tests/test_i18n.py`` checks that both dictionaries hold
the same keys and the same placeholders.

:func:`term` translates the library's own vocabulary (funnel stages, drop reasons, chat families, message kinds) keyed by its English
text, and gives the text back unchanged when it is not known, so a new reason in ``lib/segment.py`` still shows.
"""
from __future__ import annotations

import importlib
import re
import string

LANGS: dict[str, str] = {"en": "English", "zh": "简体中文"}
DEFAULT_LANG = "en"

# Every group module holds WORDS = {key: (English, Chinese)}; a page group adds its module here and nowhere else.
GROUPS: tuple[str, ...] = ("app", "redaction", "curation", "export", "chat", "memory", "train", "messages", "fidelity")


def _merge() -> tuple[dict[str, str], dict[str, str]]:
    """English and Chinese maps from every group, in ``GROUPS`` order (a later group may not reuse a key: tested)."""
    en: dict[str, str] = {}
    zh: dict[str, str] = {}
    for group in GROUPS:
        words = importlib.import_module(f"{__name__}.{group}").WORDS
        for key, (e, z) in words.items():
            en[key] = e
            zh[key] = z
    return en, zh


EN, ZH = _merge()
TRANSLATIONS: dict[str, dict[str, str]] = {"en": EN, "zh": ZH}


def normalize_lang(lang: str | None) -> str:
    """``"zh"``, ``"zh-CN"``, ``"zh_Hans"`` → ``"zh"``; anything unknown → English."""
    code = (lang or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in TRANSLATIONS else DEFAULT_LANG


# English plural forms: ``{n|chat|chats}`` says "chat" when the value ``n`` is 1, else "chats" (Chinese has no plural
# forms and simply does not use it). The number itself is a separate, ordinary field: ``{n:,} {n|chat|chats}``.
_PLURAL = re.compile(r"\{(\w+)\|([^{}|]*)\|([^{}|]*)\}")


def _plurals(template: str, fmt: dict) -> str:
    def pick(m: re.Match) -> str:
        value = fmt.get(m.group(1))
        try:
            one = value is not None and float(value) == 1
        except (TypeError, ValueError):
            one = False
        return (m.group(2) if one else m.group(3)).replace("{", "{{").replace("}", "}}")

    return _PLURAL.sub(pick, template)


def t(key: str, lang: str, **fmt) -> str:
    """The text for ``key`` in ``lang``, formatted with ``fmt``; falls back to English, then to the key itself."""
    template = TRANSLATIONS[normalize_lang(lang)].get(key)
    if template is None:
        template = EN.get(key, key)
    if not fmt:
        return template
    try:
        return _plurals(template, fmt).format(**fmt)
    except (KeyError, IndexError, ValueError):
        return template


def term(kind: str, value: str, lang: str) -> str:
    """A word of the library's vocabulary (``kind`` = funnel, reason, level, family, kind) in ``lang``; unknown → as is."""
    key = f"{kind}.{value}"
    return t(key, lang) if key in EN else value


def placeholders(template: str) -> set[str]:
    """The ``{name}`` fields a template uses (for the test that both languages format the same values)."""
    return {name for _, name, _, _ in string.Formatter().parse(_PLURAL.sub("", template)) if name}
