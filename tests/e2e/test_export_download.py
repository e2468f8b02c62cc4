"""Export in a real browser: write the dataset, then download it as a zip (only a browser runs a download)."""
from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

from playwright.sync_api import Page, expect

from lib.workspace import Workspace
from tests.e2e.server import wait_for_app


def test_export_and_download_the_zip(page: Page, fresh_server: str, tmp_path: Path) -> None:
    page.goto(f"{fresh_server}/export")
    wait_for_app(page)
    run = page.get_by_role("button", name=re.compile("Export as ShareGPT"))
    expect(run).to_be_visible()
    run.click()
    wait_for_app(page)
    download_button = page.get_by_role("button", name=re.compile(r"Download .*\.zip"))
    expect(download_button).to_be_visible()
    with page.expect_download() as info:
        download_button.click()
    path = info.value.path()
    with zipfile.ZipFile(io.BytesIO(Path(path).read_bytes())) as z:
        names = set(z.namelist())
        assert {"train.json", "dataset_info.json", "README.md"} <= names
        train = json.loads(z.read("train.json"))
        blob = "".join(z.read(n).decode("utf-8") for n in names)
    assert train and train[0]["conversations"][0]["from"] == "human" and train[0]["tools"] == "[]"
    ws = Workspace(tmp_path / "data" / "workspaces" / "sample")
    values = [v for (v,) in ws.conn.execute("SELECT value FROM pii_values WHERE status != 'rejected' AND n_hits > 0")]
    ws.close()
    assert values and [v for v in values if v in blob] == []  # the sample's invented PII never reaches the zip
    expect(page.get_by_test_id("stException")).to_have_count(0)
