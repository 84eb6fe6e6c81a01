"""The Hydra config reader (seedlint/project/hydra.py): what it knows, and that it answers nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

import pytest

from seedlint.engine.cache import FileReads
from seedlint.project import hydra


def _configs(root: Path, files: Dict[str, str]) -> FileReads:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return FileReads()


def test_scalars_nesting_comments_and_yaml_1_1_booleans():
    parsed = hydra.parse(
        "# @package _global_\n"
        "seed: ~  # no seed\n"
        "name: 'a # b'\n"
        "train:\n"
        "  lr: 1e-3\n"
        "  deterministic: no\n"
        "  epochs: 10\n"
        "  offset: -1\n"
        "gpus:\n"
        "  - 0\n"
        "  - 1\n"
        "note: |\n"
        "  seed: 5\n"
        "path: ${oc.env:HOME}\n"
        "empty:\n"
        "after: 3\n")
    assert parsed is not None and parsed.package == "_global_"
    v = parsed.values
    assert v["seed"] is None and v["name"] == "a # b" and v["empty"] is None and v["after"] == 3
    assert v["train.lr"] == 1e-3 and v["train.deterministic"] is False and v["train.epochs"] == 10
    assert v["train.offset"] == -1 and "train" not in v
    # a sequence, a block scalar and an interpolation are no value the reader vouches for
    assert v["gpus"] is hydra.UNKNOWN and v["note"] is hydra.UNKNOWN and v["path"] is hydra.UNKNOWN
    assert "note.seed" not in v and "seed" in v


@pytest.mark.parametrize("text", ["a: 1\n---\nb: 2\n", "a:\n\tb: 1\n", "{a: 1}\n", "defaults: [a, b]\n"])
def test_what_the_reader_does_not_follow_is_no_answer(text):
    assert hydra.parse(text) is None


def test_own_values_override_the_defaults_list_unless_self_comes_first(tmp_path):
    global_seed = "# @package _global_\nseed: 7\n"
    read = _configs(tmp_path, {"c/last.yaml": "defaults:\n  - run: a\nseed: null\n",
                               "c/first.yaml": "defaults:\n  - _self_\n  - run: a\nseed: null\n",
                               "c/run/a.yaml": global_seed})
    assert hydra.compose(str(tmp_path / "c"), "last", read)["seed"] is None
    assert hydra.compose(str(tmp_path / "c"), "first.yaml", read)["seed"] == 7
    assert hydra.setting_kinds(str(tmp_path / "c"), "first", read) == {"seed": "set"}


def test_groups_land_in_their_package(tmp_path):
    read = _configs(tmp_path, {
        "c/config.yaml": "defaults:\n  - trainer: gpu\n  - model@net: small\n  - hydra/launcher: x\n"
                         "  - experiment: null\n  - optional local: default\nseed: 1\n",
        "c/trainer/gpu.yaml": "defaults:\n  - plugins: fast\ndeterministic: false\n",
        "c/trainer/plugins/fast.yaml": "amp: true\n",
        "c/model/small.yaml": "width: 8\n"})
    composed = hydra.compose(str(tmp_path / "c"), "config", read)
    assert composed == {"seed": 1, "trainer.deterministic": False, "trainer.plugins.amp": True, "net.width": 8}
    assert hydra.setting_kinds(str(tmp_path / "c"), "config", read)["deterministic"] == "off"
    # every file read is recorded with its digest, a missing optional one as None
    assert read.digests[str(tmp_path / "c" / "local" / "default.yaml")] is None
    assert read.digests[str(tmp_path / "c" / "trainer" / "gpu.yaml")] is not None


@pytest.mark.parametrize("entry", ["trainer: gpu", "trainer: [a, b]", "trainer@_group_: a", "- bad"])
def test_an_entry_it_cannot_follow_leaves_the_whole_config_unknown(tmp_path, entry):
    read = _configs(tmp_path, {"c/config.yaml": f"defaults:\n  - {entry}\nseed: null\n",
                               "c/trainer/a.yaml": "x: 1\n"})
    assert hydra.compose(str(tmp_path / "c"), "config", read) is None
    assert hydra.setting_kinds(str(tmp_path / "c"), "config", read) == {}


def test_a_name_with_keys_of_different_kinds_is_unknown(tmp_path):
    read = _configs(tmp_path, {"c/config.yaml": "seed: null\ndata:\n  seed: 3\nmodel:\n  dropout: null\n"})
    kinds = hydra.setting_kinds(str(tmp_path / "c"), "config", read)
    assert "seed" not in kinds and kinds["dropout"] == "None"
