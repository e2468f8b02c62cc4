"""Instagram direct messages from "Download your information" (JSON): ``message_N.json`` per thread.

The layout is Meta's shared one (:mod:`lib.importers.meta_dyi`, docs/formats/instagram.md). Detection is by content:
``sender_name`` and ``timestamp_ms`` message keys, and no evidence that Facebook Messenger wrote the file.
"""
from __future__ import annotations

from pathlib import Path

from lib.importers import register
from lib.importers import meta_dyi
from lib.importers.base import Importer, ParsedExport

HOW = ("Download your Instagram information again as JSON (Accounts Center → Your information and permissions → "
       "Download your information) and import messages/inbox/<chat>/message_1.json or the zip.")


def sniff(head: str, name: str) -> float:
    """Meta message JSON where Messenger's tell-tales do not outweigh Instagram's (a bare file counts as Instagram)."""
    if not meta_dyi.is_meta_json(head):
        return 0.0
    ig, fb = meta_dyi.markers(head)
    return 0.95 if ig >= fb else 0.6


def parse(path: Path, text: str | None) -> ParsedExport:
    """Parse one Instagram ``message_N.json``."""
    return meta_dyi.parse(path, text, fmt="instagram_json", app="Instagram", how=HOW)


register(Importer(name="instagram_json", label="Instagram · DM JSON (Download your information)", sniff=sniff,
                  parse=parse, reads="json"))
