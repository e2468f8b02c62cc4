"""Expand what the user points at (files, folders, .zip archives) into single export files to parse.

A WhatsApp iOS export is a zip with ``_chat.txt`` plus media; PyWxDump writes a folder of paged CSV files; MemoTrace
writes one folder per contact. Media and bookkeeping files inside are skipped, not reported as errors.

Zips are hostile until proven otherwise: the entry count, the declared sizes and the compression ratio are checked
before anything is unpacked, and the bytes actually unpacked are counted again while writing (headers can lie), all
against :mod:`lib.importers.limits`. Zips inside zips are not opened.
"""
from __future__ import annotations

import shutil
import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lib.importers import limits
from lib.importers.base import BadInputError
from lib.importers.limits import human

# Extensions that can hold a chat export; everything else inside a zip or folder (photos, voice notes) is media.
TEXT_EXTS = {".csv", ".txt", ".json"}
_CHUNK = 1 << 20
# What a damaged member raises while it is unpacked (found by fuzzing zips with flipped bytes).
_DAMAGED: tuple[type[BaseException], ...] = (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error)
try:
    import lzma

    _DAMAGED += (lzma.LZMAError,)
except ImportError:  # a Python built without lzma cannot open such members anyway
    pass
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"


@dataclass
class Part:
    """One export file to parse. ``origin`` is the raw file the user gave (kept unchanged in the workspace)."""

    path: Path
    display: str  # "chat.zip/_chat.txt" or "export/wxid_x_0_5000.csv"
    origin: Path


class _Budget:
    """What one :func:`expand` call may still unpack and how many chat files it may still hand out."""

    def __init__(self) -> None:
        self.limits = limits.current()
        self.unpacked = 0
        self.parts = 0

    def add_part(self, shown: str) -> None:
        self.parts += 1
        if self.parts > self.limits.parts:
            raise BadInputError(f"{shown}: holds more than {self.limits.parts:,} chat files, more than one import "
                                "reads. Import the folders or zips one by one.",
                                code="too_many_files", file=shown, limit=f"{self.limits.parts:,}")


def is_zip(path: Path) -> bool:
    """Zip by magic bytes, not by name."""
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def expand(path: Path, workdir: Path | None = None) -> list[tuple[Path, list[Part]]]:
    """Return ``[(origin_file, parts)]``. A folder yields one entry per export file inside (recursively).

    ``workdir`` receives zip members; by default a fresh temporary directory the caller may delete after parsing.
    Raises BadInputError for a missing path, an empty folder, or a zip that breaks a limit or is damaged.
    """
    return _expand(Path(path), workdir, _Budget())


def _expand(path: Path, workdir: Path | None, budget: _Budget) -> list[tuple[Path, list[Part]]]:
    if not path.exists():
        raise BadInputError(f"{path}: no such file or folder. Check the path and try again.",
                            code="no_such_path", file=str(path))
    if path.is_dir():
        files = []
        for p in path.rglob("*"):  # not sorted() first: a huge tree stops at the cap, not after listing it all
            if p.is_file() and not p.name.startswith(".") and (p.suffix.lower() in TEXT_EXTS or is_zip(p)):
                files.append(p)
                if len(files) > budget.limits.parts:
                    raise BadInputError(f"{path.name}: this folder holds more than {budget.limits.parts:,} chat "
                                        "files, more than one import reads. Import its subfolders one by one.",
                                        code="too_many_files", file=path.name, limit=f"{budget.limits.parts:,}")
        files.sort()
        if not files:
            raise BadInputError(f"{path.name}: this folder holds no .csv, .txt, .json or .zip export files.",
                                code="folder_empty", file=path.name)
        out: list[tuple[Path, list[Part]]] = []
        for f in files:
            out.extend(_expand(f, workdir, budget))
        return out
    if not path.is_file():  # a pipe or a device (/dev/zero) never ends: reading or hashing it would not either
        raise BadInputError(f"{path.name}: not a regular file. Import the export file itself.",
                            code="not_regular", file=path.name)
    if is_zip(path):
        return [(path, _zip_parts(path, workdir, budget))]
    too_big = limits.size_problem(path.stat().st_size, budget.limits)
    if too_big:
        raise BadInputError(f"{path.name}: {too_big}",
                            code="file_too_big", file=path.name, size=human(path.stat().st_size),
                            limit=human(budget.limits.file_bytes))
    budget.add_part(path.name)
    return [(path, [Part(path, path.name, path)])]


def declared_entries(path: Path) -> int | None:
    """The entry count from the zip's end record (zip64 aware), read before Python builds an object per entry.
    None when there is no end record to read (zipfile then says the archive is damaged)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            tail_len = min(size, 22 + 65535 + 20)
            fh.seek(size - tail_len)
            tail = fh.read(tail_len)
            at = tail.rfind(_EOCD)
            if at < 0 or at + 22 > len(tail):
                return None
            count = struct.unpack("<H", tail[at + 10:at + 12])[0]
            loc = at - 20
            if count == 0xFFFF and loc >= 0 and tail[loc:loc + 4] == _EOCD64_LOCATOR:
                (offset,) = struct.unpack("<Q", tail[loc + 8:loc + 16])
                fh.seek(offset)
                rec = fh.read(56)
                if rec[:4] == b"PK\x06\x06" and len(rec) == 56:
                    count = struct.unpack("<Q", rec[32:40])[0]
            return int(count)
    except (OSError, struct.error, ValueError):
        return None


def _zip_parts(path: Path, workdir: Path | None, budget: _Budget) -> list[Part]:
    lim = budget.limits
    n = declared_entries(path)
    if n is not None and n > lim.zip_entries:
        raise BadInputError(f"{path.name}: the zip has {n:,} entries, more than the {lim.zip_entries:,} MeTwin opens. "
                            "Unzip it and import the chat files themselves.",
                            code="zip_entries", file=path.name, n=f"{n:,}", limit=f"{lim.zip_entries:,}")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise BadInputError(f"{path.name}: the zip archive is damaged ({exc}). Download or export it again.",
                            code="zip_damaged", file=path.name, error=str(exc)) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > lim.zip_entries:  # an end record that understated the count
            raise BadInputError(f"{path.name}: the zip has {len(infos):,} entries, more than the {lim.zip_entries:,} "
                                "MeTwin opens. Unzip it and import the chat files themselves.",
                                code="zip_entries", file=path.name, n=f"{len(infos):,}", limit=f"{lim.zip_entries:,}")
        members = [i for i in infos if not i.is_dir() and "__MACOSX" not in i.filename
                   and not Path(i.filename).name.startswith(".")
                   and Path(i.filename).suffix.lower() in TEXT_EXTS]
        if not members:
            raise BadInputError(f"{path.name}: the zip holds no .csv, .txt or .json chat export.",
                                code="zip_empty", file=path.name)
        archive = path.stat().st_size  # no member can hold more packed bytes than the whole file, whatever it says
        for info in members:
            _check_declared(path, info, archive, lim)
        total = sum(i.file_size for i in members)
        if budget.unpacked + total > lim.zip_total_bytes:
            raise BadInputError(f"{path.name}: the zip unpacks to {human(total)} of chat files, more than the "
                                f"{human(lim.zip_total_bytes)} one import unpacks. Unzip it and import the chat files "
                                "one by one.",
                                code="zip_total", file=path.name, size=human(total), limit=human(lim.zip_total_bytes))
        dest = Path(workdir or tempfile.mkdtemp(prefix="metwin-zip-"))
        try:
            return _unpack(path, zf, members, total, dest, archive, budget)
        except BaseException:
            if workdir is None:
                shutil.rmtree(dest, ignore_errors=True)
            raise


def _unpack(path: Path, zf: zipfile.ZipFile, members: list[zipfile.ZipInfo], total: int, dest: Path, archive: int,
            budget: _Budget) -> list[Part]:
    """Write the members into ``dest``, counting what really comes out (:func:`copy_bounded`)."""
    lim = budget.limits
    free = shutil.disk_usage(dest).free
    if total > free:
        raise BadInputError(f"{path.name}: unpacking needs {human(total)} of disk space and only {human(free)} is "
                            "free. Free some space and try again.",
                            code="disk_full", file=path.name, need=human(total), free=human(free))
    parts = []
    for i, info in enumerate(members):
        shown = f"{path.name}/{info.filename}"
        budget.add_part(path.name)
        target = dest / f"{i:04d}_{_safe_name(info.filename)}"
        try:
            with zf.open(info) as src, open(target, "wb") as dst:
                budget.unpacked += copy_bounded(src, dst, info.file_size, min(info.compress_size, archive),
                                                lim.zip_total_bytes - budget.unpacked, lim, shown)
        except BadInputError:
            target.unlink(missing_ok=True)
            raise
        except NotImplementedError as exc:  # deflate64 and other methods zipfile cannot unpack
            target.unlink(missing_ok=True)
            raise BadInputError(f"{shown}: the zip uses a compression method MeTwin cannot unpack ({exc}). Unzip "
                                "it yourself and import the chat file.",
                                code="zip_method", file=shown, error=str(exc)) from None
        # after NotImplementedError, its subclass; zipfile: "File ... is encrypted, password required"
        except RuntimeError as exc:
            target.unlink(missing_ok=True)
            raise BadInputError(f"{shown}: the zip is password-protected ({exc}). Export the chat again without "
                                "a password, or unzip it yourself and import the file.",
                                code="zip_password", file=shown) from None
        except _DAMAGED as exc:
            target.unlink(missing_ok=True)
            raise BadInputError(f"{shown}: could not be unpacked ({exc}). The zip is damaged; export it "
                                "again.", code="zip_damaged", file=shown, error=str(exc)) from None
        parts.append(Part(target, shown, path))
    return parts


def _check_declared(path: Path, info: zipfile.ZipInfo, archive: int, lim: limits.ImportLimits) -> None:
    """Refuse a member by the sizes its header declares, before unpacking a byte of it."""
    shown = f"{path.name}/{info.filename}"
    if info.flag_bits & 0x1:
        raise BadInputError(f"{shown}: the zip is password-protected. Export the chat again without a password, or "
                            "unzip it yourself and import the file.", code="zip_password", file=shown)
    packed = min(info.compress_size, archive)
    if info.file_size > lim.zip_ratio_floor and info.file_size > lim.zip_ratio * max(1, packed):
        raise BadInputError(_ratio_message(shown, info.file_size, packed, lim),
                            code="zip_bomb", file=shown, packed=human(packed), size=human(info.file_size))
    if info.file_size > lim.file_bytes:
        raise BadInputError(f"{shown}: unpacks to {human(info.file_size)}, more than the {human(lim.file_bytes)} "
                            "MeTwin reads from one export file. Export per contact or per year and import the parts.",
                            code="file_too_big", file=shown, size=human(info.file_size), limit=human(lim.file_bytes))


def _ratio_message(shown: str, unpacked: int, packed: int, lim: limits.ImportLimits) -> str:
    return (f"{shown}: {human(packed)} in the zip unpacks to {human(unpacked)}, {unpacked / max(1, packed):,.0f} times "
            f"its size (chat exports pack at most about {lim.zip_ratio:,.0f} times): this looks like a zip bomb, not "
            "an export. Check where the file came from, or unzip it yourself and import the chat file.")


def copy_bounded(src: BinaryIO, dst: BinaryIO, declared: int, packed: int, room: int, lim: limits.ImportLimits,
                 shown: str) -> int:
    """Copy one member in 1 MB steps, counting the bytes that actually come out: never more than the header
    ``declared``, than ``room`` (what the import may still unpack) or than the ratio to ``packed`` (its packed
    size, at most the archive's) allows. Returns the bytes written."""
    written = 0
    while chunk := src.read(_CHUNK):
        written += len(chunk)
        if written > declared:
            raise BadInputError(f"{shown}: unpacks to more than the {human(declared)} its header declares: the "
                                "zip is damaged or built to mislead. Export it again.",
                                code="zip_lies", file=shown, size=human(declared))
        if written > room:
            raise BadInputError(f"{shown}: the zip unpacks to more than the {human(lim.zip_total_bytes)} of chat files "
                                "one import unpacks. Unzip it and import the chat files one by one.",
                                code="zip_total", file=shown, size=human(written), limit=human(lim.zip_total_bytes))
        if written > lim.zip_ratio_floor and written > lim.zip_ratio * max(1, packed):
            raise BadInputError(_ratio_message(shown, written, packed, lim),
                                code="zip_bomb", file=shown, packed=human(packed), size=human(written))
        dst.write(chunk)
    return written


def _safe_name(member: str) -> str:
    """The member's own file name, short enough for any file system (the chat name may come from it)."""
    name = Path(member.replace("\\", "/")).name or "export.txt"
    if len(name.encode("utf-8", "surrogatepass")) > 180:
        suffix = Path(name).suffix[:10]
        name = name.encode("utf-8", "surrogatepass")[:160].decode("utf-8", "ignore") + suffix
    return name
