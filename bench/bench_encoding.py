#!/usr/bin/env python3
"""Encoding detection on chat-like text: lib.textio against charset-normalizer, and the two combined.

    python3 bench/bench_encoding.py [--samples 40] [--seed 1] [--out bench/results/encoding.json]

Builds chat-export-shaped text (``2024-05-01 09:00:00 Name`` header lines, then the message) from invented everyday
lines in simplified and traditional Chinese, Japanese, French/German/Spanish (with and without Windows punctuation)
and English, encodes it in every encoding exports arrive in, and asks each detector for the codec. A detection counts
as right when decoding with the answer gives back exactly the original text (so GBK read as GB18030, or Latin-1 text
read as cp1252, is right). Sizes: 1 message (about 40 bytes: the hard case), 5 messages, 200 messages (a file head).

Detectors:
- ``previous``: the hand-written detector before issue 14 (BOM, UTF-16 NUL pattern, strict UTF-8, else GB18030).
- ``textio``: lib.textio.detect_encoding (the same first steps, then a scored choice among legacy code pages).
- ``charset-normalizer``: ``from_bytes(sample).best()`` with its defaults (every code page it knows).
- ``combined``: textio's BOM/UTF-16/UTF-8 steps, then charset-normalizer limited to textio's legacy code pages.
Prints accuracy per encoding and size, and the mean time per sample.
"""
from __future__ import annotations

import argparse
import codecs
import json
import random
import sys
import time
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lib import textio  # noqa: E402

ZH_S = ("早上好，今天一起吃午饭吗？|好啊，十二点在公司楼下见|我到了，你在哪儿|刚开完会，马上下来|哈哈哈笑死我了|"
        "晚上要不要去看电影|"
        "明天的报告写完了吗？还差一点|周末去爬山吧，天气不错|记得带伞，下午有雨|收到，谢谢！|你吃饭了没|这个价格有点贵，再看看吧|"
        "妈妈说周日回家吃饭|[微笑] 好的没问题|我先睡了，晚安|路上堵车，晚到十分钟|这家店的面很好吃，下次再来|"
        "生日快乐！祝你天天开心|"
        "文件发你邮箱了，查收一下|嗯嗯，知道了").split("|")
ZH_T = ("早安，今天一起吃午餐嗎？|好啊，十二點在公司樓下見|我到了，你在哪裡|剛開完會，馬上下來|哈哈哈笑死我了|"
        "晚上要不要去看電影|"
        "明天的報告寫完了嗎？還差一點|週末去爬山吧，天氣不錯|記得帶傘，下午有雨|收到，謝謝！|你吃飯了沒|這個價格有點貴，再看看吧|"
        "媽媽說週日回家吃飯|好的沒問題|我先睡了，晚安|路上塞車，晚到十分鐘|這家店的麵很好吃，下次再來|生日快樂！祝你天天開心|"
        "檔案寄到你信箱了，查收一下|嗯嗯，知道了").split("|")
JA = ("おはよう、今日ランチ行かない？|いいね、十二時に会社の下で|着いたよ、どこにいる？|会議終わった、すぐ行く|"
      "笑いすぎて死にそう|"
      "今夜映画見に行こうか|明日のレポート終わった？もう少し|週末は山に行こうよ、天気いいし|傘を忘れないでね、午後は雨だって|"
      "了解、ありがとう！|ご飯食べた？|ちょっと高いね、もう少し考える|日曜日は実家でご飯だって|大丈夫だよ|先に寝るね、おやすみ|"
      "渋滞してて十分遅れる|この店のラーメンおいしい、また来よう|誕生日おめでとう！|メールでファイル送ったよ|うんうん、わかった").split("|")
WEST = ("Bonjour, on déjeune ensemble aujourd'hui ?|Oui, à midi devant le café|Ich bin schon da, wo bist du?|"
        "Schöne Grüße aus München|¿Vamos a la playa mañana? Sí, claro|Très bien, à tout à l'heure|"
        "Das Wetter ist schön, gehen wir wandern|Está lloviendo, lleva el paraguas|Merci beaucoup, c'était génial|"
        "Müde, ich gehe jetzt schlafen|Gracias por todo, ¡nos vemos!|Je suis en retard, désolé|"
        "Hast du den Bericht fertig?|"
        "El niño está en casa|Ça va ? Oui ça va très bien|Frühstück um neun?|Olá, você já almoçou?|"
        "L'été dernier à Nîmes|"
        "Sí, señor, la canción es bonita|Naïve idée, mais pourquoi pas").split("|")
WIN = ("He said “see you at noon” – OK?|It’s 5€ for the ticket… cheap|Don’t forget the keys — really|"
       "“Ça va ?” – oui, très bien|"
       "Prix : 20€ — c’est trop cher|L’été… c’était génial|Schöne Grüße – bis morgen|Ein Kaffee kostet 3€|"
       "¡Qué bien! Nos vemos “mañana”|Œuvre complète, cœur léger").split("|")
EN = ("Good morning, lunch today?|Sure, noon at the lobby|I'm here, where are you|Haha that's so funny|"
      "Movie tonight?").split("|")

CASES: dict[str, tuple[str, list[str], str]] = {  # name: (codec, lines, the contact's name)
    "utf-8 zh": ("utf-8", ZH_S, "小美"),
    "utf-8-sig zh": ("utf-8-sig", ZH_S, "小美"),
    "utf-16 zh": ("utf-16", ZH_S, "小美"),
    "utf-16-le no BOM zh": ("utf-16-le", ZH_S, "小美"),
    "gb18030 zh": ("gb18030", ZH_S, "小美"),
    "gbk zh": ("gbk", ZH_S, "小美"),
    "big5 zh-Hant": ("big5", ZH_T, "小美"),
    "shift_jis ja": ("shift_jis", JA, "さくら"),
    "latin-1 fr/de/es": ("latin-1", WEST, "Marie"),
    "cp1252 fr/de/es": ("cp1252", WIN + WEST, "Marie"),
    "utf-8 fr/de/es": ("utf-8", WIN + WEST, "Marie"),
    "ascii en": ("ascii", EN, "Sam"),
}
SIZES = (1, 5, 200)
LEGACY_CASES = ("gb18030", "gbk", "big5", "shift_jis", "latin-1", "cp1252")


def sample(lines: list[str], contact: str, n: int, rnd: random.Random) -> str:
    """``n`` messages in the QQ/MemoTrace TXT shape: an ASCII header line, the text, a blank line."""
    return "".join(f"2024-05-{1 + i % 28:02d} 09:{i % 60:02d}:00 {contact if i % 2 else 'Leo'}\n{rnd.choice(lines)}\n\n"
                   for i in range(n))


def previous(b: bytes) -> str:
    """The detector lib.textio had before issue 14, kept here as the baseline."""
    if b.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if b.startswith(codecs.BOM_UTF16_LE) or b.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    if len(b) >= 4:
        even, odd, half = b[0::2].count(0), b[1::2].count(0), len(b) / 2
        if odd > 0.3 * half and even < 0.05 * half:
            return "utf-16-le"
        if even > 0.3 * half and odd < 0.05 * half:
            return "utf-16-be"
    try:
        b.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(b) - 3:
            return "utf-8"
    return "gb18030"


def charset_normalizer_best(b: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(b).best()
    return best.encoding if best else None


def combined(b: bytes) -> str | None:
    from charset_normalizer import from_bytes

    enc = textio.detect_encoding(b)
    if enc not in textio.LEGACY:
        return enc  # BOM, UTF-16 or UTF-8: certain, no need to ask
    best = from_bytes(b, cp_isolation=list(textio.LEGACY)).best()
    return best.encoding if best else enc


DETECTORS: dict[str, Callable[[bytes], str | None]] = {
    "previous": previous, "textio": textio.detect_encoding, "charset-normalizer": charset_normalizer_best,
    "combined": combined,
}


def right(b: bytes, enc: str | None, text: str) -> bool:
    if not enc:
        return False
    try:
        return b.decode(enc).lstrip("\ufeff") == text
    except (UnicodeDecodeError, LookupError):
        return False


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--samples", type=int, default=40, help="samples per encoding and size")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "encoding.json")
    args = ap.parse_args()
    data = []
    for name, (codec, lines, contact) in CASES.items():
        rnd = random.Random(f"{args.seed}:{name}")
        for size in SIZES:
            for _ in range(args.samples):
                text = sample(lines, contact, size, rnd)
                data.append((name, size, text, text.encode(codec)))
    results: dict[str, dict] = {}
    for det_name, det in DETECTORS.items():
        det(data[0][3])  # import and warm up outside the clock
        good: dict[str, int] = {}
        spent = {True: 0.0, False: 0.0}  # legacy code page or not
        for name, size, text, b in data:
            key = f"{name} | {size}"
            start = time.perf_counter()
            enc = det(b)
            spent[name.split(" ")[0] in LEGACY_CASES] += time.perf_counter() - start
            good[key] = good.get(key, 0) + right(b, enc, text)
        elapsed = spent[True] + spent[False]
        n_legacy = sum(1 for d in data if d[0].split(" ")[0] in LEGACY_CASES)
        by_size = {size: sum(v for k, v in good.items() if k.endswith(f"| {size}")) / (len(CASES) * args.samples)
                   for size in SIZES}
        legacy = [k for k in good if k.split(" ")[0] in LEGACY_CASES]
        results[det_name] = {
            "accuracy": sum(good.values()) / len(data),
            "accuracy_by_size": by_size,
            "accuracy_legacy": sum(good[k] for k in legacy) / (len(legacy) * args.samples),
            "ms_per_sample": 1000 * elapsed / len(data),
            "ms_per_legacy_sample": 1000 * spent[True] / n_legacy,
            "per_case": {k: v / args.samples for k, v in good.items()},
        }
    names = list(DETECTORS)
    print(f"{'case | messages':34}" + "".join(f"{n:>20}" for n in names))
    for key in results[names[0]]["per_case"]:
        print(f"{key:34}" + "".join(f"{results[n]['per_case'][key]:>20.0%}" for n in names))
    print(f"{'all':34}" + "".join(f"{results[n]['accuracy']:>20.1%}" for n in names))
    print(f"{'legacy code pages':34}" + "".join(f"{results[n]['accuracy_legacy']:>20.1%}" for n in names))
    for size in SIZES:
        print(f"{f'{size} message(s)':34}" + "".join(f"{results[n]['accuracy_by_size'][size]:>20.1%}" for n in names))
    print(f"{'ms per sample':34}" + "".join(f"{results[n]['ms_per_sample']:>20.2f}" for n in names))
    print(f"{'ms per legacy code-page sample':34}"
          + "".join(f"{results[n]['ms_per_legacy_sample']:>20.2f}" for n in names))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"samples": args.samples, "seed": args.seed, "sizes": SIZES,
                                    "detectors": results}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
