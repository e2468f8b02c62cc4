"""The PII kind registry (issue 16): a new kind is one recognizer module plus its two labels; everything else
derives."""
from __future__ import annotations

import pytest

from lib import i18n
from lib.pii import kinds, operators
from lib.pii.base import AnalyzerConfig, Hit
from lib.pii.registry import default_recognizers
from lib.pii.store import PiiStore


def test_kinds_are_derived_from_the_recognizer_modules_in_review_order() -> None:
    from lib.pii.base import KINDS

    assert KINDS == kinds.kind_names()
    assert KINDS[0] == "PHONE" and KINDS[-1] == "CUSTOM"
    found = {k for r in default_recognizers(AnalyzerConfig(names=("Ann Lee",))) for k in r.kinds}
    assert found - {"CUSTOM"} <= set(KINDS)  # every kind a recognizer reports is declared


@pytest.mark.parametrize("kind", kinds.kind_names())
def test_every_kind_has_a_label_in_both_languages(kind: str) -> None:
    for lang in i18n.LANGS:
        assert f"pii.kind.{kind}" in i18n.TRANSLATIONS[lang], (kind, lang)


@pytest.mark.parametrize("spec", kinds.kind_specs(), ids=lambda s: s.name)
def test_every_declared_operator_hides_the_value(spec: kinds.KindSpec) -> None:
    value = {"PHONE": "13812345678", "EMAIL": "ann.lee@example.com", "CN_ID": "11010519491231002X",
             "US_SSN": "123-45-6789", "BANK_CARD": "6222021234567890128", "IP": "192.168.10.23"}.get(spec.name,
                                                                                                  "Secret4567Value")
    assert operators.mask(spec.name, value) != value
    out = operators.surrogate(spec.name, value, "salt")
    assert out != value and not operators.leaks(value, out)


@pytest.fixture
def extra_kind(monkeypatch: pytest.MonkeyPatch):
    """A kind declared the way a new recognizer module would, undone after the test."""
    monkeypatch.setattr(kinds, "_KINDS", dict(kinds._KINDS))
    monkeypatch.setattr(kinds, "_RECOGNIZERS", dict(kinds._RECOGNIZERS))

    class LockerCode:
        kinds = ("LOCKER",)

        def analyze(self, text: str) -> list[Hit]:
            i = text.find("LK-")
            return [Hit("LOCKER", i, i + 7, 0.9, "locker code")] if i >= 0 else []

    kinds.register_kind(kinds.KindSpec("LOCKER", order=145, fake=lambda v, rng: f"LK-{rng.randint(1000, 9999)}"))
    kinds.register_recognizer("locker", 145, lambda config: [LockerCode()])
    return "LOCKER"


def test_a_new_kind_is_known_everywhere_once_declared(extra_kind: str) -> None:
    from lib.pii import base

    assert extra_kind in base.KINDS and base.KINDS.index(extra_kind) == base.KINDS.index("SECRET") + 1
    assert any(extra_kind in r.kinds for r in default_recognizers(AnalyzerConfig()))
    fake = operators.surrogate(extra_kind, "LK-4821", "salt")
    assert fake.startswith("LK-") and fake != "LK-4821"
    assert operators.mask(extra_kind, "LK-4821") == "*******"


def test_a_new_kind_changes_the_scan_fingerprint(monkeypatch: pytest.MonkeyPatch) -> None:
    before = PiiStore.fingerprint(AnalyzerConfig())
    monkeypatch.setattr(kinds, "_KINDS", dict(kinds._KINDS))
    kinds.register_kind(kinds.KindSpec("LOCKER", order=145))
    assert PiiStore.fingerprint(AnalyzerConfig()) != before


def test_declaring_a_kind_twice_differently_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kinds, "_KINDS", dict(kinds._KINDS))
    with pytest.raises(ValueError, match="PHONE"):
        kinds.register_kind(kinds.KindSpec("PHONE", order=1))


def test_default_modes_come_from_the_specs(tmp_path) -> None:
    from lib.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    modes = PiiStore(ws).modes()
    assert list(modes) == list(kinds.kind_names())
    assert all(m == kinds.spec(k).mode for k, m in modes.items())
