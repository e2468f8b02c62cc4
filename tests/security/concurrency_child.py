"""A second process for tests/security/test_concurrency.py: imports, scans or exports one workspace, optionally
pausing at a chosen point (it prints ``PAUSED`` and waits for a line on stdin), so the test can run another job
against it, or ``kill -9`` it there, deterministically. The pause wraps the real code; nothing in lib/ knows of it.

    python -m tests.security.concurrency_child import WS FILE [--pause write]
    python -m tests.security.concurrency_child scan WS [--pause batch]
    python -m tests.security.concurrency_child export WS OUT [--val R] [--pause written|swapped]

Prints one JSON line with the outcome (``{"busy": message}`` when the workspace was busy).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

PAUSE_LIMIT_S = 60  # a test that forgets us: never hang longer than this


def pause() -> None:
    print("PAUSED", flush=True)
    import select

    ready, _, _ = select.select([sys.stdin], [], [], PAUSE_LIMIT_S)
    if ready:
        sys.stdin.readline()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["import", "scan", "export"])
    ap.add_argument("ws")
    ap.add_argument("target", nargs="?")
    ap.add_argument("--pause", default="")
    ap.add_argument("--val", type=float, default=0.0)
    args = ap.parse_args()

    from lib.errors import WorkspaceBusy
    from lib.workspace import Workspace

    ws = Workspace(Path(args.ws))
    try:
        if args.cmd == "import":
            if args.pause == "write":
                real = Workspace._write

                def paused_write(self, *a, **k):
                    out = real(self, *a, **k)  # rows written, raw copy in raw/, transaction still open
                    pause()
                    return out

                Workspace._write = paused_write
            rep = ws.import_paths([Path(args.target)])
            print(json.dumps({"files": [[f.status, f.n_messages] for f in rep.files]}), flush=True)
        elif args.cmd == "scan":
            from lib.pii.store import PiiStore

            if args.pause == "batch":
                real_range = PiiStore._scan_range

                def paused_range(self, *a, **k):
                    pause()
                    return real_range(self, *a, **k)

                PiiStore._scan_range = paused_range
            rep = PiiStore(ws).scan()
            print(json.dumps({"scanned": rep.scanned, "hits": rep.hits}), flush=True)
        else:
            import lib.export as ex
            from lib import locking

            if args.pause == "written":
                real_write = ex.write

                def paused_write_files(fmt, recs, out, **options):
                    files = real_write(fmt, recs, out, **options)  # the new train/val files, in the partial folder
                    pause()
                    return files

                ex.write = paused_write_files
            elif args.pause == "swapped":
                class _Os:  # the real os, except that renaming the old export aside pauses right after
                    def __getattr__(self, name):
                        return getattr(os, name)

                    @staticmethod
                    def replace(a, b):
                        os.replace(a, b)
                        if locking.OLD in Path(b).name:
                            pause()

                locking.os = _Os()
            rep = ex.export(ws, "sharegpt", Path(args.target), ex.ExportOptions(val_ratio=args.val, dedup="none"))
            print(json.dumps({"records": rep.counts["records"], "files": rep.files}), flush=True)
    except WorkspaceBusy as exc:
        print(json.dumps({"busy": str(exc)}), flush=True)
    finally:
        ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
