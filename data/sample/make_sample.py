#!/usr/bin/env python3
"""Write the bundled sample chats in this folder. Everything in them is invented.

    python data/sample/make_sample.py

Deterministic: the same script always writes byte-identical files. The dialogue is hand-written below; the script only
adds timing (seeded), message ids, and the XML/CSV dressing that the real export tools produce.

Outputs:
- ``小雨和阿杰_utf8.csv``: MemoTrace v2 CSV (utf-8-sig), private chat between 林小雨 (me) and 阿杰.
- ``周末徒步群_pywxdump.csv``: PyWxDump CSV (utf-8, no BOM), a weekend hiking group.
"""
from __future__ import annotations

import csv
import hashlib
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

HERE = Path(__file__).resolve().parent
PRIVATE_CSV = HERE / "小雨和阿杰_utf8.csv"
GROUP_CSV = HERE / "周末徒步群_pywxdump.csv"

# Asia/Shanghai has been a fixed UTC+8 (no DST) since 1991, so a fixed offset is exact for our dates.
CST = timezone(timedelta(hours=8))

MEMOTRACE_HEADER = ["localId", "TalkerId", "Type", "SubType", "IsSender", "CreateTime", "Status", "StrContent",
                    "StrTime", "Remark", "NickName", "Sender"]
PYWXDUMP_HEADER = ["id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "msg", "src", "CreateTime"]

ME_WXID = "wxid_me_xiaoyu"
ME_NAME = "林小雨"
AJ_WXID = "wxid_ajie_2048"
ROOM = "48213377021@chatroom"

# ---------------------------------------------------------------------------------------------------------------------
# Invented PII, made structurally valid so that a redactor's checksum validators accept them.

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check_digit(body17: str) -> str:
    """GB 11643-1999 check character of an 18-character resident ID."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(body17, ID_WEIGHTS)) % 11]


def luhn_check_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # these digits are doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


# Region 330212 (Ningbo, her home town), born 1998-07-15, sequence 234 (even: female).
ID_BODY = "33021219980715234"
ID_NUMBER = ID_BODY + id_check_digit(ID_BODY)
CARD_BODY = "622202150817336429"
CARD_NUMBER = CARD_BODY + luhn_check_digit(CARD_BODY)  # 19 digits, UnionPay-style
CARD_SPACED = " ".join(CARD_NUMBER[i:i + 4] for i in range(0, len(CARD_NUMBER), 4))

# ---------------------------------------------------------------------------------------------------------------------
# A tiny script language for the dialogue. A conversation is (start time, [line, ...]); a line is (speaker, payload).
# payload: str = text message, or one of the helpers below. Speaker None lines only move the clock.

M = "me"
J = "aj"
SYS = "sys"


def S(name: str):
    """Sticker; ``name`` picks one of a person's favourite stickers (same name = same sticker file)."""
    return ("sticker", name)


IMG = ("image",)


def V(seconds: float, trans: str = ""):
    """Voice message of ``seconds``; ``trans`` is WeChat's speech-to-text result where it has one."""
    return ("voice", int(seconds * 1000), trans)


def Q(text: str, quoted):
    """Quote-reply. ``quoted`` is the exact text of an earlier message in the same conversation, or ("image", who)."""
    return ("quote", text, quoted)


RECALL = ("recall",)


def CALL(seconds: int):
    return ("call", seconds)


def SYSMSG(text: str):
    return ("system", text)


def WAIT(seconds: int):
    return (None, ("wait", seconds))


def AT(when: str):
    return (None, ("at", when))


# ---------------------------------------------------------------------------------------------------------------------
# 林小雨 and 阿杰 (private chat). Autumn 2024 to spring 2025.

PRIVATE = [
    ("2024-09-14 11:23:08", [
        (J, "醒了没"),
        (J, "晚上吃火锅去不去"),
        WAIT(380),
        (M, "刚醒哈哈哈 周六不睡到中午对不起自己"),
        (M, "去！！火锅必须去 冲呀"),
        (M, S("cat_roll")),
        (J, "那就去你上次说的那家 牛油锅底那个"),
        (M, "楠火锅？那家要排队的诶 得五点前到"),
        (J, "五点可以 我四点半先去拿号"),
        (M, "阿杰你是天使吧 (｡･ω･｡)"),
        (J, "少来[Doge] 叫上苏苏"),
        (M, "okk 我问问她~"),
        WAIT(240),
        (M, "苏苏说她加班来不了(╥﹏╥) 就我们俩吧"),
        (J, "行 那四点半见"),
    ]),
    ("2024-09-14 20:47:31", [
        (M, "到家了！！今天吃太撑了 走路都是扶墙的"),
        (M, IMG),
        (M, "一共 ¥257，你先付的，我转你 ¥128.50 哈"),
        (J, "不急"),
        (J, "下次你请奶茶就行"),
        (M, "那不行 亲兄弟明算账 已转[旺柴]"),
        (J, "收到[ThumbsUp]"),
        (M, "下次去吃那家新开的潮汕牛肉火锅！我已经收藏了"),
        (J, "你的胃是无底洞吗"),
        (M, "嘿嘿 火锅是另一个胃"),
        (M, S("cat_stare")),
    ]),
    ("2024-09-23 21:40:12", [
        (M, "啊啊啊啊啊啊"),
        (M, "我要疯了"),
        (J, "？"),
        (J, "又改稿了"),
        (M, "第五版了！！第五版！！"),
        (M, "产品经理今天又说：\n「这个按钮能不能再大一点」\n「颜色再活泼一点但是要高级」\n「整体感觉再年轻一点」\n我：？？？"),
        (J, "哈哈哈哈 “再高级一点”经典"),
        (J, "我们这边 PM 也这样 需求文档永远写着“参考竞品”"),
        (M, "而且 2.3.1 那个版本下周就要提测 我图标还没出完"),
        (J, "2.3.1 不是上个月就该上了吗"),
        (M, "延期了啊 延了两次了[捂脸]"),
        (J, "辛苦了 早点睡 明天再战"),
        (M, "睡不着 我还要再画两个页面 (╥﹏╥)"),
        (J, "给你点了杯奶茶 续命用"),
        WAIT(420),
        (M, "收到了！！！芋泥啵啵 你怎么知道我想喝这个"),
        (M, "阿杰yyds"),
        (M, S("cat_bow")),
    ]),
    ("2024-09-29 15:02:44", [
        (M, IMG),
        (M, IMG),
        (M, "看！！年糕今天学会开柜门了"),
        (J, "这猫成精了"),
        (M, "它把我零食全翻出来了 每包薯片咬一口就跑"),
        (J, "[Facepalm]"),
        (J, "橘猫都这样 吃不完也要尝一口"),
        (M, V(7)),
        (J, "笑死 你这是在骂它还是在哄它"),
        (M, "骂不出口啊 它一歪头我就原谅它了 (｡･ω･｡)"),
        (J, "你就惯着吧 迟早胖成球"),
        (M, "它已经是球了好吗 上周称是 14 斤 哈哈哈"),
        (M, S("cat_roll")),
    ]),
    ("2024-10-02 22:10:05", [
        (J, "国庆你回宁波吗"),
        (M, "3号回，5号就回杭州啦"),
        (M, "怎么啦"),
        (J, "老周在群里说 6号去走十里琅珰 你去不去"),
        (M, "去去去！！我早就想去了"),
        (M, "几点集合"),
        (J, "早上 8:30 龙井村口 走到梅家坞 大概四个小时"),
        (M, "8:30...那我得 7 点起[苦涩]"),
        (J, "你可以的"),
        (M, "好！冲呀 为了梅家坞的农家菜"),
        (J, "你关注点永远在吃上"),
        (M, "不然呢 爬山的意义就是下山吃饭 嘿嘿"),
        (M, S("rabbit_jump")),
    ]),
    ("2024-10-06 19:35:50", [
        (M, "腿已经不是我的了"),
        (M, "下楼梯是倒着走的 (╥﹏╥)"),
        (J, "哈哈哈哈哈 让你平时不运动"),
        (M, "我有运动！我每天撸猫"),
        (J, "[Lol]"),
        (M, IMG),
        (M, "不过今天那片竹林真的绝了 随手一拍都出片"),
        (J, "你发群里那张 老周说要拿去当群头像"),
        (M, "真的吗！！那我要收版权费[旺柴]"),
        (J, "一顿火锅？"),
        (M, Q("一顿火锅 成交！！", "一顿火锅？")),
        (J, "行 等你腿好了再说"),
    ]),
    ("2024-10-16 12:18:27", [
        (J, "问你个事"),
        (J, "我在搞一个记账的小 app 自己用的 想找你帮忙看看图标"),
        (M, "哇 阿杰要当独立开发者了？"),
        (M, S("cat_roll")),
        (J, "别捧杀 就是周末瞎写的"),
        (M, "发我看看～"),
        (J, "文件有点大 微信传会压缩 你邮箱多少"),
        (M, "xiaoyu.lin@example.com"),
        (M, "发这个就行 私人邮箱 公司那个会拦外部附件"),
        (J, "好 下午发你"),
        (J, "不着急 你有空再看"),
        (M, "okk 晚上回家看 给你写点 feedback"),
        (J, "[Salute]"),
    ]),
    ("2024-10-16 22:51:03", [
        (M, "看完啦！！几点 feedback：\n1. 钱包图标太写实了 缩到 48px 基本看不清\n2. 主色的绿有点脏 可以试试偏青一点的\n"
            "3. 圆角统一一下 现在有的 8 有的 12\n整体还是很可爱的！"),
        (J, "专业[ThumbsUp]"),
        (J, "圆角这个我真没注意"),
        (M, "程序员的眼睛里只有 bug 嘿嘿"),
        (J, "……你说得对"),
        (J, "那个绿你有推荐的色值吗"),
        (M, "#2BB59A 你试试 或者我周末帮你直接改一版"),
        (J, "那怎么好意思"),
        (M, "火锅！"),
        (J, "行行行 火锅管够"),
        (M, S("cat_heart")),
    ]),
    ("2024-10-27 01:12:40", [
        (M, "你睡了吗"),
        (J, "还没 在打游戏"),
        (M, "我失眠了 脑子里一直在过明天的汇报"),
        (J, "几点汇报"),
        (M, "早上 10 点 给总监讲新版首页"),
        (M, "我怕他问我为什么不用原来的导航\n其实我准备了三页数据\n但是一紧张就会忘词"),
        (J, "你上次在群里讲那个徒步路线 讲得挺好的啊"),
        (M, "那不一样嘛 那是在聊吃的 哈哈哈"),
        (J, "就当他们是一锅火锅[Doge]"),
        (M, "哈哈哈哈哈哈 那总监就是毛肚"),
        (J, "快睡 明天你可以的"),
        (M, "嗯嗯 晚安～ (｡･ω･｡)"),
        (M, S("bear_sleep")),
        (J, "晚安"),
    ]),
    ("2024-10-28 18:20:16", [
        (M, "汇报过了！！！"),
        (M, "总监说方向没问题 下周出高保真[庆祝]"),
        (J, "我就说吧"),
        (M, V(5)),
        (J, "毛肚没为难你吧"),
        (M, "哈哈哈哈哈 我差点在会上笑出来 都怪你"),
        (M, S("cat_roll")),
    ]),
    ("2024-11-02 14:05:37", [
        (M, "双十一你买啥了"),
        (J, "一个显示器 一把人体工学椅 打工人的尊严"),
        (M, "我给年糕买了个猫爬架！！一米八的"),
        (M, IMG),
        (J, "一米八 比你都高了吧"),
        (M, "订单号 302981736654，说是 11 号当天发货 我每天刷物流 哈哈哈"),
        (J, "你家那小客厅放得下吗"),
        (M, "……放不下"),
        (M, "所以我要搬家了！！"),
        (J, "？？？这么突然"),
        (M, "其实看了一个月了 月底就搬 离公司近 走路十分钟"),
        (J, "需要搬家劳动力的话说一声"),
        (M, "就等你这句话 嘿嘿[旺柴]"),
    ]),
    ("2024-11-24 10:32:19", [
        (J, "新家安顿好了吗"),
        (M, "差不多啦 还有几个箱子没拆 年糕已经占领了飘窗"),
        (M, IMG),
        (J, "给你寄个乔迁礼物 地址发我"),
        (M, "哇！！什么礼物"),
        (J, "到了就知道了"),
        (M, "杭州市西湖区文三路259号晴川苑3幢2单元602"),
        (M, "收件人林小雨 电话 139 0011 2233"),
        (J, "好"),
        (J, "不是吃的 你别期待了"),
        (M, "哼 那我期待值减半[旺柴]"),
        (J, S("dog_lol")),
    ]),
    ("2024-11-27 19:50:02", [
        (M, IMG),
        (M, "阿杰！！！！"),
        (M, "龟背竹好好看 还有逗猫棒 你怎么知道年糕的逗猫棒被它咬断了"),
        (J, "你朋友圈天天发 想不知道都难"),
        (M, "(ง •̀_•́)ง 我宣布你就是年糕干爹"),
        (J, "我猫毛过敏 干爹远程当"),
        (M, "哈哈哈哈 线上干爹"),
        (M, S("cat_heart")),
    ]),
    ("2024-11-30 20:15:44", [
        (J, "明天几点到你家"),
        (M, "五点吧！我下午去买菜"),
        (M, "锅底买的牛油的 你能吃辣吧"),
        (J, "能 别太离谱就行"),
        (J, RECALL),
        (J, "发错窗口了[Facepalm]"),
        (M, "我看到了哦 “宝”开头的[让我看看]"),
        (J, "……没有的事"),
        (M, "阿杰有情况！！！"),
        (M, S("cat_stare")),
        (M, "明天火锅你必须交代 嘿嘿"),
        (J, "吃你的毛肚"),
    ]),
    ("2024-12-03 12:40:55", [
        (J, "14号那场演唱会的票抢到了"),
        (M, "啊啊啊啊啊真的吗！！！"),
        (M, "阿杰你是神"),
        (J, S("thumb_old")),
        (J, "手速还在[Smirk]"),
        (J, "高铁我一起订了 你身份证号发我一下 我加个乘车人"),
        (M, f"身份证号{ID_NUMBER} 名字林小雨"),
        (J, "12306 要验证 你手机应该收到短信了"),
        (M, "收到了 验证码是 482913"),
        (J, "好了 14号早上 9:05 杭州东出发"),
        (M, "冲呀！！！我要去买荧光棒"),
        (M, S("rabbit_jump")),
    ]),
    ("2024-12-14 08:21:09", [
        (M, "我到杭州东了 你在哪"),
        (J, "路上 地铁有点挤 还有两站"),
        (M, "我在检票口旁边的肯德基 给你买了早饭"),
        (J, "好 马上"),
        WAIT(300),
        (M, CALL(48)),
        (J, "看到你了 粉色帽子那个"),
    ]),
    ("2024-12-15 00:32:27", [
        (M, "今天真的太开心了！！！"),
        (M, "最后那首歌全场大合唱的时候我哭成狗\nbest day ever 🥹\n谢谢阿杰带我来！！"),
        (J, "看到了 你哭得妆都花了"),
        (M, "不许说！！那张照片删掉 (╥﹏╥)"),
        (M, S("bear_cry")),
        (J, "已经存了[Smirk]"),
        (M, "阿杰！！[发怒]"),
        (J, "开玩笑 早点睡 明天还要赶回去"),
        (M, "嗯嗯 good night~"),
    ]),
    ("2024-12-24 21:08:33", [
        (M, "Merry Christmas!! 🎄"),
        (J, "Merry Christmas 你在干嘛"),
        (M, "加班(╥﹏╥) 平安夜在公司吃外卖"),
        (M, IMG),
        (J, "惨 我也在公司"),
        (M, "打工人的平安夜[苦涩]"),
        (J, "你那边几点能走"),
        (M, "估计十点 还有两个弹窗没画"),
        (J, "我十点也差不多 楼下那家烤红薯还开着 要不要"),
        (M, "要！！！冲呀"),
        (M, S("cat_roll")),
    ]),
    ("2024-12-31 23:51:48", [
        (M, "还有八分钟！！"),
        (J, "在哪跨年"),
        (M, "在家 和年糕 一人一猫 嘿嘿"),
        (M, IMG),
        (J, "这帽子它居然肯戴"),
        (M, "戴了三秒 拍完就甩掉了 哈哈哈"),
        AT("2025-01-01 00:00:04"),
        (M, "新年快乐！！！2025 冲呀！！[烟花][烟花]"),
        (J, "新年快乐[Party]"),
        (M, "新的一年 希望你早日脱单[旺柴]"),
        (J, "你先管好你自己"),
        (M, "我有年糕就够了 (｡･ω･｡)"),
    ]),
    ("2025-01-08 19:20:11", [
        (J, "演唱会那晚的酒店是你垫的 我那一半 ¥415 还没给你"),
        (M, "啊我都忘了 不急不急"),
        (J, "今天就转 微信今天的额度用完了 你发个卡号 我用手机银行转"),
        (M, f"工行的 {CARD_SPACED}"),
        (M, "户名林小雨"),
        WAIT(200),
        (J, "转了 到账跟我说"),
        (M, "收到啦！！谢谢老板[抱拳]"),
        (M, S("cat_bow")),
    ]),
    ("2025-01-16 13:05:42", [
        (J, "问个事 你们公司是不是在招后端"),
        (M, "是啊！！你要来吗？？"),
        (J, "看看机会 现在这边项目快做完了"),
        (M, "你加一下我们 HR 小文 微信号 wenwen_hr2019 就说是我内推的"),
        WAIT(600),
        (J, "加了 她让我先发简历"),
        (M, "内推成功有奖金 到时候请你吃火锅 哈哈哈"),
        (J, "合着还是你赚"),
        (M, S("cat_stare")),
    ]),
    ("2025-01-21 18:45:20", [
        (J, "面试约在下周二 上午 10 点"),
        (M, "在哪面？"),
        (J, "说是 12 楼 1203室"),
        (M, "那是我们的大会议室！我就在 12 楼 面完可以一起吃午饭"),
        (J, "先面过再说[Facepalm]"),
        (M, "你肯定可以的 给你打气[加油][加油]"),
        (M, S("cat_fight")),
        (J, "面试官凶不凶"),
        (M, "技术负责人是个大叔 人超好 就是喜欢问数据库 你复习一下索引那块"),
        (J, "收到 今晚刷题"),
    ]),
    ("2025-01-28 20:30:14", [
        (M, "新年快乐！！🧨[福][爆竹]"),
        (J, "新年快乐 在宁波吗"),
        (M, "对！在外婆家 吃了一桌子菜 宁波年糕配年糕 哈哈哈"),
        (J, "你家猫也带回去了？"),
        (M, "带回来了 现在在外婆腿上睡觉 外婆比我还宠它"),
        (M, IMG),
        (J, "胖了"),
        (M, "过年嘛 每逢佳节胖三斤"),
        (J, "发了个红包 给年糕的压岁钱"),
        (M, "替年糕谢谢干爹！！[抱拳]"),
    ]),
    ("2025-02-08 11:10:58", [
        (J, "offer 下来了"),
        (M, "！！！！！！"),
        (M, "啊啊啊啊啊恭喜！！！！我们要当同事了！！"),
        (J, "3月3号入职"),
        (M, V(4)),
        (J, "你这嗓门 隔着屏幕都能听到"),
        (M, "今晚火锅！我请！内推奖金还没到 我先垫上 嘿嘿"),
        (J, "那我不客气了"),
        (M, "潮汕牛肉那家 我收藏了半年 终于有理由去了"),
        (M, S("cat_heart")),
    ]),
    ("2025-02-14 21:30:26", [
        (M, "今天情人节 某人是不是有约会[让我看看]"),
        (J, "没有"),
        (J, "就吃了个饭"),
        (M, "和谁吃的饭 嗯？？"),
        (J, "一个朋友"),
        (M, "哪个朋友～是不是那个“宝”[旺柴]"),
        (J, "……你记性怎么这么好"),
        (M, "哈哈哈哈哈哈我就知道！！！"),
        (M, S("cat_roll")),
        (M, "什么时候带出来一起吃火锅"),
        (J, "八字还没一撇 别吓到人家"),
        (J, S("panda_what")),
        (M, "okk 我保证正常一点 (｡･ω･｡)"),
    ]),
    ("2025-02-22 09:15:37", [
        (M, "阿杰 年糕从昨晚开始就不吃东西 还吐了两次"),
        (M, "我好慌 (╥﹏╥)"),
        (M, S("bear_cry")),
        (J, "别慌 先带去医院看看"),
        (J, "你家附近那个宠物医院周末开吗"),
        (M, "开的 我约了十点"),
        WAIT(3100),
        (M, V(9, "医生说可能是毛球，也可能吃了什么不该吃的，要先拍个片子，我现在在排队")),
        (J, "拍片不用太担心 一般是毛球 吐出来就好了"),
        (M, "嗯嗯 我就是怕 它从来没这样过"),
        (J, "有结果告诉我 要我过来吗"),
        (M, "不用不用 你好好休息 谢谢阿杰[合十]"),
    ]),
    ("2025-02-22 14:40:03", [
        (M, "结果出来了！！就是毛球 医生开了化毛膏"),
        (M, "花了 ¥368 心在滴血 但是放心了"),
        (J, "那就好"),
        (M, IMG),
        (M, "它现在在航空箱里生我的气 理都不理我"),
        (J, "哈哈 回去给它开个罐头"),
        (M, "已经开了两个了[捂脸]"),
    ]),
    ("2025-03-04 11:52:30", [
        (M, "入职第二天感觉怎么样"),
        (J, "还行 就是工位正对空调 太冷了"),
        (M, "哈哈哈 那个位置是出了名的冰窖"),
        (M, "中午一起吃食堂吗 今天有酸菜鱼"),
        (J, "走"),
        (M, "12:10 电梯口见～"),
    ]),
    ("2025-03-13 20:05:17", [
        (J, "老周说周六去九溪 你去吗"),
        (M, "去！！春天的九溪最好看了"),
        (M, "但是天气预报说周六有雨[皱眉]"),
        (J, "他说小雨照走 大雨改期"),
        (M, "那我带上雨衣 冲呀"),
        (J, "记得戴你那个粉色帽子 好找"),
        (M, "你还记得！！[Facepalm]"),
    ]),
    ("2025-03-23 23:18:45", [
        (M, "你看那个新出的猫咪纪录片了吗 《城市里的猫》"),
        (J, "没 好看吗"),
        (M, "超好看！！so healing 🐱 我哭了三次"),
        (J, "你看什么都哭"),
        (M, "哪有！我看恐怖片就不哭"),
        (J, "你看恐怖片是闭着眼睛看的"),
        (M, "[发怒] 不跟你说了 睡觉"),
        (M, "晚安～明天见"),
        (J, "明天见 别迟到"),
        (M, S("cat_bow")),
    ]),
]

# ---------------------------------------------------------------------------------------------------------------------
# 周末徒步群 (group). Speakers are wxids; display names only appear in text and quotes.

ZHOU, SUSU, CHEN = "zhou_outdoor77", "wxid_susu_0417", "wxid_chen8861k"
GROUP_NAMES = {M: ME_NAME, J: "阿杰", ZHOU: "老周", SUSU: "苏苏", CHEN: "陈晨"}

GROUP = [
    ("2024-10-04 20:10:33", [
        (SYS, SYSMSG('"老周"修改群名为“周末徒步群”')),
        (SYS, SYSMSG('"苏苏"邀请"陈晨"加入了群聊')),
        (ZHOU, "欢迎陈晨！"),
        (ZHOU, "6号（周日）走十里琅珰，早上 8:30 龙井村口集合，全程 9 公里左右，大概 4 小时，强度不大"),
        (ZHOU, "能来的报个名"),
        (SUSU, "我来！"),
        (M, "我我我！！冲呀"),
        (CHEN, "第一次参加 有点紧张 需要带什么吗"),
        (ZHOU, "水 1.5L 起，登山鞋或者抓地好的运动鞋，带点干粮。下午在梅家坞吃农家菜"),
        (M, "重点是农家菜[旺柴]"),
        (J, "这群里最积极的就是为了吃"),
        (SUSU, "哈哈哈哈哈 小雨本雨"),
        (CHEN, "好的 那周日见大家～"),
        (J, "我也去"),
        (ZHOU, "好，目前 5 个人。周六晚上我再看下天气"),
    ]),
    ("2024-10-05 21:30:12", [
        (ZHOU, "明天晴，最高 26 度，注意防晒"),
        (ZHOU, IMG),
        (ZHOU, "路线图，走散了打我电话 137-0099-8877"),
        (SUSU, "收到"),
        (M, "收到！！防晒霜已经放进包里了"),
        (CHEN, "请问龙井村口是坐公交过去吗"),
        (J, "坐 27 路到龙井茶室站 或者打车"),
        (CHEN, "谢谢！"),
    ]),
    ("2024-10-06 08:21:40", [
        (M, "我到了！！第一个！！"),
        (M, S("cat_roll")),
        (SUSU, "太阳打西边出来了"),
        (J, "我在车上 还有 5 分钟"),
        (ZHOU, "我在村口小卖部门口 橙色冲锋衣"),
        (CHEN, "看到了 来了来了"),
        AT("2024-10-06 11:45:10"),
        (ZHOU, IMG),
        (M, IMG),
        (SUSU, "小雨这张拍得好好看！竹林那张"),
        (M, "嘿嘿 我可是专业的 (｡･ω･｡)"),
        (ZHOU, "这张我拿来当群头像了啊"),
        AT("2024-10-06 19:10:25"),
        (CHEN, "今天好开心 谢谢大家带我 腿已经废了哈哈哈"),
        (SUSU, "明天下楼梯会更精彩"),
        (M, Q("不用等明天 我现在就是倒着下楼的 (╥﹏╥)", "明天下楼梯会更精彩")),
        (J, S("dog_lol")),
        (ZHOU, "下次 11 月走北高峰，到时候群里通知"),
    ]),
    ("2024-11-08 19:40:51", [
        (ZHOU, "周日（10号）北高峰，灵隐后面韬光寺那条路上，9 点集合。有人吗"),
        (M, "这周日要去看家具 去不了(╥﹏╥) 你们多拍点照片"),
        (SUSU, "我去"),
        (J, "我去"),
        (CHEN, "+1"),
        (ZHOU, "好 那就我们四个"),
    ]),
    ("2024-11-10 14:03:26", [
        (SUSU, IMG),
        (SUSU, "北高峰顶上的风太大了 头发全乱了"),
        (J, IMG),
        (M, "呜呜呜好羡慕 下次我一定来"),
        (CHEN, "小雨下次一起！我带了你说的那个牛肉干 超好吃"),
        (M, "对吧！！那家我回购五次了 嘿嘿"),
    ]),
    ("2024-12-20 21:02:18", [
        (ZHOU, "元旦前要不要再走一次？宝石山短线，一个半小时，走完去吃火锅"),
        (M, "火锅！！！我来"),
        (SUSU, "我发现只要后面跟着“火锅”小雨都来"),
        (M, S("cat_stare")),
        (J, Q("不止 她十米外都能听见“火锅”两个字", "我发现只要后面跟着“火锅”小雨都来")),
        (CHEN, "哈哈哈哈哈哈"),
        (ZHOU, "那定 28 号周六下午 2 点，保俶塔下面集合"),
    ]),
    ("2024-12-28 13:50:09", [
        (CHEN, "我到保俶塔了 好冷"),
        (M, "我在路上！！还有十分钟[捂脸]"),
        (SUSU, "我也快到了"),
        (J, "到了"),
        (ZHOU, "人齐了就走"),
        AT("2024-12-28 19:32:47"),
        (M, IMG),
        (M, "今天的火锅是我今年吃过最好吃的一顿！！"),
        (SUSU, "你每次都这么说"),
        (ZHOU, "今天一共 ¥642，五个人一人 ¥128.40，转我就行"),
        (M, "已转～"),
        (CHEN, "已转 谢谢周哥"),
    ]),
    ("2025-03-13 20:30:40", [
        (ZHOU, "周六（15号）九溪十八涧，早上 9 点九溪公交站。预报小雨，小雨照走，大雨改期"),
        (M, "去！！春天的九溪！！"),
        (J, "+1"),
        (SUSU, "这周要加班 呜呜 你们多拍照"),
        (CHEN, "我去 需要带雨衣吗"),
        (ZHOU, "带件轻便雨衣，路上石头滑，鞋子抓地好一点"),
    ]),
    ("2025-03-15 08:50:03", [
        (ZHOU, "没下雨，出发！"),
        (M, S("rabbit_jump")),
        AT("2025-03-15 12:31:18"),
        (CHEN, IMG),
        (M, IMG),
        (M, "茶园好绿啊 空气里都是湿湿的泥土味"),
        (J, "下次拉苏苏一起"),
        (SUSU, Q("哇这张好绝 下次我一定去！！", ("image", M))),
        (ZHOU, "下个月走一次西湖群山全线，20 公里，体力好的报名"),
        (M, "20 公里？？我先报名 走不动了让阿杰背我[旺柴]"),
        (J, S("panda_what")),
    ]),
]

# ---------------------------------------------------------------------------------------------------------------------
# Timing and rendering.


def _parse(ts: str) -> datetime:
    return datetime.strptime(ts, "%Y-%m-%d %H:%M:%S")


def _gap(rng: random.Random, prev: tuple, who: str, payload) -> int:
    """Seconds between the previous message and this one: reading + typing time, occasionally a distraction."""
    prev_who, prev_payload = prev
    if isinstance(payload, str):
        typing = len(payload) * rng.uniform(0.5, 1.3)
    elif payload[0] == "quote":
        typing = len(payload[1]) * rng.uniform(0.5, 1.3) + 3
    elif payload[0] == "voice":
        typing = payload[1] / 1000 + 2
    else:  # sticker, image, call, recall
        typing = rng.uniform(1, 6)
    if who == prev_who:
        base = rng.randint(1, 6)
    else:
        reading = len(prev_payload) * 0.15 if isinstance(prev_payload, str) else 2
        base = rng.randint(4, 40) + reading
        if rng.random() < 0.12:
            base += rng.randint(60, 540)
    return max(1, int(base + typing))


def timeline(conversations, seed: int):
    """Yield (local datetime, speaker, payload, quoted) in order.

    ``quoted`` is the quoted message's (datetime, speaker, payload) for quote-replies, else None.
    """
    rng = random.Random(seed)
    last = None
    for start, lines in conversations:
        t = _parse(start)
        assert last is None or t > last, f"conversation {start} starts before the previous one ends"
        prev = None
        history: list[tuple[datetime, str, object]] = []
        for who, payload in lines:
            if who is None:
                op, arg = payload
                if op == "wait":
                    t += timedelta(seconds=arg)
                else:
                    new_t = _parse(arg)
                    assert new_t > t, arg
                    t, prev = new_t, None
                continue
            if prev is not None:
                t += timedelta(seconds=_gap(rng, prev, who, payload))
            quoted = None
            if isinstance(payload, tuple) and payload[0] == "quote":
                target = payload[2]
                for h in reversed(history):
                    if (isinstance(target, str) and h[2] == target) or (
                            isinstance(target, tuple) and h[1] == target[1] and h[2] == IMG):
                        quoted = h
                        break
                assert quoted is not None, f"quote target not found: {target}"
            history.append((t, who, payload))
            yield t, who, payload, quoted
            prev = (who, payload)
            last = t


def _hex(*parts: object, n: int = 32) -> str:
    out = ""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(("|".join(map(str, parts)) + f"#{i}").encode()).hexdigest()
        i += 1
    return out[:n]


def _num(*parts: object, lo: int, hi: int) -> int:
    return lo + int(_hex(*parts, n=16), 16) % (hi - lo)


def _ts(t: datetime) -> int:
    return int(t.replace(tzinfo=CST).timestamp())


def sticker_url(name: str) -> str:
    md5 = _hex("sticker", name)
    return (f"http://emoji.example.com/stodownload?m={md5}&filekey=3034020101042030{_hex('fk', name, n=40)}"
            f"&hy=SZ&storeid={_hex('store', name, n=24)}&bizid=1023")


def sticker_xml(name: str, sender: str, receiver: str) -> str:
    md5 = _hex("sticker", name)
    size = _num("len", name, lo=18000, hi=620000)
    url = sticker_url(name)
    enc = url.replace("stodownload", "stodownload/encrypt")
    return (f'<msg><emoji fromusername="{sender}" tousername="{receiver}" type="2" idbuffer="media:0_0" md5="{md5}" '
            f'len="{size}" productid="" androidmd5="{md5}" androidlen="{size}" s60v3md5="{md5}" s60v3len="{size}" '
            f'cdnurl={quoteattr(url)} designerid="" thumburl="" encrypturl={quoteattr(enc)} '
            f'aeskey="{_hex("aes", name)}" externurl="" externmd5="" width="240" height="240" tpurl="" tpauthkey="" '
            f'attachedtext="" attachedtextcolor="" lensid="" emojiattr="" linkid="" desc=""></emoji></msg>')


def image_xml(key: str) -> str:
    length = _num("img", key, lo=60000, hi=2400000)
    cdn = "3057020100044b304902010002" + _hex("cdn", key, n=70)
    return ('<?xml version="1.0"?>\n<msg>\n'
            f'\t<img aeskey="{_hex("imgaes", key)}" encryver="1" cdnthumbaeskey="{_hex("thumbaes", key)}" '
            f'cdnthumburl="{cdn}" cdnthumblength="{_num("thumb", key, lo=3000, hi=9000)}" cdnthumbheight="120" '
            f'cdnthumbwidth="90" cdnmidheight="0" cdnmidwidth="0" cdnhdheight="0" cdnhdwidth="0" '
            f'cdnmidimgurl="{cdn}" length="{length}" md5="{_hex("imgmd5", key)}" />\n'
            '\t<platform_signature></platform_signature>\n\t<imgdatahash></imgdatahash>\n</msg>\n')


def voice_xml(key: str, ms: int, trans: str, sender: str) -> str:
    xml = (f'<msg><voicemsg endflag="1" cancelflag="0" forwardflag="0" voiceformat="4" voicelength="{ms}" '
           f'length="{ms * 16 // 10}" bufid="0" aeskey="{_hex("vaes", key)}" '
           f'voiceurl="3052020100044b304902010002{_hex("vurl", key, n=60)}" voicemd5="" '
           f'clientmsgid="41{_hex("cmid", key, n=30)}" fromusername="{sender}" /></msg>')
    if trans:
        xml = xml[:-len("</msg>")] + f"<voicetrans transtext={quoteattr(trans)} /></msg>"
    return xml


def call_xml(key: str, seconds: int, t: datetime) -> str:
    return ('<voipmsg type="VoIPBubbleMsg"><VoIPBubbleMsg><msg><![CDATA[通话时长 '
            f'{seconds // 60:02d}:{seconds % 60:02d}]]></msg>\n<room_type>1</room_type>\n<red_dot>false</red_dot>\n'
            f'<roomid>{_num("room", key, lo=10**8, hi=10**9)}</roomid>\n<roomkey>0</roomkey>\n'
            f'<inviteid>{_ts(t)}</inviteid>\n<msg_type>100</msg_type>\n<timestamp>{_ts(t) * 1000}</timestamp>\n'
            f'<identity><![CDATA[{_num("ident", key, lo=10**17, hi=10**18)}]]></identity>\n<duration>0</duration>\n'
            f'<inviteid64>{_ts(t) * 1000}</inviteid64>\n<business>1</business>\n'
            '<caller_memberid>0</caller_memberid>\n<callee_memberid>1</callee_memberid>\n</VoIPBubbleMsg></voipmsg>')


def quote_xml(key: str, title: str, sender: str, chat: str, quoted, quoted_name: str, quoted_wxid: str) -> str:
    qt, _qwho, qpayload = quoted
    if qpayload == IMG:
        qtype, qcontent = 3, image_xml(f"{key}-quoted")
    else:
        qtype, qcontent = 1, qpayload
    return ('<msg>\n\t<appmsg appid="" sdkver="0">\n'
            f'\t\t<title>{escape(title)}</title>\n\t\t<des />\n\t\t<action />\n\t\t<type>57</type>\n'
            '\t\t<showtype>0</showtype>\n\t\t<soundtype>0</soundtype>\n\t\t<mediatagname />\n\t\t<messageext />\n'
            '\t\t<messageaction />\n\t\t<content />\n\t\t<contentattr>0</contentattr>\n\t\t<url />\n\t\t<lowurl />\n'
            '\t\t<dataurl />\n\t\t<lowdataurl />\n\t\t<songalbumurl />\n\t\t<songlyric />\n\t\t<appattach>\n'
            '\t\t\t<totallen>0</totallen>\n\t\t\t<attachid />\n\t\t\t<emoticonmd5 />\n\t\t\t<fileext />\n'
            '\t\t\t<aeskey />\n\t\t</appattach>\n\t\t<extinfo />\n\t\t<sourceusername />\n\t\t<sourcedisplayname />\n'
            '\t\t<thumburl />\n\t\t<md5 />\n\t\t<statextstr />\n\t\t<refermsg>\n'
            f'\t\t\t<type>{qtype}</type>\n\t\t\t<svrid>{_num("svr", key, lo=10**18, hi=9 * 10**18)}</svrid>\n'
            f'\t\t\t<fromusr>{quoted_wxid}</fromusr>\n\t\t\t<chatusr>{chat}</chatusr>\n'
            f'\t\t\t<displayname>{escape(quoted_name)}</displayname>\n\t\t\t<content>{escape(qcontent)}</content>\n'
            '\t\t\t<msgsource>&lt;msgsource&gt;&lt;sec_msg_node&gt;&lt;uuid&gt;'
            f'{_hex("uuid", key)}_&lt;/uuid&gt;&lt;/sec_msg_node&gt;&lt;/msgsource&gt;</msgsource>\n'
            f'\t\t\t<createtime>{_ts(qt)}</createtime>\n\t\t</refermsg>\n\t</appmsg>\n'
            f'\t<fromusername>{sender}</fromusername>\n\t<scene>0</scene>\n\t<appinfo>\n\t\t<version>1</version>\n'
            '\t\t<appname></appname>\n\t</appinfo>\n\t<commenturl></commenturl>\n</msg>\n')


def private_rows() -> list[list[object]]:
    me = {"Remark": ME_NAME, "NickName": ME_NAME, "Sender": ME_WXID}
    aj = {"Remark": "阿杰", "NickName": "Jay", "Sender": AJ_WXID}
    rows: list[list[object]] = []
    local_id = 10452
    id_rng = random.Random(7)
    for n, (t, who, payload, quoted) in enumerate(timeline(PRIVATE, seed=20240914)):
        is_me = who == M
        sender, receiver = (ME_WXID, AJ_WXID) if is_me else (AJ_WXID, ME_WXID)
        key = f"p{n}"
        if isinstance(payload, str):
            typ, sub, content = 1, 0, payload
        elif payload[0] == "sticker":
            typ, sub, content = 47, 0, sticker_xml(payload[1], sender, receiver)
        elif payload[0] == "image":
            typ, sub, content = 3, 0, image_xml(key)
        elif payload[0] == "voice":
            typ, sub, content = 34, 0, voice_xml(key, payload[1], payload[2], sender)
        elif payload[0] == "quote":
            qwho = quoted[1]
            typ, sub = 49, 57
            content = quote_xml(key, payload[1], sender, AJ_WXID, quoted, ME_NAME if qwho == M else "阿杰",
                                ME_WXID if qwho == M else AJ_WXID)
        elif payload[0] == "recall":
            typ, sub, content = 10000, 0, '"阿杰" 撤回了一条消息'
        elif payload[0] == "call":
            typ, sub, content = 50, 0, call_xml(key, payload[1], t)
        else:
            raise ValueError(payload)
        if typ == 10000:
            is_me = False  # system lines are never "sent" by me
        who_cols = me if is_me else aj
        local_id += id_rng.randint(1, 40)  # other chats' messages interleave in the same table
        rows.append([local_id, AJ_WXID, typ, sub, int(is_me), _ts(t), 2, content, t.strftime("%Y-%m-%d %H:%M:%S"),
                     who_cols["Remark"], who_cols["NickName"], who_cols["Sender"]])
    return rows


def group_rows() -> list[list[object]]:
    rows: list[list[object]] = []
    svr_rng = random.Random(11)
    svr = 4820356717380495113
    for n, (t, who, payload, quoted) in enumerate(timeline(GROUP, seed=20241004)):
        key = f"g{n}"
        src = ""
        if isinstance(payload, str):
            type_name, msg = "文本", payload
        elif payload[0] == "sticker":
            type_name, msg, src = "动画表情", "表情", sticker_url(payload[1])
        elif payload[0] == "image":
            md5 = _hex("gimg", key)
            type_name, msg = "图片", "图片"
            src = f"FileStorage\\MsgAttach\\{_hex('attach', ROOM)}\\Image\\{t:%Y-%m}\\{md5}.dat"
        elif payload[0] == "quote":
            qt, qwho, qpayload = quoted
            qcontent = "图片" if qpayload == IMG else qpayload
            type_name = "引用回复"
            msg = f"{payload[1]}\n\n[引用]({qt:%Y-%m-%d %H:%M:%S}){GROUP_NAMES[qwho]}:{qcontent}"
        elif payload[0] == "system":
            type_name, msg = "系统通知", payload[1]
        else:
            raise ValueError(payload)
        is_sender = int(who == M)
        # PyWxDump: "我" for my messages; the sender's wxid from BytesExtra otherwise; system lines carry no sender
        # there, so they keep its default "未知".
        talker = "我" if is_sender else ("未知" if who == SYS else AJ_WXID if who == J else who)
        svr += svr_rng.randint(10**12, 10**15)
        rows.append([n + 1, str(svr), type_name, is_sender, talker, ROOM, msg, src, t.strftime("%Y-%m-%d %H:%M:%S")])
    return rows


def write_csv(path: Path, header: list[str], rows: list[list[object]], encoding: str) -> None:
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)  # QUOTE_MINIMAL, "\r\n" row ends, as both tools write
        w.writerow(header)
        w.writerows(rows)


def main() -> None:
    private = private_rows()
    group = group_rows()
    write_csv(PRIVATE_CSV, MEMOTRACE_HEADER, private, "utf-8-sig")
    write_csv(GROUP_CSV, PYWXDUMP_HEADER, group, "utf-8")
    print(f"{PRIVATE_CSV.name}: {len(private)} messages in {len(PRIVATE)} conversations")
    print(f"{GROUP_CSV.name}: {len(group)} messages")


if __name__ == "__main__":
    main()
