"""Facebook Messenger from "Download your information" (JSON): ``message_N.json`` per thread.

The layout is Meta's shared one (:mod:`lib.importers.meta_dyi`, docs/formats/messenger.md): participants, messages
newest first, ``type`` Generic/Share/Call/Subscribe/Unsubscribe, photos, videos, gifs, audio_files, files, sticker,
share, call_duration, is_unsent. Detection needs Messenger evidence (``thread_type``, ``stickers_used/``, facebook.com
links, ...) outweighing Instagram's, since a bare file of either looks the same.
"""
from __future__ import annotations

from pathlib import Path

from lib.importers import register
from lib.importers import meta_dyi
from lib.importers.base import Importer, ParsedExport

HOW = ("Download your Facebook information again as JSON (Accounts Center → Your information and permissions → "
       "Download your information, Messages) and import messages/inbox/<chat>/message_1.json or the zip.")


def sniff(head: str, name: str) -> float:
    """Meta message JSON with more Messenger evidence than Instagram evidence."""
    if not meta_dyi.is_meta_json(head):
        return 0.0
    ig, fb = meta_dyi.markers(head)
    return 0.95 if fb > ig else 0.6


def parse(path: Path, text: str | None) -> ParsedExport:
    """Parse one Messenger ``message_N.json``."""
    return meta_dyi.parse(path, text, fmt="messenger_json", app="Messenger", how=HOW)


register(Importer(name="messenger_json", label="Facebook Messenger · JSON (Download your information)", sniff=sniff,
                  parse=parse, reads="json"))
