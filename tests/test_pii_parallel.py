"""pii-scan on every core writes exactly what one process writes, in input order, line numbers and context included."""
from __future__ import annotations

import io
import json
from pathlib import Path


from lib.pii import jsonl, parallel
from lib.pii.analyzer import Analyzer
from lib.pii.base import AnalyzerConfig

LINES = ["我手机13812345678", "what's your number again?", "07700 900461", "{not json", "明天跟王晓明吃火锅",
         "wifi password?", "sunflower42", "", "ok", "卡号6222021234567894"]


def _file(tmp_path: Path, n: int) -> Path:
    p = tmp_path / "in.jsonl"
    rows = []
    for i in range(n):
        text = LINES[i % len(LINES)]
        rows.append(text if text.startswith("{") or not text else json.dumps({"id": i, "text": text},
                                                                             ensure_ascii=False))
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return p


def _one_thread(monkeypatch) -> None:
    """Workers are forked only from a single-threaded process (the command line); earlier tests may leave threads."""
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)


def _run(path: Path, jobs: int, monkeypatch) -> tuple[str, str, int]:
    _one_thread(monkeypatch)
    monkeypatch.setenv("METWIN_JOBS", str(jobs))
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 0)
    monkeypatch.setattr(jsonl, "CHUNK_BYTES", 512)  # many pieces: order and context across their edges matter
    out, err = io.StringIO(), io.StringIO()
    analyzer = Analyzer(AnalyzerConfig(regions=("CN", "GB")))
    with path.open(encoding="utf-8") as src:
        bad = jsonl.scan_stream(analyzer, src, out, err, path=str(path))
    return out.getvalue(), err.getvalue(), bad


def test_parallel_scan_equals_one_process(tmp_path: Path, monkeypatch) -> None:
    path = _file(tmp_path, 400)
    one = _run(path, 1, monkeypatch)
    many = _run(path, 2, monkeypatch)
    assert many == one
    out = [json.loads(line) for line in one[0].splitlines()]
    assert len(out) == 360  # blank lines give no output line; a bad line gives an error line
    answers = [o for o in out if o.get("id") is not None and LINES[o["id"] % len(LINES)] in ("07700 900461",
                                                                                             "sunflower42")]
    assert answers and all(o["spans"] for o in answers)  # the question on the line before counted, at every edge
    assert one[2] == 40 and "line 4: not JSON" in one[1]


def test_file_chunks_cover_the_file_at_line_ends(tmp_path: Path) -> None:
    path = _file(tmp_path, 300)
    data = path.read_bytes()
    pieces = list(jsonl.file_chunks(str(path), 700))
    assert pieces[0][1] == 0 and pieces[-1][2] == len(data)
    for (_, s, e, line_no), (_, s2, _, line_no2) in zip(pieces, pieces[1:]):
        assert e == s2 and data[e - 1:e] == b"\n"
        assert line_no2 == line_no + data[s:e].count(b"\n")


def test_workspace_scan_on_every_core_finds_what_one_process_finds(tmp_path: Path, monkeypatch) -> None:
    """PiiStore.scan with detection in worker processes: the same values, hits and placeholders as in one process."""
    from lib.pii.store import PiiStore
    from lib.workspace import Workspace
    from tests.helpers import memotrace_csv, write

    rows = [(i % 2, f"2024-05-01 09:{i // 60:02d}:{i % 60:02d}", LINES[i % len(LINES)] or "好")
            for i in range(240)]
    results = []
    _one_thread(monkeypatch)
    for jobs in (1, 2):
        monkeypatch.setenv("METWIN_JOBS", str(jobs))
        monkeypatch.setattr(parallel, "MIN_PARALLEL", 0)
        monkeypatch.setattr("lib.pii.store.BATCH", 17)  # many batches in flight
        ws = Workspace(tmp_path / f"ws{jobs}")
        try:
            ws.import_paths([write(tmp_path, f"chat{jobs}.csv", memotrace_csv(rows))])
            PiiStore(ws).scan()
            results.append((
                sorted(ws.conn.execute("SELECT kind, value, idx FROM pii_values WHERE n_hits > 0")),
                sorted(ws.conn.execute("SELECT message_id, start, end, score FROM pii_hits"))))
        finally:
            ws.close()
    assert results[0] == results[1]
    assert {k for k, _, _ in results[0][0]} >= {"PHONE", "BANK_CARD", "PERSON"}


def test_a_scan_pauses_cycle_collection_and_restores_it_however_it_ends() -> None:
    """The scan pauses Python's cyclic collector (its rows and hits make no cycles); the app's server must get it
    back after the scan, also when the scan fails."""
    import gc

    import pytest

    assert gc.isenabled()
    with parallel.no_cycle_collection():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), parallel.no_cycle_collection():
        raise RuntimeError("a scan that fails")
    assert gc.isenabled()
    gc.disable()
    try:
        with parallel.no_cycle_collection():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()
