"""IP addresses: IPv4 with strict octets and dotted-number boundaries, IPv6 validated by :mod:`ipaddress`.

Dotted numbers in chat are mostly versions (``v1.2.3.4``, ``10.0.19041.1``), so a match must not be part of a longer
dotted number and is dropped after a version word. Colon runs are mostly times (``12:30:45``) and MAC addresses, so
an IPv6 candidate needs three or more colons and must parse.
"""
from __future__ import annotations

import ipaddress
import re

from lib.pii.kinds import KindSpec, operator, register_kind, register_recognizer
from lib.pii.base import SCORE_CONTEXT, SCORE_PATTERN, SCORE_WEAK, Hit

_DIGIT = re.compile(r"[0-9]")  # the cheap gate: an address without digits is not worth a scan
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
# The address must not continue a longer dotted number or hex word. ASCII letters right before it are allowed only
# when they spell an IP word ("服务器IP119.38.149.226"), see _glued_ok.
_IPV4 = re.compile(
    r"(?<![0-9.])" + _OCTET + r"(?:\." + _OCTET + r"){3}(?![0-9A-Za-z]|\.[0-9])")
_IPV6 = re.compile(
    r"(?<![0-9A-Fa-f:.])"
    r"(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|:|(?:[0-9]{1,3}\.){3}[0-9]{1,3})?"
    r"(?![0-9A-Za-z:]|\.[0-9])")
_VERSION = re.compile(r"(?:(?<![A-Za-z])(?:v|ver|version|build|release)\.?|版本号?|内核)[ ]?[:：]?[ ]?$", re.IGNORECASE)
_CONTEXT = re.compile(
    r"(?<![A-Za-z])(?:ip|ips|ipv4|ipv6|address|addr|server|host|proxy|gateway|dns|ping|ssh|connect)(?![A-Za-z])"
    r"|IP地址|地址|服务器|主机|网关|代理",
    re.IGNORECASE,
)
_WINDOW = 20
_LETTERS_BEFORE = re.compile(r"[A-Za-z]{1,8}$")
_GLUED_WORD = re.compile(r"ip|ips|ipv[46]|ip[:=]|host|server|addr", re.IGNORECASE)


def _glued_ok(text: str, start: int) -> bool:
    """True unless the address is glued to ASCII letters other than an IP word (``v1.2.3.4``, ``a10.0.0.1``)."""
    letters = _LETTERS_BEFORE.search(text, max(0, start - 8), start)
    return letters is None or _GLUED_WORD.fullmatch(letters.group(0)) is not None


def _context(text: str, start: int) -> str | None:
    found = None
    for found in _CONTEXT.finditer(text, max(0, start - _WINDOW), start):
        pass
    return found.group(0) if found else None


def _kind_note(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if addr.is_loopback:
        return "loopback"
    if addr.is_unspecified:
        return "unspecified"
    if addr.is_private:
        return "private"
    return "public"


class IpRecognizer:
    """IP: IPv4 and IPv6 addresses. ``norm`` is the canonical form (``ipaddress`` compresses IPv6)."""

    kinds = ("IP",)
    needs = "digit"  # the analyzer skips lines without this (lib.pii.analyzer.GATES)

    def analyze(self, text: str) -> list[Hit]:
        if not _DIGIT.search(text):
            return []
        hits: list[Hit] = []
        if "." in text:
            for m in _IPV4.finditer(text):
                if not _glued_ok(text, m.start()) or _VERSION.search(text, max(0, m.start() - 10), m.start()):
                    continue
                hits.append(self._hit(text, m.start(), m.end(), ipaddress.IPv4Address(m.group(0)), "IPv4"))
        if text.count(":") >= 3:
            for m in _IPV6.finditer(text):
                value = m.group(0)
                if value.count(":") < 3 or not _glued_ok(text, m.start()):
                    continue
                try:
                    addr = ipaddress.IPv6Address(value)
                except ValueError:
                    continue
                hits.append(self._hit(text, m.start(), m.end(), addr, "IPv6"))
        return hits

    @staticmethod
    def _hit(text: str, start: int, end: int, addr: ipaddress.IPv4Address | ipaddress.IPv6Address,
             family: str) -> Hit:
        note = _kind_note(addr)
        word = _context(text, start)
        if word:
            return Hit("IP", start, end, SCORE_CONTEXT, f"{family} ({note}); context: {word}", str(addr))
        if end - start == 7 and not addr.is_unspecified:  # 1.2.3.4: a section or version number, more often
            return Hit("IP", start, end, SCORE_WEAK, f"{family} ({note}), single-digit parts and no context",
                       str(addr))
        return Hit("IP", start, end, SCORE_PATTERN, f"{family} ({note})", str(addr))


# --- registration (lib/pii/kinds.py): the kind this module finds, and how a scan builds its recognizer ---
register_kind(KindSpec("IP", order=60, mask=operator("mask_ip"), fake=operator("fake_ip")))
register_recognizer("ip", 60, lambda config: [IpRecognizer()])
