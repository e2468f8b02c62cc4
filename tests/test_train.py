"""LoRA fine-tuning (lib.train) on a tiny random Llama built on the spot: no downloads, CPU, seconds.

Covers the reply-only loss mask (our template, ChatML/Qwen2.5, Llama-3 and Qwen3's history-rewriting template),
cutoff drops, data validation, advice, a visible overfit, checkpoints and bit-for-bit resume, eval loss, the run card
and merging for vLLM."""
from __future__ import annotations

import hashlib
import itertools
import json
import math
import time
from pathlib import Path

import pytest

from lib.errors import BadInputError
from lib.train import TrainConfig, advice, available, load_sharegpt, merge, train
from lib.train.data import (
    IGNORE,
    _labels_by_segments,
    assistant_spans,
    build_dataset,
    encode,
    persona_version,
)
from lib.train.sft import checkpoints, detect_target_modules
from tests.fakes.tiny_model import ASSISTANT, END, build_tiny_chat_model

# The training extra (requirements-train.txt) is optional: without it these tests skip, the rest of the suite runs.
torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("peft")


def rec(*turns: str, system: str = "") -> dict:
    roles = ("human", "gpt")
    return {"conversations": [{"from": roles[i % 2], "value": t} for i, t in enumerate(turns)], "system": system,
            "tools": "[]"}


OVERFIT = [
    rec("你好，最近怎么样？", "还行吧，就是有点忙。", "周末一起吃饭吗？", "好啊，去哪儿吃？火锅还是烧烤？",
        system="你是我，说话随意。"),
    rec("今天加班到很晚，累死了。", "早点休息，别太拼了。"),
]
LONG = rec("很长很长的问题" * 60, "这条回复在截断长度之外。")  # its first reply lies past cutoff_len: dropped
MORE = [rec("明天见！", "晚安～"), rec("这个电影好看吗？", "真好看，推荐你也去看看。")]
VAL = [rec("周末有空吗？", "有空啊，一起吃饭吧。")]
CUTOFF = 128


def chat_ids(tok, msgs: list[dict], gen: bool = False) -> list[int]:
    """Token ids of a rendered chat. transformers 5 returns a BatchEncoding by default (``return_dict=True``), 4.x a
    list: asking for the list explicitly works on both."""
    return list(tok.apply_chat_template(msgs, add_generation_prompt=gen, return_dict=False))


def write(path: Path, items) -> Path:
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    text = "\n".join(m["value"] for r in OVERFIT + MORE + VAL for m in r["conversations"])
    return build_tiny_chat_model(tmp_path_factory.mktemp("tiny"), vocab_text=text)


@pytest.fixture(scope="module")
def tok(tiny):
    from transformers import AutoTokenizer
    return AutoTokenizer.from_pretrained(tiny)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("data")
    (d / "README.md").write_text("# Dataset\n\n## Persona\n\nPersona version **7**. The system prompt ...\n",
                                 encoding="utf-8")
    return {"overfit": write(d / "train.json", OVERFIT + [LONG]), "val": write(d / "val.json", VAL),
            "more": write(d / "more.json", OVERFIT + MORE)}


@pytest.fixture(scope="module")
def overfit_run(tiny, data, tmp_path_factory):
    """Two records in one repeated batch (plus one dropped by cutoff), 30 steps at a high LR: must visibly fit."""
    events: list[dict] = []
    cfg = TrainConfig(data=data["overfit"], base_model=str(tiny), out=tmp_path_factory.mktemp("run"), max_steps=30,
                      lr=1e-2, batch_size=2, grad_accum=1, cutoff_len=CUTOFF, val=data["val"], eval_steps=10,
                      save_steps=0, lora_dropout=0.0)
    result = train(cfg, progress=events.append)
    return cfg, result, events


def read_log(out: Path) -> list[dict]:
    return [json.loads(x) for x in (out / "log.jsonl").read_text(encoding="utf-8").splitlines()]


def runs(labels: list[int]) -> list[tuple[int, int]]:
    """Contiguous [start, end) runs of positions that carry loss."""
    out, start = [], None
    for i, t in enumerate(labels + [IGNORE]):
        if t != IGNORE and start is None:
            start = i
        elif t == IGNORE and start is not None:
            out.append((start, i))
            start = None
    return out


# -- the tiny model ------------------------------------------------------------------------------------------------

def test_tiny_model_loads_chats_and_is_deterministic(tiny, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny)
    model = AutoModelForCausalLM.from_pretrained(tiny)
    msgs = [{"role": "system", "content": "你是我"}, {"role": "user", "content": "你好，最近怎么样？"}]
    ids = chat_ids(tok, msgs, gen=True)
    assert tok.decode(ids) == "<s><|system|>\n你是我<|end|><|user|>\n你好，最近怎么样？<|end|><|assistant|>\n"
    assert tok.eos_token == END and tok.pad_token_id is not None and model.config.vocab_size == len(tok)
    assert tok.decode(tok("Hi 你好 𝄞 emoji 🙂", add_special_tokens=False)["input_ids"]) == "Hi 你好 𝄞 emoji 🙂"
    out = model.generate(torch.tensor([ids]), max_new_tokens=3, do_sample=False)
    assert out.shape[1] <= len(ids) + 3
    t = time.monotonic()
    a, b = build_tiny_chat_model(tmp_path / "a"), build_tiny_chat_model(tmp_path / "b")
    assert time.monotonic() - t < 4  # two builds, well under 2 s each
    for f in ("model.safetensors", "tokenizer.json", "config.json"):
        assert (a / f).read_bytes() == (b / f).read_bytes()


# -- data: masks, templates, cutoff, validation -------------------------------------------------------------------

def test_label_mask_covers_exactly_the_replies(tok, data):
    msgs = load_sharegpt(data["overfit"])[0]
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "user", "assistant"]
    e = encode(tok, msgs, 1024)
    assert len(e.labels) == len(e.input_ids)
    assert e.input_ids == chat_ids(tok, msgs)  # the whole conversation, tokenised as at inference
    assistant_id = tok.convert_tokens_to_ids(ASSISTANT)
    spans = runs(e.labels)
    replies = [m["content"] for m in msgs if m["role"] == "assistant"]
    assert len(spans) == len(replies)
    for (s, end), reply in zip(spans, replies):
        assert e.input_ids[s - 2] == assistant_id  # "<|assistant|>" "\n" then the reply
        assert e.labels[s:end] == e.input_ids[s:end]
        assert tok.decode(e.input_ids[s:end]) == reply + END
    # Every other position is masked: the system prompt and the other side's turns never carry loss.
    assert sum(t != IGNORE for t in e.labels) == sum(end - s for s, end in spans)
    # The segment-wise path (tokenizers without offsets) agrees on this template.
    full, char_spans = assistant_spans(tok, msgs)
    assert _labels_by_segments(tok, full, char_spans) == (e.input_ids, e.labels)


CHATML = (  # Qwen2.5-Instruct's template, tools left out
    "{%- if messages[0]['role'] == 'system' %}{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}"
    "{%- else %}{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant."
    "<|im_end|>\\n' }}{%- endif %}"
    "{%- for message in messages %}{%- if (message.role == 'user') or (message.role == 'system' and not loop.first) "
    "or (message.role == 'assistant') %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' "
    "+ '\\n' }}{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)
LLAMA3 = (  # Meta-Llama-3-8B-Instruct's template
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + "
    "message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
    "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"
)
QWEN3 = (  # Qwen3's rule that matters here: only replies after the last user turn get the <think> block
    "{%- set ns = namespace(last_query_index=messages|length - 1, found=false) %}"
    "{%- for message in messages[::-1] %}{%- set index = (messages|length - 1) - loop.index0 %}"
    "{%- if not ns.found and message.role == 'user' %}{%- set ns.found = true %}{%- set ns.last_query_index = index %}"
    "{%- endif %}{%- endfor %}"
    "{%- for message in messages %}"
    "{%- if message.role == 'system' or message.role == 'user' %}"
    "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- elif message.role == 'assistant' %}"
    "{%- if loop.index0 > ns.last_query_index and loop.last %}"
    "{{- '<|im_start|>assistant\\n<think>\\n\\n</think>\\n\\n' + message.content.lstrip('\\n') }}"
    "{%- else %}{{- '<|im_start|>assistant\\n' + message.content }}{%- endif %}{{- '<|im_end|>\\n' }}"
    "{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


@pytest.mark.parametrize("template,specials,ends", [
    (CHATML, ["<|im_start|>", "<|im_end|>"], ["<|im_end|>\n", "<|im_end|>\n"]),
    (LLAMA3, ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"], ["<|eot_id|>", "<|eot_id|>"]),
    (QWEN3, ["<|im_start|>", "<|im_end|>"], ["<|im_end|>\n", "<|im_end|>\n"]),
], ids=["chatml-qwen2.5", "llama3", "qwen3"])
def test_label_mask_with_common_templates(tiny, template, specials, ends):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny)
    tok.add_tokens(specials, special_tokens=True)  # transformers 4 and 5 alike (5 dropped replace_additional_...)
    tok.chat_template = template
    for with_system in (True, False):
        msgs = load_sharegpt_items([OVERFIT[0] if with_system else {**OVERFIT[0], "system": ""}])[0]
        e = encode(tok, msgs, 1024)
        full = tok.apply_chat_template(msgs, tokenize=False)
        assert e.input_ids == tok(full, add_special_tokens=False)["input_ids"]
        replies = [m["content"] for m in msgs if m["role"] == "assistant"]
        got = [tok.decode(e.input_ids[s:end]) for s, end in runs(e.labels)]
        assert len(got) == len(replies)
        want = [reply + end for reply, end in zip(replies, ends)]
        if template is QWEN3:  # history is rendered without <think>; the last reply learns its empty <think> block
            want[-1] = "<think>\n\n</think>\n\n" + want[-1]
        assert got == want
        for s, _ in runs(e.labels):  # nothing of the prompt before the reply is learned
            assert "user" not in tok.decode(e.input_ids[s:s + 3])


def load_sharegpt_items(items: list[dict]) -> list[list[dict]]:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        return load_sharegpt(write(Path(d) / "x.json", items))


def test_cutoff_drops_and_truncates(tok, data):
    ds = build_dataset(data["overfit"], tok, CUTOFF)
    assert (ds.records, len(ds.examples), ds.dropped_cutoff, ds.dropped_indices) == (3, 2, 1, [2])
    full = encode(tok, load_sharegpt(data["overfit"])[0], 1024)
    first_reply_end = runs(full.labels)[0][1]
    cut = encode(tok, load_sharegpt(data["overfit"])[0], first_reply_end + 2)  # second reply cut off
    assert cut.truncated and len(cut.input_ids) == first_reply_end + 2 and len(runs(cut.labels)) == 1
    assert encode(tok, load_sharegpt(data["overfit"])[0], runs(full.labels)[0][0]) is None  # no reply token left
    assert ds.summary()["sha256"] == hashlib.sha256(data["overfit"].read_bytes()).hexdigest()


@pytest.mark.parametrize("content,expect", [
    ("not json {", "not valid JSON"),
    ('{"conversations": []}', "not a list"),
    ("[]", "no records"),
    ('[{"conversations": []}]', "empty conversation"),
    ('[{"conversations": [{"from": "user", "value": "hi"}, {"from": "gpt", "value": "yo"}]}]', "unknown role 'user'"),
    ('[{"conversations": [{"from": "gpt", "value": "hi"}, {"from": "human", "value": "yo"}]}]', "alternate"),
    ('[{"conversations": [{"from": "human", "value": "hi"}]}]', "last turn must be 'gpt'"),
    ('[{"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": " "}]}]', "is empty"),
    ('[{"conversations": [{"from": "human", "value": "a"}, {"from": "system", "value": "b"}]}]', "only allowed first"),
    ('[{"conversations": [{"from": "human"}]}]', "needs string"),
    ('[42]', "not an object"),
])
def test_bad_data_files(tmp_path, content, expect):
    p = tmp_path / "bad.json"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(BadInputError, match=expect):
        load_sharegpt(p)


def test_bad_inputs_to_train(tmp_path, tiny, data):
    with pytest.raises(BadInputError, match="does not exist"):
        train(TrainConfig(data=tmp_path / "missing.json", base_model=str(tiny), out=tmp_path / "o"))
    (tmp_path / "bad.json").write_text("[1", encoding="utf-8")
    with pytest.raises(BadInputError, match="not valid JSON"):
        train(TrainConfig(data=tmp_path / "bad.json", base_model=str(tiny), out=tmp_path / "o"))
    with pytest.raises(BadInputError, match="lr must be positive"):
        train(TrainConfig(data=data["overfit"], base_model=str(tiny), out=tmp_path / "o", lr=0))
    with pytest.raises(BadInputError, match="raise cutoff_len"):
        train(TrainConfig(data=write(tmp_path / "long.json", [LONG]), base_model=str(tiny), out=tmp_path / "o",
                          cutoff_len=CUTOFF))
    with pytest.raises(BadInputError, match="not a training checkpoint"):
        train(TrainConfig(data=data["overfit"], base_model=str(tiny), out=tmp_path / "o", resume=tmp_path))


def test_persona_version_from_the_dataset_card(tmp_path, data):
    assert persona_version(data["overfit"]) == 7
    assert persona_version(tmp_path / "train.json") is None
    (tmp_path / "README.md").write_text("Persona version **None**.", encoding="utf-8")
    assert persona_version(tmp_path / "train.json") is None


# -- advice --------------------------------------------------------------------------------------------------------

def test_advice():
    assert available()
    cfg = TrainConfig(data="x", base_model="m", out="o")
    assert advice(1000, cfg) == []
    small_long = advice(100, TrainConfig(data="x", base_model="m", out="o", epochs=5))
    assert any("overfit" in w and "epochs 2-3" in w and "1e-4 to 2e-4" in w for w in small_long)
    assert not any("overfit" in w for w in advice(100, cfg))  # 3 epochs is fine
    assert not any("overfit" in w for w in advice(800, TrainConfig(data="x", base_model="m", out="o", epochs=5)))
    assert any("Learning rate" in w for w in advice(1000, TrainConfig(data="x", base_model="m", out="o", lr=1e-3)))
    assert any("rank" in w for w in advice(1000, TrainConfig(data="x", base_model="m", out="o", lora_rank=128)))
    # max_steps far beyond the data counts as epochs too
    assert any("overfit" in w for w in advice(100, TrainConfig(data="x", base_model="m", out="o", max_steps=400)))


def test_target_modules_auto(tiny):
    from transformers import AutoModelForCausalLM

    assert detect_target_modules(AutoModelForCausalLM.from_pretrained(tiny)) == ["q_proj", "k_proj", "v_proj",
                                                                                   "o_proj"]

    class Mlp(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2, self.lm_head = torch.nn.Linear(4, 4), torch.nn.Linear(4, 4), torch.nn.Linear(4, 9)

    assert detect_target_modules(Mlp()) == ["fc1", "fc2"]


# -- training ------------------------------------------------------------------------------------------------------

def test_overfit_run_learns_and_writes_everything(overfit_run, data, tiny):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    cfg, r, events = overfit_run
    assert not r.stopped and r.steps == r.total_steps == 30
    assert (r.records_used, r.records_dropped) == (2, 1)
    lines = read_log(cfg.out)
    train_lines = [x for x in lines if "loss" in x]
    assert [x["step"] for x in train_lines] == list(range(1, 31))
    assert all(set(x) == {"step", "epoch", "loss", "lr", "elapsed"} for x in train_lines)
    losses = [x["loss"] for x in train_lines]
    assert all(math.isfinite(v) for v in losses)
    assert sum(losses[-3:]) / 3 < 0.7 * losses[0], losses  # the same batch every step: it must fit
    lrs = [x["lr"] for x in train_lines]
    assert lrs[2] == max(lrs) and lrs[-1] < lrs[3] and min(lrs) > 0  # 3 warmup steps, then linear decay
    evals = [x for x in lines if "eval_loss" in x]
    assert [x["step"] for x in evals] == [10, 20, 30] and all(math.isfinite(x["eval_loss"]) for x in evals)
    assert r.eval_loss == pytest.approx(evals[-1]["eval_loss"], abs=1e-5)
    assert {e["kind"] for e in events} == {"train", "eval"} and events[0]["total_steps"] == 30

    assert (r.adapter / "adapter_config.json").is_file() and (r.adapter / "adapter_model.safetensors").is_file()
    peft_model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny), str(r.adapter))
    assert sum("lora_" in n for n, _ in peft_model.named_parameters()) == 2 * 4 * 2  # A and B, 4 projections, 2 layers

    card = json.loads((cfg.out / "run_card.json").read_text(encoding="utf-8"))
    assert card["status"] == "completed" and card["persona_version"] == 7
    assert card["data"]["sha256"] == hashlib.sha256(data["overfit"].read_bytes()).hexdigest()
    assert (card["data"]["used"], card["data"]["dropped_cutoff"], card["data"]["records"]) == (2, 1, 3)
    assert card["hyperparameters"]["lr"] == 1e-2 and card["hyperparameters"]["target_modules_resolved"] == [
        "q_proj", "k_proj", "v_proj", "o_proj"]
    assert card["train_loss"] == losses[-1] and card["eval_loss"] == r.eval_loss and card["steps"] == 30
    assert (card["device"], card["dtype"]) == ("cpu", "float32") and card["wall_time_s"] > 0
    assert card["versions"]["torch"] and card["versions"]["peft"] and card["versions"]["transformers"]
    assert any("Learning rate" in w for w in card["warnings"]) and r.warnings == card["warnings"]
    readme = (cfg.out / "README.md").read_text(encoding="utf-8")
    assert card["data"]["sha256"] in readme and "persona version | 7" in readme


def _cfg(tiny, data, out: Path, **kw) -> TrainConfig:
    return TrainConfig(**{"data": data["more"], "base_model": str(tiny), "out": out, "max_steps": 12, "save_steps": 5,
                          "lr": 5e-3, "batch_size": 1, "grad_accum": 2, "cutoff_len": CUTOFF, **kw})


def _adapter(path: Path) -> dict:
    from safetensors.torch import load_file
    return load_file(str(path / "adapter_model.safetensors"))


def test_stop_and_resume_match_an_uninterrupted_run(tiny, data, tmp_path):
    straight = train(_cfg(tiny, data, tmp_path / "a"))
    assert straight.steps == 12 and [p.name for p in checkpoints(tmp_path / "a")] == ["step-5", "step-10", "step-12"]

    calls = []
    stopped = train(_cfg(tiny, data, tmp_path / "b", save_total_limit=0),
                    should_stop=lambda: calls.append(1) or len(calls) >= 6)
    assert stopped.stopped and stopped.steps == 6 and stopped.adapter is None
    assert stopped.checkpoint == tmp_path / "b" / "checkpoints" / "step-6"
    assert json.loads((tmp_path / "b" / "run_card.json").read_text())["status"] == "stopped"
    assert [x["step"] for x in read_log(tmp_path / "b")] == list(range(1, 7))

    resumed = train(_cfg(tiny, data, tmp_path / "b", resume=True, save_total_limit=0))
    assert (resumed.resumed_from, resumed.steps, resumed.stopped) == (6, 12, False)
    log_b = read_log(tmp_path / "b")
    assert [x["step"] for x in log_b] == list(range(1, 13))  # continues, no step twice
    log_a = read_log(tmp_path / "a")
    assert [x["loss"] for x in log_b] == pytest.approx([x["loss"] for x in log_a], abs=1e-5)
    assert [x["lr"] for x in log_b] == pytest.approx([x["lr"] for x in log_a])
    assert all(b["elapsed"] >= a["elapsed"] for a, b in itertools.pairwise(log_b))
    wa, wb = _adapter(straight.adapter), _adapter(resumed.adapter)
    assert wa.keys() == wb.keys() and all(torch.allclose(wa[k], wb[k], atol=1e-6) for k in wa)

    # As after a crash that lost step 6: resume from step-5 explicitly; the log's step 6 is replaced, not repeated.
    again = train(_cfg(tiny, data, tmp_path / "b", resume=tmp_path / "b" / "checkpoints" / "step-5"))
    assert (again.resumed_from, again.steps) == (5, 12)
    assert [x["step"] for x in read_log(tmp_path / "b")] == list(range(1, 13))
    wc = _adapter(again.adapter)
    assert all(torch.allclose(wa[k], wc[k], atol=1e-6) for k in wa)

    # A finished run leaves its end state, so it can be extended: resume with more steps continues at 13.
    longer = train(_cfg(tiny, data, tmp_path / "a", max_steps=15, resume=True))
    assert (longer.resumed_from, longer.steps) == (12, 15)
    assert [x["step"] for x in read_log(tmp_path / "a")] == list(range(1, 16))
    assert [p.name for p in checkpoints(tmp_path / "a")] == ["step-10", "step-12", "step-15"]  # save_total_limit=3


def test_resume_refuses_a_changed_dataset(tiny, data, tmp_path):
    train(TrainConfig(data=data["more"], base_model=str(tiny), out=tmp_path / "r", max_steps=5, save_steps=5,
                      cutoff_len=CUTOFF, grad_accum=1))
    with pytest.raises(BadInputError, match="changed since checkpoint"):
        train(TrainConfig(data=data["overfit"], base_model=str(tiny), out=tmp_path / "r", max_steps=8, save_steps=5,
                          cutoff_len=CUTOFF, grad_accum=1, resume=tmp_path / "r" / "checkpoints" / "step-5"))


def test_merge_equals_base_plus_adapter(overfit_run, tiny, tmp_path):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    cfg, r, _ = overfit_run
    out = merge(tiny, cfg.out, tmp_path / "merged")  # the run folder works as well as its adapter/
    merged = AutoModelForCausalLM.from_pretrained(out).eval()
    assert not any("lora" in n for n, _ in merged.named_parameters())
    with_adapter = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny), str(r.adapter)).eval()
    base = AutoModelForCausalLM.from_pretrained(tiny).eval()
    tok = AutoTokenizer.from_pretrained(out)
    ids = torch.tensor([chat_ids(tok, [{"role": "user", "content": "你好，最近怎么样？"}], gen=True)])
    with torch.no_grad():
        a, b, c = merged(ids).logits, with_adapter(ids).logits, base(ids).logits
    assert torch.allclose(a, b, atol=1e-4)
    assert not torch.allclose(a, c, atol=1e-3)  # the adapter did change the model
    with pytest.raises(BadInputError, match="no LoRA adapter"):
        merge(tiny, tmp_path, tmp_path / "m2")


def _unloadable_tokenizer(adapter: Path, how: str) -> None:
    """Make the adapter's own tokenizer copy fail to load, as it does in the field."""
    cfg_path = adapter / "tokenizer_config.json"
    if how == "class-from-transformers-5":  # what LLaMA-Factory's transformers 5 writes, read by transformers 4
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
        cfg_path.write_text(json.dumps({**cfg, "tokenizer_class": "TokenizersBackend"}), encoding="utf-8")
    else:  # a damaged copy (a cut download, a disk that filled up)
        (adapter / "tokenizer.json").write_text('{"version": "1.0", "trunc', encoding="utf-8")


@pytest.mark.parametrize("how", ["class-from-transformers-5", "damaged"])
def test_merge_falls_back_to_the_base_tokenizer(overfit_run, tiny, tmp_path, how, caplog):
    import shutil

    from transformers import AutoModelForCausalLM, AutoTokenizer

    _, r, _ = overfit_run
    adapter = tmp_path / "adapter"
    shutil.copytree(r.adapter, adapter)
    _unloadable_tokenizer(adapter, how)
    try:
        AutoTokenizer.from_pretrained(adapter)
        loads = True
    except Exception:  # noqa: BLE001 -- the point: it does not load here
        loads = False
    if loads:
        pytest.skip(f"this transformers ({how}) still loads the adapter's tokenizer: nothing to fall back from")
    with caplog.at_level("WARNING", logger="lib.train.sft"):
        out = merge(tiny, adapter, tmp_path / "merged")
    assert any("using the base model's" in m for m in caplog.messages)
    tok, base_tok = AutoTokenizer.from_pretrained(out), AutoTokenizer.from_pretrained(tiny)
    msgs = [{"role": "user", "content": "你好，最近怎么样？"}]
    assert chat_ids(tok, msgs, gen=True) == chat_ids(base_tok, msgs, gen=True)
    assert tok.eos_token == base_tok.eos_token and len(tok) == len(base_tok)
    assert AutoModelForCausalLM.from_pretrained(out).config.vocab_size == len(tok)
    # Neither loads: refused with a sentence, and nothing written.
    with pytest.raises(BadInputError, match="Neither the adapter's tokenizer nor the base model's"):
        merge(tmp_path / "no-such-base", adapter, tmp_path / "merged2")
    assert not (tmp_path / "merged2").exists()


def test_merge_is_all_or_nothing(overfit_run, tiny, tmp_path, monkeypatch):
    import transformers.tokenization_utils_base as tub

    cfg, _, _ = overfit_run
    out = merge(tiny, cfg.out, tmp_path / "merged")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer_config.json"} <= set(before)

    def disk_full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tub.PreTrainedTokenizerBase, "save_pretrained", disk_full)
    for target in (tmp_path / "fresh", out):  # a new folder, and one holding an earlier merge
        with pytest.raises(OSError, match="No space left"):
            merge(tiny, cfg.out, target)
    assert not (tmp_path / "fresh").exists()  # the weights were written, but never where a model is expected
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # the earlier merge is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["merged"]  # no .partial- or .old- folder left behind
    monkeypatch.undo()

    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(BadInputError, match="not a model"):
        merge(tiny, cfg.out, tmp_path / "notes")
    assert (tmp_path / "notes" / "todo.txt").read_text(encoding="utf-8") == "mine"


def test_device_and_model_folder_checks(tiny, tmp_path):
    """Issue 18: the Train page says which device it found and why a model folder will not do, before a run."""
    import shutil

    from transformers import AutoModelForCausalLM

    from lib.train import device
    from lib.train.runs import PRESETS

    assert device.model_folder_check(str(tiny)) is None
    assert device.model_folder_check("") == "empty" and device.model_folder_check("  ") == "empty"
    assert device.model_folder_check(str(tmp_path / "nope")) == "missing"
    (tmp_path / "f.txt").write_text("x")
    assert device.model_folder_check(str(tmp_path / "f.txt")) == "file"
    assert device.model_folder_check(str(tmp_path)) == "no_config"
    half = tmp_path / "half"
    half.mkdir()
    shutil.copy(tiny / "config.json", half / "config.json")
    assert device.model_folder_check(str(half)) == "no_weights"
    problem = device.model_folder_problem(str(half))
    assert "no weights" in problem and str(half) in problem
    # Size from config.json, within a factor of two of the real count (an estimate, for the memory hint).
    real = sum(p.numel() for p in AutoModelForCausalLM.from_pretrained(tiny).parameters()) / 1e9
    est = device.model_params_b(tiny)
    assert est is not None and real / 2 <= max(est, 0.01) * 1.0 + 0.01 and est <= real * 2 + 0.01
    assert device.model_params_b(tmp_path) is None
    needs = device.preset_needs(PRESETS, 1.5)
    assert needs["smoke"] < needs["recommended"] < needs["careful"]  # longer cutoffs need more memory
    assert 3 < needs["recommended"] < 8  # a 1.5B model at cutoff 1024: about 5 GiB
    info = device.detect()
    assert info.has_torch and info.kind in ("cuda", "mps", "cpu") and info.torch_version == torch.__version__
    if info.kind == "cuda":
        assert info.name and info.memory_gib and info.memory_gib > 1
