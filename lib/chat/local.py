"""A local transformers model, optionally with a LoRA adapter trained here, as a chat backend.

Optional extra: needs ``pip install -r requirements-train.txt`` (torch, transformers, peft). The model is loaded once
per process and kept (loading takes seconds to minutes); generation runs in a thread and streams through
``TextIteratorStreamer``, so the page shows tokens as they come. The prompt is the model's own chat template.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from lib.chat.base import ChatError, ChatParams, Message, window

_LOADED: dict[tuple[str, str], tuple[object, object, str]] = {}
_LOCK = threading.Lock()


def _missing() -> ChatError:
    return ChatError("not_found", "the local model backend needs the training extra: "
                                  "pip install -r requirements-train.txt")


class LocalModel:
    name = "local"
    label = "Local model"

    def __init__(self, base_model: str, adapter: str = "", device: str | None = None) -> None:
        self.base_model = str(base_model)
        self.adapter = str(adapter or "")
        self.device = device
        if self.adapter:
            self.label = f"Local model + adapter {Path(self.adapter).parent.name or Path(self.adapter).name}"

    def _load(self):
        key = (self.base_model, self.adapter)
        with _LOCK:
            if key in _LOADED:
                return _LOADED[key]
            try:
                import torch
                from transformers import AutoModelForCausalLM, AutoTokenizer
            except ImportError:
                raise _missing() from None
            if not Path(self.base_model).is_dir():
                raise ChatError("not_found", f"no model folder at {self.base_model}: give the base model's local "
                                             "folder (downloaded beforehand; MeTwin downloads nothing)")
            if self.adapter and not (Path(self.adapter) / "adapter_config.json").exists():
                raise ChatError("not_found", f"{self.adapter} holds no adapter_config.json: pick the adapter folder "
                                             "a training run wrote (…/adapter)")
            device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
            try:
                tok = AutoTokenizer.from_pretrained(self.base_model)
                dtype = torch.bfloat16 if device == "cuda" else torch.float32
                model = AutoModelForCausalLM.from_pretrained(self.base_model, torch_dtype=dtype)
                if self.adapter:
                    from peft import PeftModel

                    model = PeftModel.from_pretrained(model, self.adapter)
                model.to(device).eval()
            except (OSError, ValueError) as exc:
                raise ChatError("not_found", f"could not load the model: {type(exc).__name__}. Check that the "
                                             "folder holds a complete transformers model") from None
            if not getattr(tok, "chat_template", None):
                raise ChatError("bad_request", "the model's tokenizer has no chat template: use an instruct/chat "
                                               "model")
            _LOADED[key] = (tok, model, device)
            return _LOADED[key]

    def stream(self, messages: list[Message], params: ChatParams) -> Iterator[str]:
        import torch
        from transformers import TextIteratorStreamer

        tok, model, device = self._load()
        convo = window(messages, params)
        if not any(m["role"] == "user" for m in convo):
            raise ChatError("bad_request", "nothing to answer: the conversation has no message from you")
        enc = tok.apply_chat_template(convo, add_generation_prompt=True, return_tensors="pt")
        ids = (enc["input_ids"] if hasattr(enc, "keys") else enc).to(device)  # newer transformers: a BatchEncoding
        streamer = TextIteratorStreamer(tok, skip_prompt=True, skip_special_tokens=True, timeout=600)
        sample = params.temperature > 0
        kwargs = dict(input_ids=ids, attention_mask=torch.ones_like(ids), streamer=streamer,
                      max_new_tokens=params.max_tokens or 256, do_sample=sample,
                      pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id)
        if sample:
            kwargs.update(temperature=params.temperature, top_p=params.top_p or 1.0)
        failure: list[BaseException] = []

        def run() -> None:
            try:
                with torch.no_grad():
                    model.generate(**kwargs)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread below
                failure.append(exc)
                streamer.end()

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        for text in streamer:
            if text:
                yield text
        worker.join()
        if failure:
            raise ChatError("server", f"generation failed: {type(failure[0]).__name__}") from None

    def check(self) -> str:
        _, model, device = self._load()
        n = sum(p.numel() for p in model.parameters())  # type: ignore[attr-defined]
        return f"{Path(self.base_model).name} ({n / 1e6:,.1f}M parameters) on {device}" + \
            (f" with adapter {self.adapter}" if self.adapter else "")
