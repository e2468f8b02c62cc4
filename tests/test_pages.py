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
