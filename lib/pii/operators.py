"""The operator side of redaction: what replaces a detected value.

Design after Presidio's anonymizer operators (``replace``, ``mask``, a surrogate operator), in three modes:

* ``placeholder`` -- ``<PHONE_1>``: numbered per value, so a conversation still says *which* phone came back.
* ``mask`` -- ``138****5678``: keeps the shape a reader expects, hides the identifying middle.
* ``surrogate`` -- a realistic fake (``139 0571 2046``, ``王芳``) so a fine-tuned model sees natural text, not tags.

Two invariants hold for masks and surrogates of every kind: the output differs from the value, and no run of five or
more consecutive digits of the value survives in it (separators such as spaces or dots do not break a run: see
:func:`leaks`). Surrogates are also kind-valid where a checksum exists (GB 11643, Luhn, IBAN mod-97, CN mobile
prefixes) so that a downstream recognizer, or a reader, does not trip over obviously broken numbers.

:func:`apply` replaces spans in one pass; which spans and which replacement is the analyzer's and redactor's business.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import ipaddress
import random
import re
import string
from collections.abc import Callable

import phonenumbers

from lib.pii import kinds
from lib.pii.base import default_norm, digits, fold_width
from lib.pii.checksums import (
    gb11643_check_char,
    iban_number,
    iban_ok,
    luhn_check_digit,
    luhn_ok,
)

MODES: tuple[str, ...] = ("placeholder", "mask", "surrogate")

# ---------------------------------------------------------------------------------------------------------------------
# shared helpers

_SEPARATORS = re.compile(r"[\s\-.()+/]")
_DIGIT_RUN5 = re.compile(r"[0-9]{5,}")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LOWER_ALNUM = string.ascii_lowercase + string.digits
_MAX_TRIES = 64


def _grams(value: str, n: int = 5) -> set[str]:
    d = digits(value)
    return {d[i:i + n] for i in range(len(d) - n + 1)}


def leaks(value: str, out: str) -> bool:
    """True when ``out`` contains five consecutive digits of ``value``.

    The value's digits are taken together (``138 1234 5678`` is ``13812345678``), and in ``out`` separators (spaces,
    ``-``, ``.``, ``(``, ``)``, ``+``, ``/``) are ignored, so ``123 45…`` counts as ``12345``; a star or a letter does
    break a run. This is the leak check of pii.md §7 (which asks for 7) made stricter: half a phone number left in the
    output is still a phone number.
    """
    grams = _grams(value)
    if not grams:
        return False
    for run in _DIGIT_RUN5.findall(_SEPARATORS.sub("", fold_width(out))):
        if any(run[i:i + 5] in grams for i in range(len(run) - 4)):
            return True
    return False


def _is_ascii_digit(ch: str) -> bool:
    return "0" <= ch <= "9"


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _refill(template: str, new: str, pred: Callable[[str], bool] = _is_ascii_alnum) -> str:
    """``new`` written into the positions of ``template`` where ``pred`` holds, separators kept (``138 1234 5678``
    with ``13905712046`` gives ``139 0571 2046``). When the counts differ, ``new`` as is."""
    chars = list(fold_width(template))
    slots = [i for i, ch in enumerate(chars) if pred(ch)]
    if len(slots) != len(new):
        return new
    for i, ch in zip(slots, new):
        chars[i] = ch
    return "".join(chars)


def _keep_ends(value: str, first: int, last: int, pred: Callable[[str], bool]) -> str:
    """Every character where ``pred`` holds becomes ``*`` except the first ``first`` and the last ``last`` of them;
    everything else (separators) stays."""
    chars = list(fold_width(value))
    slots = [i for i, ch in enumerate(chars) if pred(ch)]
    n = len(slots)
    for k, i in enumerate(slots):
        if first <= k < n - last:
            chars[i] = "*"
    return "".join(chars)


def _rand_digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _rand_alnum(rng: random.Random, n: int, alphabet: str = _LOWER_ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


# ---------------------------------------------------------------------------------------------------------------------
# placeholder


def placeholder(kind: str, index: int) -> str:
    """``<PHONE_1>``: the same value keeps the same index across a workspace, so a reader (and the model) can still
    tell that two messages mention the same phone without learning the number."""
    return f"<{kind}_{index}>"


# ---------------------------------------------------------------------------------------------------------------------
# mask

_LONG_MASK = 12  # longer "everything else" values become a fixed ******: the length itself can be telling
_CN_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def _cn_mobile_split(value: str) -> tuple[str, str] | None:
    """(country prefix digits, 11-digit national) when ``value`` is a Chinese mobile (``+86``/``0086``/``86`` or none),
    else None."""
    v = fold_width(value).strip()
    d = digits(v)
    if v.startswith("+"):
        prefixes: tuple[str, ...] = ("86",)  # +1 415… has 11 digits starting with 14 too: the country code decides
    elif d.startswith("00"):
        prefixes = ("0086",)
    else:
        prefixes = ("", "86")
    for prefix in prefixes:
        national = d[len(prefix):]
        if d.startswith(prefix) and _CN_MOBILE.fullmatch(national):
            return prefix, national
    return None


def mask_phone(value: str) -> str:
    v = fold_width(value).strip()
    cn = _cn_mobile_split(v)
    if cn is not None:
        # The national part alone (``+86 `` dropped): ``+86138****5678`` would keep ``86138``, five original digits.
        prefix, _ = cn
        seen, start = 0, 0
        for i, ch in enumerate(v):
            if _is_ascii_digit(ch):
                if seen == len(prefix):
                    start = i
                    break
                seen += 1
        return _keep_ends(v[start:], 3, 4, _is_ascii_digit)
    n = len(digits(v))
    keep = min(2, (n - 1) // 4) if n else 0
    return _keep_ends(v, keep, keep, _is_ascii_digit)


def mask_email(value: str) -> str:
    v = fold_width(value).strip()
    local, at, domain = v.rpartition("@")
    if not at or not local:
        return _mask_other(value)
    domain = _DIGIT_RUN5.sub(lambda m: "*" * len(m.group(0)), domain)
    return f"{local[0]}***@{domain}"


def mask_card(value: str) -> str:
    v = fold_width(value).strip()
    if len(v) >= 2 and v[:2].isascii() and v[:2].isalpha():  # IBAN: country letters and the last four stay
        return _keep_ends(v, 2, 4, _is_ascii_alnum)
    d = digits(v)
    if len(d) <= 4:
        return "*" * len(v)
    if len(d) != len(v):  # written with separators: keep them
        return _keep_ends(v, 0, 4, _is_ascii_digit)
    stars = "*" * (len(d) - 4)
    groups = [stars[max(0, i - 4):i] for i in range(len(stars), 0, -4)][::-1]  # groups of four from the right
    return " ".join(groups + [d[-4:]])


def mask_ip(value: str) -> str:
    v = fold_width(value).strip()
    if ":" in v:
        try:
            first = ipaddress.IPv6Address(v.split("%")[0]).exploded.split(":")[0]
        except ValueError:
            return _mask_other(value)
        return (v.split(":")[0] or first) + ":*" * 7
    parts = v.split(".")
    if len(parts) < 2:
        return _mask_other(value)
    return parts[0] + ".*" * (len(parts) - 1)


def mask_person(value: str) -> str:
    v = fold_width(value).strip()
    if len(v) <= 1:
        return "*"
    return v[0] + "".join(ch if ch.isspace() else "*" for ch in v[1:])


def mask_ssn(value: str) -> str:
    # the usual ``***-**-6789``: the last four alone identify nobody
    return _keep_ends(value, 0, 4, _is_ascii_digit)


def _mask_other(value: str) -> str:
    return "*" * len(value) if len(value) <= _LONG_MASK else "******"


def mask_cn_id(value: str) -> str:
    return _keep_ends(value, 3, 1, _is_ascii_alnum)


def mask(kind: str, value: str) -> str:
    """The value with its identifying middle starred out, shape kept (``138****5678``, ``x***@example.com``,
    ``**** **** **** 7894``, ``10.*.*.*``, ``张*``): for exports that should still read like the original."""
    spec = kinds.spec(kind)
    out = (spec.mask if spec is not None and spec.mask is not None else _mask_other)(value)
    if out == value or leaks(value, out):  # defensive: never hand back the value or a run of its digits
        stars = "*" * len(value)
        out = stars if stars != value else stars + "*"
    return out


# ---------------------------------------------------------------------------------------------------------------------
# surrogate: built-in lists (no Faker dependency: it is large, and its output changes between versions, which would
# change every exported fake)

_CN_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚"
                "卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔汤")
_CN_GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红玲芬燕彬"
              "宇浩凯鹏晨欣怡婷雪琳瑶嘉俊博文轩涵雨梓睿思宁佳诗")
_EN_FIRST = ("James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
             "David", "Susan", "Richard", "Jessica", "Joseph", "Sarah", "Thomas", "Karen", "Daniel", "Emily", "Matthew",
             "Olivia", "Andrew", "Sophia", "Ryan", "Chloe", "Kevin", "Grace", "Brian", "Hannah")
_EN_LAST = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
            "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Hall", "Young",
            "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Carter")

# (province, city, districts): consistent triples, so a fake never puts 鼓楼区 in 广州市. A municipality has no
# province.
_CN_PLACES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("江苏省", "南京市", ("鼓楼区", "玄武区", "秦淮区", "建邺区")),
    ("浙江省", "杭州市", ("西湖区", "上城区", "拱墅区", "滨江区")),
    ("广东省", "广州市", ("天河区", "越秀区", "海珠区", "白云区")),
    ("广东省", "深圳市", ("南山区", "福田区", "罗湖区", "宝安区")),
    ("四川省", "成都市", ("武侯区", "锦江区", "青羊区", "成华区")),
    ("湖北省", "武汉市", ("武昌区", "江汉区", "洪山区", "汉阳区")),
    ("山东省", "青岛市", ("市南区", "市北区", "崂山区", "黄岛区")),
    ("陕西省", "西安市", ("雁塔区", "碑林区", "莲湖区", "未央区")),
    ("", "北京市", ("朝阳区", "海淀区", "东城区", "西城区")),
    ("", "上海市", ("浦东新区", "徐汇区", "静安区", "黄浦区")),
)
_CN_ROADS = ("中山路", "人民路", "解放路", "建设路", "和平路", "长江路", "文化路", "新华路", "青年路", "胜利路",
             "学府路")
_CN_UNIT_HINT = re.compile(r"栋|幢|单元|室|楼")
_EN_STREETS = ("Maple", "Oak", "Cedar", "Pine", "Elm", "Willow", "Birch", "Lake", "Hill", "Park", "River", "Sunset")
_EN_SUFFIXES = ("Street", "Avenue", "Road", "Lane", "Drive", "Court")
_EN_CITIES = ("Springfield", "Riverside", "Fairview", "Greenville", "Franklin", "Madison")

# Real district codes (GB/T 2260), so a fake ID's first six digits look like a place.
_CN_REGIONS = ("110101", "110105", "110108", "120101", "310101", "310104", "310115", "320102", "320106", "330106",
               "350203", "370202", "420106", "430104", "440106", "440304", "440305", "500103", "510107", "610113")
_BIRTH_FIRST = _dt.date(1960, 1, 1).toordinal()
_BIRTH_LAST = _dt.date(2004, 12, 31).toordinal()

# CN mobile prefixes phonenumbers (9.0.x) accepts for every following 8 digits (pii.md §3; 161 and 174 only partly).
_CN_MOBILE_PREFIXES = tuple(str(p) for p in (
    *range(130, 140), 145, 147, 150, 151, 152, 153, 155, 156, 157, 158, 159, 162, 165, 166, 167, 170, 171, 172, 173,
    175, 176, 177, 178, *range(180, 190), 190, 191, 192, 193, 195, 196, 197, 198, 199))

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O on Chinese plates
_PLATE_SEPARATORS = "·・•. -"
_DOC_V4 = ("192.0.2.", "198.51.100.")  # RFC 5737 documentation ranges: never anybody's address


def luhn_valid(number: str) -> bool:
    """Luhn checksum over the digits of ``number`` (separators allowed)."""
    return luhn_ok(digits(number))


def iban_valid(value: str) -> bool:
    """ISO 13616 mod-97 check of an IBAN (spaces allowed)."""
    s = re.sub(r"\s", "", fold_width(value))
    return s.isascii() and s.isalnum() and iban_ok(s)


def _rng(salt: str, kind: str, value: str, attempt: int) -> random.Random:
    seed = "\x1f".join((salt, kind, default_norm(value), str(attempt))).encode("utf-8")
    return random.Random(int.from_bytes(hashlib.sha256(seed).digest()[:8], "big"))


def _country_code_len(d: str) -> int:
    """Length of the ITU country code at the start of ``d`` (codes are prefix-free), 0 if none."""
    for n in (1, 2, 3):
        if d[:n].isdigit() and int(d[:n]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return n
    return 0


def fake_phone(value: str, rng: random.Random) -> str:
    v = fold_width(value).strip()
    if v.startswith("00"):
        v = "+" + v[2:]  # 0086…/00852… kept as written would keep 00861/00852, five original digits, every time
    cn = _cn_mobile_split(v)
    if cn is not None:
        prefix, _ = cn
        national = rng.choice(_CN_MOBILE_PREFIXES) + _rand_digits(rng, 8)
        return _refill(v, prefix + national, _is_ascii_digit)
    d = digits(v)
    if v.startswith("+"):
        keep = _country_code_len(d)
    elif d.startswith("0"):
        keep = 1  # a trunk prefix is shape, not identity
    else:
        keep = 0
    keep = max(0, min(keep, len(d) - 4))
    rest = len(d) - keep
    new = d[:keep] + (str(rng.randint(1, 9)) + _rand_digits(rng, rest - 1) if rest else "")
    return _refill(v, new, _is_ascii_digit)


def valid_phone(value: str, fake: str) -> bool:
    cn = _cn_mobile_split(fake)
    if _cn_mobile_split(value) is None:
        return True
    return cn is not None and phonenumbers.is_valid_number(phonenumbers.parse(cn[1], "CN"))


def fake_email(value: str, rng: random.Random) -> str:
    return f"{rng.choice(_EN_FIRST).lower()}{rng.randint(1000, 9999)}@{rng.choice(('example.com', 'example.org'))}"


def fake_cn_id(value: str, rng: random.Random) -> str:
    n = sum(1 for ch in fold_width(value) if _is_ascii_alnum(ch))
    birth = _dt.date.fromordinal(rng.randint(_BIRTH_FIRST, _BIRTH_LAST))
    region, seq = rng.choice(_CN_REGIONS), _rand_digits(rng, 3)
    if n == 15:  # legacy GB 11643-1989 ID: YYMMDD, no check character
        return _refill(value, region + birth.strftime("%y%m%d") + seq)
    body = region + birth.strftime("%Y%m%d") + seq
    return _refill(value, body + gb11643_check_char(body))


def fake_ssn(value: str, rng: random.Random) -> str:
    # area 9xx is never issued as an SSN (it is the ITIN range), so the fake cannot be a real person's number
    new = f"9{_rand_digits(rng, 2)}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
    if len(digits(value)) == 9:
        return _refill(value, new, _is_ascii_digit)
    return f"{new[:3]}-{new[3:5]}-{new[5:]}"


def fake_card(value: str, rng: random.Random) -> str:
    v = fold_width(value).strip()
    if len(v) >= 2 and v[:2].isascii() and v[:2].isalpha():
        return _fake_iban(v, rng)
    d = digits(v)
    if len(d) < 3:
        return _refill(v, _rand_digits(rng, len(d)), _is_ascii_digit)
    payload = d[:2] + _rand_digits(rng, len(d) - 3)  # the network prefix (62 UnionPay, 4 Visa…) is not identity
    return _refill(v, payload + luhn_check_digit(payload), _is_ascii_digit)


def _fake_iban(v: str, rng: random.Random) -> str:
    compact = re.sub(r"[^0-9A-Za-z]", "", v).upper()
    country, bban = compact[:2], compact[4:]
    fake_bban = "".join(rng.choice(string.digits) if ch.isdigit() else rng.choice(string.ascii_uppercase)
                        for ch in bban)
    check = 98 - iban_number(fake_bban + country + "00") % 97
    return _refill(v, f"{country}{check:02d}{fake_bban}")


def valid_card(value: str, fake: str) -> bool:
    v = fold_width(value).strip()
    if len(v) >= 2 and v[:2].isascii() and v[:2].isalpha():
        return iban_valid(fake)
    return len(digits(v)) < 3 or luhn_valid(fake)


def fake_ip(value: str, rng: random.Random) -> str:
    v = fold_width(value).strip()
    if ":" in v:
        groups = [f"{rng.randint(0, 0xFFFF):x}" for _ in range(6)]
        return str(ipaddress.IPv6Address("2001:db8:" + ":".join(groups)))
    return f"{rng.choice(_DOC_V4)}{rng.randint(1, 254)}"


def fake_qq(value: str, rng: random.Random) -> str:
    n = len(digits(value)) or 9
    return str(rng.randint(1, 9)) + _rand_digits(rng, n - 1)


def fake_wechat(value: str, rng: random.Random) -> str:
    v = fold_width(value).strip()
    if v.lower().startswith("wxid_"):
        return "wxid_" + _rand_alnum(rng, max(len(v) - 5, 6))
    return rng.choice(string.ascii_lowercase) + _rand_alnum(rng, max(len(v), 6) - 1)


def fake_plate(value: str, rng: random.Random) -> str:
    v = fold_width(value).strip()
    province = v[0] if v and v[0] in _PROVINCES else rng.choice(_PROVINCES)
    sep = v[2] if len(v) > 2 and v[2] in _PLATE_SEPARATORS else ""
    tail_len = len(v) - 2 - len(sep)
    if tail_len == 6:  # new-energy plate: D/F + five digits
        tail = rng.choice("DF") + _rand_digits(rng, 5)
    else:
        while True:
            tail = "".join(rng.choice(string.digits) if rng.random() < 0.7 else rng.choice(_PLATE_LETTERS)
                           for _ in range(5))
            if sum(ch.isdigit() for ch in tail) >= 2:  # what the plate recognizer asks of an ordinary plate
                break
    return province + rng.choice(_PLATE_LETTERS) + sep + tail


def fake_passport(value: str, rng: random.Random) -> str:
    v = fold_width(value).strip()
    letters = re.match(r"[A-Za-z]*", v).group(0)
    return letters + _rand_digits(rng, max(len(v) - len(letters), 1))


def fake_person(value: str, rng: random.Random) -> str:
    v = fold_width(value).strip()
    if _CJK.search(v):
        n = len(v) if 2 <= len(v) <= 3 else rng.choice((2, 3))
        return rng.choice(_CN_SURNAMES) + "".join(rng.choice(_CN_GIVEN) for _ in range(n - 1))
    name = rng.choice(_EN_FIRST)
    if " " in v:
        name += " " + rng.choice(_EN_LAST)
    return name.lower() if v.islower() else name.upper() if v.isupper() and len(v) > 1 else name


def fake_address(value: str, rng: random.Random) -> str:
    if _CJK.search(value):
        province, city, districts = rng.choice(_CN_PLACES)
        out = f"{province}{city}{rng.choice(districts)}{rng.choice(_CN_ROADS)}{rng.randint(1, 999)}号"
        if _CN_UNIT_HINT.search(value):
            out += f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(1, 30)}0{rng.randint(1, 6)}室"
        return out
    out = f"{rng.randint(1, 9999)} {rng.choice(_EN_STREETS)} {rng.choice(_EN_SUFFIXES)}"
    if "," in value:
        out += ", " + rng.choice(_EN_CITIES)
    return out


def fake_url(value: str, rng: random.Random) -> str:
    m = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", fold_width(value).strip())
    path = _rand_alnum(rng, 8)
    return f"{m.group(1)}://example.com/{path}" if m else f"example.com/{path}"


def fake_secret(value: str, rng: random.Random) -> str:
    """Same length and character classes (a 6-digit code stays a 6-digit code), punctuation kept in place."""
    out = []
    for ch in fold_width(value):
        if _is_ascii_digit(ch):
            out.append(rng.choice(string.digits))
        elif ch.isascii() and ch.isupper():
            out.append(rng.choice(string.ascii_uppercase))
        elif ch.isascii() and ch.islower():
            out.append(rng.choice(string.ascii_lowercase))
        else:
            out.append(ch)
    return "".join(out)




def surrogate(kind: str, value: str, salt: str) -> str:
    """A realistic fake for ``value``, deterministic per (salt, kind, normalised value).

    Deterministic so the same person keeps the same fake name (and the same phone the same fake number) across a
    whole conversation and every export: the model sees a consistent world, not a new stranger in every line. Salted
    per workspace so fakes cannot be linked across workspaces, nor reversed by hashing guessed values without the
    salt. A fake that equals the value, keeps five of its digits or fails its kind's checksum is drawn again (the
    attempt number is part of the seed, so that stays deterministic too). CUSTOM (an owner's term has no shape to
    imitate) and unknown kinds become ``<KIND>``.
    """
    spec = kinds.spec(kind)
    fake = spec.fake if spec is not None else None
    if fake is None:
        return f"<{kind}>"
    valid = spec.valid
    norm = default_norm(value)
    for attempt in range(_MAX_TRIES):
        out = fake(value, _rng(salt, kind, value, attempt))
        if default_norm(out) == norm or leaks(value, out):
            continue
        if valid is not None and not valid(value, out):
            continue
        return out
    return f"<{kind}>"  # practically unreachable: 64 draws that all collide


# ---------------------------------------------------------------------------------------------------------------------
# dispatch and application


def replacement(kind: str, value: str, mode: str, index: int, salt: str) -> str:
    """The replacement of one value under ``mode`` (one of :data:`MODES`)."""
    if mode == "placeholder":
        return placeholder(kind, index)
    if mode == "mask":
        return mask(kind, value)
    if mode == "surrogate":
        return surrogate(kind, value, salt)
    raise ValueError(f"unknown replacement mode: {mode!r} (expected one of {', '.join(MODES)})")


def apply(text: str, spans: list[tuple[int, int, str]]) -> str:
    """``text`` with each ``(start, end, replacement)`` span replaced, in one pass over the text.

    Spans may come in any order but must not overlap (resolving overlaps is the analyzer's job, and guessing here
    could leave a fragment of a value behind), so an overlap or a span outside the text raises ValueError.
    """
    out: list[str] = []
    pos = 0
    for start, end, rep in sorted(spans, key=lambda s: (s[0], s[1])):
        if not 0 <= start <= end <= len(text):
            raise ValueError(f"span ({start}, {end}) out of range for a text of length {len(text)}")
        if start < pos:
            raise ValueError(f"span ({start}, {end}) overlaps the previous span ending at {pos}")
        out.append(text[pos:start])
        out.append(rep)
        pos = end
    out.append(text[pos:])
    return "".join(out)
