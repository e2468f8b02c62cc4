"""The translation helper: both languages hold the same keys and placeholders; fallbacks never crash."""
from __future__ import annotations

import pytest

from lib import i18n
from lib.i18n import EN, LANGS, TRANSLATIONS, ZH, normalize_lang, placeholders, t, term
from lib.segment import C_GROUP, C_NO_ME, C_NO_THEM, C_ONLY_PLACEHOLDERS, C_TOO_SHORT, R_DUPLICATE, R_EMPTY, \
    R_NONTEXT_CUT, R_NONTEXT_DROP, R_SYSTEM


def test_both_languages_have_the_same_keys():
    assert set(TRANSLATIONS) == set(LANGS) == {"en", "zh"}
    assert sorted(set(EN) - set(ZH)) == []
    assert sorted(set(ZH) - set(EN)) == []


def test_both_languages_use_the_same_placeholders():
    differ = {k: (placeholders(EN[k]), placeholders(ZH[k])) for k in EN if placeholders(EN[k]) != placeholders(ZH[k])}
    assert differ == {}


def test_no_empty_texts():
    assert [k for d in (EN, ZH) for k, v in d.items() if not v.strip()] == []


def test_format_and_thousands():
    assert t("import.done", "en", n=12345) == "Import finished: 12,345 new messages."
    assert t("import.done", "zh", n=12345) == "导入完成：新增 12,345 条消息。"
    assert t("page.import", "zh") == "导入"


def test_missing_chinese_key_falls_back_to_english(monkeypatch):
    monkeypatch.setitem(TRANSLATIONS, "zh", {k: v for k, v in ZH.items() if k != "page.home"})
    assert t("page.home", "zh") == "Home"
    assert t("page.import", "zh") == "导入"


def test_unknown_key_language_and_bad_format_do_not_crash():
    assert t("no.such.key", "en") == "no.such.key"
    assert t("page.home", "fr") == "Home"
    assert t("page.home", None) == "Home"  # type: ignore[arg-type]
    assert t("import.done", "en", wrong=1) == EN["import.done"]  # unformatted template, not a KeyError
    assert t("import.done", "en", n="many") == EN["import.done"]  # ',' format on a str: ValueError caught


@pytest.mark.parametrize("given,expected", [("zh", "zh"), ("zh-CN", "zh"), ("zh_Hans", "zh"), ("ZH", "zh"),
                                            ("en-GB", "en"), ("", "en"), (None, "en"), ("ja", "en")])
def test_normalize_lang(given, expected):
    assert normalize_lang(given) == expected


def test_library_vocabulary_is_translated():
    reasons = [R_SYSTEM, R_EMPTY, R_NONTEXT_DROP, R_NONTEXT_CUT, R_DUPLICATE, C_GROUP, C_NO_ME, C_NO_THEM,
               C_ONLY_PLACEHOLDERS, C_TOO_SHORT]
    missing = [r for r in reasons if f"reason.{r}" not in EN]
    assert missing == [], "add these lib/segment.py reasons to lib/i18n/app.py"
    assert term("reason", C_GROUP, "zh") == "群聊（默认排除）"
    assert term("reason", "a reason added later", "zh") == "a reason added later"


def test_message_kinds_are_translated():
    from lib.importers import KINDS

    assert [k for k in KINDS if f"kind.{k}" not in EN] == []
    assert term("kind", "sticker", "zh") == "表情包"


def test_funnel_stages_are_translated(tmp_path):
    from lib.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    stages = [name for name, _ in ws.funnel()]
    ws.close()
    assert [s for s in stages if f"funnel.{s}" not in EN] == []
    assert all(term("funnel", s, "zh") != s for s in stages)


def test_i18n_has_no_streamlit_import():
    source = open(i18n.__file__, encoding="utf-8").read()
    assert "streamlit" not in source


def test_every_key_the_pages_use_exists():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    sources = [root / "app.py", *sorted((root / "pages").glob("*.py"))]
    used = {k for f in sources for k in re.findall(r"""\bt\(\s*["']([a-z_]+\.[^"'{}]+)["']""", f.read_text("utf-8"))}
    page_def = r"""PageDef\([^)]*?["']([a-z]+\.[a-z_]+)["']"""
    used |= {k for f in sources for k in re.findall(page_def, f.read_text("utf-8"))}
    assert used, "the pattern found no keys: update this test"
    assert sorted(k for k in used if k not in EN) == []


def test_labelling_and_curation_vocabularies_are_translated():
    from lib.curate.store import DROP_REASONS, PLACEMENTS, VIEWS
    from lib.curate.rules import REASONS
    from lib.label.store import QUEUES
    from lib.segment import C_DROPPED, KIND_CODES
    from lib.persona.traits import PUNCTUATION

    keys = ([f"lab.queue.{q}" for q in QUEUES] + [f"cur.view.{v}" for v in VIEWS]
            + [f"cur.drop.{r}" for r in DROP_REASONS] + [f"cur.reason.{r}" for r in REASONS]
            + [f"cur.placement.{p}" for p in PLACEMENTS] + [f"lab.kind.{k}" for k in KIND_CODES]
            + [f"tr.punct.{name}" for name, _ in PUNCTUATION] + [f"reason.{C_DROPPED}"])
    assert [k for k in keys if k not in EN] == []


def test_the_curation_view_spells_the_segment_reasons():
    from lib.db import MIGRATIONS
    from lib.segment import C_DROPPED, C_GROUP, KEEP_OVERRIDES

    view = next(m for m in reversed(MIGRATIONS) if "CREATE VIEW conv_effective" in m)  # the live view
    assert f"'{C_GROUP}'" not in view  # a "keep" never lifts the group exclusion: the export's switch decides
    assert f"'{C_DROPPED}'" in view and all(f"'{r}'" in view for r in KEEP_OVERRIDES)
