#!/usr/bin/env python3
"""Write a large synthetic MemoTrace v2 CSV for the import benchmark.

    python bench/gen_memotrace_csv.py OUT.csv --messages 1000000 [--chats 50] [--seed 1]

The file has the exact MemoTrace v2 header and encoding (utf-8-sig, csv-module quoting). Its chats follow one another in
the file, as if several per-chat exports had been concatenated; each chat's messages are in time order.

Distributions (roughly what a real WeChat account looks like):
- Message kinds: ~85% text, ~6% stickers (47), ~4% images (3), 2% voice (34), 1% quote replies (49/57), 1% system
  lines (10000), and ~1% other (video 43, location 48, file 49/6, link 49/5, call 50, transfer 49/2000).
- Text: 1–200 characters, log-normal lengths with a median of about 9. Mostly Chinese with English and mixed lines.
  Some texts have bracket emoji, Unicode emoji, ASCII commas and quotes (which force CSV quoting), or several lines.
- IsSender is about 45% 1.
- Chat sizes are Zipf-like; about one chat in five is a group chat.
- Gaps are seconds to minutes inside a conversation and hours to days between conversations. Each chat spans at
  most about five years.

It is fast: numpy draws everything per column, and the csv module writes batches (1M rows take about 10 s).
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

import numpy as np

HEADER = ["localId", "TalkerId", "Type", "SubType", "IsSender", "CreateTime", "Status", "StrContent", "StrTime",
          "Remark", "NickName", "Sender"]

ME_WXID, ME_NAME = "wxid_me_bench", "林小雨"

# Bump when the output for the same arguments changes (bench_import.py keys its cached files on it).
GENERATOR_VERSION = 1

# ---------------------------------------------------------------------------------------------------------------------
# Text material

ZH = """哈哈哈 好的 收到 在吗 吃了吗 今天好累啊 明天见 晚安 早上好 我到了 你到哪了 等我一下 马上到 路上堵车
周末有空吗 一起吃火锅吧 这个好好笑 笑死我了 真的假的 不会吧 太离谱了 我也是这么想的 你说得对 有道理 算了算了
下班了没 还在加班 老板又改需求了 这个方案还要再改 开会开到现在 刚开完会 中午吃什么 点个外卖吧 奶茶要喝吗
我请你 下次吧 没问题 可以可以 行 好嘞 嗯嗯 对对对 是的 不是吧 怎么了 发生什么了 你还好吗 别担心 会好的
猫又把杯子推下去了 狗子今天拆家了 天气好冷 下雨了记得带伞 出门了吗 到家了 记得吃药 早点睡 别熬夜
这个周末去爬山 票买好了 订了酒店 几点的高铁 我在地铁上 信号不好 听不清 等下打给你 刚看到消息 不好意思回晚了
生日快乐 新年快乐 恭喜恭喜 辛苦了 谢谢 不客气 麻烦你了 帮我看一下 这个怎么弄 我发你邮箱 文件收到了吗
明天几点开会 记得带电脑 会议改到下午三点了 这个链接打不开 重启一下试试 好像好了 还是不行 我再看看
你看那个新闻了吗 这部剧太好看了 推荐你看 追完了 结局好烂 下一季什么时候出 一起去看电影吧 电影票买好了
今天跑了五公里 腿好酸 健身房人好多 减肥失败 又胖了 吃完这顿再减 火锅真好吃 那家店排队好久 下次早点去"""

EN = """ok sounds good. lol that's hilarious. see you tomorrow. on my way. running late, sorry.
can you send me the file?
thanks! no worries. let me check. what time is the meeting? I'm at the station. call me when you're free.
did you see the news? that's crazy. happy birthday! good night. morning! just landed. miss you guys.
let's grab dinner this weekend, shall we? the deadline is Friday, right? "quick question", do you have a minute?
I'll be there in 5. traffic is terrible. haha yes. nope. maybe later. sure thing. got it, thanks."""

MIXED = """这个 feedback 我明天给你 | 今天的 meeting 好长 | deadline 是周五 | 我先 check 一下 | okk 收到
| 这个 case 有点难 | 帮我 review 一下 | PPT 做完了吗 | 下周 OKR 要交 | 我 offline 一会 | 好的 no problem
| so cute 哈哈哈 | 这个 bug 修好了 | 周末 hiking 去吗 | 我在 Starbucks 等你 | 晚上 KTV 走起 | 发你 PDF 了
| 这个 App 好用吗 | iPhone 又卡了 | 刚下 flight"""

BRACKETS = ("[微笑]", "[捂脸]", "[旺柴]", "[呲牙]", "[偷笑]", "[破涕为笑]", "[强]", "[抱拳]", "[加油]", "[哇]",
            "[让我看看]", "[裂开]", "[苦涩]", "[Facepalm]", "[Doge]", "[Smile]", "[ThumbsUp]", "[Lol]", "[爱心]",
            "[玫瑰]")
UNICODE_EMOJI = ("😂", "🤣", "😭", "👍", "🙏", "❤️", "🎉", "🐱", "🔥", "😅", "🥹", "🍲")
KAOMOJI = ("(｡･ω･｡)", "(╥﹏╥)", "(≧▽≦)", "(ง •̀_•́)ง", "╮(╯▽╰)╭", "(*^▽^*)")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏建飞雪琳晶欣怡子轩浩然宇航梓涵诗雨思彤嘉俊博文"
EN_NAMES = ("Jay", "Coco", "Leo", "Amy", "Kevin", "Lily", "Tony", "Vivian", "Sam", "Grace", "Eric", "Mia")


def _fragments() -> tuple[list[str], list[str], list[str]]:
    zh = ZH.split()
    en = [s.strip() for s in EN.replace("\n", " ").split(". ") if s.strip()]
    mixed = [s.strip() for s in MIXED.replace("\n", " ").split("|") if s.strip()]
    return zh, en, mixed


def make_text_pool(rng: random.Random, nrng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct-ish chat lines with realistic lengths (1–200 chars, median ~9)."""
    zh, en, mixed = _fragments()
    lengths = np.clip(np.rint(nrng.lognormal(mean=np.log(9), sigma=0.85, size=n)), 1, 200).astype(int)
    pool = []
    for target in lengths.tolist():
        r = rng.random()
        src, sep = (zh, ("", "，", " ", "")) if r < 0.7 else (en, (" ", ", ")) if r < 0.85 else (mixed, (" ", "，"))
        parts = [rng.choice(src)]
        seps = [""]
        size = len(parts[0])
        while size < target:
            parts.append(rng.choice(src if rng.random() < 0.8 else zh))
            seps.append(rng.choice(sep))
            size += len(parts[-1]) + len(seps[-1])
        if len(parts) > 1 and size > target * 1.5:  # stop at a fragment boundary near the target length
            parts.pop()
            seps.pop()
        if len(parts) > 2 and rng.random() < 0.15:  # multi-line
            for j in rng.sample(range(1, len(parts)), k=min(len(parts) - 1, rng.randint(1, 3))):
                seps[j] = "\n"
        text = "".join(x + y for x, y in zip(seps, parts))[:200]
        r = rng.random()
        if r < 0.10:
            text += rng.choice(BRACKETS) * (1 + (rng.random() < 0.2))
        elif r < 0.15:
            text += rng.choice(UNICODE_EMOJI)
        elif r < 0.18:
            text += " " + rng.choice(KAOMOJI)
        if rng.random() < 0.02:
            text = f'他说"{text}"'
        pool.append(text[:200])
    return pool


# ---------------------------------------------------------------------------------------------------------------------
# XML bodies of the non-text types


def _hex32(nrng: np.random.Generator, n: int) -> list[str]:
    raw = nrng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    return [r.tobytes().hex() for r in raw]


def sticker_xml(md5: str, size: int, sender: str, receiver: str) -> str:
    url = f"http://emoji.example.com/stodownload?m={md5}&amp;filekey=30340201010420{md5}&amp;bizid=1023"
    return (f'<msg><emoji fromusername="{sender}" tousername="{receiver}" type="2" idbuffer="media:0_0" md5="{md5}" '
            f'len="{size}" productid="" androidmd5="{md5}" androidlen="{size}" cdnurl="{url}" designerid="" '
            f'thumburl="" encrypturl="{url}" aeskey="{md5[::-1]}" externurl="" externmd5="" width="240" '
            f'height="240" tpurl="" tpauthkey="" attachedtext="" lensid="" emojiattr="" linkid="" desc="">'
            '</emoji></msg>')


def image_xml(md5: str, size: int) -> str:
    return ('<?xml version="1.0"?>\n<msg>\n'
            f'\t<img aeskey="{md5[::-1]}" encryver="1" cdnthumbaeskey="{md5[3:] + md5[:3]}" '
            f'cdnthumburl="3057020100044b30490201000204{md5}{md5[:16]}" cdnthumblength="{size // 97}" '
            f'cdnthumbheight="120" cdnthumbwidth="90" cdnmidimgurl="3057020100044b30490201000204{md5}" '
            f'length="{size}" md5="{md5}" />\n\t<platform_signature></platform_signature>\n'
            '\t<imgdatahash></imgdatahash>\n</msg>\n')


def voice_xml(md5: str, ms: int, sender: str) -> str:
    return (f'<msg><voicemsg endflag="1" cancelflag="0" forwardflag="0" voiceformat="4" voicelength="{ms}" '
            f'length="{ms * 16 // 10}" bufid="0" aeskey="{md5}" voiceurl="3052020100044b3049020100{md5}" '
            f'voicemd5="" clientmsgid="41{md5[:30]}" fromusername="{sender}" /></msg>')


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote_xml(title: str, quoted: str, quoted_name: str, quoted_wxid: str, chat: str, created: int, sender: str,
              svrid: int) -> str:
    return ('<msg>\n\t<appmsg appid="" sdkver="0">\n'
            f'\t\t<title>{_esc(title)}</title>\n\t\t<des />\n\t\t<action />\n\t\t<type>57</type>\n'
            '\t\t<showtype>0</showtype>\n\t\t<content />\n\t\t<url />\n\t\t<appattach>\n\t\t\t<totallen>0</totallen>\n'
            '\t\t</appattach>\n\t\t<refermsg>\n\t\t\t<type>1</type>\n'
            f'\t\t\t<svrid>{svrid}</svrid>\n\t\t\t<fromusr>{quoted_wxid}</fromusr>\n\t\t\t<chatusr>{chat}</chatusr>\n'
            f'\t\t\t<displayname>{_esc(quoted_name)}</displayname>\n\t\t\t<content>{_esc(quoted)}</content>\n'
            f'\t\t\t<createtime>{created}</createtime>\n\t\t</refermsg>\n\t</appmsg>\n'
            f'\t<fromusername>{sender}</fromusername>\n\t<scene>0</scene>\n\t<appinfo>\n\t\t<version>1</version>\n'
            '\t\t<appname></appname>\n\t</appinfo>\n\t<commenturl></commenturl>\n</msg>\n')


OTHER_KINDS = [  # (Type, SubType, weight)
    (43, 0, 0.30), (48, 0, 0.08), (49, 6, 0.15), (49, 5, 0.25), (50, 0, 0.12), (49, 2000, 0.07), (42, 0, 0.03),
]


def other_xml(typ: int, sub: int, md5: str, n: int, text: str, t: int) -> str:
    if typ == 43:
        return (f'<?xml version="1.0"?>\n<msg>\n\t<videomsg aeskey="{md5}" cdnthumbaeskey="{md5[::-1]}" '
                f'cdnvideourl="3057020100044b3049{md5}" length="{n * 37}" playlength="{n % 90 + 3}" '
                f'md5="{md5}" />\n</msg>\n')
    if typ == 48:
        return (f'<?xml version="1.0"?>\n<msg>\n\t<location x="30.{n % 99999:05d}" y="120.{(n * 7) % 99999:05d}" '
                f'scale="15" label="浙江省杭州市西湖区" maptype="roadmap" '
                f'poiname="{_esc(text[:12])}" poiid="" />\n</msg>\n')
    if typ == 49 and sub == 6:
        return (f'<msg><appmsg appid="" sdkver="0"><title>{_esc(text[:20])}.pdf</title><des></des><type>6</type>'
                f'<appattach><totallen>{n * 113}</totallen><fileext>pdf</fileext></appattach><md5>{md5}</md5>'
                '</appmsg></msg>')
    if typ == 49 and sub == 5:
        return (f'<msg><appmsg appid="" sdkver="0"><title>{_esc(text[:30])}</title><des>{_esc(text[:60])}</des>'
                f'<type>5</type><url>https://www.example.com/s/{md5[:12]}</url></appmsg></msg>')
    if typ == 50:
        return (f'<voipmsg type="VoIPBubbleMsg"><VoIPBubbleMsg><msg><![CDATA[通话时长 {n % 60:02d}:{n % 59:02d}]]>'
                f'</msg>\n<room_type>1</room_type>\n<roomid>{n}</roomid>\n<timestamp>{t * 1000}</timestamp>\n'
                '</VoIPBubbleMsg></voipmsg>')
    if typ == 49 and sub == 2000:
        return (f'<msg><appmsg appid="" sdkver=""><title>微信转账</title><des>收到转账{n % 500 + 1}.00元</des>'
                f'<type>2000</type><wcpayinfo><paysubtype>1</paysubtype><feedesc>￥{n % 500 + 1}.00</feedesc>'
                f'<transcationid>{md5}</transcationid><pay_memo>{_esc(text[:10])}</pay_memo></wcpayinfo>'
                '</appmsg></msg>')
    return (f'<?xml version="1.0"?>\n<msg bigheadimgurl="" smallheadimgurl="" username="wxid_{md5[:10]}" '
            f'nickname="{_esc(text[:8])}" alias="" province="浙江" city="杭州" sex="1" certflag="0" />\n')


# ---------------------------------------------------------------------------------------------------------------------


def _name(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return rng.choice(EN_NAMES)
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def _chat_sizes(nrng: np.random.Generator, messages: int, chats: int) -> np.ndarray:
    w = 1.0 / np.arange(1, chats + 1) ** 1.1
    sizes = nrng.multinomial(messages - chats, w / w.sum()) + 1
    nrng.shuffle(sizes)
    return sizes


def generate(out: Path, messages: int, chats: int = 50, seed: int = 1, batch: int = 100_000) -> dict:
    """Write the CSV; return a small summary (row counts per type, seconds)."""
    t0 = time.perf_counter()
    chats = max(1, min(chats, messages))
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    pool = make_text_pool(rng, nrng, min(60_000, max(2_000, messages // 10)))
    pool_arr = np.array(pool, dtype=object)
    sticker_md5 = _hex32(nrng, 400)  # people reuse their favourite stickers
    sizes = _chat_sizes(nrng, messages, chats)

    # Message kinds for the whole file at once.
    kinds = np.array([1, 47, 3, 34, 4957, 10000, -1])  # -1 = "other"
    probs = np.array([0.85, 0.06, 0.04, 0.02, 0.01, 0.01, 0.01])
    kind = nrng.choice(kinds, size=messages, p=probs / probs.sum())
    is_sender = (nrng.random(messages) < 0.45).astype(np.int8)
    text_idx = nrng.integers(0, len(pool), size=messages)
    other_pick = nrng.choice(len(OTHER_KINDS), size=messages, p=[k[2] for k in OTHER_KINDS]).tolist()

    # Times: per chat, cumulative gaps (seconds–minutes inside a conversation, hours–days between them).
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    new_conv = nrng.random(messages) < 1 / 12
    inner = np.rint(nrng.exponential(35.0, messages)).astype(np.int64) + 1
    times = np.empty(messages, dtype=np.int64)
    base0 = 1_514_736_000  # 2018-01-01 00:00 +08:00
    for c, (s, n) in enumerate(zip(starts.tolist(), sizes.tolist())):
        convs = max(1, n // 12)
        between_mean = min(86_400.0, 5 * 365 * 86_400 / convs)
        between = np.rint(nrng.lognormal(np.log(between_mean / 3), 1.0, n)).astype(np.int64) + 600
        gaps = np.where(new_conv[s:s + n], between, inner[s:s + n])
        gaps[0] = 0
        start = base0 + int(nrng.integers(0, 3 * 365 * 86_400))
        times[s:s + n] = start + np.cumsum(gaps)
    # localId: the database's insertion order, i.e. time order across all chats.
    local_id = np.empty(messages, dtype=np.int64)
    local_id[np.argsort(times, kind="stable")] = np.arange(1, messages + 1)
    local_id += 1000
    str_time = np.char.replace(np.datetime_as_string((times + 8 * 3600).astype("datetime64[s]")), "T", " ")

    # Chat identities.
    chat_info = []
    for c in range(chats):
        group = sizes[c] > 50 and rng.random() < 0.2
        if group:
            members = [(f"wxid_{rng.getrandbits(40):010x}", _name(rng)) for _ in range(rng.randint(3, 30))]
            chat_info.append((f"{rng.randint(10**10, 10**11 - 1)}@chatroom", True, members))
        else:
            chat_info.append((f"wxid_{rng.getrandbits(40):010x}", False, [(None, _name(rng))]))

    counts: dict[str, int] = {}
    out.parent.mkdir(parents=True, exist_ok=True)
    # utf-8-sig, but with the BOM written by hand: the utf-8-sig codec encodes row by row in Python, utf-8 in C.
    with open(out, "w", encoding="utf-8", newline="", buffering=4 * 2**20) as f:
        f.write("\ufeff")
        w = csv.writer(f)
        w.writerow(HEADER)
        rows: list[list] = []
        for c, (s, n) in enumerate(zip(starts.tolist(), sizes.tolist())):
            talker, group, members = chat_info[c]
            if not group:
                members = [(talker, members[0][1])]
            member_pick = nrng.integers(0, len(members), size=n).tolist()
            k_c = kind[s:s + n].tolist()
            me_c = is_sender[s:s + n].tolist()
            t_c = times[s:s + n].tolist()
            texts = pool_arr[text_idx[s:s + n]].tolist()
            st_c = str_time[s:s + n].tolist()
            id_c = local_id[s:s + n].tolist()
            hexes = nrng.bytes(16 * n).hex()  # md5-like ids, sliced out only for the rows that need one
            nums = nrng.integers(1_000, 5_000_000, size=n).tolist()
            for i in range(n):
                k = k_c[i]
                me = me_c[i]
                if me:
                    sender, name = ME_WXID, ME_NAME
                else:
                    sender, name = members[member_pick[i]]
                receiver = talker if me else ME_WXID
                typ, sub = k, 0
                if k == 1:
                    content = texts[i]
                elif k == 47:
                    md5 = sticker_md5[nums[i] % len(sticker_md5)]
                    content = sticker_xml(md5, 20_000 + int(md5[:5], 16), sender, receiver)
                elif k == 3:
                    content = image_xml(hexes[32 * i:32 * i + 32], nums[i])
                elif k == 34:
                    content = voice_xml(hexes[32 * i:32 * i + 32], 1000 + nums[i] % 59_000, sender)
                elif k == 4957:
                    typ, sub = 49, 57
                    j = max(0, i - 1 - nums[i] % 5)
                    qname = ME_NAME if me_c[j] else members[member_pick[j]][1]
                    qwxid = ME_WXID if me_c[j] else members[member_pick[j]][0]
                    content = quote_xml(texts[i], texts[j], qname, qwxid, talker, t_c[j], sender, 10**18 + nums[i])
                elif k == 10000:  # system lines are never "sent" by me; they carry the other side's columns
                    if me:
                        content = "你撤回了一条消息"
                        me = 0
                        sender, name = members[member_pick[i]]
                    elif nums[i] % 10 < 7:
                        content = f'"{name}" 撤回了一条消息'
                    else:
                        sub = 4
                        content = f'"{name}" 拍了拍我'
                else:
                    typ, sub, _ = OTHER_KINDS[other_pick[s + i]]
                    content = other_xml(typ, sub, hexes[32 * i:32 * i + 32], nums[i], texts[i], t_c[i])
                key = f"{typ}/{sub}" if typ == 49 else str(typ)
                counts[key] = counts.get(key, 0) + 1
                if me:
                    remark = nick = ME_NAME
                    sender = ME_WXID
                else:
                    remark = nick = name
                    if not group and nums[i] % 2:  # contact remark differs from their own nickname
                        nick = name + "_"
                rows.append([id_c[i], talker, typ, sub, me, t_c[i], 2, content, st_c[i], remark, nick, sender])
                if len(rows) >= batch:
                    w.writerows(rows)
                    rows.clear()
        w.writerows(rows)
    return {"messages": messages, "chats": chats, "seconds": round(time.perf_counter() - t0, 2),
            "bytes": out.stat().st_size, "types": dict(sorted(counts.items(), key=lambda kv: -kv[1]))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="CSV file to write")
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--chats", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if args.messages < 1:
        ap.error("--messages must be at least 1")
    info = generate(args.out, args.messages, args.chats, args.seed)
    mib = info["bytes"] / 2**20
    print(f"wrote {args.out}: {info['messages']:,} messages in {info['chats']} chats, {mib:.1f} MiB, "
          f"{info['seconds']} s", file=sys.stderr)
    print("types: " + ", ".join(f"{k}={v}" for k, v in info["types"].items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
