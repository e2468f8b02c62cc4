"""Which recognizers a scan runs: :func:`default_recognizers` builds them from an AnalyzerConfig.

Each recognizer module registers its own factory (see :mod:`lib.pii.kinds`), so adding a recognizer never touches
this file."""
from __future__ import annotations

from lib.pii import kinds
from lib.pii.base import AnalyzerConfig, Recognizer


def default_recognizers(config: AnalyzerConfig) -> list[Recognizer]:
    """Every registered recognizer, configured. Order does not matter for the result (the analyzer resolves overlaps
    by score and span); it is kept stable anyway, so runs are reproducible."""
    return kinds.recognizers(config)
