"""Expand what the user points at (files, folders, .zip archives) into single export files to parse.

A WhatsApp iOS export is a zip with ``_chat.txt`` plus media; PyWxDump writes a folder of paged CSV files; MemoTrace
writes one folder per contact. Media and bookkeeping files inside are skipped, not reported as errors.
"""
from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lib.importers.base import BadInputError

# Extensions that can hold a chat export; everything else inside a zip or folder (photos, voice notes) is media.
TEXT_EXTS = {".csv", ".txt", ".json"}
MAX_ZIP_UNCOMPRESSED = 4 * 1024**3  # a zip bomb guard; real chat exports are far smaller


@dataclass
class Part:
    """One export file to parse. ``origin`` is the raw file the user gave (kept unchanged in the workspace)."""

    path: Path
    display: str  # "chat.zip/_chat.txt" or "export/wxid_x_0_5000.csv"
    origin: Path


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
    """
    path = Path(path)
    if not path.exists():
        raise BadInputError(f"{path}: no such file or folder. Check the path and try again.")
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and (p.suffix.lower() in TEXT_EXTS or is_zip(p))
                       and not p.name.startswith("."))
        if not files:
            raise BadInputError(f"{path.name}: this folder holds no .csv, .txt, .json or .zip export files.")
        out: list[tuple[Path, list[Part]]] = []
        for f in files:
            out.extend(expand(f, workdir))
        return out
    if is_zip(path):
        return [(path, _zip_parts(path, workdir))]
    return [(path, [Part(path, path.name, path)])]


def _zip_parts(path: Path, workdir: Path | None) -> list[Part]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BadInputError(f"{path.name}: the zip archive is damaged ({exc}). Download or export it again.") from None
    with zf:
        members = [i for i in zf.infolist() if not i.is_dir() and "__MACOSX" not in i.filename
                   and not Path(i.filename).name.startswith(".")
                   and Path(i.filename).suffix.lower() in TEXT_EXTS]
        if not members:
            raise BadInputError(f"{path.name}: the zip holds no .csv, .txt or .json chat export.")
        total = sum(i.file_size for i in members)
        if total > MAX_ZIP_UNCOMPRESSED:
            raise BadInputError(f"{path.name}: the zip unpacks to {total / 1024**3:.1f} GB of text, more than "
                                "MeTwin imports at once. Unzip it and import the chat files one by one.")
        dest = Path(workdir or tempfile.mkdtemp(prefix="metwin-zip-"))
        parts = []
        for i, info in enumerate(members):
            target = dest / f"{i:04d}_{Path(info.filename).name}"
            try:
                with zf.open(info) as src, open(target, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise BadInputError(f"{path.name}/{info.filename}: could not be unpacked ({exc}). "
                                    "The zip is damaged; export it again.") from None
            parts.append(Part(target, f"{path.name}/{info.filename}", path))
        return parts
