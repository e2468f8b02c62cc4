"""The export's near-duplicate pass (lib/export/records.py ``_near_dedup``): the later of two near-identical
conversations goes, and the answer is reused while the records' turns are the same (a label changes none of them),
but found again as soon as one character of a turn changes."""
from __future__ import annotations

import importlib

from lib.curate import rules
from lib.export.records import BuildReport, Record, Turn

rec = importlib.import_module("lib.export.records")  # the module (lib.export.records is also a function's name)

LONG = [("human", "周末去杭州玩吗？我查了一下高铁，早上七点半出发，九点就到西湖了，我们可以先去断桥"),
        ("gpt", "好呀好呀，我也一直想去！那我们中午在楼外楼吃饭？我想吃西湖醋鱼和东坡肉，下午再去灵隐寺"),
        ("human", "可以，晚上看看有没有音乐喷泉，然后坐最后一班高铁回来，你记得带充电宝和雨伞"),
        ("gpt", "收到！我还要带相机，拍好多照片发朋友圈，到时候请你喝奶茶")]
OTHER = [("human", "明天开会的材料准备好了吗？老板说十点前要发给他看一下"),
         ("gpt", "快好了，还差最后一页的数据表，我下午三点前肯定发你，放心吧")]


def _records(*convs: list[tuple[str, str]]) -> list[Record]:
    return [Record(i, 1, "friend", f"2024-05-{i + 1:02d}T09:00:00", "", [Turn(r, t) for r, t in turns])
            for i, turns in enumerate(convs)]


def test_the_later_near_copy_goes_and_the_answer_is_reused_until_a_turn_changes(monkeypatch):
    calls = []
    real = rules.duplicates
    monkeypatch.setattr(rules, "duplicates", lambda frame: calls.append(1) or real(frame))
    monkeypatch.setattr(rec, "_NEAR_DUPS", {})
    near = [(r, t.replace("七点半", "七点伴")) for r, t in LONG]  # one character changed
    report = BuildReport()
    kept = rec._near_dedup(_records(LONG, OTHER, near), report)
    assert [r.conv_id for r in kept] == [0, 1] and report.dropped["near duplicate"] == 1 and len(calls) == 1
    # The same turns again (new objects, as a rebuild after a label makes them): same answer, no second check.
    again = BuildReport()
    assert [r.conv_id for r in rec._near_dedup(_records(LONG, OTHER, near), again)] == [0, 1]
    assert again.dropped["near duplicate"] == 1 and len(calls) == 1
    # One turn edited: checked again. The edited copy now differs enough to stay.
    edited = [(r, t + "，另外我还想去宋城看演出，顺便买点龙井茶叶带回家给爸妈尝尝") for r, t in near]
    kept = rec._near_dedup(_records(LONG, OTHER, edited), BuildReport())
    assert [r.conv_id for r in kept] == [0, 1, 2] and len(calls) == 2
