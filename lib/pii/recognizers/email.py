"""Email addresses with ASCII-only character classes, so Chinese neighbours are never swallowed.

Presidio's ``\\w``-based pattern turns ``邮箱abc@qq.com或`` into one long span (Python's ``\\w`` includes Han
characters) and then drops it on TLD validation; spelling the classes out in ASCII fixes both.
"""
from __future__ import annotations

import re

from lib.pii.kinds import KindSpec, operator, register_kind, register_recognizer
from lib.pii.base import SCORE_VALIDATED, SCORE_WEAK, Hit

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9_%+-])"
    r"[A-Za-z0-9_%+-][A-Za-z0-9._%+-]{0,63}"
    r"@" + _LABEL + r"(?:\." + _LABEL + r")+"
    r"(?![A-Za-z0-9_-]|\.[A-Za-z0-9])"
)
_ALPHA_TLD = re.compile(r"\.[A-Za-z]{2,63}$")
_NUMERIC_HOST = re.compile(r"@[0-9.]+$")


def is_email(value: str) -> bool:
    """The whole of ``value`` is an email address with an alphabetic TLD (an answer sent alone: see followup)."""
    return _EMAIL.fullmatch(value) is not None and _ALPHA_TLD.search(value) is not None


class EmailRecognizer:
    """EMAIL: ``local@domain.tld``; validated when the TLD is alphabetic (``.com``, ``.cn``), kept below the
    threshold otherwise (``a@b.c1``). ``user@10.0.0.1`` is an ssh login, not an email: the IP recognizer reports the
    address. ``norm`` is the lower-cased address."""

    kinds = ("EMAIL",)
    needs = "@"  # the analyzer skips lines without this (lib.pii.analyzer.GATES)

    def analyze(self, text: str) -> list[Hit]:
        if "@" not in text:
            return []
        hits: list[Hit] = []
        for m in _EMAIL.finditer(text):
            value = m.group(0)
            if _NUMERIC_HOST.search(value):
                continue
            if _ALPHA_TLD.search(value):
                hits.append(Hit("EMAIL", m.start(), m.end(), SCORE_VALIDATED, "email address, alphabetic TLD",
                                value.lower()))
            else:
                hits.append(Hit("EMAIL", m.start(), m.end(), SCORE_WEAK, "email shape, non-alphabetic TLD",
                                value.lower()))
        return hits


# --- registration (lib/pii/kinds.py): the kind this module finds, and how a scan builds its recognizer ---
register_kind(KindSpec("EMAIL", order=20, mask=operator("mask_email"), fake=operator("fake_email")))
register_recognizer("email", 20, lambda config: [EmailRecognizer()])
