#!/usr/bin/env python3
"""Gold sets for the PII benchmark: Chinese WeChat-style lines, and a small English WhatsApp-style set.

    python bench/gen_pii_gold_zh.py [--seed 20241124] [--zh bench/data/pii_gold_zh.jsonl]
                                    [--en bench/data/pii_gold_en_chat.jsonl]

Every value is invented here, drawn from a seeded ``random.Random``: random digits behind real prefixes (mobile
prefixes, resident-ID region codes, UnionPay BINs, city area codes), fictional ranges where they exist (US 555-01xx,
UK 07700 900xxx and 020 7946 0xxx, IPv6 2001:db8::/32, example.com), and made-up handles. No line holds a real
person's data. Same seed, same files, byte for byte.

One JSON object per line::

    {"id": "zh-0001", "text": "...", "spans": [{"start": 5, "end": 16, "kind": "PHONE"}],
     "category": "positive" | "hard_negative" | "clean", "template": "phone-01"}

Offsets are Python string indices (code points), end exclusive; spans never overlap; ``kind`` is one of
``lib.pii.base.KINDS``. A span covers the value only, never its context word (``QQ号`` / ``密码是`` stay outside),
but does cover a value's own separators and prefixes (``+86 138 1234 5678``, ``粤B·D12345``).

Categories:
- ``positive``: one to three PII values, mostly glued to Chinese text with no space (``卡号6222…``,
  ``邮箱abc@qq.com或``).
- ``hard_negative``: no PII, but numbers and codes a careless detector flags: amounts, dates, times, order and parcel
  numbers, timestamps, versions, room numbers, error codes, kaomoji, counts, place names, model numbers, and context
  words with no value (``验证码没收到``).
- ``clean``: ordinary chat.

The module also provides :func:`chat_corpus`, the realistic line mix the speed benchmark scans (bench/bench_pii.py).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import string
import sys
from collections.abc import Iterator
from pathlib import Path

import phonenumbers

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
ZH_OUT = DATA / "pii_gold_zh.jsonl"
EN_OUT = DATA / "pii_gold_en_chat.jsonl"
SEED = 20241124
GENERATOR_VERSION = 1

# ---------------------------------------------------------------------------------------------------------------------
# Checksums (kept here, independent of lib/pii, so the gold set does not inherit a recognizer's bug).

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def gb11643_check(first17: str) -> str:
    """GB 11643 / ISO 7064 MOD 11-2 check character of the first 17 digits of a resident ID."""
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS)) % 11]


def luhn_check_digit(body: str) -> str:
    """The digit that makes ``body + digit`` pass the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # doubled, counting from the (future) check digit's left neighbour
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(number: str) -> bool:
    return len(number) > 1 and luhn_check_digit(number[:-1]) == number[-1]


def full_width(s: str) -> str:
    """ASCII to full-width forms (``138`` → ``１３８``), the way some IMEs type digits."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in s)


def _phone_valid(number: str, region: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, region))
    except phonenumbers.NumberParseException:
        return False


# ---------------------------------------------------------------------------------------------------------------------
# Building blocks. Real prefixes and place names are not personal data; the digits after them are random.

MOBILE_PREFIXES = (
    "130 131 132 133 134 135 136 137 138 139 147 150 151 152 153 155 156 157 158 159 166 173 175 176 177 178 "
    "180 181 182 183 184 185 186 187 188 189 191 193 195 196 197 198 199").split()
AREA_CODES = ("010", "021", "020", "0755", "0571", "028", "025", "027", "029", "023", "0512", "0532", "0591", "0731")
ID_REGIONS = ("110105", "110108", "310104", "310115", "440305", "440106", "330106", "330102", "320102", "510107",
              "420106", "610113", "500103", "120101", "370202", "350203", "430104", "210203", "330382", "441900")
UNIONPAY_BINS = ("622202", "622848", "621700", "622588", "623058", "621483", "622262", "621661", "622609", "622700",
                 "621226", "622908")
US_AREA = ("212", "415", "646", "310", "617", "202", "312", "206", "512", "718", "213", "305", "408", "503")
PROVINCE_CHARS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
ADMIN = (
    ("浙江省", "杭州市", ("西湖区", "上城区", "拱墅区", "滨江区", "余杭区")),
    ("广东省", "深圳市", ("南山区", "福田区", "宝安区", "龙岗区")),
    ("广东省", "广州市", ("天河区", "越秀区", "海珠区", "番禺区")),
    ("江苏省", "南京市", ("鼓楼区", "玄武区", "建邺区")),
    ("四川省", "成都市", ("武侯区", "锦江区", "青羊区")),
    ("湖北省", "武汉市", ("洪山区", "武昌区", "江汉区")),
    ("", "北京市", ("朝阳区", "海淀区", "东城区", "丰台区")),
    ("", "上海市", ("浦东新区", "徐汇区", "静安区", "闵行区")),
    ("陕西省", "西安市", ("雁塔区", "碑林区")),
    ("福建省", "厦门市", ("思明区", "湖里区")),
)
ROADS = ("文三路", "中山路", "人民路", "建国路", "解放路", "长江路", "学院路", "科技园南路", "天府大道", "南京西路",
         "体育西路", "珞喻路", "滨江大道", "幸福路", "花园街", "东风路", "工业大道", "莲花路")
COMMUNITIES = ("阳光花园", "翠苑一区", "万科城", "金色家园", "锦绣江南", "碧桂园", "桂花园", "幸福里小区", "华润城",
               "春江花月")
HANDLES = ("xiaoyu", "lily", "dabai", "momo", "tom", "chenmo", "sunny", "kiki", "ada", "yoyo", "jason", "amy",
           "haoran", "jiajia", "coco", "leo", "nana", "echo", "xiaomi", "doudou", "mumu", "tiantian", "zhangwei",
           "liuyang")
EN_HANDLES = ("jane.doe", "mike_88", "sarah.k", "tom.baker", "lucy", "dan.w", "emma1990", "alex.j", "chris_p",
              "katie.m", "sam", "olivia.r", "ben_t", "noah.h")
ZH_MAIL = (("qq.com", 5), ("163.com", 4), ("126.com", 2), ("foxmail.com", 2), ("gmail.com", 2), ("sina.com", 1),
           ("outlook.com", 1), ("139.com", 1), ("yeah.net", 1), ("vip.163.com", 1))
EN_MAIL = (("gmail.com", 5), ("outlook.com", 2), ("yahoo.com", 2), ("icloud.com", 2), ("example.com", 2),
           ("proton.me", 1), ("hotmail.co.uk", 1))
ENDINGS = ("", "", "", "～", "哈哈", "😂", "🙏", "。", "！", "~", "😊", "👌", "哈哈哈", "[捂脸]", "[旺柴]")
EN_ENDINGS = ("", "", "", " 👍", " thx", " lol", "!", " 🙏", ".", " :)")
KAOMOJI = ("(＾▽＾)", "╮(╯▽╰)╭", "(｡•́︿•̀｡)", "(╯°□°）╯︵ ┻━┻", "ヽ(✿ﾟ▽ﾟ)ノ", "(๑•̀ㅂ•́)و✧", "(⊙o⊙)", "orz",
           "(=^･ω･^=)", "_(:з」∠)_", "(ಥ_ಥ)", "o(*￣▽￣*)ブ")
CITIES = ("杭州", "深圳", "成都", "北京", "上海", "西安", "厦门", "南京", "武汉", "重庆", "长沙", "大理")
TRIPS = ("杭州西湖", "成都宽窄巷子", "上海外滩", "厦门鼓浪屿", "大理洱海", "南京夫子庙", "武汉东湖", "重庆洪崖洞",
         "北京故宫", "西安兵马俑")
DISTRICTS = ("西湖区", "南山区", "朝阳区", "浦东新区", "武侯区", "思明区", "鼓楼区", "天河区")
PROVINCES = ("四川", "湖南", "江西", "贵州", "云南", "广东", "浙江")
MODELS = ("iPhone 15 Pro", "RTX 4090", "小米14", "Mate 60 Pro", "MacBook Air M2", "i7-13700K", "PS5", "Switch OLED",
          "AirPods Pro 2", "iPad Air 5", "Galaxy S24", "Apple Watch S9", "RTX 3060Ti", "Model 3", "大疆Mini 4 Pro")
EN_MODELS = ("iPhone 15 Pro", "RTX 4090", "Pixel 8", "MacBook Air M2", "PS5", "Galaxy S24", "Model Y", "Xbox Series X",
             "AirPods Pro 2", "Kindle Paperwhite")


class Gen:
    """Draws slot values. ``slot(NAME)`` → (surface text, kind or None for a non-PII filler)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self._cycles: dict[str, tuple[list, int]] = {}

    # -- helpers ----------------------------------------------------------------------------------------------------
    def digits(self, n: int, first: str = "0123456789") -> str:
        r = self.rng
        return r.choice(first) + "".join(r.choice("0123456789") for _ in range(n - 1)) if n else ""

    def cycle(self, name: str, options: tuple | list):
        """The next of ``options`` in a per-name shuffled round robin (by position, so options may be values drawn
        afresh for this call), so every format shows up evenly."""
        order, i = self._cycles.get(name, (None, 0))
        if order is None or i >= len(order):
            order = list(range(len(options)))
            self.rng.shuffle(order)
            i = 0
        self._cycles[name] = (order, i + 1)
        return options[order[i]]

    def weighted(self, pairs: tuple[tuple[str, int], ...]) -> str:
        return self.rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]

    def alnum(self, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def slot(self, name: str) -> tuple[str, str | None]:
        fn = getattr(self, "s_" + name.lower(), None)
        if fn is None:
            raise KeyError(f"unknown slot {{{name}}}")
        return fn()

    # -- phones -----------------------------------------------------------------------------------------------------
    def mobile_digits(self) -> str:
        while True:
            d = self.rng.choice(MOBILE_PREFIXES) + self.digits(8)
            if _phone_valid(d, "CN"):
                return d

    def s_mobile(self):
        d = self.mobile_digits()
        a, b, c = d[:3], d[3:7], d[7:]
        fmt = self.cycle("mobile", ("plain", "plain", "plain", "plain", "space", "dash", "p86space", "p86", "p0086",
                                    "p86dash", "fullwidth", "p86plain"))
        return {
            "plain": d, "space": f"{a} {b} {c}", "dash": f"{a}-{b}-{c}", "p86space": f"+86 {a} {b} {c}",
            "p86": f"+86{d}", "p0086": f"0086{d}", "p86dash": f"+86-{a}-{b}-{c}", "fullwidth": full_width(d),
            "p86plain": f"+86 {d}",
        }[fmt], "PHONE"

    def s_landline(self):
        while True:
            area = self.rng.choice(AREA_CODES)
            sub = self.digits(8, "2345678")
            if _phone_valid(area + sub, "CN"):
                break
        fmt = self.cycle("landline", ("dash", "dash", "paren", "fwparen", "space"))
        return {"dash": f"{area}-{sub}", "paren": f"({area}){sub}", "fwparen": f"（{area}）{sub}",
                "space": f"{area} {sub}"}[fmt], "PHONE"

    def s_hotline(self):
        while True:
            d = self.rng.choice(("400", "400", "800")) + self.digits(7, "123456789")
            if _phone_valid(d, "CN"):
                break
        fmt = self.cycle("hotline", ("dash", "space", "plain"))
        return {"dash": f"{d[:3]}-{d[3:6]}-{d[6:]}", "space": f"{d[:3]} {d[3:6]} {d[6:]}", "plain": d}[fmt], "PHONE"

    def s_phone(self):
        return self.slot(self.cycle("phone", ("MOBILE", "MOBILE", "MOBILE", "LANDLINE")))

    def s_cn_intl(self):
        d = self.mobile_digits()
        return self.cycle("cn_intl", (f"+86 {d[:3]} {d[3:7]} {d[7:]}", f"+86{d}", f"+86 {d}")), "PHONE"

    def s_us_phone(self):
        while True:
            area = self.rng.choice(US_AREA)
            line = "01" + self.digits(2)
            if _phone_valid(f"{area}555{line}", "US"):
                break
        fmt = self.cycle("us", ("intl", "paren", "dash", "dot", "intl_paren", "plain", "intl_space"))
        return {"intl": f"+1 {area}-555-{line}", "paren": f"({area}) 555-{line}", "dash": f"{area}-555-{line}",
                "dot": f"{area}.555.{line}", "intl_paren": f"+1 ({area}) 555-{line}", "plain": f"{area}555{line}",
                "intl_space": f"+1 {area} 555 {line}"}[fmt], "PHONE"

    def s_gb_phone(self):
        # Ofcom's drama ranges: mobile 07700 900000-900999 (phonenumbers calls these invalid) and London 020 7946 0xxx.
        fmt = self.cycle("gb", ("mob_intl", "mob_nat", "lon_intl", "lon_nat", "mob_compact"))
        m, l4 = self.digits(3), self.digits(3)
        return {"mob_intl": f"+44 7700 900{m}", "mob_nat": f"07700 900{m}", "lon_intl": f"+44 20 7946 0{l4}",
                "lon_nat": f"020 7946 0{l4}", "mob_compact": f"+447700900{m}"}[fmt], "PHONE"

    def s_en_phone(self):
        return self.slot(self.cycle("en_phone", ("US_PHONE", "US_PHONE", "US_PHONE", "GB_PHONE", "GB_PHONE")))

    # -- email ------------------------------------------------------------------------------------------------------
    def s_email(self):
        r = self.rng
        domain = self.weighted(ZH_MAIL)
        style = self.cycle("email", ("name", "name_digits", "dotted", "qq", "under", "upper"))
        if style == "qq" or (domain == "qq.com" and r.random() < 0.5):
            local = self.digits(r.randint(6, 10), "123456789")
        elif domain == "139.com":
            local = self.mobile_digits()
        else:
            h = r.choice(HANDLES)
            local = {"name": h, "name_digits": h + self.digits(r.randint(2, 4)),
                     "dotted": f"{h}.{r.choice(HANDLES)}", "under": f"{h}_{r.randint(1980, 2010)}",
                     "upper": h.capitalize() + self.digits(3)}.get(style, h)
        return f"{local}@{domain}", "EMAIL"

    def s_qqmail(self):
        return f"{self.digits(self.rng.randint(6, 10), '123456789')}@qq.com", "EMAIL"

    def s_email_en(self):
        r = self.rng
        h = r.choice(EN_HANDLES)
        local = self.cycle("email_en",
                           (h, h + self.digits(2), h.replace(".", "_"), h.upper() if r.random() < .2 else h))
        return f"{local}@{self.weighted(EN_MAIL)}", "EMAIL"

    # -- resident ID ------------------------------------------------------------------------------------------------
    def s_cn_id(self):
        r = self.rng
        fmt = self.cycle("cn_id", ("plain", "plain", "plain", "xcheck", "spaced", "lowerx", "plain"))
        want_x = fmt in ("xcheck", "lowerx") or (fmt == "spaced" and r.random() < 0.5)
        while True:
            birth = dt.date.fromordinal(r.randint(dt.date(1950, 1, 1).toordinal(), dt.date(2006, 12, 31).toordinal()))
            first17 = r.choice(ID_REGIONS) + birth.strftime("%Y%m%d") + self.digits(3)
            check = gb11643_check(first17)
            if (check == "X") == want_x:
                break
        value = first17 + check
        if fmt == "spaced":
            value = f"{value[:6]} {value[6:14]} {value[14:]}"
        elif fmt == "lowerx":
            value = value.lower()
        return value, "CN_ID"

    # -- bank cards -------------------------------------------------------------------------------------------------
    def card_number(self, prefix: str, length: int) -> str:
        body = prefix + self.digits(length - 1 - len(prefix))
        return body + luhn_check_digit(body)

    @staticmethod
    def group4(number: str, sep: str = " ") -> str:
        return sep.join(number[i:i + 4] for i in range(0, len(number), 4))

    def s_card(self):
        fmt = self.cycle("card", ("62_16", "62_19", "62_16_sp", "62_19_sp", "visa", "visa_sp", "62_19", "62_16",
                                  "62_16_dash"))
        if fmt.startswith("62"):
            n = self.card_number(self.rng.choice(UNIONPAY_BINS), 19 if "_19" in fmt else 16)
        else:
            n = self.card_number("4" + self.digits(5), 16)
        if fmt.endswith("_sp"):
            n = self.group4(n)
        elif fmt.endswith("_dash"):
            n = self.group4(n, "-")
        return n, "BANK_CARD"

    def s_visa(self):
        n = self.card_number("4" + self.digits(5), 16)
        return (self.group4(n) if self.rng.random() < 0.5 else n), "BANK_CARD"

    def s_card_en(self):
        r = self.rng
        fmt = self.cycle("card_en", ("visa_sp", "visa", "mc_sp", "mc2_sp", "amex", "discover", "visa_dash", "up19"))
        if fmt.startswith("visa"):
            n = self.card_number("4" + self.digits(5), 16)
        elif fmt == "mc_sp":
            n = self.card_number(str(r.randint(51, 55)) + self.digits(4), 16)
        elif fmt == "mc2_sp":
            n = self.card_number(str(r.randint(2221, 2720)) + self.digits(2), 16)
        elif fmt == "amex":
            n = self.card_number(r.choice(("34", "37")) + self.digits(4), 15)
            return f"{n[:4]} {n[4:10]} {n[10:]}", "BANK_CARD"
        elif fmt == "discover":
            n = self.card_number("6011" + self.digits(2), 16)
        else:
            n = self.card_number(r.choice(UNIONPAY_BINS), 19)
        if fmt.endswith("_sp"):
            n = self.group4(n)
        elif fmt.endswith("_dash"):
            n = self.group4(n, "-")
        return n, "BANK_CARD"

    # -- IP ---------------------------------------------------------------------------------------------------------
    def s_ip4(self):
        r = self.rng
        fmt = self.cycle("ip4", ("home", "ten", "172", "public", "public", "public"))
        if fmt == "home":
            ip = f"192.168.{r.choice((0, 1, 1, 3, 31, 100))}.{r.randint(2, 254)}"
        elif fmt == "ten":
            ip = f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
        elif fmt == "172":
            ip = f"172.{r.randint(16, 31)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
        else:
            first = r.choice((36, 39, 42, 58, 59, 60, 61, 101, 106, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119,
                              120, 121, 122, 123, 124, 125, 180, 182, 183, 202, 210, 211, 218, 219, 220, 221, 222))
            ip = f"{first}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
        return ip, "IP"

    def hex_group(self) -> str:
        return format(self.rng.randint(1, 0xFFFF), "x")

    def s_ip6(self):
        h = self.hex_group
        fmt = self.cycle("ip6", ("cn", "doc", "link", "full"))
        ip = {"cn": f"240e:{h()}:{h()}:{h()}::{h()}", "doc": f"2001:db8:{h()}::{h()}:{h()}:{h()}",
              "link": f"fe80::{h()}:{h()}:{h()}:{h()}",
              "full": f"2408:{h()}:{h()}:{h()}:{h()}:{h()}:{h()}:{h()}"}[fmt]
        return ip, "IP"

    def s_ip(self):
        return self.slot(self.cycle("ip", ("IP4", "IP4", "IP4", "IP6")))

    # -- accounts ---------------------------------------------------------------------------------------------------
    def s_qq(self):
        return self.digits(self.rng.randint(6, 10), "123456789"), "QQ"

    def s_wechat(self):
        r = self.rng
        h = r.choice(HANDLES)
        fmt = self.cycle("wechat", ("year", "mmdd", "digits", "two", "cap"))
        value = {"year": f"{h}_{r.randint(1990, 2024)}", "mmdd": f"{h}-{r.randint(1, 12):02d}{r.randint(1, 28):02d}",
                 "digits": h + self.digits(r.randint(3, 4)), "two": f"{h}_{r.choice(HANDLES)}{r.randint(1, 99)}",
                 "cap": f"{h.capitalize()}_{self.digits(2)}{r.choice(HANDLES)[:3]}"}[fmt]
        if len(value) < 6:
            value += self.digits(6 - len(value))
        return value[:20], "WECHAT_ID"

    def s_wxid(self):
        r = self.rng
        while True:
            tail = self.alnum(r.randint(12, 14), string.ascii_lowercase + string.digits)
            if re.search("[a-z]", tail) and re.search("[0-9]", tail):
                return "wxid_" + tail, "WECHAT_ID"

    # -- plates, passports ------------------------------------------------------------------------------------------
    def s_plate(self):
        r = self.rng
        head = r.choice(PROVINCE_CHARS) + r.choice(PLATE_LETTERS)
        fmt = self.cycle("plate", ("digits", "mixed", "mixed", "digits", "sep"))
        if fmt == "mixed":
            while True:
                tail = "".join(r.choice(PLATE_LETTERS + "0123456789" * 3) for _ in range(5))
                if sum(c.isdigit() for c in tail) >= 2 and not tail.isdigit():
                    break
        else:
            tail = self.digits(5)
        return head + ("·" if fmt == "sep" else "") + tail, "PLATE"

    def s_plate_ne(self):
        r = self.rng
        head = r.choice(PROVINCE_CHARS) + r.choice(PLATE_LETTERS)
        fmt = self.cycle("plate_ne", ("d_first", "d_first_sep", "d_last"))
        tail = r.choice("DF") + self.digits(5) if fmt.startswith("d_first") else self.digits(5) + r.choice("DF")
        return head + ("·" if fmt == "d_first_sep" else "") + tail, "PLATE"

    def s_passport(self):
        fmt = self.cycle("passport", ("E8", "E8", "G8", "EL7"))
        if fmt == "EL7":
            return "E" + self.rng.choice(PLATE_LETTERS) + self.digits(7), "PASSPORT"
        return fmt[0] + self.digits(8), "PASSPORT"

    # -- address ----------------------------------------------------------------------------------------------------
    def s_address(self):
        r = self.rng
        prov, city, districts = r.choice(ADMIN)
        dist, road, comm = r.choice(districts), r.choice(ROADS), r.choice(COMMUNITIES)
        no = f"{r.randint(1, 999)}号"
        bld = r.randint(1, 30)
        unit = r.randint(1, 6)
        room = f"{r.randint(1, 32)}{r.randint(1, 4):02d}"
        fmt = self.cycle("address", ("full", "road", "community", "tower", "full_comm"))
        value = {
            "full": f"{prov}{city}{dist}{road}{no}{bld}栋{room}室",
            "road": f"{city}{dist}{road}{no}",
            "community": f"{dist}{road}{no}{comm}{bld}幢{unit}单元{room}室",
            "tower": f"{city}{dist}{comm}{bld}号楼{unit}单元{room}",
            "full_comm": f"{prov}{city}{dist}{road}{no}{comm}{bld}栋",
        }[fmt]
        return value, "ADDRESS"

    # -- secrets ----------------------------------------------------------------------------------------------------
    def s_password(self):
        r = self.rng
        fmt = self.cycle("password", ("word_digits", "mixed", "cap_year", "word_digits", "digits8"))
        if fmt == "word_digits":
            value = "".join(r.choice(string.ascii_lowercase) for _ in range(r.randint(3, 5))) + self.digits(
                r.randint(4, 6))
        elif fmt == "mixed":
            while True:
                value = self.alnum(r.randint(8, 10), string.ascii_letters + string.digits + "!@#")
                if re.search("[A-Za-z]", value) and re.search("[0-9]", value) and value[0].isalnum():
                    break
        elif fmt == "cap_year":
            value = r.choice(("Qwer", "Abcd", "Hello", "Love", "Sunny", "Happy")) + r.choice("@#!") + str(
                r.randint(2015, 2025))
        else:
            value = self.digits(8)
        return value, "SECRET"

    def s_code(self):
        return self.digits(self.rng.choice((6, 6, 6, 4))), "SECRET"

    def s_apikey(self):
        fmt = self.cycle("apikey", ("sk", "sk_proj", "ghp", "akia"))
        value = {"sk": "sk-" + self.alnum(48), "sk_proj": "sk-proj-" + self.alnum(40),
                 "ghp": "ghp_" + self.alnum(36), "akia": "AKIA" + self.alnum(16, string.ascii_uppercase + string.digits)
                 }[fmt]
        return value, "SECRET"

    def s_token_url(self):
        r = self.rng
        hexs = "0123456789abcdef"
        fmt = self.cycle("token_url", ("cb", "login", "reset", "share", "sign"))
        sub = r.choice(("x", "pay", "api", "m", "auth", "open"))
        value = {
            "cb": f"https://{sub}.example.com/cb?token={self.alnum(32, hexs)}",
            "login": f"https://api.example.cn/v1/login?access_token={self.alnum(40)}&uid={self.digits(8, '123456789')}",
            "reset": f"https://{sub}.example.org/reset?code={self.alnum(24)}",
            "share": f"https://example.com/share/{self.alnum(8)}?key={self.alnum(32)}",
            "sign": f"http://{sub}.example.net/notify?ticket={self.alnum(20)}&sign={self.alnum(40, hexs)}",
        }[fmt]
        return value, "URL"

    def s_ssn(self):
        r = self.rng
        area = r.choice([a for a in range(1, 900) if a != 666])
        return f"{area:03d}-{r.randint(1, 99):02d}-{r.randint(1, 9999):04d}", "US_SSN"

    # -- non-PII fillers --------------------------------------------------------------------------------------------
    def s_e(self):
        return self.rng.choice(ENDINGS), None

    def s_ee(self):
        return self.rng.choice(EN_ENDINGS), None

    def _n(self, k: int) -> tuple[str, None]:
        return self.digits(k, "123456789"), None

    def s_n1(self):
        return self._n(1)

    def s_n2(self):
        return self._n(2)

    def s_n3(self):
        return self._n(3)

    def s_n4(self):
        return self._n(4)

    def s_n5(self):
        return self._n(5)

    def s_n6(self):
        return self._n(6)

    def s_h(self):
        return str(self.rng.randint(1, 6)), None

    def s_early(self):
        return f"{self.rng.randint(5, 8)}:{self.rng.choice(range(0, 60, 10)):02d}", None

    def s_mm(self):
        return f"{self.rng.choice(range(0, 60, 5)):02d}", None

    def s_time(self):
        return f"{self.rng.randint(6, 23)}:{self.rng.choice(range(0, 60, 5)):02d}", None

    def s_time_en(self):
        r = self.rng
        return self.cycle("time_en", (f"{r.randint(1, 12)}:{r.choice(range(0, 60, 15)):02d}pm",
                                      f"{r.randint(1, 12)}:{r.choice(range(0, 60, 15)):02d} am",
                                      f"{r.randint(1, 12)}pm", f"{r.randint(7, 23)}:{r.randint(0, 59):02d}")), None

    def _date(self) -> dt.date:
        return dt.date(2019, 1, 1) + dt.timedelta(days=self.rng.randint(0, 2500))

    def s_date(self):
        d = self._date()
        return self.cycle("date", (d.strftime("%Y-%m-%d"), d.strftime("%Y.%m.%d"), d.strftime("%Y/%m/%d"))), None

    def s_datecn(self):
        d = self._date()
        return self.cycle("datecn", (f"{d.year}年{d.month}月{d.day}日", f"{d.month}月{d.day}号",
                                     f"{d.month}月{d.day}日")), None

    def s_date_slash(self):
        d = self._date()
        return f"{d.month:02d}/{d.day:02d}", None

    def s_en_date(self):
        d = self._date()
        return self.cycle("en_date", (d.strftime("%b %d"), d.strftime("%m/%d/%Y"), d.strftime("%d/%m/%Y"),
                                      d.strftime("%B %d, %Y"), d.strftime("%Y-%m-%d"))), None

    def s_amt(self):
        r = self.rng
        return self.cycle("amt", (f"¥{r.randint(1, 99)},{r.randint(0, 999):03d}.{r.randint(0, 99):02d}",
                                  f"{r.randint(100, 9999)}元", "520", "1314",
                                  f"{r.randint(10, 999)}.{r.randint(0, 99):02d}元",
                                  f"￥{r.randint(10, 9999)}", f"{r.randint(1, 50)}万")), None

    def s_usd(self):
        r = self.rng
        return self.cycle("usd", (f"${r.randint(1, 9)},{r.randint(0, 999):03d}.{r.randint(0, 99):02d}",
                                  f"${r.randint(5, 999)}", f"${r.randint(1, 99)}.{r.randint(0, 99):02d}",
                                  f"£{r.randint(5, 999)}", f"${r.randint(10, 99)}k")), None

    def s_order(self):
        return self._date().strftime("%Y%m%d") + self.digits(9), None

    def s_order19(self):
        return self.digits(19, "123456789"), None

    def s_sf(self):
        return "SF" + self.digits(13, "1"), None

    def s_yt(self):
        return "YT" + self.digits(13, "789"), None

    def s_jd(self):
        return "JD00" + self.digits(11, "1234"), None

    def s_zto(self):
        return "7" + self.digits(13, "3578"), None

    def s_ts(self):
        return str(self.rng.randint(1_600_000_000, 1_760_000_000)), None

    def s_tsms(self):
        return str(self.rng.randint(1_600_000_000_000, 1_760_000_000_000)), None

    def s_ver3(self):
        r = self.rng
        return f"{r.randint(1, 12)}.{r.randint(0, 20)}.{r.randint(0, 30)}", None

    def s_winver(self):
        r = self.rng
        return f"10.0.{r.choice((19041, 19045, 22621, 22631, 26100))}.{r.randint(1, 4000)}", None

    def s_iosver(self):
        r = self.rng
        return f"{r.randint(15, 18)}.{r.randint(0, 6)}.{r.randint(1, 3)}", None

    def s_wxver(self):
        return f"8.0.{self.rng.randint(30, 55)}", None

    def s_room(self):
        r = self.rng
        return f"{r.randint(1, 32)}{r.randint(1, 12):02d}", None

    def s_hex8(self):
        return self.cycle("hex8", ("80070005", "8007000E", "C0000005", "80004005", "0000007B", "8024402C")), None

    def s_http(self):
        return self.rng.choice(("404", "500", "502", "503", "403")), None

    def s_kao(self):
        return self.rng.choice(KAOMOJI), None

    def s_steps(self):
        return str(self.rng.randint(8000, 35000)), None

    def s_city(self):
        return self.rng.choice(CITIES), None

    def s_trip(self):
        return self.rng.choice(TRIPS), None

    def s_district(self):
        return self.rng.choice(DISTRICTS), None

    def s_province(self):
        return self.rng.choice(PROVINCES), None

    def s_model(self):
        return self.rng.choice(MODELS), None

    def s_en_model(self):
        return self.rng.choice(EN_MODELS), None

    def s_flight(self):
        return self.rng.choice(("CA", "MU", "CZ", "HU", "ZH")) + self.digits(4, "123456789"), None

    def s_train(self):
        return self.rng.choice("GDK") + self.digits(self.rng.randint(2, 4), "123456789"), None

    def s_isbn(self):
        body = "978" + self.digits(9)
        check = (10 - sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(body)) % 10) % 10
        n = body + str(check)
        return f"{n[:3]}-{n[3]}-{n[4:7]}-{n[7:12]}-{n[12]}", None

    def s_stock(self):
        return self.rng.choice(("600519", "000001", "300750", "601318", "000858", "002594")), None

    def s_res(self):
        return self.rng.choice(("2560x1440", "1920×1080", "3840x2160", "1080p", "4K 120Hz")), None

    def s_amz(self):
        return f"{self.digits(3, '1')}-{self.digits(7)}-{self.digits(7)}", None

    def s_ups(self):
        return "1Z" + self.alnum(6, string.ascii_uppercase + string.digits) + self.digits(10), None


# ---------------------------------------------------------------------------------------------------------------------
# Templates: (id, text with {SLOT}s, how many lines). Slots are the s_* methods above.

ZH_POSITIVE: tuple[tuple[str, str, int], ...] = (
    ("phone-01", "我手机号{MOBILE}，到了打我{E}", 6),
    ("phone-02", "电话{MOBILE}{E}", 6),
    ("phone-03", "打这个{MOBILE}找我就行", 5),
    ("phone-04", "新号码{MOBILE}，旧的不用了哈", 5),
    ("phone-05", "哈哈哈你存一下我号{MOBILE}～", 5),
    ("phone-06", "老板的手机是{MOBILE}，你直接联系他", 4),
    ("phone-07", "快递员电话{MOBILE}说放门口了{E}", 4),
    ("phone-08", "{MOBILE}这个是我妈的号，有急事打这个", 4),
    ("phone-09", "微信同号{MOBILE}😊", 4),
    ("phone-10", "号码给你：{MOBILE}。", 4),
    ("phone-11", "我换号了{MOBILE}记得改备注", 4),
    ("phone-12", "房东电话{MOBILE}，押金的事找他", 4),
    ("phone-13", "座机{LANDLINE}，工作日9点到6点有人", 5),
    ("phone-14", "公司前台电话{LANDLINE}，找前台就行", 4),
    ("phone-15", "客服热线{HOTLINE}，打过去说没人接😤", 5),
    ("phone-16", "医院挂号电话{LANDLINE}，早上7点开始放号", 4),
    ("phone-17", "打{LANDLINE}问问还有没有房", 4),
    ("phone-18", "有事call我{MOBILE}", 4),
    ("phone-19", "师傅电话{MOBILE}，车快到了{E}", 4),
    ("phone-20", "emmm我电话{MOBILE}，你加一下", 4),
    ("phone-21", "叫的车到楼下了，司机{MOBILE}～", 3),
    ("phone-22", "门店电话{PHONE}，营业到晚上十点", 4),
    ("email-01", "邮箱{EMAIL}，发我一下{E}", 5),
    ("email-02", "简历发到{EMAIL}就行", 4),
    ("email-03", "我的邮箱是{EMAIL}。", 4),
    ("email-04", "邮箱{EMAIL}或者直接微信发我", 4),
    ("email-05", "发{EMAIL}吧，公司邮箱进不去了😭", 4),
    ("email-06", "你看下{EMAIL}收到没", 4),
    ("email-07", "作业交到{EMAIL}，周五截止", 3),
    ("email-08", "email：{EMAIL}", 3),
    ("email-09", "用{EMAIL}注册的，密码忘了哈哈", 3),
    ("email-10", "抄送{EMAIL}和{EMAIL}", 3),
    ("email-11", "QQ邮箱{QQMAIL}收一下", 3),
    ("id-01", "身份证号{CN_ID}，帮我订一下票", 5),
    ("id-02", "身份证{CN_ID}{E}", 5),
    ("id-03", "{CN_ID}这是我的身份证号码", 4),
    ("id-04", "报名要身份证号：{CN_ID}", 4),
    ("id-05", "我妈的证件号{CN_ID}，名字发你了", 4),
    ("id-06", "证件号码{CN_ID}，你核对一下", 4),
    ("id-07", "订酒店用这个{CN_ID}", 4),
    ("id-08", "身份证号码是{CN_ID}。谢啦～", 4),
    ("card-01", "卡号{CARD}，直接转就行", 5),
    ("card-02", "银行卡号{CARD}{E}", 5),
    ("card-03", "转到这个卡{CARD}，工商银行的", 4),
    ("card-04", "我的卡号是{CARD}。", 4),
    ("card-05", "打到{CARD}吧，农行", 4),
    ("card-06", "工资卡{CARD}换了，记一下", 4),
    ("card-07", "信用卡{CARD}被盗刷了😭", 4),
    ("card-08", "账号{CARD}，户名发你了", 4),
    ("card-09", "{CARD}这张卡别用了", 3),
    ("card-10", "visa卡{VISA}能用吗", 3),
    ("ip-01", "我的IP是{IP4}", 5),
    ("ip-02", "服务器IP{IP}，账号密码私聊", 4),
    ("ip-03", "连不上{IP4}啊，你看下", 4),
    ("ip-04", "ping一下{IP4}看看通不通", 4),
    ("ip-05", "ssh root@{IP4}，密码等下给你", 3),
    ("ip-06", "内网地址{IP4}:8080打不开", 4),
    ("ip-07", "IPv6是{IP6}", 4),
    ("ip-08", "路由器后台{IP4}，进去改下wifi", 4),
    ("ip-09", "他IP{IP4}，被封了哈哈", 3),
    ("ip-10", "我这边出口IP {IP}，加下白名单", 4),
    ("qq-01", "QQ号{QQ}，加我", 4),
    ("qq-02", "加我q {QQ}", 4),
    ("qq-03", "我扣扣{QQ}～", 3),
    ("qq-04", "qq：{QQ}，备注一下", 3),
    ("qq-05", "我QQ是{QQ}{E}", 3),
    ("qq-06", "群号不记得了，加我QQ {QQ}拉你", 3),
    ("wx-01", "微信号：{WECHAT}", 4),
    ("wx-02", "加我微信{WECHAT}，备注来意", 4),
    ("wx-03", "vx：{WECHAT}", 3),
    ("wx-04", "我的微信号是{WECHAT}哈", 3),
    ("wx-05", "{WXID}这个是他的wxid", 3),
    ("wx-06", "转发：wxid是{WXID}，帮我拉群", 3),
    ("wx-07", "wechat: {WECHAT}", 3),
    ("wx-08", "搜微信号{WECHAT}就能找到我", 3),
    ("plate-01", "车牌{PLATE}，停在负二层了", 4),
    ("plate-02", "我车是{PLATE}，白色的", 4),
    ("plate-03", "{PLATE}那辆车挡我道了😡", 3),
    ("plate-04", "滴滴车牌号{PLATE}，快到了", 3),
    ("plate-05", "新能源牌照{PLATE_NE}", 4),
    ("pp-01", "护照号{PASSPORT}", 4),
    ("pp-02", "护照号码是{PASSPORT}，签证要用", 4),
    ("pp-03", "帮我订机票，护照{PASSPORT}", 3),
    ("addr-01", "地址：{ADDRESS}", 5),
    ("addr-02", "寄到{ADDRESS}，谢谢～", 5),
    ("addr-03", "我家在{ADDRESS}，你导航过来", 4),
    ("addr-05", "新家地址{ADDRESS}，周末来玩{E}", 4),
    ("addr-06", "快递放{ADDRESS}门口就行", 3),
    ("sec-01", "密码是{PASSWORD}", 4),
    ("sec-02", "wifi密码{PASSWORD}，连上了说一声", 4),
    ("sec-03", "验证码 {CODE}，别告诉别人", 3),
    ("sec-04", "验证码是{CODE}，快点填", 3),
    ("sec-05", "【某银行】您的验证码为{CODE}，五分钟内有效", 3),
    ("sec-06", "API key给你：{APIKEY}", 4),
    ("sec-07", "用这个{APIKEY}，别外传", 3),
    ("sec-08", "登录密码：{PASSWORD}，记得改", 3),
    ("url-01", "点这个链接{TOKEN_URL}就能登录", 4),
    ("url-02", "回调地址{TOKEN_URL}", 3),
    ("url-03", "{TOKEN_URL} 这个链接别转发", 3),
    ("url-04", "重置链接：{TOKEN_URL}", 3),
    ("multi-01", "手机{MOBILE}，邮箱{EMAIL}{E}", 4),
    ("multi-02", "身份证{CN_ID}，卡号{CARD}，手机{MOBILE}", 4),
    ("multi-03", "收件人电话{MOBILE}，地址{ADDRESS}", 4),
    ("multi-04", "QQ{QQ}，微信{WECHAT}，都可以加", 3),
    ("multi-05", "服务器{IP4}，密码{PASSWORD}", 3),
    ("multi-06", "车牌{PLATE}，司机电话{MOBILE}", 3),
    ("multi-07", "护照{PASSPORT}，手机{MOBILE}，邮箱{EMAIL}", 3),
    ("multi-08", "手机{MOBILE}微信同号，邮箱{EMAIL}", 3),
    ("multi-09", "帮我填一下表，身份证{CN_ID}，手机{MOBILE}", 3),
    ("multi-10", "账号{EMAIL}密码{PASSWORD}", 3),
    ("multi-11", "收货地址{ADDRESS}，电话{PHONE}{E}", 3),
)

ZH_HARD_NEGATIVE: tuple[tuple[str, str, int], ...] = (
    ("neg-amount-01", "转账{AMT}，收一下{E}", 4),
    ("neg-amount-02", "这个月房租{N4}元，水电另算", 3),
    ("neg-amount-03", "一共{AMT}，AA的话每人{N3}", 3),
    ("neg-amount-04", "红包{N3}元哈哈手气最佳", 3),
    ("neg-amount-05", "工资到账{N5}.{N2}元😭不够花", 3),
    ("neg-amount-06", "转账520给你～", 1),
    ("neg-amount-07", "双十一花了{N5}块，吃土了", 3),
    ("neg-amount-08", "余额宝收益{N2}.{N2}，聊胜于无", 2),
    ("neg-date-01", "{DATE}那天你有空吗", 3),
    ("neg-date-02", "{DATECN}开会，别忘了", 3),
    ("neg-date-03", "截止日期{DATE_SLASH}，还来得及", 3),
    ("neg-date-04", "{DATE} {TIME}在门口集合", 3),
    ("neg-time-01", "{TIME}见，老地方", 3),
    ("neg-time-02", "下午{H}点{MM}分的高铁", 3),
    ("neg-time-03", "明早{EARLY}的闹钟帮我定一下", 2),
    ("neg-order-01", "订单号{ORDER}，帮我查下到哪了", 4),
    ("neg-order-02", "淘宝订单{ORDER19}一直没发货", 4),
    ("neg-order-03", "退款单号{ORDER}，钱还没到", 3),
    ("neg-parcel-01", "顺丰{SF}，明天到", 3),
    ("neg-parcel-02", "圆通{YT}还在路上", 3),
    ("neg-parcel-03", "快递单号 {JD}，京东的", 3),
    ("neg-parcel-04", "中通快递{ZTO}签收了吗", 3),
    ("neg-ts-01", "日志里时间戳是{TS}", 3),
    ("neg-ts-02", "created_at: {TSMS}", 3),
    ("neg-ts-03", "那条消息的时间是{TS}，你换算一下", 2),
    ("neg-ver-01", "升级到v{VER3}了吗", 3),
    ("neg-ver-02", "版本{WINVER}，是不是太老了", 3),
    ("neg-ver-03", "iOS {IOSVER}更新了，电量掉得快", 3),
    ("neg-ver-04", "微信{WXVER}版本有bug", 2),
    ("neg-room-01", "我在{ROOM}室，上来吧", 3),
    ("neg-room-02", "{ROOM}房间的空调坏了", 3),
    ("neg-room-03", "会议室改到{N1}楼{ROOM}了", 2),
    ("neg-err-01", "报错码E{N4}，咋整", 3),
    ("neg-err-02", "蓝屏了，0x{HEX8}", 3),
    ("neg-err-03", "网页显示{HTTP}，打不开", 3),
    ("neg-err-04", "安装失败 错误代码{N4}", 2),
    ("neg-kao-01", "{KAO}", 3),
    ("neg-kao-02", "好哒{KAO}", 3),
    ("neg-kao-03", "{KAO}我错了", 2),
    ("neg-count-01", "今天跑了{N2}公里，累死", 3),
    ("neg-count-02", "步数{STEPS}，朋友圈第一", 3),
    ("neg-count-03", "这个视频{N6}播放量了", 3),
    ("neg-count-04", "考了{N3}分哈哈", 2),
    ("neg-count-05", "体重{N2}.{N1}kg，又胖了", 2),
    ("neg-place-01", "我在{CITY}，你呢", 3),
    ("neg-place-02", "{DISTRICT}很好玩，下次一起去", 3),
    ("neg-place-03", "周末去{TRIP}玩{E}", 3),
    ("neg-place-04", "{PROVINCE}的菜太辣了", 2),
    ("neg-model-01", "新买的{MODEL}到了", 3),
    ("neg-model-02", "{MODEL}值得买吗", 3),
    ("neg-misc-01", "航班{FLIGHT}晚点了", 3),
    ("neg-misc-02", "高铁{TRAIN}次，{N1}车{N1}F", 3),
    ("neg-misc-03", "ISBN {ISBN}这本书你看过没", 3),
    ("neg-misc-04", "满{N3}减{N2}，凑单吗", 2),
    ("neg-misc-05", "股票{STOCK}今天涨停了", 3),
    ("neg-misc-06", "第{N2}集太好哭了", 2),
    ("neg-misc-07", "比分{N1}:{N1}，绝杀！", 2),
    ("neg-misc-08", "排队{N3}号，前面还有{N2}桌", 2),
    ("neg-misc-09", "会员积分{N5}，能换啥", 2),
    ("neg-misc-10", "电量{N2}%，快没电了", 2),
    ("neg-misc-11", "分辨率{RES}够用了", 2),
    ("neg-misc-12", "电费{N3}.{N2}，水费{N2}.{N1}", 2),
    ("neg-ctx-01", "验证码一直收不到，烦死了", 1),
    ("neg-ctx-02", "密码忘了怎么办😭", 1),
    ("neg-ctx-03", "我QQ号被盗了，别信骗子", 1),
    ("neg-ctx-04", "身份证丢了要去补办", 1),
    ("neg-ctx-05", "你手机号多少？发我一下", 1),
    ("neg-ctx-06", "卡号发我，我转你", 1),
    ("neg-ctx-07", "微信号改不了了吗", 1),
    ("neg-ctx-08", "邮箱地址写错了，重新填", 1),
    ("neg-ctx-09", "IP被封了，换个节点", 1),
    ("neg-ctx-10", "车牌摇号又没中", 1),
)

ZH_CLEAN: tuple[str, ...] = (
    "哈哈哈哈笑死我了", "晚上吃啥", "收到，谢谢", "好的好的👌", "在吗", "明天见～", "我到了，你在哪",
    "刚下班，累死了😭",
    "周末去爬山吗", "这个电影好看吗", "你先睡吧，晚安🌙", "今天好冷啊", "哈哈你太逗了", "等我一下，马上", "嗯嗯",
    "好滴", "你吃饭了吗", "生日快乐🎂🎉", "这家火锅真不错", "下雨了记得带伞☔", "我妈让我回家吃饭", "老板又加班了",
    "辛苦啦[抱拳]", "明天早点起", "你看群消息了吗", "笑不活了[破涕为笑]", "猫又把杯子打翻了🐱", "快递到了吗",
    "今天天气真好☀️", "好想放假啊", "这题我也不会", "你说得对", "我再想想", "行，就这么定了", "路上小心",
    "到家了说一声", "刚开完会", "你那边几点了", "太可爱了吧🥺", "我也是这么想的", "别熬夜了", "奶茶喝吗",
    "今天健身了💪", "我先去洗澡", "周五聚餐别迟到", "新年快乐🧧", "哇塞好厉害", "在地铁上，信号不好", "晚点聊",
    "恭喜恭喜🎉", "我请客", "那家店关门了", "你推荐的书我看完了", "感冒好点没", "考试加油💪", "哈哈哈我也是",
    "早呀☀️", "吃了吗您", "这个表情包笑死", "明天降温注意保暖", "他怎么还没回消息",
)

EN_POSITIVE: tuple[tuple[str, str, int], ...] = (
    ("en-phone-01", "my number is {EN_PHONE}{EE}", 5),
    ("en-phone-02", "call me at {EN_PHONE} after 6", 5),
    ("en-phone-03", "text me {US_PHONE}{EE}", 4),
    ("en-phone-04", "new number: {EN_PHONE}", 4),
    ("en-phone-05", "you can reach me on {GB_PHONE}", 4),
    ("en-phone-06", "office line {US_PHONE}, ask for reception", 3),
    ("en-phone-07", "{US_PHONE} is my mom's cell, use it if I don't pick up", 3),
    ("en-phone-08", "here's the plumber's number {EN_PHONE}", 3),
    ("en-phone-09", "my chinese number is {CN_INTL}", 3),
    ("en-phone-10", "whatsapp me on {GB_PHONE} when you land", 3),
    ("en-email-01", "email me at {EMAIL_EN}{EE}", 4),
    ("en-email-02", "send it to {EMAIL_EN} pls", 4),
    ("en-email-03", "my email's {EMAIL_EN}", 3),
    ("en-email-04", "cc {EMAIL_EN} and {EMAIL_EN}", 3),
    ("en-email-05", "{EMAIL_EN} is my work one", 3),
    ("en-card-01", "card number {CARD_EN}", 4),
    ("en-card-02", "use my card {CARD_EN} exp 12/27", 4),
    ("en-card-03", "here's the card: {CARD_EN}", 3),
    ("en-card-04", "{CARD_EN} is the company card, don't lose it", 3),
    ("en-ip-01", "my ip is {IP4}", 4),
    ("en-ip-02", "server's at {IP4}:22", 3),
    ("en-ip-03", "can you whitelist {IP}?", 3),
    ("en-ip-04", "ping {IP4} and tell me", 3),
    ("en-ip-05", "ipv6 is {IP6}", 3),
    ("en-ssn-01", "ssn {SSN} for the form", 3),
    ("en-ssn-02", "my social is {SSN}", 2),
    ("en-sec-01", "wifi password is {PASSWORD}", 3),
    ("en-sec-02", "api key: {APIKEY}", 3),
    ("en-sec-03", "the code is {CODE}, hurry", 2),
    ("en-url-01", "reset link {TOKEN_URL}", 3),
    ("en-multi-01", "call {US_PHONE} or email {EMAIL_EN}", 3),
    ("en-multi-02", "ip {IP4}, password {PASSWORD}", 2),
    ("en-multi-03", "card {CARD_EN}, phone {EN_PHONE}", 2),
)

EN_HARD_NEGATIVE: tuple[tuple[str, str, int], ...] = (
    ("en-neg-price-01", "that's {USD}, way too much", 4),
    ("en-neg-price-02", "it was {USD} on sale{EE}", 3),
    ("en-neg-date-01", "see you on {EN_DATE}", 4),
    ("en-neg-date-02", "meeting {DATE} at {TIME_EN}", 3),
    ("en-neg-time-01", "{TIME_EN} works for me", 3),
    ("en-neg-order-01", "order #{AMZ} still not shipped", 4),
    ("en-neg-track-01", "tracking {UPS}", 3),
    ("en-neg-ver-01", "update to v{VER3} first", 3),
    ("en-neg-ver-02", "iOS {IOSVER} broke my battery", 3),
    ("en-neg-ver-03", "windows build {WINVER} again", 2),
    ("en-neg-room-01", "I'm in room {ROOM}", 3),
    ("en-neg-err-01", "error 0x{HEX8} again", 3),
    ("en-neg-err-02", "got a {HTTP} on that page", 2),
    ("en-neg-count-01", "ran {N1}.{N1} miles today", 2),
    ("en-neg-count-02", "{STEPS} steps!!", 2),
    ("en-neg-model-01", "new {EN_MODEL} arrived{EE}", 3),
    ("en-neg-flight-01", "flight BA{N3} delayed", 2),
    ("en-neg-score-01", "score was {N1}-{N1}", 2),
    ("en-neg-isbn-01", "ISBN {ISBN}, great book", 2),
    ("en-neg-misc-01", "it's {N2}°F here", 2),
    ("en-neg-misc-02", "{N6} views already lol", 2),
    ("en-neg-ctx-01", "what's your number?", 1),
    ("en-neg-ctx-02", "my password is wrong again", 1),
    ("en-neg-ctx-03", "send me your email later", 1),
    ("en-neg-ctx-04", "call me when you're free", 1),
)

EN_CLEAN: tuple[str, ...] = (
    "lol that's hilarious 😂", "on my way", "running 10 min late sorry", "sounds good!", "what time tomorrow?",
    "did you see the game last night", "happy birthday!! 🎉", "miss you ❤️", "can't talk rn, in a meeting",
    "ok cool", "thanks so much 🙏", "haha same", "dinner at mine?", "love that song", "good night 😴",
    "just landed", "traffic is awful", "where are you?", "brb", "let's do it",
)


def _render(template: str, gen: Gen) -> tuple[str, list[dict]]:
    out: list[str] = []
    spans: list[dict] = []
    pos = n = 0
    for m in re.finditer(r"\{([A-Z0-9_]+)\}", template):
        lit = template[pos:m.start()]
        out.append(lit)
        n += len(lit)
        surface, kind = gen.slot(m.group(1))
        if kind:
            spans.append({"start": n, "end": n + len(surface), "kind": kind})
        out.append(surface)
        n += len(surface)
        pos = m.end()
    out.append(template[pos:])
    return "".join(out), spans


def build(prefix: str, positive, hard_negative, clean, seed: int) -> list[dict]:
    """All records of one gold set, ids ``{prefix}-0001`` on, positives first, then hard negatives, then clean lines."""
    gen = Gen(seed)
    seen: set[str] = set()
    rows: list[dict] = []

    def add(text: str, spans: list[dict], category: str, template: str) -> None:
        rows.append({"id": f"{prefix}-{len(rows) + 1:04d}", "text": text, "spans": spans, "category": category,
                     "template": template})
        seen.add(text)

    for category, templates in (("positive", positive), ("hard_negative", hard_negative)):
        for tid, template, count in templates:
            for _ in range(count):
                for _attempt in range(50):
                    text, spans = _render(template, gen)
                    if text not in seen:
                        break
                else:
                    continue  # a fixed template: one line is enough
                add(text, spans, category, tid)
    for i, text in enumerate(clean):
        add(text, [], "clean", f"{prefix}-clean")
    return rows


def zh_records(seed: int = SEED) -> list[dict]:
    return build("zh", ZH_POSITIVE, ZH_HARD_NEGATIVE, ZH_CLEAN, seed)


def en_records(seed: int = SEED) -> list[dict]:
    return build("en", EN_POSITIVE, EN_HARD_NEGATIVE, EN_CLEAN, seed + 1)


def dumps(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


# ---------------------------------------------------------------------------------------------------------------------
# The speed corpus: a realistic chat mix, not a gold set.

_ZH_BITS = ZH_CLEAN + (
    "我觉得还行", "你们先走", "等会儿再说", "真的假的", "怎么又下雨了", "好困啊", "今天不想上班", "这也太贵了吧",
    "我们去看电影吧", "你那个文件发我一下", "收到收到", "不用谢", "你问问他", "我没意见", "随便吧", "好久不见",
    "有空一起吃饭", "最近忙啥呢", "还在路上", "刚醒", "这个怎么弄", "你会不会", "我试试", "可以可以", "不行",
    "明天再说吧", "孩子睡了吗", "记得吃药", "周末加班", "这周太累了", "下次注意", "没事没事", "我来晚了",
    "今天吃了火锅", "晚上一起打游戏", "上号", "帮我带杯咖啡", "群里有人吗", "这个链接打不开", "图片看不到",
)
_EN_BITS = EN_CLEAN + (
    "see you soon", "what are you up to", "nah I'm good", "that's wild", "send me the pics", "omg yes",
    "I'll check and get back to you", "are we still on for tonight", "no worries", "sure thing", "totally agree",
    "how was the trip", "let me know", "good luck today", "I'm so tired", "call you later",
)
_EMOJI = ("😂", "🤣", "😭", "👍", "🙏", "❤️", "😊", "🥺", "😅", "🤔", "🎉", "[捂脸]", "[旺柴]", "[破涕为笑]", "[呲牙]",
          "[强]", "[微笑]", "～", "哈哈", "!!", "...")
_DIGIT_TEMPLATES = tuple(t for t in ZH_HARD_NEGATIVE if t[0].split("-")[1] in ("amount", "date", "time", "count"))


def chat_corpus(n: int, seed: int = 1) -> Iterator[str]:
    """``n`` chat lines: ~93% ordinary Chinese/English chat with emoji, ~5% with times/amounts/dates/counts, ~2% with
    PII (the gold set's positive templates, fresh values). Deterministic for a seed."""
    gen = Gen(seed)
    r = gen.rng
    positives = ZH_POSITIVE + EN_POSITIVE
    for _ in range(n):
        x = r.random()
        if x < 0.02:
            yield _render(r.choice(positives)[1], gen)[0]
        elif x < 0.07:
            yield _render(r.choice(_DIGIT_TEMPLATES)[1], gen)[0]
        elif x < 0.80:
            k = r.choice((1, 1, 1, 2, 2, 3))
            line = "，".join(r.choice(_ZH_BITS) for _ in range(k))
            if r.random() < 0.35:
                line += r.choice(_EMOJI)
            yield line
        else:
            k = r.choice((1, 1, 2))
            line = " ".join(r.choice(_EN_BITS) for _ in range(k))
            if r.random() < 0.3:
                line += " " + r.choice(_EMOJI)
            yield line


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--zh", type=Path, default=ZH_OUT)
    ap.add_argument("--en", type=Path, default=EN_OUT)
    args = ap.parse_args(argv)
    for path, rows in ((args.zh, zh_records(args.seed)), (args.en, en_records(args.seed))):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dumps(rows), encoding="utf-8")
        cats: dict[str, int] = {}
        kinds: dict[str, int] = {}
        for row in rows:
            cats[row["category"]] = cats.get(row["category"], 0) + 1
            for s in row["spans"]:
                kinds[s["kind"]] = kinds.get(s["kind"], 0) + 1
        multi = sum(len(row["spans"]) > 1 for row in rows)
        print(f"{path}: {len(rows)} lines ({', '.join(f'{k} {v}' for k, v in cats.items())}); "
              f"{multi} with 2+ spans; spans: {', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
