"""The HTTP guard in front of the demo's Streamlit server (a plain ASGI middleware: no Streamlit, no Starlette import).

Anyone who can reach the demo can send HTTP requests before typing the passcode. Streamlit answers some of them on any
page, with no config switch to turn them off:

- ``/_stcore/upload_file/...`` takes file bodies (held in memory) for any live session. The demo has no upload widget,
  so every upload request is refused here before a byte of the body is read (``--server.maxUploadSize=1`` is the second
  wall, in :func:`lib.demo.command`).
- ``/_stcore/metrics`` tells anyone how many sessions are open and how much memory caches hold. Streamlit 1.6x has no
  ``enableMetrics`` option: the route is always registered, so it is answered 404 here.
- ``/_stcore/agent/...`` is the experimental agent API. It is off in the demo (``--server.enableAgentApi=false``); the
  guard refuses it too, in case a later Streamlit turns it on by default.

``demo_app.py`` (the demo's entry point) mounts :class:`DemoGuard` with ``st.App(..., middleware=...)``.
"""
from __future__ import annotations

import re
from typing import Any, Awaitable, Callable

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# path (after any server.baseUrlPath) -> (status, reason). Exact paths first, then prefixes: one registry.
REFUSED_EXACT: dict[str, tuple[int, str]] = {
    "/_stcore/metrics": (404, "not found"),
}
REFUSED_PREFIX: dict[str, tuple[int, str]] = {
    "/_stcore/upload_file": (403, "uploads are off in demo mode"),
    "/_stcore/agent": (404, "not found"),
}


def refusal(path: str) -> tuple[int, str] | None:
    """The (status, reason) the demo answers ``path`` with, or ``None`` to let Streamlit serve it.

    Matches anywhere in the path so a ``server.baseUrlPath`` prefix, doubled slashes or a trailing slash change
    nothing."""
    norm = re.sub(r"/{2,}", "/", "/" + path).rstrip("/")
    for route, answer in REFUSED_EXACT.items():
        if norm.endswith(route):
            return answer
    for route, answer in REFUSED_PREFIX.items():
        if norm.endswith(route) or route + "/" in norm + "/":
            return answer
    return None


class DemoGuard:
    """ASGI middleware: refuse the routes above without reading the request body; pass everything else through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") == "http":
            answer = refusal(scope.get("path", ""))
            if answer is not None:
                status, reason = answer
                body = (reason + "\n").encode()
                # "connection: close": the server drops the unread body instead of draining gigabytes of it
                await send({"type": "http.response.start", "status": status,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                        (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
