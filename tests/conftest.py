"""Fixtures every test module may use (pytest finds them here; nothing imports this file)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager

from lib.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    """An empty workspace of its own (modules whose tests start from imported rows override it)."""
    w = Workspace(tmp_path / "ws")
    yield w
    w.close()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app's data folder, one per test (the sample is seeded into it on first open). Page tests use it with
    ``pytestmark = pytest.mark.usefixtures("data_dir", "running_server")``."""
    folder = tmp_path / "data"
    monkeypatch.setenv("METWIN_DATA", str(folder))
    return folder


@pytest.fixture
def running_server(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every AppTest run the way it starts on a server that is already up.

    AppTest resets Streamlit's legacy ``pages/`` flag before *every* run, so with our ``pages/`` folder each run would
    begin like a fresh server's very first request: rerouted through ``st.navigation`` + ``st.rerun()``, which drops
    a click made in that run. Tests marked ``legacy`` keep that first-request path (tests/test_pages.py has them, and
    the browser tests in tests/e2e).
    """
    if "legacy" in request.keywords:
        return
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
