"""Bank cards (12-19 digits, Luhn and issuer prefix) and IBANs (mod-97), both as BANK_CARD.

Chinese chats carry 19-digit UnionPay debit cards glued to ``卡号``, which Presidio's 13-17 digit ``\\b`` regex never
sees. Long digit runs are also order, parcel and transaction numbers and millisecond timestamps, so a negative word
(``订单号``, ``tracking``) nearer than any card word vetoes the candidate, whatever its checksum says.
"""
from __future__ import annotations

import re

from lib.pii.kinds import KindSpec, operator, register_kind, register_recognizer
from lib.pii.base import SCORE_CONTEXT, SCORE_VALIDATED, SCORE_WEAK, Hit
from lib.pii.checksums import iban_ok, luhn_ok
from lib.pii.recognizers.cn_id import id_context, is_valid_cn_id, looks_like_cn_id

_DIGIT = re.compile(r"[0-9]")  # the cheap gate: most chat lines have no digits
# A run of 12+ digits, groups joined by single spaces or hyphens, not touching ASCII letters/digits, not a decimal.
_RUN = re.compile(r"(?<![0-9A-Za-z.,_-])[0-9](?:[ -]?[0-9]){11,}(?![0-9A-Za-z_]|[.,][0-9])")
_GROUP = re.compile(r"[0-9]+")

_IBAN_GATE = re.compile(r"[A-Za-z]{2}[0-9]{2}")
_IBAN = re.compile(
    r"(?<![0-9A-Za-z])([A-Za-z]{2}[0-9]{2}(?:[A-Za-z0-9]{11,30}|(?:[ ][A-Za-z0-9]{4}){2,7}(?:[ ][A-Za-z0-9]{1,3})?))"
    r"(?![0-9A-Za-z])")
_IBAN_WORD = re.compile(r"iban", re.IGNORECASE)
# Country code -> IBAN length, after the SWIFT IBAN registry (an unlisted country needs the word IBAN nearby).
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "BY": 28,
    "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
    "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19,
    "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}

_CARD_WORDS = re.compile(
    r"卡号|银行卡|账号|帐号|转账|储蓄卡|信用卡|借记卡|银联|(?<![A-Za-z])(?:card|cc(?![a-z])|account|acct|visa|"
    r"mastercard|amex|debit|credit)",
    re.IGNORECASE,
)
_NEGATIVE_WORDS = re.compile(
    r"订单|单号|快递|运单|物流|流水号|交易号|订单号|工单|批次|(?<![A-Za-z])(?:order|tracking|invoice|parcel|shipment|"
    r"transaction id|txn|ref(?![a-z])|reference)",
    re.IGNORECASE,
)
_WINDOW = 16
_EPOCH_MS = re.compile(r"1[3-9][0-9]{11}")

# (prefix, issuer) pairs, longest prefixes first so the reason names the most specific issuer.
_ISSUERS: tuple[tuple[tuple[int, int, int], str], ...] = (
    ((4, 2221, 2720), "Mastercard"), ((4, 2131, 2131), "JCB"), ((4, 1800, 1800), "JCB"),
    ((2, 62, 62), "UnionPay"), ((2, 51, 55), "Mastercard"), ((2, 34, 34), "Amex"), ((2, 37, 37), "Amex"),
    ((2, 35, 35), "JCB"), ((2, 30, 30), "Diners"), ((2, 36, 36), "Diners"), ((2, 38, 39), "Diners"),
    ((2, 50, 50), "Maestro"), ((2, 56, 59), "Maestro"), ((2, 60, 69), "Discover/UnionPay/Maestro"),
    ((1, 4, 4), "Visa"),
)


def issuer(number: str) -> str | None:
    """The card network a number's leading digits belong to, or None for no plausible issuer."""
    for (width, low, high), name in _ISSUERS:
        if low <= int(number[:width]) <= high:
            return f"{name} {number[:width]}"
    return None


def _maestro(number: str) -> bool:
    return number[:2] == "50" or 56 <= int(number[:2]) <= 69


def _longest(text: str, groups: list[tuple[int, int]], i: int, valid: bool) -> int | None:
    """End index k of the longest ``groups[i:k]`` with 12-19 digits (and, if ``valid``, Luhn ok + an issuer)."""
    total, j = 0, i
    while j < len(groups) and total + groups[j][1] - groups[j][0] <= 19:
        total += groups[j][1] - groups[j][0]
        j += 1
    for k in range(j, i, -1):
        number = "".join(text[s:e] for s, e in groups[i:k])
        if len(number) < 12:
            return None
        if not valid or (luhn_ok(number) and issuer(number)):
            return k
    return None


def _nearest(pattern: re.Pattern[str], text: str, start: int) -> tuple[int, str] | None:
    """(end position, word) of the last ``pattern`` match in the window before ``start``."""
    found = None
    for found in pattern.finditer(text, max(0, start - _WINDOW), start):
        pass
    return (found.end(), found.group(0)) if found else None


class BankCardRecognizer:
    """BANK_CARD: card numbers (Luhn + issuer, or card context) and IBANs. ``norm`` is the digits / the bare IBAN."""

    kinds = ("BANK_CARD",)
    needs = "digit"  # the analyzer skips lines without this (lib.pii.analyzer.GATES)

    def analyze(self, text: str) -> list[Hit]:
        if not _DIGIT.search(text):
            return []
        hits: list[Hit] = []
        for m in _RUN.finditer(text):
            hits.extend(self._cards(text, m))
        if _IBAN_GATE.search(text):
            hits.extend(self._ibans(text))
        return hits

    def _cards(self, text: str, m: re.Match[str]) -> list[Hit]:
        """Cards in one run of digit groups. The longest Luhn-valid card from each group wins ("卡号 6222 0212 3456
        7894 2024年" ends at 7894; two cards side by side are two hits); failing that, the longest 12-19 digit prefix
        of the run is scored on context alone."""
        groups = [(g.start(), g.end()) for g in _GROUP.finditer(text, m.start(), m.end())]
        out: list[Hit] = []
        i, unclaimed_from = 0, 0
        while i < len(groups):
            k = _longest(text, groups, i, valid=True)
            if k is None and i == unclaimed_from:
                k = _longest(text, groups, i, valid=False)
            if k is not None:
                hit = self._score(text, groups[i][0], groups[k - 1][1], "".join(text[s:e] for s, e in groups[i:k]))
                if hit:
                    out.append(hit)
                    i = unclaimed_from = k
                    continue
            i += 1
        return out

    @staticmethod
    def _score(text: str, start: int, end: int, number: str) -> Hit | None:
        card = _nearest(_CARD_WORDS, text, start)
        negative = _nearest(_NEGATIVE_WORDS, text, start)
        if negative and (card is None or negative[0] >= card[0]):
            return None  # order / parcel / transaction number
        if card is None and len(number) == 13 and _EPOCH_MS.fullmatch(number):
            return None  # a millisecond timestamp
        if len(number) == 18 and (is_valid_cn_id(number) or (looks_like_cn_id(number) and id_context(text, start))):
            return None  # a resident ID; CnIdRecognizer reports it
        context = f"; context: {card[1]}" if card else ""
        valid = luhn_ok(number)
        network = issuer(number)
        if valid and network:
            if len(number) == 12 and not card and not _maestro(number):
                return Hit("BANK_CARD", start, end, SCORE_WEAK, f"Luhn ok, {network}; 12 digits without context",
                           number)
            return Hit("BANK_CARD", start, end, SCORE_VALIDATED, f"Luhn ok, {network}{context}", number)
        if card:
            why = "Luhn ok, no known issuer" if valid else "Luhn failed"
            return Hit("BANK_CARD", start, end, SCORE_CONTEXT, f"{why}; context: {card[1]}", number)
        if number.startswith("62") and len(number) >= 16:
            return Hit("BANK_CARD", start, end, SCORE_CONTEXT, "Luhn failed, but a 16-19 digit UnionPay 62 number",
                       number)
        return None

    @staticmethod
    def _ibans(text: str) -> list[Hit]:
        out: list[Hit] = []
        for m in _IBAN.finditer(text):
            value = m.group(1).replace(" ", "").upper()
            expected = _IBAN_LENGTHS.get(value[:2])
            if expected is not None and expected != len(value):
                continue
            if not iban_ok(value):
                continue
            if expected is None and not _IBAN_WORD.search(text, max(0, m.start() - _WINDOW), m.start()):
                continue  # unknown country: only with the word IBAN next to it
            out.append(Hit("BANK_CARD", m.start(), m.end(), SCORE_VALIDATED, f"IBAN mod-97 ok ({value[:2]})", value))
        return out


# --- registration (lib/pii/kinds.py): the kind this module finds, and how a scan builds its recognizer ---
register_kind(KindSpec("BANK_CARD", order=50, mask=operator("mask_card"), fake=operator("fake_card"),
                       valid=operator("valid_card")))
register_recognizer("bank_card", 50, lambda config: [BankCardRecognizer()])
