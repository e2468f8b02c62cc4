"""Typed workspace settings: one named constant per key, defaults on a missing or wrong value, typed writes."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from lib import settings
from lib.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]


def test_get_set_clear_and_wrong_types(tmp_path: Path):
    ws = Workspace(tmp_path / "ws")
    try:
        assert settings.CHAT_BACKEND.get(ws) == "offline" and not settings.CHAT_BACKEND.is_set(ws)
        settings.CHAT_BACKEND.set(ws, "local")
        assert settings.CHAT_BACKEND.get(ws) == "local" and ws.get_setting("chat.backend") == "local"
        with pytest.raises(TypeError):
            settings.CHAT_BACKEND.set(ws, {"local": {}})  # the per-backend dict belongs to CHAT_BACKENDS
        ws.set_setting("chat.backends", "garbage")  # a hand-edited table: the default, not a crash
        assert settings.CHAT_BACKENDS.get(ws) == {}
        settings.CHAT_BACKEND.clear(ws)
        assert settings.CHAT_BACKEND.get(ws) == "offline"
        got = settings.MBTI_FILES.get(ws)
        got.append("x")  # a mutable default is a copy
        assert settings.MBTI_FILES.get(ws) == []
        settings.PII_THRESHOLD.set(ws, 1)  # an int is a fine float
        assert settings.PII_THRESHOLD.get(ws) == 1.0 and isinstance(settings.PII_THRESHOLD.get(ws), float)
        with pytest.raises(TypeError):
            settings.LABELS_THEIRS.set(ws, 1)  # not a bool
        assert settings.MBTI_RESTYLE.get(ws) is True
    finally:
        ws.close()


def test_keys_are_unique_and_documented():
    assert len(settings.REGISTRY) >= 30
    for key, s in settings.REGISTRY.items():
        assert s.key == key and s.doc.strip()
    assert settings.CHAT_BACKEND.key == "chat.backend" and settings.CHAT_BACKENDS.key == "chat.backends"
    with pytest.raises(ValueError):
        settings.Setting("chat.backend", str, "", "twice")


MIGRATED = ["lib/persona/__init__.py", "lib/persona/mbti_store.py", "lib/persona/traits.py", "lib/demo.py",
            "lib/chat/__init__.py", "lib/chat/augment.py", "lib/chat/transcript.py", "lib/curate/holdout.py",
            "lib/workspace.py", "pages/memory.py", "pages/chat.py", "pages/fidelity.py", "pages/who_said_it.py",
            "pages/train.py", "lib/pii/store.py", "lib/pii/guard.py", "lib/label/store.py", "pages/labelling.py",
            "lib/eval/game.py", "lib/memory/embed.py"]


@pytest.mark.parametrize("path", MIGRATED)
def test_no_string_keys_left(path):
    """These files read and write settings only through lib.settings (no key typed twice)."""
    text = (ROOT / path).read_text(encoding="utf-8")
    assert re.findall(r"(?:get|set)_setting\(\s*[\"']", text) == []
