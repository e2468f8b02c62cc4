"""Browser tests: pytest-playwright driving Debian's chromium against a fresh streamlit server per test."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, streamlit_server

HERE = Path(__file__).resolve().parent
expect.set_options(timeout=15_000)  # a cold server on a small CI machine takes seconds for its first runs


def pytest_collection_modifyitems(config, items):
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium): browser tests skipped")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "en-US"}


@pytest.fixture
def fresh_server(tmp_path):
    """A streamlit server that has served nobody yet, with its own empty data folder."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium): browser tests skipped")
    with streamlit_server(tmp_path / "data", log=tmp_path / "streamlit.log") as url:
        yield url
