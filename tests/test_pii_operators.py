"""Operators: placeholders, masks, surrogates and span application.

The two invariants every mask and surrogate must keep (the output differs from the value, and no five consecutive
digits of the value survive in it) are checked over a few hundred random values of every kind, generated here with
a fixed seed; kind-specific validity (GB 11643, Luhn, IBAN mod-97, phonenumbers, documentation IP ranges) likewise.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import os
import random
import re
import string
import subprocess
import sys

import phonenumbers
import pytest

from lib.pii.base import KINDS, digits, fold_width
from lib.pii.operators import MODES, apply, mask, placeholder, replacement, surrogate

SALT = "test-salt"
N = 200
_rnd = random.Random(20240601)


# --- independent reference implementations -----------------------------------------------------------------------

def leaked(value: str, out: str) -> bool:
    """Five consecutive digits of value (separators in value ignored) inside a digit run of out (separators ignored)."""
    d = digits(value)
    grams = {d[i:i + 5] for i in range(len(d) - 4)}
    runs = re.findall(r"[0-9]{5,}", re.sub(r"[\s\-.()+/]", "", fold_width(out)))
    return any(run[i:i + 5] in grams for run in runs for i in range(len(run) - 4))


def id_valid(s: str) -> bool:
    s = s.replace(" ", "")
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return len(s) == 18 and s[:17].isdigit() and "10X98765432"[sum(int(a) * w for a, w in zip(s,
                                                                                              weights)) % 11] == s[17]


def luhn(s: str) -> bool:
    ds = [int(c) for c in s if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(ds)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_ok(s: str) -> bool:
    s = s.replace(" ", "").upper()
    return int("".join(str(int(c, 36)) for c in s[4:] + s[:4])) % 97 == 1


def cn_mobile_valid(s: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(s, "CN"))


# --- random values per kind ----------------------------------------------------------------------------------------

def _d(n: int) -> str:
    return "".join(_rnd.choice(string.digits) for _ in range(n))


def _cn_mobile() -> str:
    n = _rnd.choice(["13", "15", "18", "19", "17"]) + _d(9)
    return _rnd.choice([n, f"{n[:3]} {n[3:7]} {n[7:]}", f"{n[:3]}-{n[3:7]}-{n[7:]}", "+86" + n,
                        f"+86 {n[:3]} {n[3:7]} {n[7:]}",
                        "0086" + n, "86" + n, "１３" + n[2:].translate(str.maketrans("0123456789",
                                                                                     "０１２３４５６７８９"))])


def gen_phone() -> str:
    return _rnd.choice([
        _cn_mobile, _cn_mobile, _cn_mobile,
        lambda: f"0{_rnd.choice(['10', '21', '755', '571'])}-{_rnd.randint(2, 9)}{_d(7)}",
        lambda: f"+1 {_rnd.randint(201, 989)} {_d(3)} {_d(4)}",
        lambda: f"+44 20 {_d(4)} {_d(4)}",
        lambda: f"00852 {_d(4)} {_d(4)}",
        lambda: f"({_d(3)}) {_d(3)}-{_d(4)}",
    ])()


def gen_email() -> str:
    local = _rnd.choice([_d(_rnd.randint(5, 11)), "".join(_rnd.choices(string.ascii_lowercase, k=6)) + _d(6), "a.b"])
    return f"{local}@{_rnd.choice(['qq.com', '163.com', 'gmail.com', 'mail12345.cn'])}"


def _id18() -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=_rnd.randint(0, 25000))
    body = str(_rnd.randint(110000, 659999)) + birth.strftime("%Y%m%d") + _d(3)
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(a) * w for a, w in zip(body, weights)) % 11]


def _id18_spaced() -> str:
    s = _id18()
    return f"{s[:6]} {s[6:14]} {s[14:]}"


def gen_cn_id() -> str:
    return _rnd.choice([_id18, _id18, _id18_spaced,
                        lambda: str(_rnd.randint(110000, 659999)) + _d(9)])()


def _card() -> str:
    n = _rnd.randint(16, 19)
    body = _rnd.choice(["62", "4", "51"]) + _d(0)
    body += _d(n - 1 - len(body))
    for c in string.digits:
        if luhn(body + c):
            return body + c
    raise AssertionError


def _iban() -> str:
    country = _rnd.choice(["DE", "GB", "FR", "NL"])
    bban = _d(18) if country != "GB" else "NWBK" + _d(14)
    check = 98 - int("".join(str(int(c, 36)) for c in bban + country + "00")) % 97
    return f"{country}{check:02d}{bban}"


def gen_card() -> str:
    return _rnd.choice([_card, _card, lambda: " ".join(re.findall(".{1,4}", _card())), _iban,
                        lambda: " ".join(re.findall(".{1,4}", _iban()))])()


def gen_ip() -> str:
    if _rnd.random() < 0.7:
        return ".".join(str(_rnd.randint(0, 255)) for _ in range(4))
    return str(ipaddress.IPv6Address(_rnd.getrandbits(128)))


GENERATORS = {
    "PHONE": gen_phone,
    "EMAIL": gen_email,
    "CN_ID": gen_cn_id,
    "US_SSN": lambda: _rnd.choice([f"{_d(3)}-{_d(2)}-{_d(4)}", f"{_d(3)} {_d(2)} {_d(4)}", _d(9)]),
    "BANK_CARD": gen_card,
    "IP": gen_ip,
    "URL": lambda: f"{_rnd.choice(['https', 'http', 'ftp'])}://user:{_d(6)}@host{_d(5)}.com/p?token={_d(12)}",
    "QQ": lambda: str(_rnd.randint(1, 9)) + _d(_rnd.randint(4, 10)),
    "WECHAT_ID": lambda: _rnd.choice(["wxid_" + "".join(_rnd.choices(string.ascii_lowercase + string.digits, k=14)),
                                      "wx" + _d(_rnd.randint(6, 12)), "zhang_san" + _d(5)]),
    "PLATE": lambda: _rnd.choice("京沪粤苏浙川") + _rnd.choice("ABCD") + _rnd.choice(["", "·"])
    + _rnd.choice([_d(5), "D" + _d(5), "A" + _d(4)]),
    "PASSPORT": lambda: _rnd.choice(["E", "G", "EA"]) + _d(8 if _rnd.random() < 0.5 else 7),
    "ADDRESS": lambda: _rnd.choice([f"北京市朝阳区建国路{_d(5)}号{_rnd.randint(1, 9)}栋501室",
                                    f"{_d(5)} Main Street, Boston",
                                    "杭州市西湖区文三路", f"上海市浦东新区{_d(6)}"]),
    "PERSON": lambda: _rnd.choice(["张三", "李小龙", "欧阳娜娜", "王", "Alice", "bob", "John Smith", "user12345678",
                                   "Amy张"]),
    "SECRET": lambda: _rnd.choice([_d(6), "sk-" + "".join(_rnd.choices(string.ascii_letters + string.digits, k=40)),
                                   "Passw0rd" + _d(5) + "!"]),
    "CUSTOM": lambda: _rnd.choice(["项目" + _d(6), "Project Falcon", "内部代号" + _d(3)]),
}


def samples(kind: str, n: int = N) -> list[str]:
    return [GENERATORS[kind]() for _ in range(n)]


def test_generators_cover_every_kind():
    assert set(GENERATORS) == set(KINDS)


def test_reference_leak_check():
    assert leaked("13812345678", "138 12 345")         # separators do not break a run
    assert leaked("138 1234 5678", "x45678")
    assert not leaked("13812345678", "138****5678")     # a star does
    assert not leaked("13812345678", "1381")


# --- placeholder and dispatch ---------------------------------------------------------------------------------------

def test_placeholder_format():
    assert placeholder("PHONE", 1) == "<PHONE_1>"
    assert placeholder("PERSON", 3) == "<PERSON_3>"


def test_replacement_dispatches_on_mode():
    assert MODES == ("placeholder", "mask", "surrogate")
    assert replacement("PHONE", "13812345678", "placeholder", 2, SALT) == "<PHONE_2>"
    assert replacement("PHONE", "13812345678", "mask", 2, SALT) == "138****5678"
    assert replacement("PHONE", "13812345678", "surrogate", 2, SALT) == surrogate("PHONE", "13812345678", SALT)
    with pytest.raises(ValueError, match="mode"):
        replacement("PHONE", "13812345678", "redact", 2, SALT)


# --- mask ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, value, expected", [
    ("PHONE", "13812345678", "138****5678"),
    ("PHONE", "138 1234 5678", "138 **** 5678"),
    ("PHONE", "138-1234-5678", "138-****-5678"),
    ("PHONE", "+8613812345678", "138****5678"),       # +86 dropped: +86138 would keep five original digits
    ("PHONE", "+86 138 1234 5678", "138 **** 5678"),
    ("PHONE", "１３８１２３４５６７８", "138****5678"),  # full width is folded
    ("PHONE", "+1 415 555 2671", "+1 4** *** **71"),  # not a CN mobile although 14155552671 has the shape
    ("PHONE", "010-12345678", "01*-******78"),
    ("EMAIL", "xiaoming@example.com", "x***@example.com"),
    ("EMAIL", "12345678@qq.com", "1***@qq.com"),
    ("EMAIL", "a@mail123456.cn", "a***@mail******.cn"),
    ("CN_ID", "11010519491231002X", "110**************X"),
    ("CN_ID", "110105 19491231 002X", "110*** ******** ***X"),
    ("BANK_CARD", "6222021234567894", "**** **** **** 7894"),
    ("BANK_CARD", "6228480012345678903", "*** **** **** **** 8903"),
    ("BANK_CARD", "6222-0212-3456-7894", "****-****-****-7894"),
    ("BANK_CARD", "DE89 3704 0044 0532 0130 00", "DE** **** **** **** **30 00"),
    ("IP", "10.0.0.1", "10.*.*.*"),
    ("IP", "192.168.31.7", "192.*.*.*"),
    ("IP", "2001:db8::1", "2001:*:*:*:*:*:*:*"),
    ("PERSON", "张三", "张*"),
    ("PERSON", "欧阳娜娜", "欧***"),
    ("PERSON", "Alice", "A****"),
    ("PERSON", "John Smith", "J*** *****"),
    ("PERSON", "王", "*"),
    ("US_SSN", "123-45-6789", "***-**-6789"),
    ("QQ", "123456789", "*********"),
    ("PLATE", "京A12345", "*******"),
    ("URL", "https://user:pw@host.com/x?token=abc", "******"),
    ("CUSTOM", "", "*"),
])
def test_mask_examples(kind, value, expected):
    assert mask(kind, value) == expected


@pytest.mark.parametrize("kind", KINDS)
def test_mask_invariants_over_random_values(kind):
    for value in samples(kind):
        out = mask(kind, value)
        assert out != value, (kind, value)
        assert not leaked(value, out), (kind, value, out)


def test_mask_never_returns_the_value_even_for_star_values():
    assert mask("CUSTOM", "***") != "***"
    assert mask("SECRET", "******") != "******"


# --- surrogate: invariants -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_surrogate_invariants_over_random_values(kind):
    values = samples(kind)
    differs_by_salt = 0
    for value in values:
        out = surrogate(kind, value, SALT)
        assert out != value, (kind, value)
        assert not leaked(value, out), (kind, value, out)
        assert kind == "CUSTOM" or out != f"<{kind}>", (kind, value)  # the give-up fallback is not reached
        assert surrogate(kind, value, SALT) == out  # deterministic
        differs_by_salt += surrogate(kind, value, "another-salt") != out
    if kind != "CUSTOM":
        # small name lists can coincide (1 in 30 for English first names), so salt sensitivity is asserted in bulk
        assert differs_by_salt >= 0.85 * len(values), kind


def test_surrogate_is_keyed_on_the_normalised_value():
    assert surrogate("EMAIL", "Alice@Example.com", SALT) == surrogate("EMAIL", "alice@example.com", SALT)
    assert surrogate("PHONE", "１３８１２３４５６７８", SALT) == surrogate("PHONE", "13812345678", SALT)
    assert len({surrogate("PERSON", "张三", f"salt{i}") for i in range(20)}) > 10


def test_surrogate_is_stable_across_processes():
    """sha256, not hash(): the same workspace must get the same fakes after a restart (PYTHONHASHSEED differs)."""
    code = ("from lib.pii.operators import surrogate;"
            "print(surrogate('PERSON','张三','s'), surrogate('PHONE','13812345678','s'), "
            "surrogate('CN_ID','11010519491231002X','s'))")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    outs = {subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    expected = f"{surrogate('PERSON', '张三', 's')} {surrogate('PHONE', '13812345678', 's')} " \
               f"{surrogate('CN_ID', '11010519491231002X', 's')}\n"
    assert outs == {expected}


# --- surrogate: kind-specific validity -----------------------------------------------------------------------------

def test_surrogate_phone_cn_mobile_is_valid_and_keeps_format():
    for value in [v for v in samples("PHONE", 400) if re.fullmatch(r"(\+86 ?|0086|86)?1[3-9][0-9 -]{9,11}", v)]:
        out = surrogate("PHONE", value, SALT)
        national = digits(out)[-11:]
        assert re.fullmatch(r"1[3-9][0-9]{9}", national), (value, out)
        assert cn_mobile_valid(national), (value, out)
        assert len(digits(out)) == len(digits(value)) - (2 if value.startswith("0086") else 0)
    assert re.fullmatch(r"1[3-9]\d \d{4} \d{4}", surrogate("PHONE", "138 1234 5678", SALT))
    assert re.fullmatch(r"1[3-9]\d-\d{4}-\d{4}", surrogate("PHONE", "138-1234-5678", SALT))
    assert re.fullmatch(r"\+86 1[3-9]\d \d{4} \d{4}", surrogate("PHONE", "+86 138 1234 5678", SALT))
    assert re.fullmatch(r"\+86 1[3-9]\d \d{4} \d{4}", surrogate("PHONE", "0086 138 1234 5678", SALT))


def test_surrogate_phone_other_keeps_digit_count_separators_and_plus():
    out = surrogate("PHONE", "+1 415 555 2671", SALT)
    assert re.fullmatch(r"\+1 \d{3} \d{3} \d{4}", out)
    out = surrogate("PHONE", "(415) 555-2671", SALT)
    assert re.fullmatch(r"\(\d{3}\) \d{3}-\d{4}", out)
    out = surrogate("PHONE", "010-12345678", SALT)
    assert re.fullmatch(r"0\d{2}-\d{8}", out)


def test_surrogate_email_uses_reserved_domains():
    for value in samples("EMAIL"):
        assert re.fullmatch(r"[a-z]+\d{4}@example\.(com|org)", surrogate("EMAIL", value, SALT))


def test_surrogate_cn_id_is_checksum_valid_with_plausible_birth_date():
    for value in samples("CN_ID"):
        out = surrogate("CN_ID", value, SALT)
        compact = out.replace(" ", "")
        if len(digits(value)) == 15:
            assert re.fullmatch(r"\d{15}", out)
            dt.datetime.strptime(compact[6:12], "%y%m%d")
            continue
        assert id_valid(compact), (value, out)
        birth = dt.datetime.strptime(compact[6:14], "%Y%m%d").date()
        assert dt.date(1950, 1, 1) <= birth <= dt.date.today()
        assert compact[0] != "0"
        assert (" " in out) == (" " in value)


def test_surrogate_bank_card_is_luhn_valid_same_length_same_prefix():
    for value in samples("BANK_CARD"):
        out = surrogate("BANK_CARD", value, SALT)
        assert len(out) == len(value), (value, out)
        assert [i for i, c in enumerate(out) if c == " "] == [i for i, c in enumerate(value) if c == " "]
        if value[:2].isalpha():
            assert out[:2] == value[:2] and iban_ok(out), (value, out)
        else:
            assert luhn(out) and out[:2] == value[:2], (value, out)
    assert surrogate("BANK_CARD", "6222021234567894", SALT).startswith("62")


def test_surrogate_ip_uses_documentation_ranges():
    nets = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "2001:db8::/32")]
    for value in samples("IP"):
        addr = ipaddress.ip_address(surrogate("IP", value, SALT))
        assert any(addr in net for net in nets if net.version == addr.version)
        assert addr.version == ipaddress.ip_address(value).version
    assert surrogate("IP", "192.0.2.5", SALT) != "192.0.2.5"


def test_surrogate_us_ssn_is_in_the_never_issued_9xx_area():
    for value in samples("US_SSN"):
        out = surrogate("US_SSN", value, SALT)
        assert out[0] == "9" and len(out) == len(value)
        assert re.sub(r"\d", "0", out) == re.sub(r"\d", "0", value)


def test_surrogate_accounts_plate_passport():
    for value in samples("QQ"):
        out = surrogate("QQ", value, SALT)
        assert out.isdigit() and len(out) == len(value) and out[0] != "0"
    for value in samples("WECHAT_ID"):
        out = surrogate("WECHAT_ID", value, SALT)
        assert len(out) == len(value)
        if value.startswith("wxid_"):
            assert re.fullmatch(r"wxid_[a-z0-9]+", out)
        else:
            assert re.fullmatch(r"[a-z][a-z0-9]+", out)
    for value in samples("PLATE"):
        out = surrogate("PLATE", value, SALT)
        assert out[0] == value[0] and len(out) == len(value)
        assert re.fullmatch(r".[A-HJ-NP-Z]·?(?:[DF]\d{5}|(?=(?:[A-Z]*\d){2})[A-HJ-NP-Z0-9]{5})", out), (value, out)
    for value in samples("PASSPORT"):
        out = surrogate("PASSPORT", value, SALT)
        letters = re.match(r"[A-Z]+", value).group(0)
        assert out.startswith(letters) and out[len(letters):].isdigit() and len(out) == len(value)


def test_surrogate_person_same_script_and_length():
    for value in ["张三", "李小龙", "王芳"]:
        out = surrogate("PERSON", value, SALT)
        assert len(out) == len(value) and all("\u4e00" <= c <= "\u9fff" for c in out)
    assert 2 <= len(surrogate("PERSON", "欧阳娜娜", SALT)) <= 3
    assert re.fullmatch(r"[A-Z][a-z]+", surrogate("PERSON", "Alice", SALT))
    assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", surrogate("PERSON", "John Smith", SALT))
    assert surrogate("PERSON", "bob", SALT).islower()


def test_surrogate_address_url_secret_custom():
    cn = surrogate("ADDRESS", "北京市朝阳区建国路88号3栋2单元501室", SALT)
    assert re.fullmatch(r"\w*?[省市]\w*?[区]\w+?路\d{1,3}号\d+栋\d单元\d+室", cn), cn
    assert re.fullmatch(r"\d+ [A-Z][a-z]+ [A-Z][a-z]+", surrogate("ADDRESS", "42 Wallaby Way", SALT))
    assert re.fullmatch(r"https://example\.com/[a-z0-9]+", surrogate("URL", "https://u:p@host.com/x?token=1", SALT))
    assert re.fullmatch(r"ftp://example\.com/[a-z0-9]+", surrogate("URL", "ftp://u:p@host.com/", SALT))
    for value in samples("SECRET"):
        out = surrogate("SECRET", value, SALT)
        assert len(out) == len(value)
        assert re.sub(r"[A-Z]", "A", re.sub(r"[a-z]", "a", re.sub(r"\d", "0", out))) == \
            re.sub(r"[A-Z]", "A", re.sub(r"[a-z]", "a", re.sub(r"\d", "0", value)))
    assert surrogate("CUSTOM", "项目X", SALT) == "<CUSTOM>"


# --- apply -----------------------------------------------------------------------------------------------------------

def test_apply_replaces_spans_in_any_order():
    text = "手机13812345678，邮箱a@b.com"
    e = text.index("a@b.com")
    spans = [(e, e + 7, "<EMAIL_1>"), (2, 13, "<PHONE_1>")]
    assert apply(text, spans) == "手机<PHONE_1>，邮箱<EMAIL_1>"
    assert apply(text, []) == text
    assert apply("ab", [(0, 1, "X"), (1, 2, "Y")]) == "XY"  # adjacent spans are fine
    assert apply("ab", [(1, 1, "-")]) == "a-b"              # an empty span inserts


def test_apply_with_surrogates_leaves_no_digits_behind():
    text = "手机13812345678，卡号6222021234567894，身份证11010519491231002X"
    spans = [(m.start(), m.end(), surrogate(kind, m.group(0), SALT))
             for kind, rx in (("PHONE", r"1[3-9]\d{9}"), ("BANK_CARD", r"62\d{14}"), ("CN_ID", r"\d{17}[\dX]"))
             for m in [re.search(rx, text)]]
    out = apply(text, spans)
    assert out.startswith("手机") and "卡号" in out and "身份证" in out
    for value in ("13812345678", "6222021234567894", "11010519491231002X"):
        assert not leaked(value, out)


@pytest.mark.parametrize("spans", [
    [(0, 3, "X"), (2, 4, "Y")],     # overlap
    [(2, 4, "Y"), (0, 3, "X")],     # overlap, given out of order
    [(0, 5, "X"), (1, 2, "Y")],     # containment
    [(0, 99, "X")],                 # past the end
    [(-1, 2, "X")],                 # before the start
    [(3, 2, "X")],                  # reversed
])
def test_apply_rejects_overlaps_and_out_of_range(spans):
    with pytest.raises(ValueError):
        apply("abcdefgh", spans)
