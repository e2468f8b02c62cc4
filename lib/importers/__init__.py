"""Importer registry and content-based format detection.

Each format family lives in its own module and registers :class:`Importer` entries in ``REGISTRY`` through
:func:`register`. :func:`detect` sniffs a file's content (not its name) and :func:`parse_file` runs the winner.
Zip archives and folders are expanded by :mod:`lib.importers.containers` before they get here. Every file is
checked against :mod:`lib.importers.limits` (size, memory) before it is read, and over-long messages are cut after.
"""
from __future__ import annotations

from pathlib import Path

from lib.importers import limits
from lib.importers.base import COLUMNS, KINDS, BadInputError, Importer, ParsedExport, finish
from lib.textio import looks_binary, read_head, read_text

__all__ = [
    "COLUMNS", "KINDS", "REGISTRY", "BadInputError", "Importer", "ParsedExport",
    "detect", "finish", "parse_file", "register", "formats",
]

REGISTRY: dict[str, Importer] = {}

MIN_CONFIDENCE = 0.5


def register(importer: Importer) -> Importer:
    """Add an importer to the registry (module import time)."""
    REGISTRY[importer.name] = importer
    return importer


def formats() -> dict[str, str]:
    """``{name: label}`` of every known format, for ``--format`` and the Import page."""
    _load_all()
    return {name: imp.label for name, imp in REGISTRY.items()}


def detect(path: Path) -> tuple[Importer, float]:
    """Pick the importer whose sniffer is most confident about ``path``'s content.

    Raises BadInputError naming the file when it is empty, binary, or matches no known format.
    """
    _load_all()
    path = Path(path)
    if path.stat().st_size == 0:
        raise BadInputError(f"{path.name}: the file is empty. Export the chat again and import the new file.",
                            code="file_empty", file=path.name)
    head, enc, raw = read_head(path)
    if looks_binary(raw, enc):
        raise BadInputError(
            f"{path.name}: this is a binary file (a picture, database or archive), not a chat export in any text "
            "encoding MeTwin reads. Import the CSV, TXT or JSON file your export tool wrote (for WhatsApp, the .txt "
            "or the .zip it shared).", code="file_binary", file=path.name)
    best: tuple[Importer | None, float] = (None, 0.0)
    for imp in REGISTRY.values():
        try:
            score = float(imp.sniff(head, path.name))
        except Exception:  # a sniffer must never break detection of other formats
            score = 0.0
        if score > best[1]:
            best = (imp, score)
    if best[0] is None or best[1] < MIN_CONFIDENCE:
        raise BadInputError(
            f"{path.name}: not a chat export format MeTwin knows. Supported: {', '.join(formats().values())}. "
            "Choose the format by hand if you are sure, or check that this is the file the export tool wrote.",
            code="format_unknown", file=path.name)
    return best[0], best[1]


def parse_file(path: Path, fmt: str | None = None) -> ParsedExport:
    """Detect (unless ``fmt`` is given) and parse one file. Every failure is a BadInputError naming the file."""
    _load_all()
    path = Path(path)
    if fmt:
        if fmt not in REGISTRY:
            raise BadInputError(f"unknown format {fmt!r}; known formats: {', '.join(sorted(REGISTRY))}",
                                code="format_name_unknown", fmt=fmt)
        imp = REGISTRY[fmt]
        if path.stat().st_size == 0:
            raise BadInputError(f"{path.name}: the file is empty. Export the chat again and import the new file.",
                                code="file_empty", file=path.name)
    else:
        imp, _ = detect(path)
    try:
        size = limits.check_part(path, imp.reads)
        # Read with the size just checked as the bound: a file that grows meanwhile cannot take the memory.
        text = None if imp.binary else read_text(path, max_bytes=size)[0]
        parsed = imp.parse(path, text)
        del text
    except BadInputError as exc:
        msg = str(exc)
        params = {**exc.params, "file": path.name} if exc.code else {}
        raise BadInputError(msg if msg.startswith(path.name) else f"{path.name}: {msg}", code=exc.code,
                            **params) from None
    except MemoryError:
        raise BadInputError(
            f"{path.name}: the computer ran out of memory reading this file. Close other programs and try again, or "
            "export per contact or per year and import the parts.", code="out_of_memory", file=path.name) from None
    except (ValueError, KeyError, TypeError, IndexError, UnicodeError, AttributeError, RecursionError) as exc:
        raise BadInputError(
            f"{path.name}: looks like {imp.label} but could not be read ({type(exc).__name__}: {exc}). "
            "The file may be truncated or edited; export it again.", code="unreadable", file=path.name,
            format=imp.label, error=type(exc).__name__) from None
    parsed.messages = finish(parsed.messages)
    cut = limits.cap_messages(parsed.messages)
    if cut:
        parsed.notes.append(limits.cap_note(cut))
    parsed.format = imp.name
    return parsed


_loaded = False


def _load_all() -> None:
    """Import every importer module once so that they register themselves."""
    global _loaded
    if _loaded:
        return
    import importlib
    import pkgutil

    for mod in pkgutil.iter_modules(__path__):
        if mod.name not in ("base", "containers", "damage", "limits"):
            importlib.import_module(f"{__name__}.{mod.name}")
    _loaded = True
