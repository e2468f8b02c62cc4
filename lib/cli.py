"""``python -m lib <command>``: the command line over the same library the app uses.

Errors are one clear line on stderr and a non-zero exit, never a traceback: exit 2 for bad input (a file we cannot
read, a wrong option), 1 for a partial import where some files failed.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lib.lazy_args import LazyChoices
from lib.errors import BadInputError


def _workspace(path: str | None):
    from lib.workspace import Workspace, open_workspace

    return Workspace(Path(path)) if path else open_workspace()


def cmd_import(args: argparse.Namespace) -> int:
    from lib.importers import formats
    from lib.workspace import Workspace

    if args.format and args.format not in formats():
        raise BadInputError(f"unknown format {args.format!r}; choose one of: {', '.join(sorted(formats()))}")

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
        from lib.export import records
        from lib.export.records import ExportOptions
        from lib.stats import export_stats, workspace_stats

        recs, report, version = records(ws, ExportOptions()) if not ws.is_empty() else ([], None, None)
        stats["details"] = workspace_stats(ws)
        stats["export"] = {"options": "defaults", "persona_version": version, **export_stats(recs),
                           "left_out": dict(report.dropped) if report else {}}
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
    from lib.importers import formats

    for name, label in sorted(formats().items()):
        print(f"{name:20s} {label}")
    return 0


def cmd_pii_scan(args: argparse.Namespace) -> int:
    """Stream ``{"id", "text"}`` lines to ``{"id", "spans"}`` lines; a bad line gets an ``error`` line, not a stop.

    Lines are one chat in order: each line is judged with the line before it as context."""
    from lib.pii.analyzer import Analyzer
    from lib.pii.base import AnalyzerConfig
    from lib.pii.jsonl import scan_stream

    regions = tuple(r.strip().upper() for r in args.regions.split(",") if r.strip())
    names = tuple(n.strip() for n in (args.names or "").split(",") if n.strip())
    analyzer = Analyzer(AnalyzerConfig(regions=regions or ("CN",), names=names, threshold=args.threshold))
    if args.file == "-":
        src = sys.stdin
    else:
        path = Path(args.file)
        if not path.is_file():
            raise BadInputError(f"{args.file}: no such file; give a JSONL file with one {{\"id\", \"text\"}} per line")
        src = path.open(encoding="utf-8", errors="replace")
    with src:
        bad = scan_stream(analyzer, src, sys.stdout, sys.stderr, path=None if args.file == "-" else args.file)
    return 2 if bad else 0


def cmd_redact(args: argparse.Namespace) -> int:
    from lib.pii.store import PiiStore

    ws = _workspace(args.workspace)
    store = PiiStore(ws)
    report = store.scan(full=args.full)
    by_kind = store.counts_by_kind()
    counts = store.counts()
    if args.json:
        table: dict = {}
        for r in by_kind.itertuples():
            table.setdefault(r.kind, {})[r.status] = {"values": int(r.vals), "hits": int(r.hits)}
        print(json.dumps({"scanned": report.scanned, "full": report.full, "seconds": round(report.seconds, 2),
                          "counts": counts, "by_kind": table}, ensure_ascii=False, indent=2))
        return 0
    print(f"scanned {report.scanned:,} messages ({'full rescan' if report.full else 'incremental'}) "
          f"in {report.seconds:.1f} s: {report.hits:,} detections, {report.new_values:,} new values")
    statuses = ["pending", "accepted", "rejected", "skipped"]
    print(f"{'kind':12s}" + "".join(f"{s:>12s}" for s in statuses) + f"{'hits':>10s}")
    for kind, grp in by_kind.groupby("kind", sort=False):
        vals = dict(zip(grp["status"], grp["vals"]))
        print(f"{kind:12s}" + "".join(f"{int(vals.get(s, 0)):>12,}" for s in statuses)
              + f"{int(grp['hits'].sum()):>10,}")
    print(f"{'total':12s}" + "".join(f"{counts[s]:>12,}" for s in statuses) + f"{counts['hits']:>10,}")
    print("values = distinct detected values (one decision each); exports replace every value not rejected")
    return 0


def cmd_label(args: argparse.Namespace) -> int:
    from lib.label.store import LabelStore

    ws = _workspace(args.workspace)
    store = LabelStore(ws)
    if args.threshold is not None:
        store.set_threshold(args.threshold)
    if args.theirs is not None:
        store.set_include_theirs(args.theirs)
    report = None
    if args.auto:
        report = store.suggest_rules()
    llm = None
    if args.llm:
        llm = _label_llm(store, args)
    counts = store.counts()
    dist = store.distribution()
    if args.json:
        print(json.dumps({
            "rules": None if report is None else {"scanned": report.scanned, "stored": report.stored,
                                                  "seconds": round(report.seconds, 2)},
            "llm": llm, "counts": counts, "threshold": store.threshold(),
            "distribution": {r.label: {"labelled": int(r.labelled), "suggested": int(r.suggested)}
                             for r in dist.itertuples()}}, ensure_ascii=False, indent=2))
        return 0
    if report is not None:
        print(f"rules looked at {report.scanned:,} new messages in {report.seconds:.1f} s and stored "
              f"{report.stored:,} suggestions at confidence >= {store.threshold():.2f} (pending review)")
    if llm is not None:
        print(f"LLM suggested labels for {llm['stored']:,} of {llm['asked']:,} messages (pending review)")
    who = "mine and theirs" if store.include_theirs() else "mine"
    print(f"messages to label ({who}, trainable conversations): {counts['total']:,}; labelled {counts['labelled']:,}, "
          f"skipped {counts['skipped']:,}, flagged {counts['flagged']:,}, with a suggestion {counts['suggested']:,}")
    if len(dist):
        width = max(len(str(x)) for x in dist["label"])
        print(f"{'label':{width}s} {'labelled':>9s} {'suggested':>10s}")
        for r in dist.itertuples():
            print(f"{r.label:{width}s} {int(r.labelled):>9,} {int(r.suggested):>10,}")
    return 0


def _label_llm(store, args: argparse.Namespace) -> dict:
    """Ask an OpenAI-compatible endpoint for suggestions on unlabelled messages without one (key from the
    environment only: a key on the command line would show in the process list and shell history)."""
    from lib.label.store import llm_items
    from lib.llm import Endpoint, endpoint_from_env

    env = endpoint_from_env()
    base = args.base_url or (env.base_url if env else "")
    model = args.model or (env.model if env else "")
    if not base or not model:
        raise BadInputError("--llm needs an endpoint: pass --base-url and --model, or set METWIN_LLM_BASE_URL and "
                            "METWIN_LLM_MODEL (the key comes from METWIN_LLM_API_KEY or OPENAI_API_KEY)")
    endpoint = Endpoint(base, model, env.api_key if env else "", timeout=args.timeout)
    items = llm_items(store, limit=args.limit)
    stored = store.suggest_llm(endpoint, items, batch_size=args.batch)
    return {"asked": len(items), "stored": stored, "model": model}


def _formats() -> list[str]:
    from lib.export.formats import FORMATS

    return list(FORMATS)


def _backends() -> list[str]:
    from lib.chat import REGISTRY

    return list(REGISTRY)


def _export_flags(parser: argparse.ArgumentParser) -> None:
    """ExportOptions' fields as flags (imported only when ``export`` is parsed: its module loads pandas)."""
    from lib.dataclass_args import add_arguments
    from lib.export.records import ExportOptions

    add_arguments(parser, ExportOptions)


def cmd_export(args: argparse.Namespace) -> int:
    from lib.dataclass_args import from_args
    from lib.export import export
    from lib.export.records import ExportOptions
    from lib.persona import mbti_store

    ws = _workspace(args.workspace)
    opts = from_args(ExportOptions, args)
    rep = export(ws, args.format, Path(args.out), opts, augmenters=[mbti_store.augmenter])
    c = rep.counts
    print(f"wrote {c['records']:,} records ({c['splits'].get('train', 0):,} train, {c['splits'].get('val', 0):,} "
          f"validation; {c['sources'].get('mbti', 0):,} MBTI) to {rep.out} in {rep.seconds:.1f} s: "
          + ", ".join(rep.files.values()) + ", README.md")
    print(f"persona version {rep.persona_version}; my turns {c['turns']['mine']:,}; tokens ~{c['tokens_estimate']:,}")
    for reason, n in rep.build.dropped.most_common():
        print(f"  left out: {reason}: {n:,}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Start the app in demo mode (chat only, passcode, disclosure)."""
    import getpass
    import os

    from lib import demo

    if not args.workspace:
        raise BadInputError("--workspace is required: the demo serves one workspace's twin")
    ws = _workspace(args.workspace)
    if args.clear_lockout:  # a running demo reads the attempt log on every guess: no restart needed
        print(f"forgot {demo.clear_failures(ws):,} failed passcode attempts; friends may try again")
        ws.close()
        return 0
    code = os.environ.get("METWIN_DEMO_PASSCODE")
    if code:
        demo.set_passcode(ws, code)
    elif args.set_passcode or not demo.has_passcode(ws):
        if not sys.stdin.isatty():
            raise BadInputError("no passcode set: run in a terminal to be asked for one, or set METWIN_DEMO_PASSCODE")
        first = getpass.getpass("Passcode friends will type: ")
        if getpass.getpass("Again: ") != first:
            raise BadInputError("the two passcodes differ; nothing was changed")
        demo.set_passcode(ws, first)
    demo.check_binding(ws, args.host, args.allow_host)
    ws.close()
    return demo.run(Path(args.workspace), args.host, args.port, args.allow_host)


def cmd_train(args: argparse.Namespace) -> int:
    """LoRA fine-tuning on an exported ShareGPT file (the optional training extra)."""
    from lib.dataclass_args import from_args
    from lib.train import TrainConfig, available

    if not available():
        raise BadInputError("training needs the optional extra: pip install -r requirements-train.txt")
    from lib.train import train

    cfg = from_args(TrainConfig, args)
    if problems := cfg.problems():
        raise BadInputError(" ".join(problems))
    stop_file = Path(args.out) / "STOP"
    stop_file.unlink(missing_ok=True)  # a stop asked of an earlier run must not end this one (e.g. a resume)

    def progress(info: dict) -> None:
        if info.get("kind") == "train" and "loss" in info and info.get("step", 0) % max(1, args.print_every) == 0:
            print(f"step {info['step']}: loss {info['loss']:.4f}", flush=True)

    result = train(cfg, progress=progress, should_stop=stop_file.exists)  # advice is logged by train() itself
    summary = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(result).items()
               if isinstance(v, (int, float, str, bool, Path, type(None)))}
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    from lib.train import available

    if not available():
        raise BadInputError("merging needs the optional extra: pip install -r requirements-train.txt")
    from lib.train import merge

    merge(args.base_model, args.adapter, args.out)
    print(f"merged {args.adapter} into {args.base_model}: {args.out} (serve it with vLLM or chat with it locally)")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """The fidelity report: the twin (and baselines) against my real replies in held-out conversations."""
    from lib import chat as chat_lib
    from lib.eval import report

    from lib.curate import holdout

    ws = _workspace(args.workspace)
    if not holdout.ids(ws):
        holdout.choose(ws)  # before any backend is built: the offline twin must not index the held-out replies
    # Rows: offline twin, prompt only, prompt + examples + memory, the adapter (--adapter); the random reply is added.
    backends, skipped = report.backend_rows(ws, args.backend, adapter=args.adapter)
    if args.backend == "local":
        from lib.chat.local import LocalModel

        cfg = chat_lib.config(ws).get("local", {})
        backends.append((chat_lib.get_backend("local", ws), "local (measured)", "local"))
        backends.append((LocalModel(cfg.get("base_model", "")), "untuned base model (baseline)", "base"))
    judge = None
    if args.judge_model:
        import os

        from lib.llm import Endpoint

        url = args.judge_url or os.environ.get("METWIN_LLM_BASE_URL", "")
        if not url:
            raise BadInputError("--judge-model needs --judge-url (or METWIN_LLM_BASE_URL)")
        key = os.environ.get("METWIN_LLM_API_KEY") or os.environ.get("OPENAI_API_KEY") or ""
        judge = Endpoint(url, args.judge_model, key, timeout=120)
    rep = report.run(ws, backends, n=args.n, out=Path(args.out), skipped=skipped, judge_endpoint=judge, k=args.k)
    for x in skipped:
        print(f"skipped {x['label']}: {x['reason']}", file=sys.stderr)
    print(report.markdown(rep))
    print(f"wrote {Path(args.out) / 'fidelity.json'} and fidelity.md")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from lib.dataclass_args import DeferredParser, add_arguments
    from lib.train.config import TrainConfig  # light: no torch

    p = argparse.ArgumentParser(prog="python -m lib", description="MeTwin: chat exports to a digital twin.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=DeferredParser)

    imp = sub.add_parser("import", help="import chat export files, folders or zips into a workspace")
    imp.add_argument("files", nargs="+", help="export files, folders or .zip archives")
    imp.add_argument("--workspace", required=True, help="workspace folder (created if missing)")
    imp.add_argument("--me", help="your name in the chat, for formats without a sender flag")
    imp.add_argument("--format", help="skip detection and read as this format (see: python -m lib formats)")
    imp.add_argument("--max-size-mb", type=float, default=2048, help="largest file to import (default 2048 MB)")
    imp.set_defaults(func=cmd_import)

    dump = sub.add_parser("dump", help="print every message as one JSON line")
    dump.add_argument("--workspace", help="workspace folder (default: the app's default workspace)")
    dump.set_defaults(func=cmd_dump)

    st = sub.add_parser("stats", help="workspace figures: chats, messages, funnel, drop reasons")
    st.add_argument("--workspace", help="workspace folder (default: the app's default workspace)")
    st.add_argument("--json", action="store_true", help="machine-readable output")
    st.set_defaults(func=cmd_stats)

    ps = sub.add_parser("pii-scan", help='find PII in a JSONL file of {"id", "text"} lines')
    ps.add_argument("file", help='JSONL input, one {"id", "text"} per line ("-" for stdin)')
    ps.add_argument("--regions", default="CN", help="phone regions, comma-separated (default CN)")
    ps.add_argument("--names", help="known person names, comma-separated")
    ps.add_argument("--threshold", type=float, default=0.5, help="lowest score reported (default 0.5)")
    ps.set_defaults(func=cmd_pii_scan)

    rd = sub.add_parser("redact", help="scan a workspace for PII and print counts by kind and review status")
    rd.add_argument("--workspace", help="workspace folder (default: the app's default workspace)")
    rd.add_argument("--full", action="store_true", help="rescan every message, not only what changed")
    rd.add_argument("--json", action="store_true", help="machine-readable output")
    rd.set_defaults(func=cmd_redact)

    lb = sub.add_parser("label", help="emotion suggestions for messages (pending review) and the label distribution")
    lb.add_argument("--workspace", help="workspace folder (default: the app's default workspace)")
    lb.add_argument("--auto", action="store_true", help="run the rule suggester over messages it has not seen")
    lb.add_argument("--threshold", type=float, help="store rule suggestions at or above this confidence (0..1)")
    lb.add_argument("--theirs", action=argparse.BooleanOptionalAction, default=None,
                    help="also label the other side's messages (saved as the workspace's setting)")
    lb.add_argument("--llm", action="store_true", help="also ask an OpenAI-compatible endpoint for suggestions")
    lb.add_argument("--base-url", help="endpoint base URL, e.g. http://127.0.0.1:8000/v1 (or METWIN_LLM_BASE_URL)")
    lb.add_argument("--model", help="model name (or METWIN_LLM_MODEL)")
    lb.add_argument("--limit", type=int, default=200, help="at most this many messages per --llm run (default 200)")
    lb.add_argument("--batch", type=int, default=20, help="messages per LLM request (default 20)")
    lb.add_argument("--timeout", type=float, default=120, help="seconds to wait for each LLM request")
    lb.add_argument("--json", action="store_true", help="print JSON")
    lb.set_defaults(func=cmd_label)

    ex = sub.add_parser("export", help="write the curated, redacted dataset (ShareGPT, LLaMA-Factory, OpenAI, Alpaca)")
    ex.add_argument("--workspace", help="workspace folder (default: the app's default workspace)")
    ex.add_argument("--format", required=True, choices=LazyChoices(_formats), metavar="FORMAT",
                    help="the dataset's shape: %(choices)s")
    ex.add_argument("--out", required=True, help="output folder (created; files in it are replaced)")
    ex.defer(_export_flags)  # --opener, --max-turns, ... --mbti [RATIO]: one per ExportOptions field
    ex.set_defaults(func=cmd_export)

    dm = sub.add_parser("demo", help="show the twin to friends: chat page only, behind a passcode, with a disclosure")
    dm.add_argument("--workspace", required=True, help="the workspace whose twin to show")
    dm.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this computer only)")
    dm.add_argument("--port", type=int, default=8501)
    dm.add_argument("--allow-host", action="append", default=[],
                    help="a host name or IP friends will type (repeat); needed with --host 0.0.0.0")
    dm.add_argument("--set-passcode", action="store_true", help="ask for a new passcode (or METWIN_DEMO_PASSCODE)")
    dm.add_argument("--clear-lockout", action="store_true",
                    help="forget failed passcode attempts and exit (lifts a lockout; a running demo sees it at once)")
    dm.set_defaults(func=cmd_demo)

    from lib.serve_args import build_parser_args

    build_parser_args(sub)  # serve: the twin over a Spark-compatible WebSocket and an OpenAI-compatible API

    tr = sub.add_parser("train", help="LoRA fine-tuning on an exported ShareGPT file (needs requirements-train.txt)")
    add_arguments(tr, TrainConfig)  # --data, --base-model, --out, --epochs, ...: one per TrainConfig field
    tr.add_argument("--print-every", type=int, default=10, help="print the loss every this many steps (default 10)")
    tr.set_defaults(func=cmd_train)

    mg = sub.add_parser("merge", help="merge a LoRA adapter into its base model (for vLLM)")
    mg.add_argument("--base-model", required=True)
    mg.add_argument("--adapter", required=True)
    mg.add_argument("--out", required=True)
    mg.set_defaults(func=cmd_merge)

    ev = sub.add_parser("eval", help="fidelity report: the twin against my real replies in held-out conversations")
    ev.add_argument("--workspace", help="workspace folder (default: the app's default workspace)")
    ev.add_argument("--backend", default="offline", choices=LazyChoices(_backends), metavar="BACKEND",
                    help="%(choices)s (baselines are added)")
    ev.add_argument("--n", type=int, default=200, help="replies to measure (default 200)")
    ev.add_argument("--out", required=True, help="folder for fidelity.json and fidelity.md")
    ev.add_argument("--adapter", help="a LoRA adapter folder: adds a row for the local model with it")
    ev.add_argument("--judge-model", help="an OpenAI-compatible model that picks the real reply (k-way judge)")
    ev.add_argument("--judge-url", help="its base URL (default: METWIN_LLM_BASE_URL); key: METWIN_LLM_API_KEY")
    ev.add_argument("--k", type=int, default=4, help="candidates per judge round (default 4, chance 1/k)")
    ev.set_defaults(func=cmd_eval)

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
