#!/usr/bin/env python3
"""Chinese free-text names: a development set from invented names, and the recognizer's precision, recall and speed.

    python3 bench/names_zh.py [--jieba] [--speed-lines 200000] [--seed 13]

Generates ``bench/data/names_dev_zh.jsonl`` (one {"text", "spans": [[start, end], ...], "split", "template"} per line)
from INVENTED names (a seeded random surname + given-name characters; nobody's real chat) over chat templates of the
kinds issue 13 names (meals, doctors, colleagues, landlords, relatives, exes, introductions, "X说", "X：", glued text,
several names per line), plus hard-negative lines (everyday words that start with a surname character, places,
brands, idioms). Half of the templates form a "held-out" split that was not looked at while tuning the recognizer.

A prediction matches a gold span when it is the same span or overlaps it with IoU >= 0.5. Prints, per split:
precision, recall, and the share of hard-negative lines with any PERSON detection; then the time the recognizer adds
over ``--speed-lines`` short chat lines. ``--jieba`` also scores jieba's own tagger (``posseg``, tag ``nr``) on the same
lines, the alternative the recognizer was measured against.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "data" / "names_dev_zh.jsonl"
IOU_MIN = 0.5
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The generator's own lists (independent of the recognizer's tables, so the set does not echo them).
SURNAMES_COMMON = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许"
                   "韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢")
SURNAMES_OTHER = ("姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段"
                  "雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤柳岳鲁葛")
SURNAMES_COMPOUND = ("欧阳", "司马", "诸葛", "上官", "东方", "慕容", "皇甫", "令狐", "夏侯", "尉迟", "长孙", "公孙",
                     "司徒")
GIVEN_POOL = ("伟 芳 娜 秀英 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀兰 霞 平 刚 桂英 晓明 建华 建国 志强 丽娟 "
              "海燕 文 辉 玲 红 鹏 飞 斌 宇 浩 凯 俊 帆 旭 宁 欢 佳 晨 婷 雪 慧 琳 颖 倩 璐 瑶 怡 悦 欣 蕾 薇 梅 萍 "
              "燕 玉 子涵 梓轩 欣怡 思雨 雨桐 浩然 宇航 一诺 诗涵 俊杰 嘉怡 晓东 晓燕 志明 志华 国庆 建军 春梅 丽华 "
              "美玲 淑芬 文博 子豪 若曦 明轩 佳琪 雅婷 梦瑶 家豪 天佑 振宇 婉清 立新 爱国 红梅 桂兰 玉兰 海峰 永刚 "
              "德华 学良 安琪 乐怡 睿 哲 泽 铭 皓 琦 馨 然 博 坤 毅 鑫 亮 彬 松 岩 莉 薇 菲 昕 晖 曦 琪 楠 瑞 栋 妍 "
              "彤 蓉 洁").split()


def invented_name(r: random.Random) -> str:
    x = r.random()
    if x < 0.07:
        s = r.choice(SURNAMES_COMPOUND)
    elif x < 0.75:
        s = r.choice(SURNAMES_COMMON)
    else:
        s = r.choice(SURNAMES_OTHER)
    return s + r.choice(GIVEN_POOL)


# Templates: {N} is a name; every template appears in exactly one split. Kinds follow the list.
TEMPLATES_DEV = """
明天跟{N}一起吃火锅
周末约了{N}吃饭，你来不来
{N}医生说我这个要复查
今天去医院，{N}大夫让我少喝酒
我同事{N}今天又请假了
新来的同事{N}人挺好的
房东{N}又要涨房租
我表姐{N}下个月结婚
我前男友{N}居然给我发消息
给你介绍一下，这是{N}
我叫{N}，很高兴认识你
{N}说他晚点到
{N}：我到楼下了
刚才{N}打电话给我
你还记得{N}吗
{N}和{N}都来了
下午要见{N}经理
{N}老师布置的作业写完没
我妈让我找{N}帮忙
昨天在超市碰到{N}了
她嫁给了{N}
{N}那个人太不靠谱了
等下{N}会来接我
律师{N}说这个案子能赢
""".strip().split("\n")
TEMPLATES_HELDOUT = """
晚上和{N}去吃烤肉
{N}医生建议我做个胃镜
上周约{N}看电影，她放我鸽子
{N}老板今天心情不好
我们组长{N}人很好
找房子的时候认识了房东{N}
我堂哥{N}在深圳上班
我跟{N}分手了
你好，我是{N}
我的名字叫{N}
{N}刚刚发朋友圈了
{N}：收到
{N}：好的，明天见
帮我问问{N}有没有空
{N}跟{N}吵架了
{N}律师帮我看了合同
她老公{N}是做生意的
记得给{N}回个电话
今天陪{N}去医院复查
{N}主任让我明天去办公室
我前妻{N}把孩子接走了
{N}教授的课真难
告诉{N}我晚点到
我们班主任是{N}
""".strip().split("\n")

# Hard negatives: lines with no person, full of words that start with a surname character.
HARD_NEGATIVES_EXTRA = """
跟高手学了几招
和方便面一起煮
约周末一起出去
问问万能的客服
给白菜浇点水
找钱包找了半天
陪黄金周的游客
告诉常来的客人
马路对面有家店
高楼大厦到处都是
方案改好了吗
白开水就行
江边风很大
黄瓜拍一下
林子大了什么鸟都有
王者荣耀上号
张开嘴说啊
李子熟了
陈皮泡水喝
刘海剪短了
周围都是人
吴语听不懂
郑州下雨了
冯唐易老
褚橙好吃吗
卫生间在哪
蒋家菜馆关门了
韩国炸鸡
杨梅很甜
朱古力蛋糕
秦岭的风景
尤其是晚上
许愿池
何时出发
吕梁山区
施工太吵了
孔雀开屏了
曹县牛逼
严重不严重
华丽的舞台
金针菇
魏碑字帖
陶艺课
姜茶驱寒
谢幕了
邹巴巴的衣服
柏油路
水果店
窦性心律
章程改了
云朵好白
苏打水
潘家园淘宝
葛优躺
范本发我
彭湖湾
马克笔
苗条了不少
花钱如流水
方才说到哪了
任务完成了
柳絮飘飘
史诗级更新
唐装很好看
费用报销了
雷阵雨
贺岁片
汤圆煮好了
罗盘坏了
毕业典礼
安静一点
常识问题
乐高积木
于我而言
时光飞逝
傅里叶变换
齐刘海
康复训练
元宵节快乐
顾不上吃饭
孟买的天气
平板电脑
黄牛票
穆斯林餐厅
萧瑟的秋风
姚黄魏紫
邵阳米粉
毛巾洗了
米饭熟了
明星八卦
成绩出来了
宋体字
熊孩子
纪念日
舒服多了
项目延期了
祝福你
董小姐这首歌
梁山好汉
杜鹃花开了
蓝天白云
季度总结
麻烦你了
路过你家
江苏人
童年回忆
颜值很高
梅雨季节
盛夏光年
林间小路
钟点工
徐徐图之
高低不平
夏至到了
田园风光
胡萝卜
凌晨三点
霍乱时期的爱情
万达广场
柯南更新了
管理层开会
卢沟桥
莫非是他
房贷还完了
应该可以
宗教信仰
丁香花开了
洪水退了
包子铺
石榴熟了
程序员
陆家嘴上班
荣誉证书
""".strip().split("\n")
HARD_NEGATIVES = """
他是个高手，打游戏特别厉害
做事不能马虎
我们走错方向了
服务很周到
今天买了两棵白菜
打下一片江山
这是我们的王牌
这件事你帮忙张罗一下
需要许可证才能进去
何况他也不知道
林荫道上散步很舒服
今天真高兴
黄金又涨价了
金钱买不到快乐
我马上就到
万一下雨怎么办
祝你一路平安
注意安全
我常常想起小时候
于是我们就回家了
可以可以
他向来不迟到
你这个毛病得改改
我的钱包丢了
谢谢你的关心
明天再说吧
文件发我一下
暑假去黄山玩了
我老家在江西
下个月去马来西亚旅游
周末去爬华山
住在海淀区
他是杭州人
这家店在王府井
去了趟长沙
刚从武汉回来
买了个华为手机
用苹果还是小米
喝杯星巴克
周黑鸭真好吃
他总是半途而废
真是马到成功
我们同舟共济
画蛇添足没必要
他这人一毛不拔
这个方法不错
高速公路堵车了
高考加油
明年再说
平时多运动
安排一下时间
常规检查而已
时间来不及了
全部搞定了
文章写完了
明明是你的错
石头剪刀布
田里种了水稻
白天太热了
江湖规矩
程序跑起来了
孙子今天放假
周末加班
周一开会
陈列柜里的东西别碰
杨树叶子黄了
朱红色的门
胡说八道
何必呢
高铁票买好了
林业局在招人
罗马假日真好看
郑重声明一下
梁上有只燕子
谢谢大家
宋朝的历史
唐诗三百首
许多人都去了
韩剧好看吗
曹操说曹操就到
彭湃的心情
曾经的我
肖像画得很好
田径比赛
董事会通过了
袁大头值钱吗
潘多拉的盒子
于心不忍
余额不足
杜绝浪费
叶子掉光了
苏州园林很美
魏晋风度
丁克家庭
任何时候都可以
沈阳的冬天很冷
卢浮宫的门票
姜还是老的辣
钟表坏了
陆地上的动物
汪汪队立大功
范围太大了
金额对不上
石家庄下雪了
夏天到了
方便面吃多了不好
白菜价
邹城在山东
熊猫真可爱
江南的雨
雷声大雨点小
侯门深似海
龙井茶不错
史无前例
陶瓷碗碎了
黎明前的黑暗
贺卡寄出去了
顾客是上帝
毛衣太厚了
万事如意
钱不够用
严格要求
武器装备
戴上口罩
莫名其妙
孔子学院
向左转
汤太咸了
""".strip().split("\n")


def build(seed: int) -> list[dict]:
    r = random.Random(seed)
    rows: list[dict] = []
    for split, templates in (("dev", TEMPLATES_DEV), ("heldout", TEMPLATES_HELDOUT)):
        for ti, tpl in enumerate(templates):
            for _ in range(12):
                text, spans = "", []
                parts = tpl.split("{N}")
                for k, p in enumerate(parts):
                    text += p
                    if k < len(parts) - 1:
                        name = invented_name(r)
                        spans.append([len(text), len(text) + len(name)])
                        text += name
                rows.append({"text": text, "spans": spans, "split": split, "template": f"{split}-{ti}"})
    for k, line in enumerate(HARD_NEGATIVES + HARD_NEGATIVES_EXTRA):
        rows.append({"text": line, "spans": [], "split": ("dev", "heldout")[k % 2], "template": "negative"})
    return rows


def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def score(rows: list[dict], predict) -> dict:
    tp = fp = fn = 0
    neg = neg_flagged = 0
    for row in rows:
        gold = [tuple(s) for s in row["spans"]]
        pred = predict(row["text"])
        matched: set[int] = set()
        for p in pred:
            k = next((g for g in range(len(gold)) if g not in matched and iou(p, gold[g]) >= IOU_MIN), None)
            if k is None:
                fp += 1
            else:
                matched.add(k)
                tp += 1
        fn += len(gold) - len(matched)
        if not gold:
            neg += 1
            neg_flagged += bool(pred)
    return {"precision": tp / (tp + fp) if tp + fp else 1.0, "recall": tp / (tp + fn) if tp + fn else 1.0,
            "negatives_flagged": neg_flagged / neg if neg else 0.0, "lines": len(rows), "names": tp + fn}


def recognizer_predict():
    from lib.pii.base import AnalyzerConfig
    from lib.pii.analyzer import Analyzer
    from lib.pii.recognizers.person_zh import ChineseNameRecognizer

    an = Analyzer(AnalyzerConfig(), recognizers=[ChineseNameRecognizer()])
    return lambda text: [(h.start, h.end) for h in an.analyze(text) if h.kind == "PERSON"]


def jieba_predict():
    import logging

    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(logging.WARNING)

    def predict(text: str) -> list[tuple[int, int]]:
        out, pos = [], 0
        for w, flag in pseg.cut(text):
            if flag.startswith("nr") and len(w) >= 2:
                out.append((pos, pos + len(w)))
            pos += len(w)
        return out

    return predict


def speed_lines(n: int, seed: int) -> list[str]:
    """Short Chinese chat lines (~20 chars): the PII benchmark's corpus generator when present, else our own bits."""
    sys.path.insert(0, str(HERE))
    try:
        import gen_pii_gold_zh as gen

        return list(gen.chat_corpus(n, seed))
    except ImportError:
        r = random.Random(seed)
        bits = HARD_NEGATIVES
        return ["，".join(r.choice(bits) for _ in range(r.choice((1, 2)))) for _ in range(n)]


def time_recognizer(lines: list[str]) -> float:
    from lib.pii.recognizers.person_zh import ChineseNameRecognizer

    rec = ChineseNameRecognizer()
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for t in lines:
            rec.analyze(t)
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--jieba", action="store_true", help="also score jieba.posseg (tag nr) and time it")
    ap.add_argument("--speed-lines", type=int, default=200_000, help="0 skips the speed run")
    args = ap.parse_args(argv)
    sys.dont_write_bytecode = True
    rows = build(args.seed)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    systems = [("recognizer", recognizer_predict())]
    if args.jieba:
        systems.append(("jieba nr", jieba_predict()))
    print(f"{'system':<12}{'split':<9}{'lines':>6}{'names':>6}{'precision':>10}{'recall':>8}{'neg flagged':>12}")
    for name, predict in systems:
        for split in ("dev", "heldout"):
            part = [r for r in rows if r["split"] == split]
            t0 = time.perf_counter()
            s = score(part, predict)
            dt = time.perf_counter() - t0
            print(f"{name:<12}{split:<9}{s['lines']:>6}{s['names']:>6}{s['precision']:>10.3f}{s['recall']:>8.3f}"
                  f"{s['negatives_flagged']:>12.3f}   ({dt * 1e6 / len(part):.1f} µs/line)")
    if args.speed_lines:
        r = random.Random(args.seed)
        dense = [r.choice(rows)["text"] for _ in range(args.speed_lines)]  # every line Chinese, most with a name
        for label, lines in (("PII bench chat corpus", speed_lines(args.speed_lines, 1)),
                             ("this dev set's lines, resampled", dense)):
            chars = sum(map(len, lines)) / len(lines)
            dt = time_recognizer(lines)
            print(f"speed: {label}, {len(lines):,} lines (mean {chars:.1f} chars): {dt:.3f} s "
                  f"(best of 3; budget 0.25 s on the chat corpus)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
