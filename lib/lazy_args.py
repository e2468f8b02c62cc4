"""Argument choices and help read from a registry only when argparse needs them.

The registries (exporters, chat backends, ExportOptions' field help) live in modules that import pandas and friends;
building every subcommand's parser from them at start would cost each command, ``--help`` included, about 0.35 s
(0.09 s -> 0.44 s measured). argparse only iterates choices and formats help when it checks that argument or prints
help, so these stand-ins defer the import until then.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator


class LazyChoices:
    """``choices=`` for argparse, computed on first use (a membership test or help)."""

    def __init__(self, compute: Callable[[], Iterable[str]]) -> None:
        self._compute = compute
        self._values: list[str] | None = None

    def _get(self) -> list[str]:
        if self._values is None:
            self._values = list(self._compute())
        return self._values

    def __contains__(self, value: object) -> bool:
        return value in self._get()

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


class LazyHelp:
    """``help=`` for argparse, computed when help is printed (argparse formats it with ``%``)."""

    def __init__(self, compute: Callable[[], str]) -> None:
        self._compute = compute

    def __str__(self) -> str:
        return self._compute()

    def __mod__(self, params: object) -> str:
        return str(self) % params

    def __bool__(self) -> bool:
        return True

    def __contains__(self, part: str) -> bool:
        return part in str(self)

    def __getattr__(self, name: str):  # any other str method argparse uses (strip, ...), on the computed text
        return getattr(str(self), name)
