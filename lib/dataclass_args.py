"""Command-line flags built from a dataclass's fields, so every default, help text and choice list is written once.

Why: ``ExportOptions`` and ``TrainConfig`` used to be repeated in ``lib/cli.py`` (flags, defaults, help) and again in
the pages (widgets, defaults, choices), and the copies drifted. As in LLaMA-Factory's ``hparams`` (HfArgumentParser
over dataclasses, help in ``field(metadata=...)``), the dataclass is now the one source: the parser and the pages are
derived from it.

A field's ``metadata`` may carry:

* ``help`` (required for a flag): one sentence, shown by ``--help`` and (through i18n) on the pages.
* ``choices``: the allowed values (a tuple of strings).
* ``flag``: the flag's name when it is not the field's name with ``-`` (``val_ratio`` -> ``--val``).
* ``min``, ``max``, ``step``: bounds the pages use for their widgets (the dataclass's own check still decides).
* ``enables``: on a value field, the name of a bool field that the flag also switches on. The flag then takes an
  optional value (``--mbti`` or ``--mbti 0.2``); absent, the bool stays False and the value keeps its default.
* ``cli``: False for a field that has no flag.

Types come from the annotation: ``bool`` (or a union starting with bool) -> ``--x/--no-x``; ``int``/``float`` ->
that type; anything else (``str``, ``Path``, ``Path | str``) -> a string the dataclass converts itself. A field with
no default is a required flag.
"""
from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from collections.abc import Callable, Iterator
from typing import Any

MISSING = dataclasses.MISSING


def flag_name(f: dataclasses.Field) -> str:
    """``max_turns`` -> ``max-turns`` (or the field's ``flag`` metadata): the flag without its leading dashes."""
    return str(f.metadata.get("flag") or f.name).replace("_", "-")


def dest(f: dataclasses.Field) -> str:
    """The attribute argparse stores the field's value under."""
    return flag_name(f).replace("-", "_")


def base_type(cls: type, name: str) -> type:
    """The annotation reduced to one of bool, int, float or str (``Path | str`` and ``X | None`` -> their first)."""
    hint = typing.get_type_hints(cls).get(name, str)
    args = [a for a in typing.get_args(hint) if a is not type(None)] \
        if typing.get_origin(hint) in (typing.Union, types.UnionType) else [hint]
    first = args[0] if args else str
    return first if first in (bool, int, float) else str


def default_of(f: dataclasses.Field) -> Any:
    """The field's default (calling its factory); MISSING when it has none (a required flag)."""
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:  # type: ignore[misc]
        return f.default_factory()  # type: ignore[misc]
    return MISSING


def cli_fields(cls: type) -> Iterator[dataclasses.Field]:
    """The fields that are (or are covered by) a flag: all but ``cli=False``."""
    return (f for f in dataclasses.fields(cls) if f.metadata.get("cli", True) is not False)


def _enabled_by(cls: type) -> dict[str, dataclasses.Field]:
    """bool field name -> the value field whose flag switches it on."""
    return {f.metadata["enables"]: f for f in dataclasses.fields(cls) if f.metadata.get("enables")}


def _help(f: dataclasses.Field, default: Any) -> str:
    text = str(f.metadata.get("help", "")).replace("%", "%%")
    if default is not MISSING and default is not None and default != "" and not isinstance(default, bool):
        text += f" (default {default})".replace("%", "%%")
    return text


def add_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup, cls: type,
                  skip: tuple[str, ...] = ()) -> None:
    """Add one flag per field of ``cls`` (except ``skip`` and ``cli=False``) to ``parser``."""
    enabled = _enabled_by(cls)
    for f in cli_fields(cls):
        if f.name in skip or f.name in enabled:
            continue
        default = default_of(f)
        kind = base_type(cls, f.name)
        kw: dict[str, Any] = {"dest": dest(f), "help": _help(f, default)}
        if f.metadata.get("choices"):
            kw["choices"] = list(f.metadata["choices"])
        if target := f.metadata.get("enables"):
            kw.update(type=kind, nargs="?", const=default, default=None,
                      help=kw["help"] + f"; giving the flag turns {target.replace('_', ' ')} on".replace("%", "%%"))
        elif kind is bool:
            kw.update(action=argparse.BooleanOptionalAction, default=bool(default))
        else:
            kw["type"] = kind
            if default is MISSING:
                kw["required"] = True
            else:
                kw["default"] = default
        parser.add_argument(f"--{flag_name(f)}", **kw)


def from_args(cls: type, ns: argparse.Namespace, **overrides: Any):
    """The dataclass built from parsed flags (the inverse of :func:`add_arguments`); ``overrides`` win."""
    kwargs: dict[str, Any] = {}
    for f in cli_fields(cls):
        if not f.init or not hasattr(ns, dest(f)):
            continue
        value = getattr(ns, dest(f))
        if target := f.metadata.get("enables"):
            kwargs[target] = value is not None
            if value is None:
                continue
        kwargs[f.name] = value
    kwargs.update(overrides)
    return cls(**kwargs)


def defaults(cls: type) -> dict[str, Any]:
    """Every field's default by name (fields without one are left out): what a page starts from."""
    return {f.name: d for f in dataclasses.fields(cls) if (d := default_of(f)) is not MISSING}


class DeferredParser(argparse.ArgumentParser):
    """A subcommand parser whose arguments are added only when that subcommand is parsed or its help printed.

    Why: ``ExportOptions`` lives beside pandas; adding its flags while building the whole parser would make every
    command, ``python -m lib --help`` included, pay that import (0.1 s -> 0.5 s). argparse calls the chosen
    subparser's ``parse_known_args``, so the import happens only for ``export``."""

    _populate: Callable[[argparse.ArgumentParser], None] | None = None

    def defer(self, populate: Callable[[argparse.ArgumentParser], None]) -> None:
        self._populate = populate

    def _ready(self) -> None:
        if self._populate is not None:
            populate, self._populate = self._populate, None
            populate(self)

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        self._ready()
        return super().parse_known_args(args, namespace)

    def _parse_known_args(self, *args, **kwargs):  # the path some Python versions take for a subcommand
        self._ready()
        return super()._parse_known_args(*args, **kwargs)

    def format_help(self) -> str:
        self._ready()
        return super().format_help()

    def format_usage(self) -> str:
        self._ready()
        return super().format_usage()
