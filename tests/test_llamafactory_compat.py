"""The hand-off files against LLaMA-Factory itself: its argument classes, its value sets, its template registry and its
own model -> template table, imported from the installed package, never copied here.

Why: LLaMA-Factory reads a YAML config with ``HfArgumentParser.parse_dict``, which refuses unknown keys but stores
any value unchecked; ``quantization_method: bitsandbytes`` (instead of ``bnb``) was accepted, matched no quantization
branch, and QLoRA trained in full precision. So every key is parsed by its own classes, and every value of an enum or
``Literal`` field is checked against that field's own values.

Needs ``pip install --no-deps -r requirements-llamafactory.txt`` (LLaMA-Factory without its GPU stack); skipped with
the reason otherwise, or failed when ``METWIN_REQUIRE_LLAMAFACTORY=1`` (CI sets it, so the check cannot vanish).
"""
from __future__ import annotations

import ast
import dataclasses
import enum
import importlib.machinery
import importlib.util
import inspect
import json
import os
import re
import sys
import types
import typing
from pathlib import Path

import pytest
import yaml

from lib.export import ExportOptions, export
from lib.train import handoff
from lib.workspace import Workspace, load_sample

REQUIRED = os.environ.get("METWIN_REQUIRE_LLAMAFACTORY") == "1"


def _unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"LLaMA-Factory is required here (METWIN_REQUIRE_LLAMAFACTORY=1): {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def lf() -> types.SimpleNamespace:
    """LLaMA-Factory's hparams, template registry, model table and dataset_info reader.

    Two things stand between a ``--no-deps`` install and these imports, neither touching what is checked:
    LLaMA-Factory refuses at import a transformers newer than it pins (``DISABLE_VERSION_CHECK=1``, its own switch),
    and its multimodal plugin imports ``torchaudio`` at module level, whose PyPI build needs CUDA torch. When
    torchaudio does not import, an empty module stands in for it during the import only (audio is never loaded)."""
    if importlib.util.find_spec("llamafactory") is None:
        _unavailable("llamafactory is not installed (pip install --no-deps -r requirements-llamafactory.txt)")
    saved_env = os.environ.get("DISABLE_VERSION_CHECK")
    os.environ["DISABLE_VERSION_CHECK"] = "1"
    stand_in = None
    try:
        try:
            import torchaudio  # noqa: F401
        except (ImportError, OSError):
            stand_in = types.ModuleType("torchaudio")
            stand_in.__spec__ = importlib.machinery.ModuleSpec("torchaudio", None)
            sys.modules["torchaudio"] = stand_in
        try:
            from llamafactory.data.parser import get_dataset_list
            from llamafactory.data.template import TEMPLATES
            from llamafactory.extras import constants
            from llamafactory.hparams.parser import _TRAIN_ARGS
        except Exception as e:  # noqa: BLE001 -- a missing module of its dependency tree: say which
            _unavailable(f"llamafactory does not import here ({type(e).__name__}: {e})")
    finally:
        if saved_env is None:
            os.environ.pop("DISABLE_VERSION_CHECK", None)
        else:
            os.environ["DISABLE_VERSION_CHECK"] = saved_env
        if stand_in is not None and sys.modules.get("torchaudio") is stand_in:
            del sys.modules["torchaudio"]
    from importlib.metadata import version

    return types.SimpleNamespace(TEMPLATES=TEMPLATES, TRAIN_ARGS=list(_TRAIN_ARGS), constants=constants,
                                 get_dataset_list=get_dataset_list, version=version("llamafactory"))


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("lf")
    ws = Workspace(root / "ws")
    load_sample(ws)
    out = {fmt: root / fmt for fmt in ("sharegpt", "llamafactory", "alpaca")}
    for fmt, path in out.items():
        export(ws, fmt, path, ExportOptions())
    ws.close()
    return out


# -- checking one config -------------------------------------------------------------------------------------------

def _fields(lf) -> dict[str, tuple[type, dataclasses.Field]]:
    out = {}
    for cls in lf.TRAIN_ARGS:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            out.setdefault(f.name, (hints.get(f.name, f.type), f))
    return out


def _value_problems(key: str, value, hint) -> list[str]:
    """Whether ``value`` is one LLaMA-Factory's field type allows: literals and enums by their own values, plain
    types by type (YAML gives bool, int, float or str). Unions (``X | None``, ``Enum | str``) pass if any member
    does."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union or isinstance(hint, types.UnionType):
        members = [a for a in args if a is not type(None)]
        if any(isinstance(a, type) and issubclass(a, enum.Enum) for a in members) and str in members:
            members = [a for a in members if a is not str]  # TrainingArguments converts the str to its enum
        checks = [_value_problems(key, value, a) for a in members]
        return [] if any(not c for c in checks) else checks[0]
    if origin is typing.Literal:
        return [] if value in args else [f"{key}: {value!r} is not one of {list(args)}"]
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        allowed = [m.value for m in hint]
        return [] if value in allowed else [f"{key}: {value!r} is not one of {hint.__name__} {allowed}"]
    if hint is bool:
        return [] if isinstance(value, bool) else [f"{key}: {value!r} is not a boolean"]
    if hint is int:
        return [] if isinstance(value, int) and not isinstance(value, bool) else [f"{key}: {value!r} is not an int"]
    if hint is float:
        return [] if isinstance(value, (int, float)) and not isinstance(value, bool) else [
            f"{key}: {value!r} is not a number"]
    if hint is str:
        return [] if isinstance(value, str) else [f"{key}: {value!r} is not a string"]
    return []  # dicts, lists, paths: parse_dict below is the judge


def config_problems(lf, cfg: dict) -> list[str]:
    """Every reason LLaMA-Factory would refuse or misread this config, from its own classes and registries."""
    known = _fields(lf)
    problems = [f"{k}: not an argument of LLaMA-Factory {lf.version}" for k in cfg if k not in known]
    for key, value in cfg.items():
        if key in known:
            problems += _value_problems(key, value, known[key][0])
    if "template" in cfg and cfg["template"] not in lf.TEMPLATES:
        problems.append(f"template: {cfg['template']!r} does not exist in LLaMA-Factory's registry")
    return problems


def _bf16_gpu() -> bool:
    try:
        import torch
        return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    except ImportError:
        return False


def strict_parse(lf, cfg: dict):
    """LLaMA-Factory's own parser, unknown keys refused (what ``llamafactory-cli train`` does with the file). On a
    machine without a bf16 GPU transformers refuses ``bf16`` before anything else, so ``use_cpu`` is added there;
    without deepspeed installed its config cannot be loaded, so ``deepspeed`` is left to the field check."""
    from transformers import HfArgumentParser

    args = dict(cfg)
    if not _bf16_gpu():
        args["use_cpu"] = True
    if "deepspeed" in args and importlib.util.find_spec("deepspeed") is None:
        args.pop("deepspeed")
    return HfArgumentParser(lf.TRAIN_ARGS).parse_dict(args, allow_extra_keys=False)


# -- the tests -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["sharegpt", "llamafactory", "alpaca"])
@pytest.mark.parametrize("base", ["Qwen/Qwen2.5-7B-Instruct", "microsoft/Phi-4-mini-instruct", "/m/gemma-2-9b-it"])
def test_every_handoff_yaml_is_what_llamafactory_reads(lf, exports, fmt, base, monkeypatch):
    folder = exports[fmt]
    files = handoff.write(folder, handoff.HandoffConfig(base_model=base))
    monkeypatch.chdir(folder)  # as llamafactory-cli runs it: from the export folder (dataset_dir ".", ds config)
    seen = 0
    for path in files:
        if path.suffix != ".yaml":
            continue
        seen += 1
        cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert config_problems(lf, cfg) == [], path.name
        model, data, training, finetuning, _ = strict_parse(lf, cfg)
        assert (finetuning.stage, finetuning.finetuning_type, finetuning.lora_target) == ("sft", "lora", ["all"])
        assert data.template == handoff.template_for(base) and data.template in lf.TEMPLATES
        assert training.warmup_steps >= 1 and training.num_train_epochs == 3.0
        if path.name == "metwin_qlora.yaml":  # it really quantizes: 4-bit through bitsandbytes
            assert model.quantization_bit == 4
            assert model.quantization_method == lf.constants.QuantizationMethod.BNB
        else:
            assert model.quantization_bit is None
        if "deepspeed" in cfg:
            assert (folder / cfg["deepspeed"]).is_file()
            assert json.loads((folder / cfg["deepspeed"]).read_text())["zero_optimization"]["stage"] == 2
        # The datasets it names, read by LLaMA-Factory's own dataset_info reader.
        for name in (data.dataset, data.eval_dataset):
            for attr in lf.get_dataset_list(name, data.dataset_dir):
                assert (folder / attr.dataset_name).is_file()
                assert attr.formatting == ("alpaca" if fmt == "alpaca" else "sharegpt")
    assert seen == 3


def test_the_check_catches_what_went_wrong(lf):
    """The checks fail on the bugs that shipped: an unchecked quantization string, a template that does not exist,
    a key that is not an argument."""
    cfg = handoff.HandoffConfig(base_model="Qwen/Qwen2.5-7B-Instruct")
    good = yaml.safe_load(handoff.lora_yaml(cfg, ".", False, qlora=True, n_train=100))
    assert config_problems(lf, good) == []
    bad = {**good, "quantization_method": "bitsandbytes", "template": "baichuan2", "warmup_ratios": 0.1}
    found = " | ".join(config_problems(lf, bad))
    assert "quantization_method: 'bitsandbytes' is not one of QuantizationMethod" in found
    assert "template: 'baichuan2' does not exist" in found and "warmup_ratios: not an argument" in found
    with pytest.raises(ValueError, match="warmup_ratios"):
        strict_parse(lf, {**good, "warmup_ratios": 0.1})


def _lf_model_table(lf) -> list[tuple[str, str]]:
    """(model id, template) for every model LLaMA-Factory registers, from its own ``register_model_group`` calls
    (its runtime table keeps a default template only for names ending in -Chat/-Instruct, so the calls are read)."""
    tree = ast.parse(inspect.getsource(lf.constants))
    by_name: dict[str, tuple[list[str], str]] = {}  # a name registered twice keeps its last group, as at runtime
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "register_model_group"):
            continue
        kw = {k.arg: k.value for k in node.keywords}
        if "template" not in kw:
            continue
        template = ast.literal_eval(kw["template"])
        for name, paths in zip(kw["models"].keys, kw["models"].values):
            ids = [v.value for v in paths.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
            by_name[name.value] = (ids, template)
    for name, (_, template) in by_name.items():  # the source reading agrees with the runtime table
        assert lf.constants.DEFAULT_TEMPLATE.get(name, template) == template, name
    return [(model_id, template) for ids, template in by_name.values() for model_id in ids]


# The families the hand-off promises to name right: every model LLaMA-Factory registers under one of them must get
# LLaMA-Factory's own template from template_for.
FAMILIES = {
    "Qwen2 / Qwen2.5 / QwQ": r"^(qwen2(\.5)?-|qwq)(?!.*(vl|audio|omni))",
    "Qwen3 / Qwen3.5": r"^qwen3(\.5)?-(?!.*(vl|omni))",
    "DeepSeek (R1 and its distills)": r"^deepseek-",
    "Llama 3.x": r"^(meta-)?llama-?3(\.\d)?-",
    "GLM-4": r"^(glm-4(?![.\d]*v)|glm-z1|chatglm3)",
    "Gemma 2 / 3": r"^(gemma-[23]|medgemma)",
    "Phi-4": r"^phi-4",
    "Mistral": r"^(mistral|ministral|mixtral)-",
    "Yi": r"^yi-",
    "InternLM": r"^intern(lm|-s1)",
}
MUST_COVER = {"qwen", "qwen3", "deepseekr1", "llama3", "glm4", "gemma2", "gemma3", "phi4", "phi4_mini", "mistral",
              "yi", "intern2"}


def test_template_mapping_matches_llamafactory(lf):
    ours = {t for _, t in handoff.TEMPLATES}
    assert ours <= set(lf.TEMPLATES), sorted(ours - set(lf.TEMPLATES))  # no "baichuan2": it has no such template
    table = _lf_model_table(lf)
    assert len(table) > 300
    wrong, checked = [], {}
    for model_id, template in table:
        name = model_id.rstrip("/").rsplit("/", 1)[-1].lower()
        family = next((f for f, rx in FAMILIES.items() if re.search(rx, name)), None)
        if family is None:
            continue
        checked.setdefault(family, set()).add(template)
        if handoff.template_for(model_id) != template:
            wrong.append(f"{model_id}: LLaMA-Factory {template!r}, template_for {handoff.template_for(model_id)!r}")
    assert wrong == [], "\n".join(wrong)
    assert set(checked) == set(FAMILIES)  # each family met at least one registered model
    assert MUST_COVER <= set().union(*checked.values()), sorted(MUST_COVER - set().union(*checked.values()))
    # Local folders are named like the hub ids; unknown names say "check by hand" rather than guess.
    assert handoff.template_for("/models/Qwen2.5-7B-Instruct/") == "qwen"
    assert handoff.template_for("/m/DeepSeek-R1-Distill-Qwen-7B") == "deepseekr1"
    assert handoff.template_for("baichuan-inc/Baichuan2-7B-Chat") == "default"
