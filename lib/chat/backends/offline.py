"""The offline twin: the owner's own redacted replies chosen by relevance (no model, key or server)."""
from __future__ import annotations

from lib.chat import Backend, BackendSpec, Secret, register


def make(ws, cfg: dict, secret: Secret) -> Backend:
    from lib.chat.offline import OfflineTwin

    return OfflineTwin.from_workspace(ws)


register(BackendSpec("offline", "chat.backend.offline", make, generative=False, order=0,
                     note_key="chat.offline_help"))
