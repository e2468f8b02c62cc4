"""One widget per dataclass field, with the field's default, choices and bounds (issue 16).

Why: the Export and Train pages used to repeat every default and range of ``ExportOptions`` and ``TrainConfig``; a
changed default then differed between the page and ``python -m lib``. Here the widget reads them from the field
(:mod:`lib.dataclass_args`), and its words from i18n keys derived from the field's name: ``<prefix>.<field>`` (label),
``<prefix>.<field>.help`` and, for a choice, ``<prefix>.<field>.<value>``.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable

from lib.dataclass_args import base_type, default_of


def field_of(cls: type, name: str) -> dataclasses.Field:
    return next(f for f in dataclasses.fields(cls) if f.name == name)


def keys(prefix: str, f: dataclasses.Field) -> list[str]:
    """The i18n keys a field's widget uses (the test checks both languages hold them)."""
    out = [f"{prefix}.{f.name}", f"{prefix}.{f.name}.help"]
    return out + [f"{prefix}.{f.name}.{c}" for c in f.metadata.get("choices", ())]


def widget(where: Any, t: Callable[..., str], cls: type, name: str, prefix: str, key: str, value: Any = None,
           **extra: Any) -> Any:
    """Draw the field ``name`` of ``cls`` in ``where`` (``st`` or a column) and return its value.

    ``value`` overrides the field's default (a preset's value, say); ``extra`` goes to the Streamlit call."""
    f = field_of(cls, name)
    meta = f.metadata
    default = default_of(f) if value is None else value
    label, help_text = t(f"{prefix}.{name}"), t(f"{prefix}.{name}.help")
    kind = base_type(cls, name)
    if meta.get("choices"):
        choices = list(meta["choices"])
        return where.selectbox(label, choices, index=choices.index(default), key=key, help=help_text,
                               format_func=lambda c: t(f"{prefix}.{name}.{c}"), **extra)
    if kind is bool:
        return where.toggle(label, bool(default), key=key, help=help_text, **extra)
    if kind in (int, float):
        lo, hi, step = meta.get("min"), meta.get("max"), meta.get("step")
        if kind is float:
            lo, hi = (None if lo is None else float(lo)), (None if hi is None else float(hi))
            if lo is not None and hi is not None and step is not None and hi <= 1.0:
                return where.slider(label, lo, hi, float(default), float(step), key=key, help=help_text, **extra)
            fmt = meta.get("format")
            got = where.number_input(label, lo, hi, float(default), None if step is None else float(step), key=key,
                                     help=help_text, **({"format": fmt} if fmt else {}), **extra)
            return float(got)
        got = where.number_input(label, lo, hi, int(default), int(step or 1), key=key, help=help_text, **extra)
        return int(got)
    return where.text_input(label, "" if default is None else str(default), key=key, help=help_text, **extra)
