"""The check digits PII numbers carry: recognizers validate with them, surrogates are made to pass them.

One place for each algorithm, so a fake ID or card is valid by exactly the rule that detects a real one.
"""
from __future__ import annotations

GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
GB11643_CHECK = "10X98765432"


def gb11643_check_char(first17: str) -> str:
    """GB 11643 check character (ISO 7064 MOD 11-2) for the first 17 digits of a resident ID."""
    return GB11643_CHECK[sum(int(d) * w for d, w in zip(first17, GB11643_WEIGHTS)) % 11]


def gb11643_check_ok(value: str) -> bool:
    """An 18-character ID (no spaces) whose last character matches its first 17 digits."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    return gb11643_check_char(value[:17]) == value[17].upper()


def _luhn_sum(number: str, double_even: bool) -> int:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = ord(ch) - 48
        if (i % 2 == 0) == double_even:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total


def luhn_ok(number: str) -> bool:
    """The Luhn (mod 10) check every card number carries in its last digit (``number``: ASCII digits only)."""
    return _luhn_sum(number, double_even=False) % 10 == 0


def luhn_check_digit(payload: str) -> str:
    """The digit that makes ``payload + digit`` pass :func:`luhn_ok`."""
    return str(-_luhn_sum(payload, double_even=True) % 10)


def iban_number(s: str) -> int:
    """Letters to 10..35, digits as they are, read as one integer (ISO 13616). Raises ValueError on other chars."""
    return int("".join(str(int(ch, 36)) for ch in s.upper()))


def iban_ok(value: str) -> bool:
    """ISO 13616 mod-97 of an IBAN without spaces: the first four chars moved to the end, mod 97 must be 1."""
    try:
        return len(value) > 4 and iban_number(value[4:] + value[:4]) % 97 == 1
    except ValueError:
        return False
