"""How much one import may unpack, read and store: every such default lives here, and nowhere else.

Hostile or broken input must fail with one clear sentence, before it takes the machine's memory or disk: a zip that
unpacks a thousand times its size, a zip whose headers understate what it holds, a sparse file that claims gigabytes,
one "message" of 300 MB. Caps on zips are checked twice: against the sizes the archive declares (cheap, before any
byte is unpacked) and against the bytes actually unpacked (headers can lie). Every format is parsed whole, so before
reading a file we also estimate the memory its import takes (:attr:`ImportLimits.peak_per_byte`, measured) and
refuse when that does not fit the memory free right now.

Tests and callers that need other values replace :data:`LIMITS` (``dataclasses.replace(LIMITS, ...)``); code reads
it through :func:`current` at call time, never copies a value at import time.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lib.errors import BadInputError

KB = 1024
MB = 1024 * KB
GB = 1024 * MB


@dataclass(frozen=True)
class ImportLimits:
    """The caps of one import. The defaults are far above real chat exports and far below what hurts a laptop."""

    # Zips: text unpacked from the zips of one import, in bytes. A 1M-message WeChat CSV is about 220 MB.
    zip_total_bytes: int = 1 * GB
    # Entries in one zip's central directory, media included. Read from the end record before Python builds an
    # object per entry (a million-entry directory alone takes hundreds of MB).
    zip_entries: int = 100_000
    # Unpacked / packed size of one member above ``zip_ratio_floor``. Chat text packs 3-10x; deflate bombs ~1000x.
    zip_ratio: float = 100.0
    zip_ratio_floor: int = 1 * MB
    # Chat files (.csv, .txt, .json) one import parses, from a zip or a folder.
    parts: int = 10_000
    # One export file. Every format is parsed whole; the memory check below decides for the machine at hand.
    file_bytes: int = 512 * MB
    # One message's text (and quoted text), in characters. Longer ones are cut, with a visible note in the text.
    message_chars: int = 64 * 1024
    # Peak memory of an import (parse and write) per byte of input file, measured on synthetic exports with short
    # messages (the worst case): WhatsApp/QQ TXT about 19x, Telegram JSON about 8x, MemoTrace CSV 5-9x.
    peak_per_byte: tuple[tuple[str, float], ...] = (("csv", 10.0), ("json", 10.0), ("txt", 20.0))
    # The estimate must fit in this share of the memory available when the file is read.
    memory_share: float = 0.9


LIMITS = ImportLimits()


def current() -> ImportLimits:
    """The limits in force now (tests swap :data:`LIMITS`)."""
    return LIMITS


def human(n: float) -> str:
    """``1.5 GB``, ``300 MB``, ``12 KB``: sizes in user messages."""
    for unit, size in (("GB", GB), ("MB", MB), ("KB", KB)):
        if n >= size:
            value = n / size
            return f"{value:.1f} {unit}" if value < 10 else f"{value:,.0f} {unit}"
    return f"{int(n)} bytes"


def available_memory() -> int | None:
    """Bytes of memory this process can still take: the machine's available memory, or the container's (cgroup)
    headroom when that is smaller. None where neither can be read (then only the fixed caps apply)."""
    avail: int | None = None
    try:
        import psutil  # optional: present with most installs, not a requirement

        avail = int(psutil.virtual_memory().available)
    except Exception:  # noqa: BLE001 - missing or unsupported: fall back to /proc
        try:
            with open("/proc/meminfo", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("MemAvailable:"):
                        avail = int(line.split()[1]) * KB
                        break
        except (OSError, ValueError, IndexError):
            avail = None
    try:
        cg = Path("/sys/fs/cgroup")
        cap = (cg / "memory.max").read_text().strip()
        if cap != "max":
            room = int(cap) - int((cg / "memory.current").read_text().strip())
            avail = room if avail is None else min(avail, room)
    except (OSError, ValueError):
        pass
    return avail


def peak_factor(reads: str, limits: ImportLimits | None = None) -> float:
    """Estimated peak memory per input byte for an importer that reads ``reads`` ("csv", "json" or "txt")."""
    table = dict((limits or current()).peak_per_byte)
    return table.get(reads, max(table.values()))


def size_problem(size: int, limits: ImportLimits | None = None) -> str | None:
    """The message for a file over the fixed cap (without the file name), else None. Checked when a folder or file
    is expanded (before the workspace hashes gigabytes) and again before parsing."""
    lim = limits or current()
    if size <= lim.file_bytes:
        return None
    return (f"the file is {human(size)}, more than the {human(lim.file_bytes)} MeTwin reads from one export file. "
            "Export per contact or per year and import the parts (or check that this is the right file).")


def check_part(path: Path, reads: str, limits: ImportLimits | None = None) -> int:
    """Raise BadInputError (without the file name; the caller adds it) when the file is too big to parse, by the
    fixed cap or by the memory free now. Returns the size in bytes."""
    lim = limits or current()
    size = Path(path).stat().st_size
    too_big = size_problem(size, lim)
    if too_big:
        raise BadInputError(too_big, code="file_too_big", size=human(size), limit=human(lim.file_bytes))
    need = size * peak_factor(reads, lim)
    free = available_memory()
    if free is not None and need > free * lim.memory_share and need > 256 * MB:
        raise BadInputError(
            f"reading this {human(size)} file takes about {human(need)} of memory and only {human(free)} is free. "
            "Close other programs and try again, or export per contact or per year and import the parts.",
                            code="out_of_memory")
    return size


TRUNCATION_NOTE = "… [truncated: {size} more]"


def cap_messages(df: pd.DataFrame, limits: ImportLimits | None = None) -> int:
    """Cut texts and quotes longer than the message cap, in place, ending them with a visible note saying how much
    was cut. The raw file in the workspace keeps the full text. Returns the number of messages cut."""
    cap = (limits or current()).message_chars
    cut = None
    for col in ("text", "quote"):
        if col not in df.columns or not len(df):
            continue
        lengths = df[col].str.len()
        long = (lengths > cap).fillna(False).to_numpy(dtype=bool)
        if not long.any():
            continue
        new = [t[:cap] + TRUNCATION_NOTE.format(size=human(len(t[cap:].encode("utf-8", "surrogatepass"))))
               for t in df.loc[long, col].tolist()]
        df.loc[long, col] = new
        cut = long if cut is None else cut | long
    return 0 if cut is None else int(cut.sum())


def cap_note(n: int, limits: ImportLimits | None = None) -> str:
    """The import-report note for :func:`cap_messages`."""
    cap = (limits or current()).message_chars
    return (f"{n:,} message{'s' if n != 1 else ''} longer than {cap // 1024} K characters "
            f"{'were' if n != 1 else 'was'} cut to that length (marked '[truncated: …]'); the raw file keeps the "
            "full text.")
