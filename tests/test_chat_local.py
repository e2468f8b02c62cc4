"""The local transformers backend with a LoRA adapter, on a tiny model built in the test (no downloads)."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch", reason="the training extra (requirements-train.txt) is not installed")
pytest.importorskip("peft", reason="the training extra (requirements-train.txt) is not installed")

from lib import chat as chat_lib  # noqa: E402
from lib.chat.base import ChatError, ChatParams  # noqa: E402
from lib.chat.local import LocalModel  # noqa: E402
from lib.workspace import Workspace  # noqa: E402
from tests.fakes.tiny_model import build_tiny_chat_model  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, Path]:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    root = tmp_path_factory.mktemp("local")
    base = build_tiny_chat_model(root / "base")
    model = AutoModelForCausalLM.from_pretrained(base)
    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"],
                                                  task_type="CAUSAL_LM"))
    with torch.no_grad():  # a visible change: the adapter's B matrices are zero at init
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.add_(0.5)
    peft_model.save_pretrained(root / "adapter")
    return base, root / "adapter"


def test_generates_a_streamed_reply_with_and_without_the_adapter(tiny):
    base, adapter = tiny
    msgs = [{"role": "user", "content": "周末一起吃饭吗"}]
    p = ChatParams(temperature=0.0, max_tokens=12, system="你是小雨")
    plain = list(LocalModel(str(base)).stream(msgs, p))
    tuned = list(LocalModel(str(base), str(adapter)).stream(msgs, p))
    assert plain and tuned and all(isinstance(c, str) for c in plain + tuned)
    assert "".join(plain) != "".join(tuned)  # the adapter is really applied
    assert "with adapter" in LocalModel(str(base), str(adapter)).check()


def test_missing_model_or_adapter_is_a_clear_error(tiny, tmp_path: Path):
    base, _ = tiny
    with pytest.raises(ChatError) as err:
        list(LocalModel(str(tmp_path / "nope")).stream([{"role": "user", "content": "hi"}], ChatParams()))
    assert err.value.kind == "not_found" and "no model folder" in str(err.value)
    with pytest.raises(ChatError, match="adapter_config.json"):
        LocalModel(str(base), str(tmp_path)).check()


def test_get_backend_builds_the_local_model_from_the_settings(tiny, tmp_path: Path):
    base, adapter = tiny
    ws = Workspace(tmp_path / "ws")
    chat_lib.set_config(ws, "local", {"base_model": str(base), "adapter": str(adapter)})
    b = chat_lib.get_backend("local", ws)
    assert isinstance(b.inner, LocalModel) and b.adapter == str(adapter)  # behind the output guard
    ws.close()
