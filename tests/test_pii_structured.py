"""Structured-PII recognizers: phone, email, CN ID, US SSN, bank card / IBAN, IP, credential URLs.

Every value here is invented (checksums computed for the test). Recognizers get width-folded text, as the analyzer
passes it; helpers below fold and return ``(kind, surface, score)`` triples so assertions read like the chat line.
"""
from __future__ import annotations

import pytest

from lib.pii.base import (
    SCORE_CONTEXT,
    SCORE_PATTERN,
    SCORE_VALIDATED,
    SCORE_WEAK,
    Hit,
    fold_width,
)
from lib.pii.checksums import gb11643_check_ok, iban_ok, luhn_ok
from lib.pii.recognizers.bank_card import BankCardRecognizer
from lib.pii.recognizers.cn_id import CnIdRecognizer
from lib.pii.recognizers.email import EmailRecognizer
from lib.pii.recognizers.ip import IpRecognizer
from lib.pii.recognizers.phone import PhoneRecognizer
from lib.pii.recognizers.url import UrlRecognizer
from lib.pii.recognizers.us_ssn import UsSsnRecognizer

THRESHOLD = 0.5
ALL = [PhoneRecognizer(), EmailRecognizer(), CnIdRecognizer(), UsSsnRecognizer(), BankCardRecognizer(),
       IpRecognizer(), UrlRecognizer()]


def hits(rec, text: str) -> list[Hit]:
    return sorted(rec.analyze(fold_width(text)), key=lambda h: h.start)


def found(rec, text: str) -> list[str]:
    """Surfaces at or above the analyzer's default threshold."""
    return [text[h.start:h.end] for h in hits(rec, text) if h.score >= THRESHOLD]


def found_any(text: str) -> list[tuple[str, str]]:
    return [(h.kind, text[h.start:h.end]) for rec in ALL for h in hits(rec, text) if h.score >= THRESHOLD]


# --- hard negatives: nothing above the threshold from any recognizer ---------------------------------------------

HARD_NEGATIVES = [
    "¥1,388.00", "转账5200元", "一共 1,388.00 元", "价格是1388.00", "$1,234.56 total",
    "2024-01-01", "01/02/2024", "2024.01.01", "12:30", "2024-01-01 12:30:45", "10:30-11:30", "2024年1月1日",
    "订单号20240101123456789", "订单号：2024010112345678", "SF1234567890123", "快递单号 YT7712345678901",
    "运单号 773123456789012", "order #623456789012345678", "tracking number 6222021234567894",
    "1700000000", "1700000000123", "时间戳1700000000123",
    "v1.2.3", "10.0.19041.1", "版本1.2.3.4", "version 2.10.3.4", "v2.3.4.5",
    "302室", "房间302", "E1001", "0x80070005", "错误码 0x80070005",
    "(╯°□°）╯︵ ┻━┻", "(=^･ω･^=)", "¯\\_(ツ)_/¯", "(≧▽≦)", "OwO 233333",
    "明天10点见", "验证码：384756", "尾号1234的卡", "我的QQ是123456789", "GDP增长5.2%",
    "IP属地：广东", "https://example.com/path?page=2&q=hello", "http://mp.weixin.qq.com/s?__biz=MzA5&mid=2650",
    "学号2019123456", "工号 2125551234", "QQ:2125551234", "流水 2024010112", "股票代码600519",
    "score 3-2", "call me at 5pm", "12:30:45", "aa:bb:cc:dd:ee:ff", "00:1a:2b:3c:4d:5e",
    "@张三 收到", "email me tomorrow", "a@b", "第3.2.1.4节",
]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negatives_are_untouched(text: str) -> None:
    assert found_any(text) == []


# --- phone ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, surface", [
    ("手机13812345678", "13812345678"),
    ("我的手机号是13812345678，有事打我", "13812345678"),
    ("138 1234 5678", "138 1234 5678"),
    ("138-1234-5678", "138-1234-5678"),
    ("+86 138-1234-5678", "+86 138-1234-5678"),
    ("+8613812345678", "+8613812345678"),
    ("008613812345678", "008613812345678"),
    ("微信 13812345678 同号", "13812345678"),
    ("电话 0755-86013388 找前台", "0755-86013388"),
    ("(010)37283893", "(010)37283893"),
    ("客服400-820-8820", "400-820-8820"),
    ("１３８１２３４５６７８", "１３８１２３４５６７８"),
    ("手机：１３８-１２３４-５６７８。", "１３８-１２３４-５６７８"),
])
def test_phone_validated(text: str, surface: str) -> None:
    got = hits(PhoneRecognizer(), text)
    assert [text[h.start:h.end] for h in got] == [surface]
    assert got[0].score == SCORE_VALIDATED and got[0].reason == "phonenumbers VALID (CN)"


def test_phone_norm_groups_formats() -> None:
    rec = PhoneRecognizer()
    norms = {h.norm for t in ("138 1234 5678", "+86 138-1234-5678", "008613812345678", "手机13812345678",
                              "１３８１２３４５６７８") for h in hits(rec, t)}
    assert norms == {"+8613812345678"}


def test_phone_unallocated_mobile_prefix_is_a_pattern_hit() -> None:
    got = hits(PhoneRecognizer(), "手机14012345678好的")
    assert [(h.start, h.end, h.score) for h in got] == [(2, 13, SCORE_PATTERN)]
    assert got[0].norm == "+8614012345678"


@pytest.mark.parametrize("text, surface", [
    ("Phone:\n61-47-23-90\n", "61-47-23-90"),
    ("Zone 51234\n(41) 926-307-Office", "(41) 926-307"),
    ("can you call me on 582 4417?", "582 4417"),
    ("Desk: +46 (0)8 123 456 78", "+46 (0)8 123 456 78"),
    ("Fax: 347-812-4460x2213", "347-812-4460x2213"),
    ("Mobile: 04.71.28.33.96", "04.71.28.33.96"),
    ("523 71 846 office", "523 71 846"),
    ("座机86013388", "86013388"),
])
def test_phone_context_fallback(text: str, surface: str) -> None:
    assert found(PhoneRecognizer(), text) == [surface]


def test_phone_chinese_extension_joins_the_validated_number() -> None:
    got = hits(PhoneRecognizer(), "电话010-12345678转8001找我")
    assert [("电话010-12345678转8001找我"[h.start:h.end], h.score, h.norm) for h in got] == [
        ("010-12345678转8001", SCORE_VALIDATED, "+861012345678x8001")]


def test_phone_context_fallback_scores_and_norm() -> None:
    got = hits(PhoneRecognizer(), "Desk: +41 (0)97 312 45 86")
    assert [(h.score, h.norm) for h in got] == [(SCORE_CONTEXT, "+41973124586")]
    assert "context: Desk" in got[0].reason


@pytest.mark.parametrize("text", [
    "82 4417", "he paid 582 4417 yesterday", "my driver's license number is 7351820", "card number 4123 4567 8901",
    "QQ号码 123456789", "the offices are at 7731 208", "tel 2024-01-01", "call 10.0.19041.1",
    "call me, version 1.22.33.44", "key=ff13944135655d1d", "phone 457-28-3361 ssn",
])
def test_phone_negatives(text: str) -> None:
    assert found(PhoneRecognizer(), text) == []


def test_phone_owner_regions() -> None:
    text = "call me at +1 415-555-2671 or 650-253-0000"
    assert [(text[h.start:h.end], h.norm) for h in hits(PhoneRecognizer(regions=("CN", "US")), text)] == [
        ("+1 415-555-2671", "+14155552671"), ("650-253-0000", "+16502530000")]
    # A number valid in several regions goes to the first one the owner listed.
    assert [h.reason for h in hits(PhoneRecognizer(regions=("US", "CN")), "(415) 555-2671")] == [
        "phonenumbers VALID (US)"]


def test_phone_skips_digit_free_and_short_lines() -> None:
    rec = PhoneRecognizer()
    assert rec.analyze("哈哈哈哈笑死我了") == []
    assert rec.analyze("下午3点开会，302会议室") == []


# --- email ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, surface", [
    ("邮箱abc@qq.com或手机13812345678联系", "abc@qq.com"),
    ("邮箱abc@qq.com或", "abc@qq.com"),
    ("发到 Jane.Doe+cv@example.co.uk.", "Jane.Doe+cv@example.co.uk"),
    ("email me at jane_doe@mail-server.example.com, thanks", "jane_doe@mail-server.example.com"),
    ("（abc123@163.com）", "abc123@163.com"),
    ("ＡＢＣ＠ＱＱ．ＣＯＭ", "ＡＢＣ＠ＱＱ．ＣＯＭ"),
])
def test_email_boundaries(text: str, surface: str) -> None:
    got = hits(EmailRecognizer(), text)
    assert [text[h.start:h.end] for h in got] == [surface]
    assert got[0].score == SCORE_VALIDATED
    assert got[0].norm == fold_width(surface).lower()


def test_email_non_alphabetic_tld_is_weak_and_ssh_logins_are_not_emails() -> None:
    assert [h.score for h in hits(EmailRecognizer(), "a@b.c1")] == [SCORE_WEAK]
    assert hits(EmailRecognizer(), "ssh root@10.205.14.135，密码等下给你") == []
    assert found(IpRecognizer(), "ssh root@10.205.14.135，密码等下给你") == ["10.205.14.135"]


@pytest.mark.parametrize("text", ["@张三 你好", "a@b", "price@ 5", "邮箱：无", "user@localhost"])
def test_email_negatives(text: str) -> None:
    assert hits(EmailRecognizer(), text) == []


# --- CN resident ID ---------------------------------------------------------------------------------------------

def test_gb11643_check() -> None:
    assert gb11643_check_ok("11010519491231002X")
    assert gb11643_check_ok("110101199003074514")
    assert not gb11643_check_ok("110101199003074515")


@pytest.mark.parametrize("text, surface", [
    ("身份证11010519491231002X", "11010519491231002X"),
    ("身份证号：11010519491231002x。", "11010519491231002x"),
    ("110105 19491231 002X", "110105 19491231 002X"),
    ("他的是110101199003074514吧", "110101199003074514"),
    ("１１０１０１１９９００３０７４５１４", "１１０１０１１９９００３０７４５１４"),
])
def test_cn_id_validated(text: str, surface: str) -> None:
    got = hits(CnIdRecognizer(), text)
    assert [text[h.start:h.end] for h in got] == [surface]
    assert got[0].score == SCORE_VALIDATED and got[0].reason == "GB 11643 check digit ok"
    assert got[0].norm == fold_width(surface).replace(" ", "").upper()


def test_cn_id_bad_checksum_scores_by_context() -> None:
    with_ctx = hits(CnIdRecognizer(), "身份证110101199003074515")
    assert [(h.score, h.reason) for h in with_ctx] == [(SCORE_CONTEXT, "GB 11643 check digit failed; context: 身份证")]
    assert [h.score for h in hits(CnIdRecognizer(), "编号110101199003074515")] == [SCORE_WEAK]


def test_cn_id_legacy_15_digits_needs_context() -> None:
    assert found(CnIdRecognizer(), "身份证号 110101900307451") == ["110101900307451"]
    assert found(CnIdRecognizer(), "编号 110101900307451") == []


@pytest.mark.parametrize("text", ["A11010519491231002X", "11010519491231002XY", "1101051949123100201",
                                  "订单号20240101123456789", "110105 19491331 002X"])
def test_cn_id_negatives(text: str) -> None:
    assert found(CnIdRecognizer(), text) == []


# --- US SSN -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, surface, score", [
    ("SSN: 457-28-3361", "457-28-3361", SCORE_CONTEXT),
    ("her social security no. 742 51 3906.", "742 51 3906", SCORE_CONTEXT),
    ("号码是457-28-3361吗", "457-28-3361", SCORE_PATTERN),
])
def test_ssn_positive(text: str, surface: str, score: float) -> None:
    got = hits(UsSsnRecognizer(), text)
    assert [(text[h.start:h.end], h.score, h.norm) for h in got] == [(surface, score, surface.replace("-", "")
                                                                      .replace(" ", ""))]


@pytest.mark.parametrize("text", ["000-12-3456", "666-12-3456", "912-34-5678", "123-00-4567", "123-45-0000",
                                  "111-11-1111", "123-45 6789", "078-05-1120", "2024-01-01", "1457-28-3361",
                                  "457-28-33611"])
def test_ssn_negatives(text: str) -> None:
    assert hits(UsSsnRecognizer(), text) == []


# --- bank cards and IBAN ----------------------------------------------------------------------------------------

def test_luhn_and_iban_helpers() -> None:
    assert luhn_ok("6222021234567894") and luhn_ok("6228480012345678903") and not luhn_ok("6222021234567895")
    assert iban_ok("GB82WEST12345698765432") and not iban_ok("GB82WEST12345698765433")


@pytest.mark.parametrize("text, surface, reason", [
    ("卡号6222021234567894", "6222021234567894", "Luhn ok, UnionPay 62; context: 卡号"),
    ("卡号 6228480012345678903 工行", "6228480012345678903", "Luhn ok, UnionPay 62; context: 卡号"),
    ("卡号 6222 0212 3456 7894 2024年办的", "6222 0212 3456 7894", "Luhn ok, UnionPay 62; context: 卡号"),
    ("card 4111-1111-1111-1111 exp 12/27", "4111-1111-1111-1111", "Luhn ok, Visa 4; context: card"),
    ("limit on card 501234567896?", "501234567896", "Luhn ok, Maestro 50; context: card"),
    ("paid with card 213100123456783 yesterday", "213100123456783", "Luhn ok, JCB 2131; context: card"),
    ("付款用2223000048400011", "2223000048400011", "Luhn ok, Mastercard 2223"),
    ("６２２２０２１２３４５６７８９４", "６２２２０２１２３４５６７８９４", "Luhn ok, UnionPay 62"),
])
def test_bank_card_validated(text: str, surface: str, reason: str) -> None:
    got = hits(BankCardRecognizer(), text)
    assert [(text[h.start:h.end], h.score, h.reason) for h in got] == [(surface, SCORE_VALIDATED, reason)]
    assert got[0].norm == "".join(ch for ch in fold_width(surface) if ch.isdigit())


def test_bank_card_luhn_failed_needs_62_or_context() -> None:
    assert [(h.score, h.reason) for h in hits(BankCardRecognizer(), "转账到6222021234567895")] == [
        (SCORE_CONTEXT, "Luhn failed; context: 转账")]
    assert [h.score for h in hits(BankCardRecognizer(), "6222021234567895")] == [SCORE_CONTEXT]
    assert found(BankCardRecognizer(), "编号 4222021234567895") == []


def test_bank_card_twelve_digits_need_context_or_maestro() -> None:
    assert found(BankCardRecognizer(), "4000 0000 0002") == []  # Luhn-valid Visa shape, no context
    assert found(BankCardRecognizer(), "card 4000 0000 0002") == ["4000 0000 0002"]
    assert found(BankCardRecognizer(), "cc 639876543211 on my bill") == ["639876543211"]


@pytest.mark.parametrize("text", [
    "订单号6222021234567894", "快递单号 6222021234567894", "物流 6222021234567894", "流水号：4111111111111111",
    "order 4111 1111 1111 1111", "invoice 6222021234567894", "1700000000123", "交易号 6228480012345678903",
    "身份证 110101199003074514", "A6222021234567894", "6222021234567894B", "0.6222021234567894",
    "编号 20240101123456", "12345678901234567890123",
])
def test_bank_card_negatives(text: str) -> None:
    assert found(BankCardRecognizer(), text) == []


def test_bank_card_runs_with_several_numbers() -> None:
    text = "6222021234567894 6228480012345678903"
    assert found(BankCardRecognizer(), text) == ["6222021234567894", "6228480012345678903"]
    assert found(BankCardRecognizer(), "卡号 6222 0212 3456 7895 2024年") == ["6222 0212 3456 7895"]


def test_card_word_nearer_than_negative_word_wins() -> None:
    assert found(BankCardRecognizer(), "订单付款了，卡号6222021234567894") == ["6222021234567894"]


@pytest.mark.parametrize("text, surface, norm", [
    ("my iban is gb11abcd12345678901234", "gb11abcd12345678901234", "GB11ABCD12345678901234"),
    ("IBAN: GB82 WEST 1234 5698 7654 32.", "GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"),
    ("账户DE89370400440532013000转账", "DE89370400440532013000", "DE89370400440532013000"),
])
def test_iban(text: str, surface: str, norm: str) -> None:
    got = hits(BankCardRecognizer(), text)
    assert [(text[h.start:h.end], h.score, h.norm) for h in got] == [(surface, SCORE_VALIDATED, norm)]
    assert got[0].reason.startswith("IBAN mod-97 ok")


@pytest.mark.parametrize("text", ["GB82WEST12345698765433", "GB82WEST1234569876543", "XX82WEST12345698765432"])
def test_iban_negatives(text: str) -> None:
    assert hits(BankCardRecognizer(), text) == []


# --- IP ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, surface, score", [
    ("我的IP是10.0.0.1", "10.0.0.1", SCORE_CONTEXT),
    ("服务器IP119.38.149.226，账号私聊", "119.38.149.226", SCORE_CONTEXT),
    ("他IP240e:87a2:9c5a:7d68::d87被封了", "240e:87a2:9c5a:7d68::d87", SCORE_CONTEXT),
    ("服务器192.168.1.100挂了", "192.168.1.100", SCORE_CONTEXT),
    ("ping 8.8.8.8 看看", "8.8.8.8", SCORE_CONTEXT),
    ("连到 43.201.17.88 了", "43.201.17.88", SCORE_PATTERN),
    ("blocked address 43.201.17.88 again", "43.201.17.88", SCORE_CONTEXT),
    ("127.0.0.1", "127.0.0.1", SCORE_PATTERN),
    ("0.0.0.0:8080", "0.0.0.0", SCORE_PATTERN),
    ("连到１０．０．０．１了", "１０．０．０．１", SCORE_PATTERN),
    ("server 2001:db8::8a2e:370:7334 down", "2001:db8::8a2e:370:7334", SCORE_CONTEXT),
    ("地址3f2a:91c0:7d11:e5a2:c04:5b7e:a913:d2f。", "3f2a:91c0:7d11:e5a2:c04:5b7e:a913:d2f", SCORE_CONTEXT),
])
def test_ip_positive(text: str, surface: str, score: float) -> None:
    got = hits(IpRecognizer(), text)
    assert [(text[h.start:h.end], h.score) for h in got] == [(surface, score)]


def test_ip_norm_is_canonical() -> None:
    assert [h.norm for h in hits(IpRecognizer(), "2001:DB8:0:0:0:0:0:1")] == ["2001:db8::1"]


@pytest.mark.parametrize("text", [
    "1.2.3.4.5", "256.1.1.1", "1.2.3", "01.02.03.04", "v1.2.3.4", "版本1.2.3.4", "版本号：10.0.0.1",
    "version 10.0.0.12", "build10.0.0.12", "abc10.0.0.1", "xyzabcd:1234:5678:9abc::1", "12:30:45", "00:1a:2b:3c:4d:5e",
    "10.0.19041.1", "1.1.1.1.", "a10.0.0.1",
])
def test_ip_negatives(text: str) -> None:
    assert found(IpRecognizer(), text) == []


# --- URLs with credentials --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, surface, why", [
    ("链接https://api.example.com/cb?access_token=ya29.a0AfH6SMB你看下",
     "https://api.example.com/cb?access_token=ya29.a0AfH6SMB",
     "access_token"),
    ("(see https://example.com/x?a=1&api_key=sk_live_abcdef123456).",
     "https://example.com/x?a=1&api_key=sk_live_abcdef123456",
     "api_key"),
    ("ftp://bob:hunter2@files.example.com/x。好的", "ftp://bob:hunter2@files.example.com/x", "user:password"),
    ("https://s3.example.com/f.pdf?X-Amz-Signature=abcdef0123456789",
     "https://s3.example.com/f.pdf?X-Amz-Signature=abcdef0123456789",
     "X-Amz-Signature"),
    ("\"https://example.com/cb#code=4/0AY0e-g7Xk2JHq9\"", "https://example.com/cb#code=4/0AY0e-g7Xk2JHq9", "code"),
])
def test_url_with_credentials(text: str, surface: str, why: str) -> None:
    got = hits(UrlRecognizer(), text)
    assert [(text[h.start:h.end], h.score) for h in got] == [(surface, SCORE_CONTEXT)]
    assert why in got[0].reason


@pytest.mark.parametrize("text", [
    "https://example.com/", "https://example.com/path?page=2&q=token", "http://quote.example.com/?code=600519",
    "https://example.com/?key=abc", "打开 https://www.example.cn/活动?token= 看看", "token=abcdef123456 no scheme",
])
def test_url_plain_links_are_not_hits(text: str) -> None:
    assert hits(UrlRecognizer(), text) == []


# --- all together -----------------------------------------------------------------------------------------------

def test_one_chat_line_with_everything() -> None:
    text = "我叫小王，手机13812345678，邮箱abc@qq.com，身份证11010519491231002X，卡号6222021234567894，IP是10.0.0.1"
    got = sorted(found_any(text), key=lambda kv: text.index(kv[1]))
    assert got == [("PHONE", "13812345678"), ("EMAIL", "abc@qq.com"), ("CN_ID", "11010519491231002X"),
                   ("BANK_CARD", "6222021234567894"), ("IP", "10.0.0.1")]


def test_recognizers_declare_their_kinds() -> None:
    assert [r.kinds for r in ALL] == [("PHONE",), ("EMAIL",), ("CN_ID",), ("US_SSN",), ("BANK_CARD",), ("IP",),
                                      ("URL",)]
