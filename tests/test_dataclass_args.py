"""Issue 16: ExportOptions and TrainConfig are the one source of the CLI's flags, defaults and help."""
from __future__ import annotations

import argparse
import dataclasses

import pytest

from lib import cli
from lib.dataclass_args import add_arguments, defaults, dest, from_args
from lib.export.records import ExportOptions
from lib.train.config import TrainConfig

REQUIRED = ["--workspace", "w", "--format", "sharegpt", "--out", "o"]
TRAIN_REQUIRED = ["--data", "d.json", "--base-model", "m", "--out", "o"]


def _sub(command: str) -> argparse.ArgumentParser:
    parser = cli.build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    sub = action.choices[command]
    sub.format_help()  # a deferred parser adds its flags on first use
    return sub


@pytest.mark.parametrize("command,cls", [("export", ExportOptions), ("train", TrainConfig)])
def test_every_field_has_a_flag_with_help(command, cls):
    sub = _sub(command)
    dests = {a.dest: a for a in sub._actions}
    enabled = {f.metadata["enables"] for f in dataclasses.fields(cls) if f.metadata.get("enables")}
    for f in dataclasses.fields(cls):
        assert len(f.metadata.get("help", "")) > 10, f"{cls.__name__}.{f.name} needs metadata help"
        if f.name in enabled:
            continue  # switched on by another field's flag (--mbti)
        assert dest(f) in dests, f"{cls.__name__}.{f.name} has no flag"
        assert dests[dest(f)].help and f.metadata["help"][:20].replace("%", "%%") in dests[dest(f)].help


def test_parsed_defaults_equal_the_dataclass_defaults():
    ns = cli.build_parser().parse_args(["export", *REQUIRED])
    assert from_args(ExportOptions, ns) == ExportOptions()
    ns = cli.build_parser().parse_args(["train", *TRAIN_REQUIRED])
    assert from_args(TrainConfig, ns) == TrainConfig(data="d.json", base_model="m", out="o")


def test_the_old_flag_names_still_work():
    ns = cli.build_parser().parse_args(["export", *REQUIRED, "--no-emotion", "--no-notes", "--groups", "--val", "0",
                                        "--dedup", "exact", "--max-turns", "3", "--mbti", "--system-turn"])
    opts = from_args(ExportOptions, ns)
    assert (opts.emotion, opts.notes, opts.include_groups, opts.val_ratio, opts.dedup, opts.max_turns) == \
        (False, False, True, 0.0, "exact", 3)
    assert opts.include_mbti and opts.mbti_ratio == ExportOptions().mbti_ratio and opts.system_turn
    opts = from_args(ExportOptions, cli.build_parser().parse_args(["export", *REQUIRED, "--mbti", "0.3"]))
    assert opts.include_mbti and opts.mbti_ratio == 0.3
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["export", *REQUIRED, "--dedup", "fuzzy"])  # choices from the field
    cfg = from_args(TrainConfig, cli.build_parser().parse_args(["train", *TRAIN_REQUIRED, "--resume", "--lr", "2e-4",
                                                                "--lora-rank", "16", "--val", "v.json"]))
    assert cfg.resume is True and cfg.lr == 2e-4 and cfg.lora_rank == 16 and str(cfg.val) == "v.json"


def test_a_made_up_dataclass_round_trips():
    @dataclasses.dataclass
    class Opts:
        name: str = dataclasses.field(metadata={"help": "who"})
        level: int = dataclasses.field(default=3, metadata={"help": "how much", "flag": "lvl"})
        loud: bool = dataclasses.field(default=True, metadata={"help": "shout"})
        mode: str = dataclasses.field(default="a", metadata={"help": "which", "choices": ("a", "b")})
        hidden: int = dataclasses.field(default=0, metadata={"cli": False})

    p = argparse.ArgumentParser()
    add_arguments(p, Opts)
    got = from_args(Opts, p.parse_args(["--name", "x", "--lvl", "5", "--no-loud", "--mode", "b"]))
    assert got == Opts(name="x", level=5, loud=False, mode="b")
    with pytest.raises(SystemExit):
        p.parse_args([])  # no default: a required flag
    assert defaults(Opts) == {"level": 3, "loud": True, "mode": "a", "hidden": 0}


def test_cli_start_does_not_import_pandas():
    import subprocess
    import sys

    code = "import sys; from lib import cli; cli.build_parser(); print('pandas' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=cli.__file__.rsplit("/lib/", 1)[0])
    assert out.stdout.split() == ["False", "False"], out.stderr



@pytest.mark.parametrize("cls,prefix,names", [
    (ExportOptions, "export.opt", [f.name for f in dataclasses.fields(ExportOptions)]),
    (TrainConfig, "train.opt", list(__import__("lib.train.config", fromlist=["PAGE_FIELDS"]).PAGE_FIELDS))])
def test_every_page_field_has_words_in_both_languages(cls, prefix, names):
    """The pages take labels and help (and choice names) from i18n keys derived from the field names."""
    from lib import i18n

    assert names
    for f in dataclasses.fields(cls):
        if f.name not in names:
            continue
        wanted = [f"{prefix}.{f.name}", f"{prefix}.{f.name}.help"] + \
            [f"{prefix}.{f.name}.{c}" for c in f.metadata.get("choices", ())]
        for lang in i18n.LANGS:
            missing = [k for k in wanted if k not in i18n.TRANSLATIONS[lang]]
            assert missing == [], (lang, missing)
