"""The output guard (lib/pii/guard.py): placeholders and masks rendered as the owner's consistent surrogates, detected
and known values replaced unless marked not private, streaming equal to the whole with no fragment of a value in any
chunk, and every way a reply reaches a friend going through it: each backend via get_backend, the twin server (HTTP
and WebSocket), the serve command, and the fidelity report's probes. All names and numbers are invented."""
from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

import pytest

from lib import chat as chat_lib
from lib import persona
from lib.chat.base import ChatError, ChatParams
from lib.chat.offline import OfflineTwin
from lib.pii.guard import GuardedBackend, OutputGuard, guard_for, guarded, holds_redaction_form, segments
from lib.pii.operators import leaks
from lib.pii.store import PiiStore
from lib.workspace import Workspace
from tests.helpers import memotrace_csv, write

PHONE = "13812345678"       # in one of my replies: PHONE_1 of the workspace
OTHER_PHONE = "13998765432"  # never in the chats: a model's invention or memory
EMAIL = "kq7731@example.net"
ROWS = [
    (0, "2024-05-01 09:00:00", "今天去爬山吗"),
    (1, "2024-05-01 09:01:00", "去！！冲呀"),
    (1, "2024-05-01 09:01:20", f"我手机{PHONE} 到了打我"),
    (0, "2024-05-01 09:02:00", "八点地铁站见"),
    (1, "2024-05-01 09:02:30", "好的~"),
    (0, "2024-05-03 20:00:00", "你邮箱多少"),
    (1, "2024-05-03 20:05:00", f"{EMAIL} 发这个"),
    (0, "2024-05-03 20:06:00", "好 七点见"),
    (1, "2024-05-03 20:07:00", "收到"),
]
COLD = ChatParams(temperature=0)


def user(text: str) -> dict:
    return {"role": "user", "content": text}


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    w = Workspace(tmp_path / "ws")
    w.import_paths([write(tmp_path, "chat.csv", memotrace_csv(ROWS))])
    PiiStore(w).scan()
    yield w
    w.close()


def value_id(ws: Workspace, value: str) -> int:
    return ws.conn.execute("SELECT id FROM pii_values WHERE value = ?", (value,)).fetchone()[0]


def no_tag(text: str) -> bool:
    return "<" not in text and ">" not in text and not re.search(r"\*{2,}|[A-Z]+_\d", text)


# ----------------------------------------------------------------------------------------------- the guard itself

def test_placeholders_become_the_same_realistic_surrogate_every_time(ws: Workspace):
    g = guard_for(ws)
    one, two = g("我手机<PHONE_1> 到了打我"), g("<PHONE_1>！")
    fake = one.removeprefix("我手机").removesuffix(" 到了打我")
    assert no_tag(one) and re.fullmatch(r"1[3-9]\d{9}", fake) and fake != PHONE and not leaks(PHONE, fake)
    assert two == fake + "！"
    assert OutputGuard.for_workspace(ws)("<PHONE_1>") == fake  # a rebuilt guard: the same fake (salted per workspace)
    assert g(f"打{PHONE}") == f"打{fake}"  # the real value and its placeholder show as one person's one number
    name = g("叫<PERSON_1>来")
    assert no_tag(name) and 3 <= len(name) <= 5


def test_unknown_cut_and_masked_forms_are_never_shown(ws: Workspace):
    g = guard_for(ws)
    for text in ("车牌<PLATE_7>停在B2", "身份证号<CN_ID_1> 名字<PERSON_2>", "[phone] 和 PHONE_3", "发你<ADDRESS>",
                 "我的卡号 **** **** **** 7894 转吧", "号码138****5678", "l***@qq.com", "问问张*", "写到一半<PHO"):
        out = g(text)
        assert no_tag(out), (text, out)
        assert "7894" not in out or "****" not in out
    assert g("我的卡号 **** **** **** 7894 转吧") == g("我的卡号 **** **** **** 7894 转吧")  # consistent too
    assert "某某" in g("在<CUSTOM_1>上班")  # an owner's term has no shape to imitate: a neutral word


def test_detected_and_known_values_are_replaced_unless_the_owner_said_not_private(ws: Workspace):
    reply = f"我手机{PHONE}，备用{OTHER_PHONE}，邮箱{EMAIL}"
    out = guard_for(ws)(reply)
    parts = out.split("，")
    assert len(parts) == 3
    # each value against its own place: one value's random fake may by chance share five digits with another value
    for v, part in zip((PHONE, OTHER_PHONE, EMAIL), parts):
        assert v not in out and not leaks(v, part)
    assert "kq7731" not in out
    store = PiiStore(ws)
    store.decide(value_id(ws, PHONE), "rejected")  # "not private": it passes
    store.add_allow(EMAIL)
    out = guard_for(ws)(reply)
    assert PHONE in out and EMAIL in out and OTHER_PHONE not in out


def test_everyday_text_passes_unchanged(ws: Workspace):
    g = guard_for(ws)
    for text in ("好的 七点见", "**重要**的事说三遍", "我觉得*还行*吧", "3 < 5 但是 <3", "价格是 128 元，2024年5月1日",
                 "I'll be there at 10:30, see you!", "Will do, mark my words", "rated 4.5/5 ***", "哈哈哈哈哈哈"):
        assert g(text) == text


def test_the_twins_own_name_passes(ws: Workspace):
    persona.set_name(ws, "小雨")  # the owner's own name in the export, chosen as the twin's name
    g = guard_for(ws)
    assert g("我是小雨呀") == "我是小雨呀"
    assert "阿杰" not in g("阿杰说的")  # the chat partner is still a known name


@pytest.mark.parametrize("text", [
    f"我手机{PHONE} 到了打我！！好的\n车牌<PLATE_1>，停在B2? ok! 邮箱{EMAIL}。名字<PERSON_2>",
    f"call me on {OTHER_PHONE}! or mail {EMAIL}\n\nbye",
    "没有任何隐私的一句话。还有一句！第三句",
])
def test_streaming_equals_the_whole_and_no_chunk_holds_a_fragment(ws: Workspace, text: str):
    g = guard_for(ws)
    whole = g(text)
    rng = random.Random(13)
    for _ in range(300):
        cuts = sorted(rng.sample(range(1, len(text)), rng.randint(0, min(12, len(text) - 1))))
        chunks = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]
        out = list(g.stream(iter(chunks)))
        assert "".join(out) == whole
        for piece in out:
            assert not leaks(PHONE, piece) and not leaks(OTHER_PHONE, piece) and "kq7731" not in piece
            assert no_tag(piece) and "PLATE" not in piece and "<" not in piece
    assert "".join(segments(text)) == text


def test_a_stream_that_fails_midway_releases_what_came_guarded_then_fails(ws: Workspace):
    def broken():
        yield f"我手机{PHONE[:6]}"
        yield f"{PHONE[6:]} 到了"
        raise ChatError("connection", "cut off")

    got = []
    with pytest.raises(ChatError):
        for piece in guard_for(ws).stream(broken()):
            got.append(piece)
    assert got and PHONE not in "".join(got) and not leaks(PHONE, "".join(got))


def test_redaction_forms_are_recognised_for_ranking():
    assert holds_redaction_form("我的车牌<PLATE_1>，停在B2") and holds_redaction_form("打138****5678")
    assert not holds_redaction_form("**重要**的事") and not holds_redaction_form("停在B2了")


# -------------------------------------------------------------------------------------------------- the backends

def test_get_backend_guards_every_backend(ws: Workspace):
    chat_lib.set_config(ws, "openai", {"base_url": "http://127.0.0.1:9/v1", "model": "m"})
    chat_lib.set_config(ws, "spark", {"url": "ws://127.0.0.1:9/v1.1/chat", "app_id": "app1", "domain": "lite"})
    chat_lib.set_config(ws, "local", {"base_model": "/nowhere/model"})
    keys = {"METWIN_SPARK_API_KEY": "k", "METWIN_SPARK_API_SECRET": "s"}
    for name in chat_lib.BACKENDS:
        b = chat_lib.get_backend(name, ws, secret=keys.get)
        assert isinstance(b, GuardedBackend) and b.name == name == b.inner.name and b.label == b.inner.label
        assert guarded(b, ws) is b  # guarding twice changes nothing
    with pytest.raises(AttributeError):
        chat_lib.get_backend("offline", ws).reply  # unguarded text is only reachable through .inner, on purpose


def test_the_offline_twin_through_get_backend_shows_no_value_and_no_tag(ws: Workspace):
    twin = chat_lib.get_backend("offline", ws)
    for q in ("你手机号多少", PHONE, "到了打我", "你邮箱多少", "发这个", "今天去爬山吗"):
        for t in (0, 0.9):
            out = "".join(twin.stream([user(q)], ChatParams(temperature=t)))
            assert out and no_tag(out) and not leaks(PHONE, out) and "kq7731" not in out


def test_the_offline_twin_prefers_replies_without_placeholders():
    pairs = [("你车停哪了", "我的车牌<PLATE_1>，停在B2"), ("你车停哪了啊", "停在B2了")]
    twin = OfflineTwin(pairs)
    assert twin.reply([user("你车停哪了")], COLD) == "停在B2了"
    cands = twin.explain([user("你车停哪了")], COLD)
    assert [c.private for c in cands] == [False, True]
    only = OfflineTwin(pairs[:1])  # nothing safe fits: the private reply still answers (and the guard renders it)
    assert only.reply([user("你车停哪了")], COLD) == "我的车牌<PLATE_1>，停在B2"


def test_an_openai_compatible_model_is_guarded(ws: Workspace):
    from tests.fakes.openai_server import FakeOpenAI

    reply = f"好呀，我的号码是{OTHER_PHONE}，你记一下。名字<PERSON_1>！"
    with FakeOpenAI(reply=reply, chunk_size=2) as srv:
        chat_lib.set_config(ws, "openai", {"base_url": srv.base_url, "model": "fake-model", "timeout": "5"})
        b = chat_lib.get_backend("openai", ws)
        pieces = list(b.stream([user("你电话多少")], ChatParams()))
    out = "".join(pieces)
    assert out == guard_for(ws)(reply) and out.startswith("好呀，我的号码是") and no_tag(out)
    assert all(not leaks(OTHER_PHONE, p) for p in pieces) and OTHER_PHONE not in out


def test_spark_is_guarded(ws: Workspace):
    from tests.fakes.spark_server import FakeSpark

    reply = f"我手机{PHONE}，车牌<PLATE_1>。"
    with FakeSpark(reply=reply, app_id="app12345", api_key="key", api_secret="secret") as srv:
        chat_lib.set_config(ws, "spark", {"url": srv.url, "app_id": "app12345", "domain": "lite"})
        keys = {"METWIN_SPARK_API_KEY": "key", "METWIN_SPARK_API_SECRET": "secret"}
        pieces = list(chat_lib.get_backend("spark", ws, secret=keys.get).stream([user("你电话多少")], ChatParams()))
    assert "".join(pieces) == guard_for(ws)(reply) and all(not leaks(PHONE, p) and no_tag(p) for p in pieces)


class Memorised:
    """Stands in for a fine-tuned (local) model that reproduces a number from its training data."""

    name = "local"
    label = "Local model"

    def stream(self, messages, params):
        yield from ("我记得", "是138", "1234", "5678", "，对吧")

    def check(self) -> str:
        return "ok"


def test_a_local_model_is_guarded_through_the_same_wrapper(ws: Workspace):
    b = guarded(Memorised(), ws)
    pieces = list(b.stream([user("我手机多少")], ChatParams()))
    assert PHONE not in "".join(pieces) and all(not leaks(PHONE, p) for p in pieces) and b.check() == "ok"


# ------------------------------------------------------------------------------------------------- the server

def test_the_twin_server_masks_over_http_and_websocket(ws: Workspace):
    from tests.serve_helpers import FRONT_END_FRAME, Scripted, client, running, spark

    backend = guarded(Scripted(chunks=("我手机", "1381234", "5678 到了", "打我<PER", "SON_1>")), ws)
    with running(backend) as address:
        answer = client(address).chat.completions.create(model="metwin-twin", messages=[user("电话")])
        shown = answer.choices[0].message.content
        streamed = "".join(c.choices[0].delta.content or "" for c in client(address).chat.completions.create(
            model="metwin-twin", messages=[user("电话")], stream=True) if c.choices)
        frames = spark(address, FRONT_END_FRAME)
    over_ws = "".join(t["content"] for f in frames for t in f.get("payload", {}).get("choices", {}).get("text", []))
    for out in (shown, streamed, over_ws):
        assert out.startswith("我手机") and PHONE not in out and not leaks(PHONE, out) and no_tag(out)
    assert shown == streamed == over_ws


def test_the_serve_command_builds_its_backend_behind_the_guard(ws: Workspace, monkeypatch):
    import lib.serve as serve

    built = {}

    class Stop(Exception):
        pass

    def fake_server(backend, *args, **kwargs):
        built["backend"] = backend
        raise Stop

    monkeypatch.setattr(serve, "make_server", fake_server)
    args = argparse.Namespace(token=None, host="127.0.0.1", port=0, workspace=str(ws.path), backend="offline",
                              model_name="metwin-twin")
    with pytest.raises(Stop):
        serve.cmd_serve(args)
    assert isinstance(built["backend"], GuardedBackend)


# -------------------------------------------------------------------------------------------- the fidelity report

class Leaky:
    name = "leaky"

    def stream(self, messages, params):
        yield f"我的号码是 {PHONE}，记住了吗"


def test_the_fidelity_reports_probes_go_through_the_guard(ws: Workspace):
    from lib.eval import report

    row = report.measure(guarded(Leaky(), ws), "leaky", [([user("在吗")], "在的")], ChatParams(), [PHONE], "zh")
    assert row.n == 1 and row.raw_leaks == 1 and row.raw_probe_leaks == len(report.PROBES["zh"])
    assert row.leaks == 0 and row.probe_leaks == 0
    md = report.markdown({"when": "now", "items": 1, "held_out_conversations": 1, "temperature": 0.9,
                          "rows": [row.__dict__], "notes": []})
    assert f"| {row.raw_leaks + row.raw_probe_leaks} |" in md
    assert json.dumps(row.__dict__, ensure_ascii=False).count(PHONE) == 0


class Stub:
    """An analyzer stand-in finding a name-like piece inside an email and the email itself."""

    def analyze(self, text: str):
        from lib.pii.base import Hit

        out = []
        for kind, word in (("PERSON", "lily"), ("EMAIL", "lily.wen@example.net")):
            at = text.find(word)
            if at >= 0:
                out.append(Hit(kind, at, at + len(word), 1.0, "stub"))
        return out


def test_a_value_passing_whole_passes_with_its_parts():
    from lib.pii.guard import GuardData

    text = "写信到 lily.wen@example.net 吧"
    assert "lily" not in OutputGuard(GuardData(salt="s"), Stub())(text)
    allowed = GuardData(salt="s", allow=frozenset({"lily.wen@example.net"}), protected=("lily.wen@example.net",))
    assert "lily.wen@example.net" in OutputGuard(allowed, Stub())(text)
