"""Hostile, huge and oddly-encoded files (issue 14): every one fails with one clear sentence and leaves the workspace
as it was, or imports correctly. Bombs are built by hand in a few milliseconds (a compressed block repeated, headers
written with struct), sparse files with ``truncate``: no test writes or holds gigabytes."""
from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import textwrap
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.importers import BadInputError, limits, parse_file
from lib.importers.containers import copy_bounded, declared_entries, expand
from lib.textio import decode_bytes, detect_encoding, looks_binary
from lib.workspace import Workspace, preview

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures"
MB = 1024 * 1024
GB = 1024 * MB
WA_LINE = "01/05/2024, 09:{m:02d} - {who}: {text}\n"


def whatsapp(n: int = 4) -> str:
    return "".join(WA_LINE.format(m=i % 60, who="Alice" if i % 2 else "Bob", text=f"message {i}") for i in range(n))


def deflate_repeat(block: bytes, times: int) -> bytes:
    """A raw deflate stream that inflates to ``block * times`` but is built from ONE compressed copy: a full flush
    leaves no back-reference across copies, so the copies can simply be concatenated (then an empty final block)."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = co.compress(block) + co.flush(zlib.Z_FULL_FLUSH)
    return one * times + zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)


def write_zip(path: Path, members: list[tuple[str, bytes, int, int | None]], entries: int | None = None) -> Path:
    """A zip written byte by byte so that its headers can say anything: ``(name, deflate data, declared size,
    declared packed size or None for the real one)``; ``entries`` overrides the count in the end record."""
    out, central = bytearray(), bytearray()
    for name, data, size, packed in members:
        raw, offset = name.encode(), len(out)
        packed = len(data) if packed is None else packed
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, 0, packed, size, len(raw), 0) + raw
        out += data
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, 0, packed, size,
                               len(raw), 0, 0, 0, 0, 0, offset) + raw
    n = len(members) if entries is None else entries
    out += central + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, n, n, len(central), len(out), 0)
    path.write_bytes(bytes(out))
    return path


def bomb(path: Path, inside: int = 1 * GB, declared: int | None = None, packed: int | None = None) -> Path:
    """A WhatsApp-looking zip: about ``inside`` bytes of one endless message from about 1/1000 of that."""
    block = b"01/05/2024, 09:00 - Alice: " + b"ha" * (MB // 2) + b"\n"
    times = -(-inside // len(block))
    return write_zip(path, [("_chat.txt", deflate_repeat(block, times), declared or times * len(block), packed)])


@pytest.fixture
def strict(monkeypatch: pytest.MonkeyPatch):
    """Swap in smaller limits for one test: ``strict(parts=3)``."""
    def apply(**changes) -> limits.ImportLimits:
        new = dataclasses.replace(limits.LIMITS, **changes)
        monkeypatch.setattr(limits, "LIMITS", new)
        return new
    return apply


def assert_untouched(ws: Workspace) -> None:
    assert ws.is_empty()
    assert ws.imports().empty
    assert list((ws.path / "raw").iterdir()) == []


# ------------------------------------------------------------------------------------------------------------ zips


def test_zip_bomb_refused_from_its_headers_before_unpacking(tmp_path: Path) -> None:
    path = bomb(tmp_path / "chat.zip")  # 1 GB inside, about 1 MB packed
    assert path.stat().st_size < 2 * MB
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(BadInputError, match=r"chat\.zip/_chat\.txt: .* unpacks to 1\.0 GB, .*zip bomb") as exc:
        expand(path, out)
    assert "\n" not in str(exc.value)
    assert list(out.iterdir()) == []


def test_zip_with_lying_packed_size_is_judged_by_the_archive_size(tmp_path: Path) -> None:
    """Headers that claim the member is barely packed (packed = unpacked) cannot hide a 1000x ratio: no member holds
    more packed bytes than the whole archive."""
    path = bomb(tmp_path / "chat.zip", inside=300 * MB, packed=300 * MB)
    with pytest.raises(BadInputError, match="zip bomb"):
        expand(path, tmp_path)


def test_zip_whose_header_understates_the_size_fails_cleanly(tmp_path: Path) -> None:
    """Declared 900 KB (under every cap), 1 GB really inside: unpacking stops at the declared size."""
    path = bomb(tmp_path / "chat.zip", declared=900 * 1024)
    ws = Workspace(tmp_path / "ws")
    report = ws.import_paths([path])
    assert report.files[0].status == "failed"
    assert re.search(r"chat\.zip/_chat\.txt: .*(damaged|mislead)", report.files[0].message)
    assert_untouched(ws)
    ws.close()


class Endless(io.RawIOBase):
    """A member stream that yields far more than its header says (what a lying header plus a lax unpacker give)."""

    def __init__(self, total: int) -> None:
        self.left = total

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = min(self.left, n if n > 0 else self.left)
        self.left -= n
        return b"x" * n


def test_unpacking_counts_real_bytes_not_headers(tmp_path: Path) -> None:
    lim = limits.current()
    with pytest.raises(BadInputError, match="more than the 2.0 MB its header declares"):
        copy_bounded(Endless(50 * MB), io.BytesIO(), 2 * MB, 1 * MB, lim.zip_total_bytes, lim, "a.zip/x.txt")
    with pytest.raises(BadInputError, match="zip bomb"):  # the header is honest about a size, the ratio is not
        copy_bounded(Endless(50 * MB), io.BytesIO(), 400 * MB, 100 * 1024, lim.zip_total_bytes, lim, "a.zip/x.txt")
    with pytest.raises(BadInputError, match="more than the 1.0 GB of chat files"):
        copy_bounded(Endless(50 * MB), io.BytesIO(), 400 * MB, 400 * MB, 3 * MB, lim, "a.zip/x.txt")
    sink = io.BytesIO()
    assert copy_bounded(Endless(3 * MB), sink, 3 * MB, 1 * MB, lim.zip_total_bytes, lim, "a.zip/x.txt") == 3 * MB


def test_zip_total_cap_counts_every_member(tmp_path: Path, strict) -> None:
    strict(zip_total_bytes=1 * MB)
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(3):
            zf.writestr(f"chat{i}.txt", os.urandom(300 * 1024).hex())  # 600 KB each, packs 2x: an honest ratio
    with pytest.raises(BadInputError, match=r"export\.zip: the zip unpacks to 1\.8 MB of chat files, more than the "
                                            r"1\.0 MB"):
        expand(path, tmp_path)


def test_zip_with_too_many_entries(tmp_path: Path, strict) -> None:
    strict(zip_entries=50)
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(60):
            zf.writestr(f"photo{i}.jpg", b"x")
        zf.writestr("_chat.txt", whatsapp())
    assert declared_entries(path) == 61
    with pytest.raises(BadInputError, match=r"many\.zip: the zip has 61 entries, more than the 50"):
        expand(path, tmp_path)


def test_zip_end_record_counts_before_the_directory_is_read(tmp_path: Path) -> None:
    """A zip64 end record claiming ten million entries is refused from 128 bytes, before zipfile builds a
    ZipInfo per entry."""
    path = tmp_path / "claims.zip"
    head = b"PK\x03\x04" + bytes(26)  # the magic that makes it a zip, then nothing real
    z64 = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, 10**7, 10**7, 0, 0)
    loc = struct.pack("<4sIQI", b"PK\x06\x07", 0, len(head), 1)
    eocd = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    path.write_bytes(head + z64 + loc + eocd)
    assert declared_entries(path) == 10**7
    with pytest.raises(BadInputError, match="10,000,000 entries"):
        expand(path, tmp_path)


def test_too_many_chat_files_in_a_folder(tmp_path: Path, strict) -> None:
    strict(parts=3)
    folder = tmp_path / "export"
    folder.mkdir()
    for i in range(5):
        (folder / f"chat{i}.txt").write_text(whatsapp(), "utf-8")
    with pytest.raises(BadInputError, match="more than 3 chat files"):
        expand(folder, tmp_path)


def test_password_protected_member(tmp_path: Path) -> None:
    path = tmp_path / "locked.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("_chat.txt", whatsapp())
    raw = bytearray(path.read_bytes())
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):  # set the "encrypted" flag bit in both headers
        at = raw.find(sig)
        flag = at + (6 if sig == b"PK\x03\x04" else 8)
        raw[flag] |= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(BadInputError, match="password-protected"):
        expand(path, tmp_path)


def _small_zip(method: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        zf.writestr("_chat.txt", whatsapp(40))
        zf.writestr("photo.jpg", b"\xff\xd8" * 100)
    return buf.getvalue()


_ZIPS = {m: _small_zip(m) for m in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)}


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_damaged_zip_is_bad_input_never_a_crash(data: st.DataObject) -> None:
    """Flipped bytes and cut-off archives (the fuzzing that found zlib.error, LZMAError and "zip file version"
    escaping as tracebacks): expanding and parsing either works or raises BadInputError."""
    raw = bytearray(_ZIPS[data.draw(st.sampled_from(list(_ZIPS)))])
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    raw = raw[:data.draw(st.integers(4, len(raw)))]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chat.zip"
        path.write_bytes(bytes(raw))
        try:
            for _origin, parts in expand(path, Path(tmp)):
                for part in parts:
                    try:
                        parse_file(part.path)
                    except BadInputError:
                        pass
        except BadInputError as exc:
            assert "\n" not in str(exc)


def test_hostile_zip_import_keeps_memory_bounded(tmp_path: Path) -> None:
    """The whole import of a 1 GB-inside bomb and of a lying-header one, each in a fresh interpreter: peak RSS stays
    near the interpreter's own (before issue 14 the first took 4.7 GB and died with MemoryError)."""
    zips = [bomb(tmp_path / "bomb.zip"), bomb(tmp_path / "liar.zip", declared=900 * 1024)]
    code = textwrap.dedent("""
        import json, resource, sys
        from pathlib import Path
        from lib.workspace import Workspace
        ws = Workspace(Path(sys.argv[1]))
        report = ws.import_paths([Path(p) for p in sys.argv[2:]])
        # VmHWM: this program's own peak. ru_maxrss would be wrong here: Linux keeps it across exec, so it can
        # report the (big) pytest process this child was forked from.
        try:
            status = Path("/proc/self/status").read_text()
            peak = int(next(l for l in status.splitlines() if l.startswith("VmHWM:")).split()[1]) * 1024
        except OSError:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
        print(json.dumps({"peak": peak, "status": [f.status for f in report.files], "empty": ws.is_empty()}))
    """)
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "ws"), *map(str, zips)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"peak RSS of the hostile-zip import: {result['peak'] / MB:.0f} MB")
    assert result["status"] == ["failed", "failed"] and result["empty"]
    assert result["peak"] < 300 * MB


# ------------------------------------------------------------------------------------------------- huge files


def sparse(path: Path, head: str, size: int) -> Path:
    """A file of ``size`` bytes that takes only ``head`` on disk: the rest is a hole read back as NULs."""
    path.write_text(head, "utf-8")
    os.truncate(path, size)
    return path


def test_sparse_2gb_file_refused_without_reading_it(tmp_path: Path) -> None:
    head = whatsapp(2000)  # more than 64 KB of real text before the hole, so detection sees a WhatsApp export
    assert len(head) > 64 * 1024
    path = sparse(tmp_path / "chat.txt", head, 2 * GB)
    for fmt in (None, "whatsapp_txt"):
        with pytest.raises(BadInputError, match=r"^chat\.txt: the file is 2\.0 GB, more than the 512 MB"):
            parse_file(path, fmt)
    assert "more than the 512 MB" in preview(path)["parts"][0]["error"]
    ws = Workspace(tmp_path / "ws")  # refused when the path is expanded: before the workspace hashes 2 GB
    report = ws.import_paths([path])
    assert report.files[0].message.startswith("chat.txt: the file is 2.0 GB, more than the 512 MB")
    assert_untouched(ws)
    ws.close()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_device_that_never_ends_is_refused(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    report = ws.import_paths([Path("/dev/zero")])
    assert report.files[0].message == "zero: not a regular file. Import the export file itself."
    assert_untouched(ws)
    ws.close()


def test_file_cap_leaves_the_workspace_untouched(tmp_path: Path, strict) -> None:
    strict(file_bytes=4 * 1024)
    path = tmp_path / "chat.txt"
    path.write_text(whatsapp(200), "utf-8")
    ws = Workspace(tmp_path / "ws")
    report = ws.import_paths([path])
    assert report.failed
    assert re.match(r"chat\.txt: the file is [\d.]+ KB, more than the 4\.0 KB", report.files[0].message)
    assert_untouched(ws)
    ws.close()


def test_memory_check_refuses_what_does_not_fit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = sparse(tmp_path / "chat.txt", whatsapp(2000), 40 * MB)
    monkeypatch.setattr(limits, "available_memory", lambda: 100 * MB)
    with pytest.raises(BadInputError, match=r"takes about 800 MB of memory and only 100 MB is free\. Close other"):
        parse_file(path, "whatsapp_txt")


def test_long_message_cut_with_a_visible_note(tmp_path: Path) -> None:
    cap = limits.current().message_chars
    long = "话" * (cap + 3000)  # 3,000 characters over: 8.8 KB of UTF-8
    path = tmp_path / "chat.txt"
    path.write_text(WA_LINE.format(m=0, who="Alice", text=long) + WA_LINE.format(m=1, who="Bob", text="ok"), "utf-8")
    parsed = parse_file(path)
    text = parsed.messages["text"].iloc[0]
    assert text.startswith("话" * cap) and text.endswith("… [truncated: 8.8 KB more]")
    assert len(text) < cap + 40
    assert parsed.messages["text"].iloc[1] == "ok"
    assert any(n.startswith("1 message longer than 64 K characters was cut") for n in parsed.notes)

    ws = Workspace(tmp_path / "ws")
    report = ws.import_paths([path])
    assert report.files[0].status == "imported"
    assert any("was cut" in n for n in report.files[0].notes)
    stored = ws.conn.execute("SELECT MAX(LENGTH(text)) FROM messages").fetchone()[0]
    assert stored == len(text)
    assert (ws.path / "raw").iterdir().__next__().stat().st_size == path.stat().st_size  # the raw copy is whole
    ws.close()


# -------------------------------------------------------------------------------------------------- encodings

SAMPLES = {  # encoding: (sender, two short chat lines): short texts are the hard case for detection
    "utf-8": ("小美", ["早上好，今天一起吃午饭吗？", "Ça va 👌"]),
    "utf-8-sig": ("小美", ["早上好，今天一起吃午饭吗？", "好的"]),
    "utf-16": ("小美", ["收到，谢谢！", "晚安"]),
    "utf-16-le": ("小美", ["收到，谢谢！", "晚安"]),
    "gb18030": ("小美", ["收到，谢谢！", "你吃饭了没"]),
    "gbk": ("阿明", ["在吗", "周末去爬山吧，天气不错"]),
    "big5": ("小美", ["這個價格有點貴，再看看吧", "謝謝"]),
    "shift_jis": ("さくら", ["了解、ありがとう！", "おやすみ"]),
    "latin-1": ("Zoë", ["Ça va ? Très bien", "À demain, señor"]),
    "cp1252": ("Zoë", ["L’été… c’était génial", "Prix : 20€ — trop cher"]),
}


@pytest.mark.parametrize("encoding", list(SAMPLES))
def test_encoding_round_trip(encoding: str, tmp_path: Path) -> None:
    sender, lines = SAMPLES[encoding]
    text = "".join(f"2024-05-01 9:0{i}:00 {sender if i % 2 else 'Leo'}\n{line}\n\n" for i, line in enumerate(lines))
    path = tmp_path / "chat.txt"
    path.write_bytes(text.encode(encoding))
    parsed = parse_file(path)
    assert parsed.format == "qq_txt"
    assert parsed.messages["text"].tolist() == lines
    assert parsed.messages["sender"].tolist() == ["Leo", sender]


@pytest.mark.parametrize("encoding", ["cp1252", "big5", "shift_jis"])
def test_ascii_head_then_legacy_text_further_in(encoding: str, tmp_path: Path) -> None:
    """The first 64 KB are plain ASCII; the code page shows only later. It is judged where UTF-8 stops."""
    line = {"cp1252": "Très bien… l’été", "big5": "這個價格有點貴", "shift_jis": "了解、ありがとう"}[encoding]
    raw = ("x" * 100 + "\n") * 1000 + line + "\n"
    text, enc = decode_bytes(raw.encode(encoding))
    assert text.endswith(line + "\n")
    assert enc == encoding


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
    zlib.compress(bytes(range(256)) * 400).replace(b"\x00", b"\x01"),  # packed data without a single NUL
    bytes((i * 7919 + 13) % 255 + 1 for i in range(20000)),  # every byte but NUL, no text in any code page
    b"SQLite format 3\x00" + b"\x10\x00\x01\x01" * 500,
])
def test_binary_still_rejected(data: bytes, tmp_path: Path) -> None:
    assert looks_binary(data[:65536], detect_encoding(data[:65536]))
    path = tmp_path / "chat.txt"
    path.write_bytes(data)
    with pytest.raises(BadInputError, match="binary file"):
        parse_file(path)


# ------------------------------------------------------------------------------------------------- cut-off files

CSV_HEADER = "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\n"


def memotrace_rows(n: int) -> str:
    rows = [CSV_HEADER]
    for i in range(1, n + 1):
        me = i % 2
        text = f'"第{i}条, 有逗号\n还有第二行"' if i % 3 == 0 else f"消息{i}"
        rows.append(f"{i},7,1,0,{me},{1714525200 + i},2,{text},2024-05-01 09:{i % 60:02d}:00,"
                    f"{'Leo' if me else '小美'},{'Leo' if me else 'Amy'},{'wxid_me' if me else 'wxid_amy'}\n")
    return "".join(rows)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])  # pyarrow's fast path and pandas' careful one
def test_csv_cut_inside_a_quoted_field_names_the_line(encoding: str, tmp_path: Path) -> None:
    full = memotrace_rows(600)
    start = full.index('"第600条')
    line = full.count("\n", 0, start) + 1
    path = tmp_path / "chat.csv"
    path.write_bytes(full[:start + 8].encode(encoding))
    with pytest.raises(BadInputError) as exc:
        parse_file(path)
    assert str(exc.value).startswith(f"chat.csv: the file has a quoted field that starts on line {line:,} and never "
                                     "ends: the file is cut off")
    assert "Export it again" in str(exc.value)
    path.write_bytes(full.encode(encoding))  # the whole file still imports
    assert len(parse_file(path).messages) == 600


def test_json_cut_off_names_the_record_and_byte(tmp_path: Path) -> None:
    data = json.loads((FIX / "telegram" / "single_personal.json").read_text("utf-8"))
    data["messages"] = [dict(data["messages"][0], id=i, text=f"message {i}") for i in range(1, 701)]
    text = json.dumps(data, ensure_ascii=False, indent=1)
    cut = text.index('"id": 512,') + 30
    path = tmp_path / "result.json"
    path.write_text(text[:cut], "utf-8")
    with pytest.raises(BadInputError) as exc:
        parse_file(path)
    msg = str(exc.value)
    assert msg.startswith("result.json: the file ends early at record 512 (line ")
    assert re.search(r"byte [\d,]+\): the export or download stopped before the end\. Export again", msg)
    byte = int(re.search(r"byte ([\d,]+)", msg).group(1).replace(",", ""))
    assert len(text[:cut].encode()) - 40 < byte <= len(text[:cut].encode())  # where the last record broke off
