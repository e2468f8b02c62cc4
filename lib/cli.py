"""``python -m lib <command>``: the command line over the same library the app uses.

Errors are one clear line on stderr and a non-zero exit, never a traceback: exit 2 for bad input (a file we cannot
read, a wrong option), 1 for a partial import where some files failed.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lib.importers import BadInputError, formats


def _workspace(path: str | None):
    from lib.workspace import Workspace, open_workspace

    return Workspace(Path(path)) if path else open_workspace()


def cmd_import(args: argparse.Namespace) -> int:
    from lib.workspace import Workspace

    ws = Workspace(Path(args.workspace))
    report = ws.import_paths([Path(p) for p in args.files], me=args.me, fmt=args.format,
                             max_bytes=int(args.max_size_mb * 1024 * 1024))
    for f in report.files:
        stream = sys.stderr if f.status == "failed" else sys.stdout
        print(("error: " if f.status == "failed" else "") + f.message, file=stream)
        for note in f.notes:
            print(f"  note: {note}")
    funnel = dict(ws.funnel())
    print(f"workspace {ws.path}: {funnel['imported messages']:,} messages, "
          f"{funnel['trainable conversations']:,} trainable conversations, "
          f"{funnel['my turns to learn from']:,} of my turns to learn from")
    if report.failed:
        return 2 if len(report.failed) == len(report.files) else 1
    return 0


def cmd_dump(args: argparse.Namespace) -> int:
    ws = _workspace(args.workspace)
    out = sys.stdout
    for msg in ws.iter_messages():
        out.write(json.dumps(msg, ensure_ascii=False) + "\n")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    ws = _workspace(args.workspace)
    stats = ws.stats()
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=2))
        return 0
    print(f"workspace      {stats['workspace']}")
    print(f"imports        {stats['imports']}")
    print(f"chats          {stats['chats']} ({stats['group_chats']} group)")
    print(f"messages       {stats['messages']:,} ({stats['mine']:,} mine)")
    print("by kind        " + ", ".join(f"{k} {v:,}" for k, v in stats["by_kind"].items()))
    print("funnel")
    for stage, n in stats["funnel"].items():
        print(f"  {n:>10,}  {stage}")
    if stats["drop_reasons"]:
        print("left out (messages)")
        for reason, n in stats["drop_reasons"].items():
            print(f"  {n:>10,}  {reason}")
    return 0


def cmd_formats(args: argparse.Namespace) -> int:
    for name, label in sorted(formats().items()):
        print(f"{name:20s} {label}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m lib", description="MeTwin: chat exports to a digital twin.")
    sub = p.add_subparsers(dest="command", required=True)

    imp = sub.add_parser("import", help="import chat export files, folders or zips into a workspace")
    imp.add_argument("files", nargs="+", help="export files, folders or .zip archives")
    imp.add_argument("--workspace", required=True, help="workspace folder (created if missing)")
    imp.add_argument("--me", help="your name in the chat, for formats without a sender flag")
    imp.add_argument("--format", choices=sorted(formats()), help="skip detection and read as this format")
    imp.add_argument("--max-size-mb", type=float, default=2048, help="largest file to import (default 2048 MB)")
    imp.set_defaults(func=cmd_import)

    dump = sub.add_parser("dump", help="print every message as one JSON line")
    dump.add_argument("--workspace", help="workspace folder (default: the app's default workspace)")
    dump.set_defaults(func=cmd_dump)

    st = sub.add_parser("stats", help="workspace figures: chats, messages, funnel, drop reasons")
    st.add_argument("--workspace", help="workspace folder (default: the app's default workspace)")
    st.add_argument("--json", action="store_true", help="machine-readable output")
    st.set_defaults(func=cmd_stats)

    fm = sub.add_parser("formats", help="list the export formats MeTwin reads")
    fm.set_defaults(func=cmd_formats)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "workspace", None) and Path(args.workspace).exists() and not Path(args.workspace).is_dir():
        print(f"error: --workspace {args.workspace} is a file; give a folder", file=sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except BadInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("interrupted; the workspace is unchanged by the unfinished step", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback for a user: say what failed and where to look
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
