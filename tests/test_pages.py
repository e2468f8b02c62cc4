"""Pages through Streamlit's AppTest (no browser): each page runs without an exception on the sample workspace,
imports work from an upload, bad uploads show an error, the language switch translates, errors never leak."""
from __future__ import annotations

from pathlib import Path
from unittest.mock import patch

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from app import SECTIONS
from lib.i18n import t
from lib.importers import BadInputError, formats
from lib.workspace import Workspace, sample_files
from lib.workspace import valid_workspace_name
from pages import md_escape
from tests.helpers import APP, ROOT, metric, start  # noqa: F401

IMPORT_PAGE = "pages/import_chats.py"

MEMOTRACE_CSV = (
    "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\n"
    "1,wxid_lin,1,0,0,1714525201,2,周末去爬山吗,2024-05-01 09:00:01,林木,Lin,wxid_lin\n"
    "2,wxid_lin,1,0,1,1714525260,2,好呀 几点,2024-05-01 09:01:00,我,Me,wxid_me\n"
    "3,wxid_lin,1,0,0,1714525320,2,八点地铁站,2024-05-01 09:02:00,林木,Lin,wxid_lin\n"
    "4,wxid_lin,1,0,1,1714525380,2,okk 不见不散,2024-05-01 09:03:00,我,Me,wxid_me\n"
).encode("utf-8")

needs_memotrace = pytest.mark.skipif("memotrace_csv" not in formats(), reason="memotrace_csv importer not there yet")


pytestmark = pytest.mark.usefixtures("data_dir", "running_server")  # tests/conftest.py


def test_every_page_file_is_in_the_menu_and_its_url_is_its_stem():
    registered = [p for pages in SECTIONS.values() for p in pages]
    files = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py") if p.name != "__init__.py")
    assert sorted(p.file for p in registered) == files
    assert sum(p.default for p in registered) == 1
    assert all(p.url == ("" if p.default else Path(p.file).stem) for p in registered)


@pytest.mark.legacy
@pytest.mark.parametrize("page", [None, IMPORT_PAGE])
def test_first_request_of_a_fresh_server_is_rerouted_through_the_app(page):
    """Legacy pages/ mode (every AppTest run without the fixture above): the page still gets the frame."""
    at = start(page)
    assert PagesManager.uses_pages_directory is False, "st.navigation ran and left legacy mode"
    assert at.title[0].value == ("Import" if page else "Home")
    assert at.radio(key="lang").value == "en" and at.selectbox(key="ws_pick").value == "sample"
    assert "_rerouted" not in at.session_state


def test_home_shows_the_sample_funnel():
    at = start()
    assert [x.value for x in at.title] == ["Home"]
    labels = [m.label for m in at.metric]
    assert labels == ["Chats", "Messages", "Mine", "Trainable", "My turns"]
    assert at.get("vega_lite_chart"), "the funnel chart is missing"
    if sample_files():
        assert metric(at, "Messages") > 0
        assert metric(at, "Mine") > 0
        assert at.dataframe, "the drop-reasons table is missing"
    assert not at.error


def test_home_invites_an_import_in_an_empty_workspace(data_dir):
    Workspace(data_dir / "workspaces" / "empty").close()
    at = start()
    at.selectbox(key="ws_pick").set_value("empty").run()
    assert not at.exception
    assert at.info and "empty" in at.info[0].value
    assert any(link.proto.page == "import_chats" for link in at.get("page_link"))


def test_import_page_renders_chats_and_conversations():
    at = start(IMPORT_PAGE)
    assert [x.value for x in at.title] == ["Import"]
    assert not at.error
    if sample_files():
        chats = at.dataframe[0].value
        assert len(chats) >= 1 and {"name", "messages", "trainable"} <= set(chats.columns)
        assert at.chat_message, "the first conversation of the browser shows its turns"
        assert at.chat_message[0].avatar in (":material/face:", ":material/person:")


@needs_memotrace
def test_upload_preview_and_import_a_memotrace_csv():
    at = start(IMPORT_PAGE)
    at.file_uploader(key="upload").upload("林木.csv", MEMOTRACE_CSV, "text/csv").run()
    assert not at.exception and not at.error
    # the upload waits in the workspace's own tmp/ folder, never the system temp (it holds a private chat)
    from lib.workspace import data_dir
    assert list(data_dir().glob("workspaces/*/tmp/upload-*/*/林木.csv"))
    assert any("MemoTrace" in m.value for m in at.markdown), "the preview names the detected format"
    assert any(len(df.value) == 4 and "sender" in df.value.columns for df in at.dataframe), "preview rows"
    as_chat = next(tab for tab in at.tabs if tab.label == "As chat")
    bubbles = as_chat.chat_message
    # each message a plain-text element: chat text is never Markdown
    assert [b.text[0].value for b in bubbles] == ["周末去爬山吗", "好呀 几点", "八点地铁站", "okk 不见不散"]
    assert not any(b.markdown for b in bubbles)  # the sender line is a caption; nothing goes through st.markdown
    assert {b.avatar for b in bubbles} == {":material/face:", ":material/person:"}  # the export's own "me" flag
    at.button(key="import_go").click().run()
    assert not at.exception
    assert at.success and "imported 4 messages" in at.success[0].value
    assert not at.error
    chats = next(df.value for df in at.dataframe if "trainable" in df.value.columns)
    assert "林木" in set(chats["name"])
    # the same file again is skipped, not imported twice
    at.button(key="import_go").click().run()
    assert at.warning and "already imported" in at.warning[0].value


def test_garbage_upload_shows_an_error_and_cannot_be_imported():
    at = start(IMPORT_PAGE)
    at.file_uploader(key="upload").upload("garbage.csv", bytes(range(256)) * 64, "text/csv").run()
    assert not at.exception
    assert at.error and "garbage" in at.error[0].value
    assert at.button(key="import_go").disabled


def test_missing_local_path_is_an_error_not_a_crash(tmp_path):
    at = start(IMPORT_PAGE)
    at.text_input(key="local_path").input(str(tmp_path / "nowhere.zip")).run()
    assert not at.exception
    assert at.error and "no such file or folder" in at.error[0].value


def test_bad_input_errors_are_shown_as_they_are(tmp_path):
    export = tmp_path / "broken.csv"
    export.write_text("x", encoding="utf-8")
    message = "broken.csv: the export ends in the middle of a message. Export the chat again."
    with patch("lib.workspace.preview", side_effect=BadInputError(message)):
        at = start(IMPORT_PAGE)
        at.text_input(key="local_path").input(str(export)).run()
    assert not at.exception
    assert [e.value for e in at.error] == [md_escape(message)]


def test_unexpected_errors_show_a_calm_message_without_details():
    with patch.object(Workspace, "stats", side_effect=RuntimeError("private chat text")):
        at = start()
    assert not at.exception
    assert len(at.error) == 1
    assert "RuntimeError" in at.error[0].value and "private chat text" not in at.error[0].value
    assert at.title and at.title[0].value == "Home"  # the frame and the page title still render


def test_language_switch_translates_the_pages():
    at = start()
    at.radio(key="lang").set_value("zh").run()
    assert not at.exception
    assert at.title[0].value == t("home.title", "zh") == "首页"
    assert at.metric[0].label == "聊天"
    at.switch_page(IMPORT_PAGE).run()
    assert not at.exception
    assert at.title[0].value == "导入"
    assert at.session_state["lang"] == "zh"


def test_create_a_workspace_and_switch_to_it():
    at = start()
    at.text_input(key="ws_new_name").input("Alice 2024")  # a form sends its values with the submit
    next(b for b in at.button if b.label == "Create").click().run()
    assert not at.exception
    assert at.selectbox(key="ws_pick").value == "Alice 2024"
    assert at.info, "a new workspace is empty and invites an import"
    at.selectbox(key="ws_pick").set_value("sample").run()
    assert not at.exception and not at.info


def test_the_workspace_is_in_the_url_and_comes_back_after_a_reload(data_dir):
    Workspace(data_dir / "workspaces" / "mine").close()
    at = start()
    at.selectbox(key="ws_pick").set_value("mine").run()
    assert not at.exception and at.query_params["ws"] in ("mine", ["mine"])
    again = start()  # a reload or a new tab: no session state, no query string
    assert again.selectbox(key="ws_pick").value == "mine"
    bookmark = AppTest.from_file(APP, default_timeout=30)
    bookmark.query_params["ws"] = "sample"
    bookmark.run()
    assert not bookmark.exception and bookmark.selectbox(key="ws_pick").value == "sample"
    unknown = AppTest.from_file(APP, default_timeout=30)
    unknown.query_params["ws"] = "../../etc"  # not a workspace name: ignored, the last one opens
    unknown.run()
    assert not unknown.exception and unknown.selectbox(key="ws_pick").value == "mine"


def test_workspace_names_are_checked():
    assert valid_workspace_name("Alice 2024") and valid_workspace_name("小雨_backup-2")
    for bad in ["", " x", "x ", "../x", "a/b", ".hidden", "x" * 65, "-x"]:
        assert not valid_workspace_name(bad), bad
    at = start()
    at.text_input(key="ws_new_name").input("../escape")
    next(b for b in at.button if b.label == "Create").click().run()
    assert not at.exception
    assert at.error and "cannot be a workspace name" in at.error[0].value


def test_segmentation_settings_apply():
    at = start(IMPORT_PAGE)
    at.number_input[0].set_value(5.0)
    next(b for b in at.button if b.label == "Apply").click().run()
    assert not at.exception and not at.error
    assert any("Settings applied" in s.value for s in at.success)
    ws = Workspace(Path(at.session_state["_ws"].path))
    assert ws.segment_config.gap_minutes == 5.0
    ws.close()


def test_conversation_browser_pages_and_filters():
    if not sample_files():
        pytest.skip("no bundled sample")
    at = start(IMPORT_PAGE)
    assert at.pagination, "the sample's one-to-one chat has more than one page of conversations"
    first = [e.label for e in at.expander if e.label.startswith("20")]
    at.pagination[0].set_value(2).run()
    assert not at.exception
    second = [e.label for e in at.expander if e.label.startswith("20")]
    assert second and second != first
    at.segmented_control(key="browse_filter").set_value("excluded").run()
    assert not at.exception
    assert all("excluded" in e.label for e in at.expander if e.label.startswith("20"))


WHATSAPP_PAIR = ("01/05/2024, 09:00 - Alice: Morning! Coffee later?\n01/05/2024, 09:01 - Bob: Sure\n"
                 "01/05/2024, 09:02 - Bob: see you at 10\n01/05/2024, 09:03 - Alice: Great\n").encode("utf-8")


def _import_upload(at: AppTest, name: str, data: bytes, mime: str = "text/plain") -> AppTest:
    at.file_uploader(key="upload").upload(name, data, mime).run()
    at.button(key="import_go").click().run()
    assert not at.exception
    return at


@needs_memotrace
def test_an_already_imported_file_is_said_at_preview():
    """Issue 18: re-uploading a file already in the workspace says so before Import is pressed."""
    _import_upload(start(IMPORT_PAGE), "林木.csv", MEMOTRACE_CSV, "text/csv")
    at = start(IMPORT_PAGE)  # a new session: nothing left of the first upload's results
    at.file_uploader(key="upload").upload("林木 again.csv", MEMOTRACE_CSV, "text/csv").run()
    assert not at.exception
    assert at.warning and "already imported" in at.warning[0].value and "林木" in at.warning[0].value
    assert at.button(key="import_go").disabled


def test_who_is_me_can_be_changed_per_chat_and_undone():
    """Issue 18: the Import page changes who "me" is in one chat, and Undo brings the previous owner back."""
    at = _import_upload(start(IMPORT_PAGE), "WhatsApp Chat with Alice.txt", WHATSAPP_PAIR)

    def chats():
        return next(df.value for df in at.dataframe if "mine" in df.value.columns)

    def mine() -> int:
        return int(chats().loc[chats()["name"] == "Alice", "mine"].iloc[0])

    at.selectbox(key="me_chat").set_value(int(chats().loc[chats()["name"] == "Alice", "id"].iloc[0])).run()

    before = mine()
    chat_id = at.selectbox(key="me_chat").value
    who = at.selectbox(key=f"me_who_{chat_id}")
    other = next(p for p in who.options if p != who.value)
    who.set_value(other).run()
    at.button(key="me_apply").click().run()
    assert not at.exception and at.success and "changed side" in at.success[-1].value
    assert mine() == 4 - before
    at.button(key="me_undo").click().run()
    assert not at.exception and mine() == before



def _chart_specs(at: AppTest) -> list[dict]:
    """Each chart's Vega-Lite spec, with its data under ``"rows"`` (Streamlit sends the data as Arrow)."""
    import json

    import pyarrow as pa

    out = []
    for el in at.get("vega_lite_chart"):
        spec = json.loads(el.proto.spec)
        spec["rows"] = [r for d in el.proto.datasets
                        for r in pa.ipc.open_stream(d.data.data).read_pandas().to_dict("records")]
        out.append(spec)
    return out


def _labels(spec: dict) -> set[str]:
    """Every category a chart shows (its string data values)."""
    return {v for row in spec["rows"] for v in row.values() if isinstance(v, str)}


def test_statistics_and_traits_charts_speak_chinese_and_show_every_bar():
    """Issue 18: chart labels (emotions, personal data kinds, months, tooltips) follow the UI language; horizontal
    bars get room for every label; legends sit above the charts (never cut off at the side)."""
    at = start()
    at.radio(key="lang").set_value("zh").run()
    at.switch_page("pages/statistics.py").run()
    assert not at.exception
    specs = _chart_specs(at)
    assert specs
    shown = set().union(*(_labels(s) for s in specs))
    assert not {"Phone", "mine", "theirs", "joy", "sadness"} & shown, shown
    assert {"我", "对方"} <= shown
    text = str(specs)
    assert "'title': 'n'" not in text and "'title': 'Messages'" not in text  # tooltips titled in Chinese
    for spec in specs:
        legend = (spec.get("encoding", {}).get("color") or {}).get("legend")
        if legend is not None:
            assert legend.get("orient") == "top"
    at.switch_page("pages/traits.py").run()
    assert not at.exception
    punct = next(s for s in _chart_specs(at) if s["rows"] and "habit" in s["rows"][0])
    n = len(punct["rows"])
    assert punct["height"] >= 24 * n and punct["encoding"]["y"]["axis"]["labelOverlap"] is False
    assert any("\u4e00" <= ch <= "\u9fff" for label in _labels(punct) for ch in label)


def test_plural_forms_in_english_and_none_in_chinese():
    assert t("import.found", "en", label="X", messages=1, chats=1) == "X · 1 message · 1 chat"
    assert t("import.found", "en", label="X", messages=2, chats=1200) == "X · 2 messages · 1,200 chats"
    assert t("import.found", "zh", label="X", messages=1, chats=1) == "X · 1 条消息 · 1 个聊天"
    assert t("import.button", "en", n=1) == "Import 1 file" and t("import.button", "en", n=0) == "Import 0 files"


def test_train_page_shows_the_device_and_judges_the_model_folder(data_dir, tmp_path):
    """Issue 18: the device found, and a clear message for an empty or wrong model folder (no run to start)."""
    pytest.importorskip("torch")
    from lib.export import export, export_dir
    from lib.export.records import ExportOptions

    at = start()  # opens (and imports) the sample workspace
    ws = Workspace(data_dir / "workspaces" / "sample")
    export(ws, "sharegpt", export_dir(ws, "sharegpt"), ExportOptions())
    ws.close()
    at.switch_page("pages/train.py").run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "Device" in captions and any(w in captions for w in ("GPU", "CPU", "Apple"))
    if not any(b.label == "Start training" for b in at.button):
        pytest.skip("the training extra is not installed: the form is not drawn")
    assert any("folder" in i.value for i in at.info)  # empty: say what to give
    assert next(b for b in at.button if b.label == "Start training").disabled
    at.text_input(key="train_base").input(str(tmp_path)).run()
    assert not at.exception
    assert any("no config.json" in e.value for e in at.error)
    assert next(b for b in at.button if b.label == "Start training").disabled
    assert at.number_input(key="tr_ep_recommended").value == 3  # the preset's value, TrainConfig's bounds


@needs_memotrace
def test_import_results_and_errors_speak_chinese():
    """Issue 16.5/18: library messages reach the page by code, in the UI's language (the English stays the
    library's own sentence, as the tests above read it)."""
    at = start(IMPORT_PAGE)
    at.radio(key="lang").set_value("zh").run()
    at.file_uploader(key="upload").upload("garbage.csv", bytes(range(256)) * 64, "text/csv").run()
    assert not at.exception
    assert at.error and at.error[0].value.startswith("garbage") and "二进制文件" in at.error[0].value
    assert any("每个文件最大" in c.value for c in at.caption), "our own line under Streamlit's English uploader"
    at.file_uploader(key="upload").upload("林木.csv", MEMOTRACE_CSV, "text/csv").run()
    at.button(key="import_go").click().run()
    assert not at.exception
    assert at.success and "已导入 4 条消息" in at.success[0].value
