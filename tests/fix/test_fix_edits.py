"""The per-rule edits in the layouts real code has: multi-line calls, trailing commas, comments, aliases."""

from __future__ import annotations

import json
import textwrap

import pytest


def d(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def test_keyword_goes_after_a_trailing_comma_and_keeps_the_comment_on_its_line(proj):
    proj.write(d('''
        import torch
        from torch.utils.data import DataLoader

        loader = DataLoader(
            [1, 2, 3],
            batch_size=2,
            shuffle=True,  # reshuffle each epoch
        )
    '''))
    proj.fix(select=["SDL202"], unsafe_fixes=True)
    assert proj.read() == d('''
        import torch
        from torch.utils.data import DataLoader

        loader = DataLoader(
            [1, 2, 3],
            batch_size=2,
            shuffle=True,  # reshuffle each epoch
            generator=torch.Generator().manual_seed(0),
        )
    ''')


def test_keyword_follows_the_layout_of_a_call_without_trailing_comma(proj):
    proj.write(d('''
        import torch.utils.data as tud
        loader = tud.DataLoader(ds,  # the data
                                shuffle=True,
                                num_workers=4)
    '''))
    proj.fix(select=["SDL201", "SDL202"], unsafe_fixes=True)
    assert proj.read() == d('''
        import torch.utils.data as tud
        from seedlint.runtime import seed_worker
        import torch
        loader = tud.DataLoader(ds,  # the data
                                shuffle=True,
                                num_workers=4,
                                worker_init_fn=seed_worker,
                                generator=torch.Generator().manual_seed(0))
    ''')


def test_keyword_after_a_last_argument_with_a_comment_and_the_parenthesis_on_its_own_line(proj):
    proj.write(d('''
        import torch
        from torch.utils.data import DataLoader
        loader = DataLoader(ds,
                            # shuffled
                            shuffle=True  # each epoch
                            )
    '''))
    proj.fix(select=["SDL202"], unsafe_fixes=True)
    assert proj.read() == d('''
        import torch
        from torch.utils.data import DataLoader
        loader = DataLoader(ds,
                            # shuffled
                            shuffle=True,  # each epoch
                            generator=torch.Generator().manual_seed(0)
                            )
    ''')


def test_positional_none_is_replaced_not_duplicated(proj):
    proj.write("import torch\nfrom torch.utils.data import RandomSampler\ns = RandomSampler(ds, False, None, None)\n")
    proj.fix(select=["SDL202"], unsafe_fixes=True)
    assert proj.read() == ("import torch\nfrom torch.utils.data import RandomSampler\n"
                           "s = RandomSampler(ds, False, None, torch.Generator().manual_seed(0))\n")


def test_generator_none_keyword_is_replaced_not_duplicated(proj):
    proj.write("import torch\nfrom torch.utils.data import DataLoader\ndl = DataLoader(ds, shuffle=True, generator=None)\n")
    proj.fix(select=["SDL202"], unsafe_fixes=True)
    assert proj.read() == ("import torch\nfrom torch.utils.data import DataLoader\n"
                           "dl = DataLoader(ds, shuffle=True, generator=torch.Generator().manual_seed(0))\n")


def test_an_existing_torch_alias_is_reused(proj):
    proj.write("import torch as th\nfrom torch.utils.data import random_split\na, b = random_split(ds, [1, 1])\n")
    proj.fix(select=["SDL202"], unsafe_fixes=True, seed=9)
    assert proj.read() == ("import torch as th\nfrom torch.utils.data import random_split\n"
                           "a, b = random_split(ds, [1, 1], generator=th.Generator().manual_seed(9))\n")


def test_generator_seed_replaces_an_explicit_none_keyword(proj):
    proj.write("import numpy as np\nrng = np.random.default_rng(seed=None)\nrs = np.random.RandomState()\n")
    proj.fix(select=["SDL004"], unsafe_fixes=True, seed=5)
    assert proj.read() == "import numpy as np\nrng = np.random.default_rng(seed=5)\nrs = np.random.RandomState(5)\n"


def test_chained_assignment_of_benchmark_is_reported_not_fixed(proj):
    src = "import torch\nflag = torch.backends.cudnn.benchmark = True\n"
    proj.write(src)
    report = proj.fix(select=["SDL101"])
    assert proj.read() == src
    (diag, why), = proj.remaining(report)
    assert diag.code == "SDL101" and "chained assignment" in why


def test_worker_init_fn_is_not_added_with_inline(proj):
    src = ("import numpy as np\nfrom torch.utils.data import DataLoader\nclass D:\n    def __init__(self):\n"
           "        self.rng = np.random.default_rng(1)\ndl = DataLoader(D(), num_workers=2)\n")
    proj.write(src)
    report = proj.fix(select=["SDL201"], unsafe_fixes=True, inline=True)
    assert proj.read() == src
    (diag, why), = proj.remaining(report)
    assert "--inline" in why and "seedlint.runtime" in why


def test_late_seed_moves_before_the_first_use_with_its_comment(proj):
    proj.write(d('''
        import argparse

        import torch

        def main():
            args = argparse.Namespace(seed=3)

            # the model
            model = torch.nn.Linear(2, 2)
            print(model)
            # now seed
            torch.manual_seed(args.seed)  # late

            x = torch.rand(2)

        if __name__ == "__main__":
            main()
    '''))
    report = proj.fix(unsafe_fixes=True)
    assert not report.remaining, report.remaining
    assert proj.read() == d('''
        import argparse

        import torch

        def main():
            args = argparse.Namespace(seed=3)

            # now seed
            torch.manual_seed(args.seed)  # late
            # the model
            model = torch.nn.Linear(2, 2)
            print(model)

            x = torch.rand(2)

        if __name__ == "__main__":
            main()
    ''')


def test_late_seed_that_depends_on_code_in_between_is_reported_not_moved(proj):
    src = d('''
        import torch

        if __name__ == "__main__":
            model = torch.nn.Linear(2, 2)
            seed = int("7")
            torch.manual_seed(seed)
    ''')
    proj.write(src)
    report = proj.fix(unsafe_fixes=True)
    assert proj.read() == src
    (diag, why), = proj.remaining(report)
    assert diag.code == "SDL007" and "`seed` is assigned between the first use and the seed" in why


def test_late_seed_in_another_block_than_the_use_is_reported_not_moved(proj):
    src = "import torch\nw = torch.rand(2)\nif __name__ == '__main__':\n    torch.manual_seed(0)\n"
    proj.write(src)
    report = proj.fix(unsafe_fixes=True)
    assert proj.read() == src
    (diag, why), = proj.remaining(report)
    assert diag.code == "SDL007" and "same block" in why


def test_late_seed_inside_an_expression_is_reported_not_moved(proj):
    src = "import torch\nif __name__ == '__main__':\n    w = torch.rand(2)\n    g = torch.manual_seed(0)\n"
    proj.write(src)
    report = proj.fix(unsafe_fixes=True)
    assert proj.read() == src
    (diag, why), = proj.remaining(report)
    assert diag.code == "SDL007" and "statement of its own" in why


def test_determinism_switches_are_flipped_with_their_quotes(proj):
    proj.write('import torch\ntorch.set_deterministic_debug_mode("default")\nimport lightning as L\n'
               't = L.Trainer(benchmark=True, deterministic=False)\n')
    proj.fix(select=["SDL101", "SDL103"], unsafe_fixes=True)
    assert proj.read() == ('import torch\ntorch.set_deterministic_debug_mode("error")\nimport lightning as L\n'
                           't = L.Trainer(benchmark=False, deterministic=True)\n')


def test_listing_that_cannot_simply_be_sorted_is_reported_not_fixed(proj):
    # os.scandir entries do not sort; an iterator used as one would become a list
    src = d("""
        import os, random
        from pathlib import Path
        class Clips:
            def __init__(self, root):
                self.entries = [e for e in os.scandir(root) if e.is_file()]
            def __getitem__(self, i):
                return self.entries[i]
        def pick(root):
            it = Path(root).glob("*.wav")
            return random.sample(it, 3)
        """)
    proj.write(src)
    report = proj.fix(select=["SDL206"], unsafe_fixes=True)
    assert proj.read() == src
    whys = sorted(why for _, why in proj.remaining(report))
    assert len(whys) == 2
    assert "iterator" in whys[0] and "entry.name" in whys[1]


def test_os_walk_kept_by_a_dataset_is_reported_not_fixed(proj, run_seedlint):
    # a comprehension over os.walk, and a loop over it that appends to the dataset's list: sorting os.walk's
    # tuples would leave each directory's names unsorted, so neither is fixed
    src = d("""
        import os
        class Clips:
            def __init__(self, root):
                self.files = [os.path.join(r, f) for r, _, fs in os.walk(root) for f in fs]
            def __getitem__(self, i):
                return self.files[i]
        class Labels:
            def __init__(self, root):
                self.items = []
                for r, _, names in os.walk(root):
                    for n in names:
                        self.items.append(os.path.join(r, n))
            def __getitem__(self, i):
                return self.items[i]
        """)
    proj.write(src)
    res = run_seedlint("check", "--no-cache", "--select", "SDL206", ".", cwd=proj.root)
    found = [line.split(" SDL206 ")[0] for line in res.stdout.splitlines() if " SDL206 " in line]
    assert found == ["case.py:4:58:", "case.py:10:28:"], res.stdout
    assert "sort the list built from it" in res.stdout
    report = proj.fix(select=["SDL206"], unsafe_fixes=True)
    assert proj.read() == src
    whys = [why for _, why in proj.remaining(report)]
    assert len(whys) == 2 and all("os.walk" in why for why in whys)


def _reported_not_fixed(proj, run_seedlint, code, first, lines, *check_args):
    """``seedlint check`` reports ``code`` first with a line starting ``first``; the fixer leaves the file as it
    is, and the findings at ``lines`` remain."""
    res = run_seedlint("check", *check_args, "--select", code, ".", cwd=proj.root)
    assert res.stdout.splitlines()[0].startswith(first), res.stdout
    src = proj.read()
    report = proj.fix(select=[code])
    assert proj.read() == src
    assert [d.line for d, _ in proj.remaining(report)] == lines


def test_deterministic_mode_set_in_the_parent_only_is_reported_at_the_spawn_not_fixed(proj, run_seedlint):
    # (ImageNet / MoCo reference scripts: cudnn.deterministic in the parent, training in mp.spawn's workers)
    src = d("""
        import torch
        import torch.multiprocessing as mp
        from torch.backends import cudnn
        def worker(rank):
            m = torch.nn.Conv2d(2, 2, 1).cuda(rank)
            m(x).sum().backward()
        if __name__ == '__main__':
            torch.manual_seed(0)
            cudnn.deterministic = True
            mp.spawn(worker, nprocs=2)
        """)
    proj.write(src)
    _reported_not_fixed(proj, run_seedlint, "SDL102", "case.py:10:5: SDL102 program `case.py` enables deterministic "
                        "mode in the parent process only: `worker` runs in a new process", [10], "--no-cache")


def test_deterministic_mode_behind_a_flag_that_is_off_by_default_is_reported_not_fixed(proj, run_seedlint):
    # (LaneATT: `if self.deterministic: cudnn.deterministic = True` with `--deterministic` a store_true flag)
    src = d("""
        import argparse
        import torch
        if __name__ == '__main__':
            p = argparse.ArgumentParser()
            p.add_argument('--deterministic', action='store_true')
            args = p.parse_args()
            torch.manual_seed(0)
            if args.deterministic:
                torch.backends.cudnn.deterministic = True
            model = torch.nn.Conv2d(2, 2, 1).cuda()
            model(torch.ones(2).cuda()).sum().backward()
        """)
    proj.write(src)
    _reported_not_fixed(proj, run_seedlint, "SDL102", "case.py:10:13: SDL102 program `case.py` runs on CUDA here, and "
                        "enables deterministic mode only when `deterministic` is set, which is off by default", [10],
                        "--no-cache")


@pytest.mark.parametrize("test, reported", [("args.deterministic", True), ("args.deterministic != 0", True),
                                             ("args.deterministic is not None", False)])
def test_deterministic_mode_behind_an_integer_flag_that_defaults_to_0(proj, run_seedlint, test, reported):
    # `--deterministic` with type=int, default=0: off by default where the test is false at 0
    src = d(f"""
        import argparse
        import torch
        if __name__ == '__main__':
            p = argparse.ArgumentParser()
            p.add_argument('--deterministic', type=int, default=0)
            args = p.parse_args()
            torch.manual_seed(0)
            if {test}:
                torch.backends.cudnn.deterministic = True
            model = torch.nn.Conv2d(2, 2, 1).cuda()
            model(torch.ones(2).cuda()).sum().backward()
        """)
    proj.write(src)
    res = run_seedlint("check", "--no-cache", "--select", "SDL102", ".", cwd=proj.root)
    assert (res.returncode == 1) is reported, res.stdout
    if reported:
        assert "enables deterministic mode only when `deterministic` is set, which is off by default" in res.stdout


def test_deterministic_mode_behind_a_hydra_setting_that_is_off_by_default_is_reported_not_fixed(proj, run_seedlint):
    # the flag's default comes from the YAML config @hydra.main composes (seedlint/project/hydra.py)
    src = d("""
        import hydra
        import torch
        @hydra.main(version_base=None, config_path="conf", config_name="train")
        def main(cfg):
            torch.manual_seed(cfg.seed)
            if cfg.trainer.deterministic:
                torch.use_deterministic_algorithms(True)
            model = torch.nn.Conv2d(2, 2, 1).cuda()
            model(torch.ones(2).cuda()).sum().backward()
        if __name__ == '__main__':
            main()
        """)
    proj.write(src)
    (proj.root / "conf" / "trainer").mkdir(parents=True)
    (proj.root / "conf" / "train.yaml").write_text("defaults:\n  - trainer: gpu\nseed: 0\n")
    (proj.root / "conf" / "trainer" / "gpu.yaml").write_text("accelerator: gpu\ndeterministic: False\n")
    _reported_not_fixed(proj, run_seedlint, "SDL102", "case.py:8:13: SDL102 program `case.py` runs on CUDA here, and "
                        "enables deterministic mode only when `deterministic` is set, which is off by default", [8])
    # the config is an input of the cached outcome: turning the setting on is seen at once
    (proj.root / "conf" / "trainer" / "gpu.yaml").write_text("accelerator: gpu\ndeterministic: true\n")
    res = run_seedlint("check", "--select", "SDL102", ".", cwd=proj.root)
    assert res.returncode == 0, res.stdout


def test_webdataset_shuffle_without_rng_is_reported_not_fixed(proj, run_seedlint):
    # its keywords differ across webdataset versions: seedlint names the remedy and leaves the call alone
    src = d("""
        import webdataset as wds
        urls = "shards-{000..009}.tar"
        train = wds.WebDataset(urls).decode("pil").shuffle(1000)
        base = wds.WebDataset(urls)
        val = base.shuffle(10)
        pipe = wds.DataPipeline(wds.SimpleShardList(urls), wds.shuffle(100))
        """)
    proj.write(src)
    res = run_seedlint("check", "--no-cache", "--select", "SDL004", "--output-format", "json", ".", cwd=proj.root)
    found = json.loads(res.stdout)
    assert [(f["line"], f["fix"]) for f in found["findings"]] == [(3, "none"), (5, "none"), (6, "none")], found
    assert found["summary"]["fixable"] == 0
    report = proj.fix(select=["SDL004"], unsafe_fixes=True)
    assert proj.read() == src
    assert [d.line for d, _ in proj.remaining(report)] == [3, 5, 6]


def test_listing_is_not_wrapped_where_sorted_is_rebound(proj):
    src = "import os, random\nfrom mylib import sorted\nfiles = os.listdir('.')\nrandom.shuffle(files)\n"
    proj.write(src)
    report = proj.fix(select=["SDL206"], unsafe_fixes=True)
    assert proj.read() == src
    (diag, why), = proj.remaining(report)
    assert diag.code == "SDL206" and "`sorted`" in why
