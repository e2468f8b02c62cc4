"""``python -m lib serve``'s options and defaults, apart from the server itself.

The command line builds every subcommand's parser on each start; importing the server (asyncio, starlette, uvicorn)
for that cost every other command ~0.1 s, ``pii-scan`` included.
"""
from __future__ import annotations

import argparse
from typing import Any

from lib.lazy_args import LazyChoices

DEFAULT_MODEL = "metwin-twin"
DEFAULT_PORT = 8765
TOKEN_ENV = "METWIN_SERVE_TOKEN"
SPARK_KEY_ENV = "METWIN_SERVE_SPARK_KEY"        # the API key and secret iFLYTEK's SDKs sign the Spark URL with
SPARK_SECRET_ENV = "METWIN_SERVE_SPARK_SECRET"

# The server's limits, here (not in lib/serve.py) so the command line's defaults and the server's are one constant.
MAX_BODY = 4 * 1024 * 1024          # bytes of one HTTP request or WebSocket frame; a long chat history is far smaller
MAX_JSON_DEPTH = 64                 # nesting of a request's JSON; a chat request needs 5, json.loads recurses per level
MAX_STREAMS = 8                     # answers in progress at once; more get rate_limit (Spark 10007, HTTP 429)
WRITE_TIMEOUT_S = 30.0              # a client that takes no answer bytes for this long loses its answer (and slot)
REQUEST_WAIT_S = 60.0               # Spark closes a connection that sends no request within 60 s (§8.4); so do we


def _cmd_serve(args: argparse.Namespace) -> int:
    from lib.serve import cmd_serve

    return cmd_serve(args)


def _servable() -> list[str]:
    from lib.chat import REGISTRY

    return [s.name for s in REGISTRY.values() if s.servable]


def build_parser_args(sub: Any) -> argparse.ArgumentParser:
    """Add ``serve`` to the command line's subparsers (``sub`` is what ``add_subparsers()`` returned)."""
    sv = sub.add_parser("serve", help="serve the twin: a Spark-compatible WebSocket and an OpenAI-compatible API on "
                                      "one port")
    sv.add_argument("--workspace", help="workspace folder (default: the app's default workspace)")
    sv.add_argument("--backend", default="offline", choices=LazyChoices(_servable), metavar="BACKEND",
                    help="the twin's backend: %(choices)s (default offline)")
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine "
                                                        "only; anything else needs a token)")
    sv.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    sv.add_argument("--token", help=f"bearer token clients must send (better: the {TOKEN_ENV} environment variable, "
                                     "which other users cannot see in the process list)")
    sv.add_argument("--model-name", default=DEFAULT_MODEL, help=f"model id in /v1/models (default {DEFAULT_MODEL})")
    sv.add_argument("--max-streams", type=int, default=MAX_STREAMS, help="answers given at once; more clients are "
                                                                         f"told to wait (default {MAX_STREAMS})")
    sv.add_argument("--allowed-host", action="append", default=[], metavar="HOST",
                    help="a Host name clients may use besides this machine's loopback names (repeatable; e.g. the "
                         "machine's LAN name when listening beyond loopback; * allows any)")
    sv.add_argument("--spark-key", metavar="KEY",
                    help="API key iFLYTEK's SDKs and the seed's page sign the Spark WebSocket URL with (with "
                         f"--spark-secret; better: {SPARK_KEY_ENV})")
    sv.add_argument("--spark-secret", metavar="SECRET",
                    help=f"API secret for those signatures (better: the {SPARK_SECRET_ENV} environment variable, "
                         "which other users cannot see in the process list)")
    sv.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                    help="a web origin whose pages may call the twin from a browser, e.g. https://chat.example.org "
                         "(repeatable; this machine's pages and local files are always allowed)")
    sv.set_defaults(func=_cmd_serve)
    return sv
