"""The fast paths of the PII scan find exactly what the plain paths find: same spans, kinds, values, scores, reasons.

Speed work (issue 13 point 9) changed how the word lists are read at start-up, how a workspace scan reads messages and
writes hits (one executemany per batch; ids and texts only for the pass that looks for known names and values) and
where it runs (that pass stays in process). Each is compared here with the plain way on invented data.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from lib.pii import parallel
from lib.pii import store as store_mod
from lib.pii.analyzer import Analyzer
from lib.pii.base import default_norm
from lib.pii.recognizers import person_en, person_zh
from lib.pii.store import EDITS_JOIN, EFFECTIVE_TEXT, PiiStore
from tests.helpers import chat_workspace

# ----- word lists ----------------------------------------------------------------------------------------------------

WORD_TEXTS = [
    "# header\n张伟 nr\n周末\n谢谢\n王国\n文件\n余额\n李强 nr\n马虎 nr\n欧阳\n",
    "周末\n张伟 nr\n王小 nr",  # no trailing newline, a tag on the last line
    "# a\n周末\n# b in the middle\n谢谢 nr\n",
    "周末\n\n谢谢\n",  # a blank line: the plain loop
    "周末 x\n谢谢 nr\n",  # another tag: the plain loop
    " nr\n周末\n",  # a tag with no word: the plain loop
    "周末\r\n谢谢 nr\r\n",  # Windows line ends: the plain loop
    "",
    "# only a header\n",
]


@pytest.mark.parametrize("text", WORD_TEXTS)
def test_chinese_word_list_fast_parse_equals_line_by_line(text: str) -> None:
    assert person_zh._parse_words(text) == person_zh._words_plain(text)


def test_chinese_word_list_shipped_file_parses_the_same_both_ways() -> None:
    text = person_zh._DATA.read_text(encoding="utf-8")
    fast = person_zh._parse_words(text)
    assert fast == person_zh._words_plain(text)
    assert all(len(s) > 1000 for s in fast)  # the real list, not a fallback to nothing


@pytest.mark.parametrize("text", ["# header\nemma\nliam\n", "emma\nliam", "emma\n\nliam\n\n", "", "# h\n",
                                  "\n\nemma\n"])
def test_english_list_reader_equals_line_by_line(tmp_path: Path, monkeypatch, text: str) -> None:
    (tmp_path / "x.txt").write_text(text, encoding="utf-8")
    monkeypatch.setattr(person_en, "DATA", tmp_path)
    lines = text.split("\n")
    if lines and lines[0].startswith("#"):
        lines = lines[1:]
    assert person_en._read("x.txt") == [w for w in lines if w]


def test_english_trigger_sets_equal_the_per_name_test() -> None:
    rec = person_en.EnglishNameRecognizer()
    names = rec.first | rec.last
    assert rec.names == names
    assert rec._t_names == frozenset(w for w in names if not rec._common(w))
    assert rec._t_common_names == names - rec._t_names
    first, _, rank = person_en._lexicon()
    common = person_en._read("common_words_en.txt")
    assert rank == {w: i for i, w in enumerate(common)} and "emma" in first


# ----- workspace scan ------------------------------------------------------------------------------------------------

CORPUS = [
    "我手机13812345678，有事打我", "好的", "明天跟王晓明一起吃火锅", "晓明说他不来了",
    "my sister Emma Rossi is visiting",
    "ask Emma about it", "what's your number again?", "07700 900461", "邮箱xiaoyu.lin@example.com或者微信都行",
    "卡号6222021234567894转我一下", "身份证11010519491231002X发你了", "ｔｅｌ：１３９８７６５４３２１",
    "订单号20240101123456789",
    "wifi password?", "sunflower42", "你的身份证号多少？", "11010519491231002X", "Dr. Okafor called",
    "Daniel Okafor here",
    "Daniel will be late", "王老师好", "好的 我的是 138 1234 5678 吗？", "ip 192.168.1.20 is the router", "ok",
    "哈哈哈",
    "房东李建国让我们月底交租", "李建国：收到", "call me on +44 7700 900123", "", "下午三点见", "Emma's car is blue",
]


def _rows(n_rounds: int) -> list[tuple[int, str, str]]:
    rows = []
    k = 0
    for r in range(n_rounds):
        for i, text in enumerate(CORPUS):
            if not text:
                continue
            k += 1
            rows.append((i % 2, f"2024-05-{1 + r:02d} {9 + k // 60 % 12:02d}:{k % 60:02d}:00", text))
    return rows


def _dump(conn: sqlite3.Connection) -> tuple[list, list]:
    hits = conn.execute("SELECT h.message_id, h.start, h.end, v.kind, v.norm, v.value, v.idx, h.score, h.reason "
                        "FROM pii_hits h JOIN pii_values v ON v.id = h.value_id ORDER BY 1, 2, 3, 4, 5").fetchall()
    values = conn.execute("SELECT kind, norm, value, idx, status, n_hits, max_score FROM pii_values "
                          "ORDER BY kind, idx").fetchall()
    return hits, values


def _plain_scan_range(self, analyzer: Analyzer, values, lo: int, hi: int, report, progress, what: str,
                      state: dict | None = None) -> None:
    """The plain way: every message read with its chat and time, analysed alone (a batch of one: where two
    recognizers tie on a span, the batch order picks the reason, as the store always did), every hit inserted by
    itself; the predecessor rule is the store's, which batches and workers must keep."""
    last: dict[int, tuple[str, int, str]] = {}
    rows = self.conn.execute(f"SELECT m.id, m.chat_id, m.time, {EFFECTIVE_TEXT} FROM messages m {EDITS_JOIN} "
                             "WHERE m.id > ? AND m.id <= ? AND m.text != '' ORDER BY m.id", (lo, hi)).fetchall()
    with store_mod.db.transaction(self.conn):
        for mid, chat_id, t, text in rows:
            seen = last.get(chat_id)
            if seen is not None and (seen[0], seen[1]) < (t, mid):
                prev = seen[2]
            else:
                prev = self._previous_text(chat_id, t, mid) if analyzer.wants_prev(text) else None
            last[chat_id] = (t, mid, text)
            for h in analyzer.analyze_batch([(text, prev)])[0]:
                surface = text[h.start:h.end]
                vid = values.get(h.kind, h.norm or default_norm(surface), surface)
                self.conn.execute("INSERT OR IGNORE INTO pii_hits(message_id, start, end, value_id, score, reason) "
                                  "VALUES (?, ?, ?, ?, ?, ?)", (mid, h.start, h.end, vid, h.score, h.reason))
                report.hits += 1
            report.scanned += 1
        if state is not None:
            self.ws.set_setting("pii.scan", {**state, "upto": hi})


def _scan(tmp_path: Path, monkeypatch, mode: str) -> tuple[list, list]:
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)
    if mode == "plain":
        monkeypatch.setattr(PiiStore, "_scan_range", _plain_scan_range)
    else:
        monkeypatch.setattr(store_mod, "BATCH", 7)  # many batches: context across their edges matters
        monkeypatch.setattr(parallel, "MIN_PARALLEL", 0 if mode == "parallel" else 10 ** 9)
        monkeypatch.setenv("METWIN_JOBS", "2" if mode == "parallel" else "1")
    with chat_workspace(tmp_path / mode, _rows(3)) as ws:
        with ws.conn:  # an owner's edit: the scan reads the edited text
            mid = ws.conn.execute("SELECT id FROM messages WHERE text = '好的' ORDER BY id LIMIT 1").fetchone()[0]
            ws.conn.execute("INSERT INTO message_edits(message_id, text, edited_at) VALUES (?, ?, '2024-06-01')",
                            (mid, "好的，我的是13911112222"))
        store = PiiStore(ws)
        first = store.scan()
        after_first = _dump(ws.conn)
        rescan = store.scan(full=True)
        assert first.scanned == rescan.scanned > 0
        return after_first, _dump(ws.conn)


def test_workspace_scan_fast_paths_equal_the_plain_path(tmp_path: Path, monkeypatch) -> None:
    with monkeypatch.context() as m:
        plain = _scan(tmp_path, m, "plain")
    with monkeypatch.context() as m:
        fast = _scan(tmp_path, m, "fast")
    with monkeypatch.context() as m:
        many = _scan(tmp_path, m, "parallel")
    (hits, values), _ = plain
    kinds = {h[3] for h in hits}
    assert {"PHONE", "EMAIL", "CN_ID", "BANK_CARD", "PERSON"} <= kinds  # a varied corpus, not an empty comparison
    assert any(h[5] == "13911112222" for h in hits)  # the edited text was scanned
    # "Emma" alone, found as a part of Emma Rossi named in full in another message (the known-names pass)
    assert any(h[3] == "PERSON" and h[2] - h[1] == 4 and "emma" in h[4].casefold() for h in hits), \
        [h for h in hits if h[3] == "PERSON"]
    assert fast == plain
    assert many == plain


def test_known_value_pass_stays_in_process(monkeypatch) -> None:
    """A pure known-names-and-values analyzer is not worth workers fed with texts; a full one is (over MIN_PARALLEL
    messages), and so is the pure one when the workers read their own messages (only hits come back)."""
    from lib.pii.base import AnalyzerConfig
    from lib.pii.recognizers.person import PersonRecognizer

    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)
    monkeypatch.setenv("METWIN_JOBS", "2")
    pure = Analyzer(AnalyzerConfig(), recognizers=[PersonRecognizer(("Emma Rossi",))])
    with parallel.AnalyzerPool(pure, 10 ** 6) as pool:
        assert not pool.parallel
        assert next(pool.map([[("ask Emma Rossi", None)]]))[0][0].kind == "PERSON"
    with parallel.AnalyzerPool(Analyzer(AnalyzerConfig()), 10 ** 6) as pool:
        assert pool.parallel
    with parallel.AnalyzerPool(pure, 10 ** 6, own_reads=True) as pool:
        assert pool.parallel


# ----- workers reading their own ranges -------------------------------------------------------------------------------

def _several_chats(tmp_path: Path):
    """A workspace of four chats whose ids interleave (one import per chat, then more of the first chat with earlier
    times: its ids no longer follow its times) and two owner's edits, one in the first batch, one later."""
    from lib.workspace import Workspace
    from tests.helpers import memotrace_csv, write

    ws = Workspace(tmp_path / "ws")
    texts = [t for t in CORPUS if t]
    for k in range(4):
        rows = [(i % 2, f"2024-05-{2 + r:02d} {9 + i // 60:02d}:{i % 60:02d}:{k:02d}", texts[(i + k) % len(texts)])
                for r in range(2) for i in range(len(texts))]
        csv = memotrace_csv(rows).replace("wxid_ajie", f"wxid_friend{k}").replace("阿杰", f"朋友{k}")
        ws.import_paths([write(tmp_path, f"chat{k}.csv", csv)])
    # more of chat 0 between its own days, ending on a question, then more after them: the last of chat 0 seen by
    # id before that import's first message is the question, not its predecessor in time (the store's rule takes
    # it; a worker whose range starts there must too)
    middle = [(i % 2, f"2024-05-02 12:{i:02d}:00", texts[-1 - i]) for i in range(9)] + \
        [(0, "2024-05-02 12:30:00", "wifi password?")]
    after = [(1, f"2024-05-04 10:{i:02d}:00", "sunflower42") for i in range(6)]
    for name, rows in (("chat0b.csv", middle), ("chat0c.csv", after)):
        csv = memotrace_csv(rows).replace("wxid_ajie", "wxid_friend0").replace("阿杰", "朋友0")
        ws.import_paths([write(tmp_path, name, csv)])
    with ws.conn:
        ids = [r[0] for r in ws.conn.execute("SELECT id FROM messages WHERE text != '' ORDER BY id")]
        for mid, text in ((ids[2], "改一下：我的是13911112222"), (ids[len(ids) * 2 // 3], "问下你的身份证号多少？")):
            ws.conn.execute("INSERT INTO message_edits(message_id, text, edited_at) VALUES (?, ?, '2024-06-01')",
                            (mid, text))
    return ws


def _scan_chats(tmp_path: Path, monkeypatch, mode: str) -> tuple[tuple, tuple, int]:
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)
    ranges = []
    if mode == "plain":
        monkeypatch.setattr(PiiStore, "_scan_range", _plain_scan_range)
    else:
        monkeypatch.setattr(parallel, "MIN_PARALLEL", 0 if mode == "workers" else 10 ** 9)
        monkeypatch.setenv("METWIN_JOBS", "2" if mode == "workers" else "1")
        real = parallel.AnalyzerPool.map_ranges

        def spy(self, path, jobs, fn, conn):
            for out in real(self, path, jobs, fn, conn):
                ranges.append(out[0])
                yield out

        monkeypatch.setattr(parallel.AnalyzerPool, "map_ranges", spy)
    ws = _several_chats(tmp_path / mode)
    # a range starts at the first message of the last import (the answer after the question)
    answer = ws.conn.execute("SELECT MIN(id) FROM messages WHERE time LIKE '2024-05-04%'").fetchone()[0]
    before = ws.conn.execute("SELECT COUNT(*) FROM messages WHERE id < ? AND text != ''", (answer,)).fetchone()[0]
    monkeypatch.setattr(store_mod, "BATCH", next(b for b in range(before // 3, 0, -1) if before % b == 0))
    try:
        n_chats = ws.conn.execute("SELECT COUNT(DISTINCT chat_id) FROM messages").fetchone()[0]
        assert n_chats >= 4
        store = PiiStore(ws)
        first = store.scan()
        dumped = _dump(ws.conn)
        assert store.scan(full=True).scanned == first.scanned > 0
        assert any(h[0] == answer for h in dumped[0])  # the question before it in the scan made it a value
        return dumped, _dump(ws.conn), sum(ranges)
    finally:
        ws.close()


def test_workers_reading_their_ranges_equal_the_serial_and_plain_paths(tmp_path: Path, monkeypatch) -> None:
    """Several chats, ids out of time order in one of them, edits: the workers' own reads (and their predecessor
    rule at each range's start) give byte-identical hits and values."""
    out = {}
    for mode in ("plain", "serial", "workers"):
        with monkeypatch.context() as m:
            out[mode] = _scan_chats(tmp_path, m, mode)
    plain, serial, workers = out["plain"], out["serial"], out["workers"]
    assert serial[2] == 0 and workers[2] > 0  # the workers really read ranges; the serial path never does
    assert any(h[5] == "13911112222" for h in plain[0][0])  # an edited text was scanned
    assert {"PHONE", "CN_ID", "PERSON"} <= {h[3] for h in plain[0][0]}
    assert serial[:2] == plain[:2]
    assert workers[:2] == plain[:2]
