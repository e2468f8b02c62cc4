"""Issue 18.4: every page, rendered in Chinese on the sample workspace, shows no English word outside an allow-list.

Every visible text element is collected from AppTest's element tree (titles, markdown, captions, alerts, buttons,
widget labels and options, metrics, tabs, expanders, table column names). What is data is left out: plain-text
elements (message bodies, :func:`pages.show_text`), chat bubbles and the words of the sample's own chats; so are
proper names, formats, units, code spans, file names, URLs and model ids. Anything else in Latin letters is an
untranslated string and fails the test, with the words and the element that showed them.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from app import SECTIONS
from lib.workspace import sample_files
from tests.helpers import start

pytestmark = pytest.mark.usefixtures("data_dir", "running_server")  # tests/conftest.py

# Pages other helpers are rewriting now: checked, but not yet required to pass (the lead turns them on).
REWRITING = {"pages/labelling.py", "pages/export.py"}

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
    strict=False, reason="known gaps, listed in the issue note: emotion label names (labelling), licence ids and two captions (export)")) if p in REWRITING
    else p for p in PAGES])
def test_page_shows_no_english_in_chinese(page):
    at = start()
    at.radio(key="lang").set_value("zh").run()
    assert not at.exception
    if page != "pages/home.py":
        at.switch_page(page).run()
    assert not at.exception, at.exception
    hits = shown_english(at, ALLOWED | data_words())
    assert not hits, f"{page} shows English in Chinese mode: {hits}"
