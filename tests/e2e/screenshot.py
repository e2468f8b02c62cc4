"""Screenshots of pages on the sample workspace for the README: ``python -m tests.e2e.screenshot``.

Starts a fresh server on a temporary data folder (so the bundled sample is seeded), opens each page of :data:`SHOTS`
at 1280x900 in Debian's chromium and writes ``data/screenshots/<name>.png``. Needs a CJK font for the sample's
Chinese names (``apt-get install fonts-noto-cjk``).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, ROOT, streamlit_server, wait_for_app

OUT = ROOT / "data" / "screenshots"
# (URL path, file name, test ids to wait for)
SHOTS = [("", "home.png", ("stMetric", "stVegaLiteChart", "stDataFrame"), 900),
         ("redaction", "redaction.png", ("stMetric", "stHtml"), 900),
         ("labelling", "labelling.png", ("stMetric", "stHtml"), 1300),  # tall enough for the card's keys
         ("statistics", "statistics.png", ("stMetric", "stVegaLiteChart"), 1100)]


def main(out: Path = OUT) -> int:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="metwin-shot-") as tmp, streamlit_server(Path(tmp) / "data") as url, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1, locale="en-US")
        for path, name, testids, height in SHOTS:
            page.set_viewport_size({"width": 1280, "height": height})
            page.goto(f"{url}/{path}")
            wait_for_app(page)
            for testid in testids:
                page.get_by_test_id(testid).first.wait_for(state="visible", timeout=30_000)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1500)  # charts and grids finish drawing
            page.screenshot(path=str(out / name))
            print(f"wrote {(out / name).relative_to(ROOT)}")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
