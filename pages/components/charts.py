"""Charts as plain Vega-Lite dicts, drawn with ``st.vega_lite_chart``.

Why not Altair: Altair validates every chart against the Vega-Lite JSON schema and deep-copies it on each rerun.
On the 2-core reference machine that was 0.05 to 0.1 s of server time per chart (cProfile of the Home and Statistics
pages at 100,000 messages), paid again in every new tab. A dict costs nothing to build, and the browser gets the
same spec: the data travels as a named dataset (Arrow), as it did from Altair.
"""
from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

DATA = "data"  # the one dataset of every chart here


def field(name: str, kind: str, title: str | None = None, **more: Any) -> dict:
    """One encoding channel: ``kind`` is Vega-Lite's type (nominal, ordinal, quantitative); ``title`` None hides it."""
    return {"field": name, "type": kind, "title": title, **more}


def tip(name: str, kind: str, title: str, fmt: str | None = None) -> dict:
    """One tooltip line with its translated title (never the raw field name)."""
    out = {"field": name, "type": kind, "title": title}
    if fmt:
        out["format"] = fmt
    return out


def draw(data: pd.DataFrame, spec: dict, height: int | None = None) -> None:
    """Draw ``spec`` over ``data`` at the container's width."""
    full = {**spec, "data": {"name": DATA}, "datasets": {DATA: data}}
    if height is not None:
        full["height"] = height
    st.vega_lite_chart(spec=full, width="stretch")
