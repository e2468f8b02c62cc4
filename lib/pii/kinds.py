"""The PII kinds and the recognizers that find them: one registry, filled by the recognizer modules themselves.

A recognizer module (``lib/pii/recognizers/<name>.py``) declares, at import time:

- a :class:`KindSpec` per kind it finds (:func:`register_kind`): where the kind sits on the review page, its default
  mask and fake (the operators that mode ``mask`` and ``surrogate`` apply), a check that a fake is valid, and a version
  to bump when what the recognizer finds changes (every kind's version is part of the scan fingerprint, so a bump
  rescans every workspace);
- a factory (:func:`register_recognizer`) that builds its recognizers from an :class:`~lib.pii.base.AnalyzerConfig`.

Nothing else needs to know about a new kind: :data:`KINDS`, the analyzer's recognizer list, the operators' tables and
the scan fingerprint are all derived from here. The two labels of a kind (``pii.kind.<NAME>`` in English and Chinese)
are the only other entries; ``tests/test_pii_kinds.py`` checks that every kind has them.

Design after Presidio's RecognizerRegistry and LLaMA-Factory's converter registry. The registry is loaded lazily (on
first use, by importing every module of :mod:`lib.pii.recognizers`), so any module may be imported first.
"""
from __future__ import annotations

import importlib
import pkgutil
import random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lib.pii.base import AnalyzerConfig, Recognizer


@dataclass(frozen=True)
class KindSpec:
    """One kind of personal data, as a recognizer module declares it."""

    name: str                                               # "PHONE": the stored kind and its placeholder's stem
    order: int                                              # position on the review page and in every kind list
    mask: Callable[[str], str] | None = None                # mode "mask"; None: stars (the length kept if short)
    fake: Callable[[str, random.Random], str] | None = None  # mode "surrogate"; None: "<NAME>" (nothing to imitate)
    valid: Callable[[str, str], bool] | None = None         # (value, fake) -> the fake passes the kind's checksum
    mode: str = "placeholder"                               # the replacement mode before the owner picks one
    version: int = 1                                        # bump when what its recognizer finds changes


@dataclass(frozen=True)
class RecognizerSpec:
    """A recognizer module's factory: the configured recognizers one scan runs (none is fine)."""

    name: str
    order: int
    build: Callable[[AnalyzerConfig], Iterable[Recognizer]]


_KINDS: dict[str, KindSpec] = {}
_RECOGNIZERS: dict[str, RecognizerSpec] = {}
_lock = threading.RLock()
_loaded = False


class _Operator:
    """One function of :mod:`lib.pii.operators`, imported on its first call.

    Recognizer modules name their kind's mask and fake through this, so a scan (``pii-scan``, a workspace scan and
    their forked workers), which never masks or fakes, does not import the operators module and its tables at start-up.
    One instance per name (:func:`operator`), so a KindSpec declared twice still compares equal."""

    __slots__ = ("name", "_fn")

    def __init__(self, name: str) -> None:
        self.name = name
        self._fn: Callable[..., object] | None = None

    def __call__(self, *args: object) -> object:
        fn = self._fn
        if fn is None:
            fn = self._fn = getattr(importlib.import_module("lib.pii.operators"), self.name)
        return fn(*args)

    def __repr__(self) -> str:
        return f"operators.{self.name}"


_OPERATORS: dict[str, _Operator] = {}


def operator(name: str) -> Callable[..., Any]:
    """``lib.pii.operators.<name>``, resolved on first call (see :class:`_Operator`)."""
    with _lock:
        return _OPERATORS.setdefault(name, _Operator(name))


def register_kind(spec: KindSpec) -> KindSpec:
    """Declare a kind (recognizer module import time). Declaring a name twice is a programming error."""
    with _lock:
        if spec.name in _KINDS and _KINDS[spec.name] != spec:
            raise ValueError(f"PII kind {spec.name} is declared twice")
        _KINDS[spec.name] = spec
    return spec


def register_recognizer(name: str, order: int, build: Callable[[AnalyzerConfig], Iterable[Recognizer]]) -> None:
    """Declare a recognizer factory (recognizer module import time); ``order`` keeps the analyzer's list stable."""
    with _lock:
        _RECOGNIZERS[name] = RecognizerSpec(name, order, build)


def _load() -> None:
    """Import every recognizer module once, so each has declared its kinds and factory."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        import lib.pii.recognizers as package

        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            importlib.import_module(f"{package.__name__}.{info.name}")
        _loaded = True


def kind_specs() -> list[KindSpec]:
    """Every kind, in display order."""
    _load()
    return sorted(_KINDS.values(), key=lambda s: (s.order, s.name))


def kind_names() -> tuple[str, ...]:
    return tuple(s.name for s in kind_specs())


def spec(kind: str) -> KindSpec | None:
    _load()
    return _KINDS.get(kind)


def recognizers(config: AnalyzerConfig) -> list[Recognizer]:
    """Every registered recognizer, built for ``config``."""
    _load()
    return [r for s in sorted(_RECOGNIZERS.values(), key=lambda s: (s.order, s.name)) for r in s.build(config)]


def signature() -> list[tuple[str, int]]:
    """(kind, version) of every kind: part of the scan fingerprint, so a new kind or a bumped version rescans."""
    return [(s.name, s.version) for s in kind_specs()]


def __getattr__(name: str) -> tuple[str, ...]:
    """``KINDS``, derived on first use (a constant computed at import would miss modules imported after this one)."""
    if name == "KINDS":
        return kind_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
