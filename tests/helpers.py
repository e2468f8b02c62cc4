"""Builders the test modules share: chat fixtures written on the fly, workspaces holding them, AppTest start-up.

Test modules import from here (and get fixtures from ``conftest.py``), never from each other: a test module is free to
change its own helpers without breaking another's.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from streamlit.testing.v1 import AppTest

from lib.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")

HEADER = "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\n"


def memotrace_csv(rows: list[tuple[int, str, str]]) -> str:
    """rows: (is_sender, 'YYYY-MM-DD HH:MM:SS', text) of a private chat with 阿杰."""
    lines = [HEADER]
    for i, (me, t, text) in enumerate(rows, start=1):
        who = ("小雨", "Rain", "wxid_me") if me else ("阿杰", "Jay", "wxid_ajie")
        lines.append(f'{i},wxid_ajie,1,0,{me},{1714525200 + i},2,"{text}",{t},{who[0]},{who[1]},{who[2]}\n')
    return "".join(lines)


CHAT = [(0, "2024-05-01 09:00:00", "早呀[旺柴]"), (0, "2024-05-01 09:00:20", "今天去爬山吗"),
        (1, "2024-05-01 09:01:00", "去！！冲呀"), (0, "2024-05-01 09:02:00", "八点地铁站见"),
        (1, "2024-05-01 09:02:30", "okk~"),
        (0, "2024-05-03 20:00:00", "到家了吗"), (1, "2024-05-03 20:05:00", "到啦 嘿嘿")]

WHATSAPP = """01/05/2024, 09:00 - Messages and calls are end-to-end encrypted. No one outside of this chat can read \
them.
01/05/2024, 09:00 - Alice: Morning! Coffee later?
01/05/2024, 09:01 - Bob: Sure
see you at 10
01/05/2024, 09:02 - Alice: <Media omitted>
01/05/2024, 09:03 - Bob: 👍
"""


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8-sig") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding=encoding)
    return p


@contextmanager
def chat_workspace(tmp_path: Path, rows: list[tuple[int, str, str]]) -> Iterator[Workspace]:
    """A workspace under ``tmp_path`` holding one imported MemoTrace chat of ``rows`` (see :func:`memotrace_csv`),
    closed afterwards: the set-up most tests of one feature start from."""
    w = Workspace(tmp_path / "ws")
    try:
        w.import_paths([write(tmp_path, "chat.csv", memotrace_csv(rows))])
        yield w
    finally:
        w.close()


def start(page: str | None = None) -> AppTest:
    """The app in AppTest, on ``page`` when given, with no exception on the way (use with the ``data_dir`` and
    ``running_server`` fixtures)."""
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> int:
    return int(next(m for m in at.metric if m.label == label).value.replace(",", ""))
