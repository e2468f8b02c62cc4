"""Issue 18.4: every page, rendered in Chinese on the sample workspace, shows no English word outside an allow-list.

Every visible text element is collected from AppTest's element tree (titles, markdown, captions, alerts, buttons,
widget labels and options, metrics, tabs, expanders, table column names). What is data is left out: plain-text
elements (message bodies, :func:`pages.show_text`), chat bubbles and the words of the sample's own chats; so are
proper names, formats, units, code spans, file names, URLs and model ids. Anything else in Latin letters is an
untranslated string and fails the test, with the words and the element that showed them.
"""
from __future__ import annotations

import re
from pathlib import Path
from collections.abc import Iterator

import pytest

from app import SECTIONS
from lib.workspace import sample_files
from tests.helpers import start

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"  # public fixtures, read in place

pytestmark = pytest.mark.usefixtures("data_dir", "running_server")  # tests/conftest.py

# Pages other helpers are rewriting now: checked, but not yet required to pass (the lead turns them on).
REWRITING: set[str] = set()

ALLOWED = {w.lower() for w in """
    MeTwin WeChat QQ Telegram WhatsApp LLaMA Factory ShareGPT OpenAI Alpaca LoRA GPU CPU CUDA MPS JSON CSV TXT ZIP
    JSONL HTML PDF URL API SQLite MemoTrace PyWxDump WeClone WeFlow Signal Instagram Facebook Messenger Discord LINE
    KakaoTalk iMessage Qwen Instruct Ollama vLLM llama cpp GGUF HF Hugging Face BM25 MBTI ID IDs IP UTF BOM GB18030
    GBK Big5 Shift JIS cp1252 Latin Unicode emoji kaomoji UnionPay Visa Mastercard Luhn IBAN SWIFT BIC DPO SFT LLM
    AI Streamlit ok OK PII Key Esc Enter Tab Ctrl Shift Alt Cmd Space LoRA Markdown Vega Altair
    DiscordChatExporter imessage exporter signal export Mac DM README token tokens Top QLoRA DeepSpeed axolotl
    torchtune
    KB MB GB TB ms px min kg km tok
    """.split()}
# 4-letter MBTI types, single letters and their lower-case keys (A, X, S, J/K shortcuts), hex and Roman numerals
MBTI = re.compile(r"^[EI][NS][TF][JP](-[AT])?$")
STRIP = [
    re.compile(r"`[^`]*`"),  # code spans
    re.compile(r":material/[a-z_]+:"),  # Material icon shortcodes
    re.compile(r"(?i)\b(?:https?://|www\.)\S+"),  # URLs
    re.compile(r"\S+@\S+\.\w+"),  # e-mail addresses (the placeholders of examples)
    re.compile(r"<[A-Z_]+(?:_\d+)?>"),  # redaction placeholders <PHONE_1>
    re.compile(r"[\w.-]*[/\\][\w./\\-]+"),  # paths and model ids (Qwen/Qwen2.5-0.5B-Instruct, pages/x.py)
    re.compile(r"(?i)[\w()-]+\.(?:csv|txt|json|jsonl|zip|py|yaml|yml|db|sqlite|md|html|toml|png|safetensors|gguf)\b"),
    re.compile(r"(?i)\b[a-z]+(?:_[a-z0-9]+)+\b"),  # identifiers (memotrace_csv, sample_loaded)
    re.compile(r"\{\w+\}"),  # template placeholders ({personality}) the persona template shows as typed
    re.compile(r"\bBase URL\b"),  # the OpenAI-compatible setting's own name
    re.compile(r"\bLM Studio\b"),  # a local model server's own name
    re.compile(r"\bMachine-Mindset\b"),  # the MBTI data set's own name (PKU-YuanGroup), never its two words alone
    re.compile(r"[\w.-]*\d[\w.-]*"),  # tokens holding a digit: sizes, versions, ids (2GB, Qwen2, 1e-4, apache-2.0)
]
WORD = re.compile(r"[A-Za-z][A-Za-z']+")


def data_words() -> set[str]:
    """Every Latin word of the sample's chats (message text, names, file names) and the workspace's name ("sample"):
    data, never UI text."""
    words: set[str] = {"sample"}
    for path in sample_files():
        words |= {w.lower() for w in WORD.findall(path.name + "\n" + path.read_text(encoding="utf-8-sig",
                                                                                      errors="replace"))}
    return words


def _walk(node) -> Iterator:
    yield node
    if getattr(node, "type", "") in ("chat_message",):  # bubbles hold chat text and sender names: data
        return
    children = getattr(node, "children", None) or {}
    for child in children.values():
        yield from _walk(child)


VALUE_SHOWN = {"markdown", "caption", "title", "header", "subheader", "divider", "error", "warning", "info",
               "success", "exception", "toast", "metric", "latex"}  # a widget's value is the user's (or the data's)


def _columns(node) -> list[str]:
    """A table's column headers as shown: ``column_config`` labels over the frame's own names, in ``column_order``."""
    import json

    proto = getattr(node, "proto", None)
    frame = node.value
    try:
        config = json.loads(proto.columns) if proto is not None and proto.columns else {}
    except (ValueError, AttributeError):
        config = {}
    order = list(getattr(proto, "column_order", None) or []) or [str(c) for c in frame.columns]
    shown = []
    for col in order:
        cfg = config.get(f"name:{col}") or config.get(col) or {}
        if cfg is None or cfg.get("hidden"):
            continue
        shown.append(str(cfg.get("label") or col))
    return shown


def _texts(node) -> list[str]:
    """The strings one element shows (its label, options, help, column names; the value of text elements)."""
    kind = getattr(node, "type", "")
    if kind in ("text", "html", "code", "json", "balloons", "snow", "vega_lite_chart", "arrow_vega_lite_chart"):
        return []  # data (chat text, file text) or chart specs, which test_pages checks on its own
    attrs = ("label", "help", "placeholder", "caption") + (("value", "body") if kind in VALUE_SHOWN else ())
    out: list[str] = []
    for attr in attrs:
        try:
            v = getattr(node, attr, None)
        except Exception:  # noqa: BLE001 - some properties need a session value that is not there
            continue
        if isinstance(v, str):
            out.append(v)
    if kind in ("dataframe", "table"):
        try:
            out += _columns(node)
        except Exception:  # noqa: BLE001 - a table AppTest cannot decode: its columns go unchecked
            pass
    try:
        options = getattr(node, "options", None)
    except Exception:  # noqa: BLE001
        options = None
    if isinstance(options, (list, tuple)):
        out += [str(x) for x in options]
    if kind in ("tab", "expander", "status"):
        proto = getattr(node, "proto", None)
        label = getattr(getattr(proto, kind, None), "label", None)
        if isinstance(label, str):
            out.append(label)
    if kind == "metric":
        delta = getattr(node, "delta", None)
        if isinstance(delta, str):
            out.append(delta)
    return out


def english_words(text: str, allowed: set[str]) -> set[str]:
    """The Latin words in ``text`` that are neither allowed names nor formats nor data."""
    for pattern in STRIP:
        text = pattern.sub(" ", text)
    found = set()
    for w in WORD.findall(text):
        w = w.strip("'")
        if len(w) < 2 or MBTI.match(w) or w.lower() in allowed:
            continue
        if w.isupper() and len(w) <= 5:  # acronyms and formats the list does not name (TXT, CSV, LINE)
            continue
        found.add(w)
    return found


def shown_english(at, allowed: set[str]) -> dict[str, set[str]]:
    """{element kind: untranslated words} for the page's main area and sidebar."""
    hits: dict[str, set[str]] = {}
    for root in (at.main, at.sidebar):
        for node in _walk(root):
            if getattr(node, "key", None) == "lang":  # the language switch speaks both languages by design
                continue
            for text in _texts(node):
                words = english_words(text, allowed)
                if words:
                    hits.setdefault(getattr(node, "type", "?"), set()).update(words)
    return hits


PAGES = [p.file for pages in SECTIONS.values() for p in pages]


def test_the_checker_catches_english_and_spares_names_and_data():
    allowed = ALLOWED | {"okk"}
    assert english_words("上传 Upload 文件", allowed) == {"Upload"}
    assert english_words("导出到 LLaMA-Factory 的 ShareGPT JSON · ENFP · `metwin serve` · Qwen/Qwen2.5-0.5B", allowed) \
        == set()
    assert english_words("每个文件 2GB · okk · chat.csv · https://example.com/x", allowed) == set()
    assert english_words("known name (import or owner list)", allowed) == {"known", "name", "import", "or", "owner",
                                                                          "list"}


@pytest.mark.parametrize("page", [pytest.param(p, marks=pytest.mark.xfail(
    strict=False, reason="a page another helper is rewriting now")) if p in REWRITING else p for p in PAGES])
def test_page_shows_no_english_in_chinese(page):
    at = start()
    at.radio(key="lang").set_value("zh").run()
    assert not at.exception
    if page != "pages/home.py":
        at.switch_page(page).run()
    assert not at.exception, at.exception
    hits = shown_english(at, ALLOWED | data_words())
    assert not hits, f"{page} shows English in Chinese mode: {hits}"


def _clean(at, where: str) -> None:
    assert not at.exception, (where, at.exception)
    hits = shown_english(at, ALLOWED | data_words())
    assert not hits, f"{where} shows English in Chinese mode: {hits}"


def test_labelling_views_speak_chinese_and_save_default_labels_by_id(data_dir):
    """Every view of the labelling page in Chinese; a label picked or a taxonomy saved under its Chinese name is
    stored as the same id the English UI stores (开心 → joy), so switching language never forks the labels."""
    from lib.label.store import LabelStore
    from lib.workspace import Workspace

    at = start()
    at.radio(key="lang").set_value("zh").run()
    at.switch_page("pages/labelling.py").run()
    assert at.button(key="lab_l_0").label == "开心"
    at.button(key="lab_l_0").click().run()
    _clean(at, "labelling card after a label")
    for view in ("table", "llm", "settings"):
        at.segmented_control(key="lab_view").set_value(view).run()
        _clean(at, f"labelling {view}")
    area = next(a for a in at.text_area if a.value.startswith("开心"))
    assert area.value.splitlines()[:3] == ["开心", "亲昵", "调皮"]
    area.set_value(area.value + "\n想念")  # in a form: sent with the submit
    next(b for b in at.button if b.label == "保存").click().run()
    assert not at.exception
    s = LabelStore(Workspace(data_dir / "workspaces" / "sample"))
    assert s.taxonomy()[:3] == ["joy", "affection", "playful"] and s.taxonomy()[-1] == "想念"
    dist = s.distribution().set_index("label")["labelled"]
    assert dist.sum() == 1 and dist["joy"] == 1  # the card's 开心 button stored the id


def test_export_states_speak_chinese(data_dir):
    """The export page after an MBTI import and an export: the files table, the result and the history."""
    at = start()
    at.radio(key="lang").set_value("zh").run()
    at.switch_page("pages/export.py").run()
    source = FIXTURES / "mbti" / "zh_energy_extraversion.first30.json"
    if not source.is_file():
        pytest.skip(f"real MBTI excerpt not present at {source}")
    data = source.read_bytes()
    at.get("file_uploader")[0].upload("zh_energy_extraversion.json", data).run()
    at.button[[b.label for b in at.button].index("导入文件")].click().run()
    _clean(at, "export after an MBTI import")
    at.toggle(key="exp_include_mbti").set_value(True).run()
    next(b for b in at.button if b.label.startswith("导出为")).click().run()
    _clean(at, "export after exporting")
    shown = [str(c) for df in at.dataframe for c in df.value.columns]
    assert "倾向或类型" in shown and "格式" in shown
    assert "外向（E）" in at.dataframe[0].value.iloc[0].tolist()


def test_default_emotion_names_match_the_library():
    """The page's label names (lib.i18n) and the LLM parser's (lib.label.emotion.LABEL_ZH) are the same words."""
    from lib.i18n import EN, ZH
    from lib.label.emotion import DEFAULT_TAXONOMY, LABEL_ZH

    for label in DEFAULT_TAXONOMY:
        assert EN[f"label.emotion.{label}"] == label
        assert ZH[f"label.emotion.{label}"] == LABEL_ZH[label]
