"""Contextual and gazetteer recognizers: QQ, WeChat ID, plate, passport, address, known names, secrets, owner terms.

Each recognizer: positives, values glued to Chinese, exact spans, and hard negatives (amounts, dates, room numbers,
order numbers, kaomoji…) that must stay untouched.
"""
from __future__ import annotations

import time

import pytest

from lib.pii.base import (
    SCORE_CONTEXT,
    SCORE_PATTERN,
    SCORE_VALIDATED,
    SCORE_WEAK,
    Term,
    fold_width,
)
from lib.pii.recognizers.accounts import QqRecognizer, WechatIdRecognizer
from lib.pii.recognizers.address import AddressRecognizer
from lib.pii.recognizers.custom import CustomRecognizer
from lib.pii.recognizers.passport import PassportRecognizer
from lib.pii.recognizers.person import PersonRecognizer, literal_alternation
from lib.pii.recognizers.plate import PlateRecognizer
from lib.pii.recognizers.secret import SecretRecognizer, entropy

THRESHOLD = 0.5


def found(rec, text: str, threshold: float = THRESHOLD) -> list[str]:
    """Surfaces of the hits at or above the threshold, in text order (width-folded like the analyzer does)."""
    folded = fold_width(text)
    return [text[h.start:h.end] for h in sorted(rec.analyze(folded), key=lambda h: h.start) if h.score >= threshold]


def one(rec, text: str):
    hits = [h for h in rec.analyze(fold_width(text)) if h.score >= THRESHOLD]
    assert len(hits) == 1, hits
    return hits[0]


# Lines that no recognizer in this file may flag.
COMMON_NEGATIVES = [
    "哈哈哈哈笑死我了", "收到，谢谢", "今天花了 12345 元", "订单号 20240101123456789", "快递单号 SF1234567890123",
    "2024-01-01 12:30", "下午3点半见", "v2.3.15 发布了", "错误码 E1001", "0x80070005 报错", "302室", "12号见",
    "(＾▽＾)", "╮(╯▽╰)╭", "(｡•́︿•̀｡)", "我在杭州", "西湖区很好玩", "ok sounds good", "see you at 5 tomorrow",
    "the meeting is at 3pm in room 402", "时间戳 1700000000", "地铁2号线", "在3号楼开会", "我知道12号开会",
    "iPhone 15 Pro Max", "吃了吗", "https://example.com/a/b?c=1",
]
ALL = [QqRecognizer(), WechatIdRecognizer(), PlateRecognizer(), PassportRecognizer(), AddressRecognizer(),
       SecretRecognizer(), PersonRecognizer(["张三", "Alice"]), CustomRecognizer([Term("项目代号X")])]


@pytest.mark.parametrize("text", COMMON_NEGATIVES)
@pytest.mark.parametrize("rec", ALL, ids=lambda r: type(r).__name__)
def test_common_negatives(rec, text):
    assert found(rec, text) == []


# --- QQ --------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("我的QQ号：123456789", "123456789"),
    ("加qq123456789", "123456789"),
    ("qq 12345", "12345"),
    ("扣扣是 98765432 哦", "98765432"),
    ("Q号 1234567890", "1234567890"),
    ("加我QQ12345678，备注一下", "12345678"),
    ("加我q 5816939", "5816939"),
])
def test_qq_positive(text, value):
    h = one(QqRecognizer(), text)
    assert text[h.start:h.end] == value and h.kind == "QQ" and h.score == SCORE_CONTEXT
    assert h.reason.startswith("context:")


@pytest.mark.parametrize("text", [
    "123456789",                 # no context: a bare number is anything
    "订单 123456789",
    "abc@qq.com 123456",          # the email's domain is not a QQ context
    "123456@qq.com",              # an email, not a QQ number (EMAIL's job)
    "QQ转我50000元",              # an amount
    "QQ号12345678901234",         # too long
    "扣扣 012345",                # leading zero
    "qq音乐 2024年的歌单",
    "QQ上说了很久很久很久很久了 12345678",  # context too far away
])
def test_qq_negative(text):
    assert found(QqRecognizer(), text) == []


# --- WeChat ID -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("微信号：zhangsan", "zhangsan"),
    ("微信号 zhangsan", "zhangsan"),
    ("加我vx: abc_123", "abc_123"),
    ("wechat: johnny88", "johnny88"),
    ("add me on wechat johnny_88", "johnny_88"),
    ("我微信是Alice2024哦", "Alice2024"),
    ("威信 lily-99 记得加", "lily-99"),
    ("wx号 lily_99", "lily_99"),
])
def test_wechat_id_user_ids(text, value):
    h = one(WechatIdRecognizer(), text)
    assert text[h.start:h.end] == value and h.kind == "WECHAT_ID" and h.score == SCORE_CONTEXT


def test_wechat_internal_id_anywhere():
    text = "转发自wxid_abc123def456的消息"
    h = one(WechatIdRecognizer(), text)
    assert text[h.start:h.end] == "wxid_abc123def456" and h.score == SCORE_VALIDATED
    assert "wxid" in h.reason


@pytest.mark.parametrize("text", [
    "微信13812345678",            # a phone: WeChat IDs start with a letter
    "vx同号",
    "微信：abc123@qq.com",        # an email
    "wx.qq.com",
    "微信上发了 photos",          # a word, not an ID
    "微信 hahaha",
    "vxabc12345",
    "my account is johnny88",     # no WeChat context
    "微信支付了50元",
    "vx += unit_x;",              # code, not chat
    "while (vx >= max_vx) vx -= max_vx;",
])
def test_wechat_id_negative(text):
    assert found(WechatIdRecognizer(), text) == []


# --- Plate -----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value, score", [
    ("车牌号粤B12345", "粤B12345", SCORE_CONTEXT),
    ("浙A·D12345停在楼下", "浙A·D12345", SCORE_PATTERN),    # new energy, D + 5 digits
    ("京A12345D", "京A12345D", SCORE_PATTERN),              # new energy, 5 digits + D
    ("苏E 8K88A", "苏E 8K88A", SCORE_PATTERN),
    ("我的车是鄂AD12345哈", "鄂AD12345", SCORE_PATTERN),
    ("川A·88888。", "川A·88888", SCORE_PATTERN),
    ("plate: 沪C-12345", "沪C-12345", SCORE_CONTEXT),
    ("车牌 粤Ｂ１２３４５", "粤Ｂ１２３４５", SCORE_CONTEXT),     # full-width, folded
])
def test_plate_positive(text, value, score):
    h = one(PlateRecognizer(), text)
    assert (text[h.start:h.end], h.score, h.kind) == (value, score, "PLATE")


@pytest.mark.parametrize("text", [
    "新MacBook到了", "云ABCDE", "京A123456", "浙A1234", "京I12345", "沪O12345", "粤B12345X", "新款X5",
])
def test_plate_negative(text):
    assert found(PlateRecognizer(), text) == []


# --- Passport --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value, score", [
    ("护照号E12345678", "E12345678", SCORE_CONTEXT),
    ("我的护照是EA1234567", "EA1234567", SCORE_CONTEXT),
    ("港澳通行证C12345678", "C12345678", SCORE_CONTEXT),
    ("passport no. K1234567", "K1234567", SCORE_CONTEXT),
    ("证件号：AB123456", "AB123456", SCORE_CONTEXT),
    ("E12345678", "E12345678", SCORE_PATTERN),
    ("号码G12345678发你了", "G12345678", SCORE_PATTERN),
])
def test_passport_positive(text, value, score):
    h = one(PassportRecognizer(), text)
    assert (text[h.start:h.end], h.score, h.kind) == (value, score, "PASSPORT")


def test_passport_permit_shape_without_context_is_weak():
    hits = PassportRecognizer().analyze("C12345678")
    assert [h.score for h in hits] == [SCORE_WEAK]


@pytest.mark.parametrize("text", [
    "AB123456", "K1234567", "错误码E1001", "订单SF1234567890", "型号E123456789X", "xE12345678", "E12345678a",
])
def test_passport_negative(text):
    assert found(PassportRecognizer(), text) == []


# --- Address ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value, score", [
    ("浙江省杭州市西湖区文三路 88 号 5 栋 1203 室", "浙江省杭州市西湖区文三路 88 号 5 栋 1203 室", SCORE_CONTEXT),
    ("我住在杭州市西湖区文三路88号，有空来玩", "杭州市西湖区文三路88号", SCORE_CONTEXT),
    ("寄到北京市朝阳区建国路88号SOHO现代城2号楼1203，谢谢", "北京市朝阳区建国路88号SOHO现代城2号楼1203", SCORE_CONTEXT),
    ("收货地址是江苏省南京市鼓楼区中山路100号3单元202", "江苏省南京市鼓楼区中山路100号3单元202", SCORE_CONTEXT),
    ("老家杭州市西湖区文三路88号", "杭州市西湖区文三路88号", SCORE_CONTEXT),
    ("上海市长乐路123弄4号", "上海市长乐路123弄4号", SCORE_CONTEXT),
    ("石家庄市长安区中山东路100号", "石家庄市长安区中山东路100号", SCORE_CONTEXT),
    ("天津市和平区南京路189号", "天津市和平区南京路189号", SCORE_CONTEXT),
    ("地址：广东省深圳市南山区深南大道9988号", "广东省深圳市南山区深南大道9988号", SCORE_CONTEXT),
    ("公司在中山东路1号", "中山东路1号", SCORE_CONTEXT),
    ("阳光小区3栋2单元501", "阳光小区3栋2单元501", SCORE_PATTERN),
    ("我家在阳光小区3栋2单元501室哈哈", "阳光小区3栋2单元501室", SCORE_PATTERN),
    ("快递放3栋2单元501", "3栋2单元501", SCORE_PATTERN),
    ("我家住5栋1203", "5栋1203", SCORE_PATTERN),
    ("杭州市西湖区文三路259号晴川苑3幢2单元602", "杭州市西湖区文三路259号晴川苑3幢2单元602", SCORE_CONTEXT),
])
def test_address_chinese(text, value, score):
    h = one(AddressRecognizer(), text)
    assert (text[h.start:h.end], h.score, h.kind) == (value, score, "ADDRESS")


@pytest.mark.parametrize("text, value, score", [
    ("I live at 221B Baker Street, London", "221B Baker Street, London", SCORE_CONTEXT),
    ("Ship to 1600 Pennsylvania Avenue NW, Washington, DC 20500",
     "1600 Pennsylvania Avenue NW, Washington, DC 20500", SCORE_CONTEXT),
    ("meet me at 350 5th Ave Suite 3400", "350 5th Ave Suite 3400", SCORE_CONTEXT),
    ("it's 42 Wallaby Way.", "42 Wallaby Way", SCORE_PATTERN),
    ("my address is 12 main st", "12 main st", SCORE_CONTEXT),
    ("Via Roma 131", "Via Roma 131", SCORE_PATTERN),
    ("Friedhofstrasse 33", "Friedhofstrasse 33", SCORE_PATTERN),
    ("PSC 3294, Box 9168\nAPO AA 61487", "PSC 3294, Box 9168\nAPO AA 61487", SCORE_CONTEXT),
    ("Inc., 51 Franklin Street, Fifth Floor, Boston, MA  02110-1301  USA.",
     "51 Franklin Street, Fifth Floor, Boston, MA  02110-1301  USA", SCORE_CONTEXT),
    ("Jacob lives on 90 Whitchurch Road street.", "90 Whitchurch Road", SCORE_PATTERN),
    ("Our offices: 9543 1819 St. John Street Suite 056", "9543 1819 St. John Street Suite 056", SCORE_CONTEXT),
    ("envoyez à 29 Rue de Tanger", "29 Rue de Tanger", SCORE_PATTERN),
])
def test_address_english(text, value, score):
    h = one(AddressRecognizer(), text)
    assert (text[h.start:h.end], h.score) == (value, score)


@pytest.mark.parametrize("text", [
    "不知道12号行不行", "明天12号去逛街", "我在路上3号到", "地铁2号线", "在3号楼开会", "302室", "8号楼3单元",
    "2024年3月5号", "3月5号3楼", "周三下午在1号会议室", "在3楼302室开会", "3号401室", "12 楼 1203室", "我在万达广场3楼",
    "西湖区很好玩", "杭州市的天气", "我在北京市朝阳区上班",
    "give me 5 minutes drive", "Chapter 3 The Way of Kings", "it costs 300 dollars", "I have 2 cats and a dog",
    "top 10 Places to visit", "see you at 12 main st",  # lower case without context stays below the threshold
])
def test_address_negative(text):
    assert found(AddressRecognizer(), text) == []


# --- Person ----------------------------------------------------------------------------------------------------------

NAMES = ["张三", "张三丰", "Alice", "Bob Lee", "小王Tony", "李四", "宝宝", "老公", "妈妈", "哈哈", "12345", "x", "...",
         "  ", "Ｍｉａ"]


@pytest.mark.parametrize("text, expected", [
    ("我是张三啊", ["张三"]),                  # CJK-safe: Presidio's deny list misses this
    ("张三丰来了", ["张三丰"]),                # longest name wins
    ("ALICE和张三", ["ALICE", "张三"]),        # case-insensitive ASCII
    ("alice!", ["alice"]),
    ("Alice2024", ["Alice"]),                 # letter boundary only: digits may touch
    ("bob   lee来了", ["bob   lee"]),
    ("小王tony好", ["小王tony"]),
    ("李四李四", ["李四", "李四"]),
    ("hi Mia", ["Mia"]),                      # names are width-folded too
])
def test_person_positive(text, expected):
    rec = PersonRecognizer(NAMES)
    assert found(rec, text) == expected
    assert all(h.score == SCORE_VALIDATED and "known name" in h.reason for h in rec.analyze(text))


@pytest.mark.parametrize("text", ["Malice", "hiAlice", "Alicea", "宝宝晚安", "老公回来了", "妈妈说", "哈哈哈", "12345",
                                  "张"])
def test_person_negative(text):
    assert found(PersonRecognizer(NAMES), text) == []


def test_person_skips_unusable_names():
    assert PersonRecognizer(NAMES).names == sorted(["张三", "张三丰", "Alice", "Bob Lee", "小王Tony", "李四", "Mia"])
    assert PersonRecognizer([]).analyze("张三") == []


def test_person_regex_special_characters():
    rec = PersonRecognizer(["A.J.", "王(小)明", "c++"])
    assert found(rec, "ask A.J. and 王(小)明 about c++") == ["A.J.", "王(小)明", "c++"]
    assert found(rec, "AxJx") == []


def test_person_many_names_is_fast():
    surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"
    names = [f"{a}{b}" for a in surnames for b in given]
    names += [f"User{i}x" for i in range(200)]
    rec = PersonRecognizer(names)
    assert len(rec.names) == 600
    lines = ["今天好累啊明天见晚安", "周末有空吗一起吃火锅吧", "ok sounds good see you tomorrow", "王伟说他到了"] * 2500
    t0 = time.perf_counter()
    n = sum(len(rec.analyze(t)) for t in lines)
    assert n == 2500
    assert time.perf_counter() - t0 < 2.0  # ~10k lines; typically well under 0.1 s


def test_literal_alternation_prefers_longest():
    import re
    rx = re.compile(literal_alternation(["ab", "abc", "abcd"]), re.IGNORECASE)
    assert [m.group() for m in rx.finditer("abcd abc ab abce")] == ["abcd", "abc", "ab"]


# --- Secret ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value, reason", [
    ("密码是abc123，别告诉别人", "abc123", "context: 密码"),
    ("密码：Passw0rd!", "Passw0rd!", "context: 密码"),
    ("wifi密码 12345678", "12345678", "context: 密码"),
    ("支付密码 886699", "886699", "context: 支付密码"),
    ("密码为qwe@1234哈", "qwe@1234", "context: 密码"),
    ("密码是password", "password", "context: 密码"),
    ("my password is hunter2.", "hunter2", "context: password"),
    ("pwd: s3cr3t!", "s3cr3t!", "context: pwd"),
    ("the pin is 4821", "4821", "context: pin"),
    ("PIN码 1234", "1234", "context: PIN码"),
    ("【银行】您的验证码为482913，5分钟内有效", "482913", "context: 验证码"),
    ("482913是你的验证码", "482913", "context: 验证码"),
    ("Your verification code is 738201", "738201", "context: verification code"),
    ("动态码：5521", "5521", "context: 动态码"),
    ("OTP 123456 for login", "123456", "context: otp"),
    ("machine example.com password 9x7y6z", "9x7y6z", "context: password"),
    ("PIN: 0000", "0000", "context: PIN"),
])
def test_secret_context(text, value, reason):
    h = one(SecretRecognizer(), text)
    assert (text[h.start:h.end], h.kind, h.score, h.reason) == (value, "SECRET", SCORE_CONTEXT, reason)


KEYS = [
    ("sk-proj-abcdefghijklmnopqrstuvwx123", "OpenAI"),
    ("ghp_" + "a1B2c3D4e5F6" * 3, "GitHub token"),
    ("github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "GitHub fine-grained"),
    ("AKIAIOSFODNN7EXAMPLE", "AWS"),
    ("sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", "Stripe"),
    ("xoxb-123456789012-abcdefABCDEF", "Slack"),
    ("AIza" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "Google"),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "JWT"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", "private key"),
]


@pytest.mark.parametrize("key, name", KEYS)
def test_secret_key_shapes(key, name):
    text = f"帮我看下这个{key}能用吗"
    h = one(SecretRecognizer(), text)
    assert text[h.start:h.end] == key and h.score == SCORE_VALIDATED and name in h.reason


def test_secret_high_entropy_token():
    tok = "9fK2xQ7mZp4Lw8Rt1Vb6Ny3Hc5Jd0Gs2Ae7Uk"
    assert entropy(tok) > 4
    h = one(SecretRecognizer(), f"token={tok} 别外传")
    assert h.score == SCORE_PATTERN and h.reason == "high-entropy token"


@pytest.mark.parametrize("text", [
    "密码忘了", "验证码发了吗", "忘记密码了怎么办", "密码是多少？", "my password is too long", "pin this message",
    "zip code is 94105", "验证码2024年就改了", "验证码收到了，顺便说下我的工号是 88231",
    "sha 3f786850e387550fdab836ed7e6dc881de23001b",
    "https://mp.weixin.qq.com/s/9fK2xQ7mZp4Lw8Rt1Vb6Ny3Hc5Jd0Gs2Ae7Uk", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1",
    "this_is_a_very_long_variable_name_2024", "Pinterest 上看到的", "passwordless login",
    "error code: 1001", "conversion code: CIE L*a*b* 1976 images", "Fix 'openssl passwd -1'.", "see passwd.1.xml",
    "retrieve_pin: refuse to retry", "hash_password: normalize the password", "set_password: don't accept null",
    "Pin python3-resolvelib Build-Dep", "bnep: pin L2CAP connection", "PIN_PADLEN", "passwd: compat systemd",
    "Enable fbCompositeSolidMask_nx8x8888neon", "privkeys/00FE67F28A52A8AA08FFAED20AF832DA916D1985",
    "1938C3A0E4674B6C217AC0B987DB2814EC38277E-secret", "debian/patches/hurd-i386/local-clock_gettime_MONOTONIC",
    "src/OT/Layout/GSUB/SingleSubstFormat1", "HAVE_COMPATIBLE_GCC_WIN64_PLATFORM_AS", "version 3.6.1 password 2.0.1",
])
def test_secret_negative(text):
    assert found(SecretRecognizer(), text) == []


# --- Custom ----------------------------------------------------------------------------------------------------------

def test_custom_literals_and_patterns():
    rec = CustomRecognizer([Term("acme"), Term("项目X"), Term(r"PRJ-\d+", is_regex=True), Term("alpha", kind="ORG"),
                            Term("  ")])
    assert set(rec.kinds) == {"CUSTOM", "ORG"}
    text = "acme公司的项目X和PRJ-123，Alpha team"
    got = [(text[h.start:h.end], h.kind, h.reason) for h in sorted(rec.analyze(text), key=lambda h: h.start)]
    assert got == [("acme", "CUSTOM", "owner term"), ("项目X", "CUSTOM", "owner term"),
                   ("PRJ-123", "CUSTOM", "owner pattern"), ("Alpha", "ORG", "owner term")]
    assert all(h.score == SCORE_VALIDATED for h in rec.analyze(text))


@pytest.mark.parametrize("text", ["acmecorp", "xacme", "acme2", "项目Y"])
def test_custom_literal_boundaries(text):
    assert found(CustomRecognizer([Term("acme"), Term("项目X")]), text) == []


def test_custom_invalid_regex_names_pattern():
    with pytest.raises(ValueError, match=r"\(\[a-"):
        CustomRecognizer([Term("([a-", is_regex=True)])


def test_custom_regex_empty_matches_are_dropped():
    assert CustomRecognizer([Term("x*", is_regex=True)]).analyze("abc") == []
