"""Where the seed block goes, what it contains, and what it must never do (override a user's seed)."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def d(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def test_block_goes_after_docstring_future_imports_and_import_block(proj):
    proj.write(d('''
        """Train it."""
        from __future__ import annotations

        import torch

        # the model
        model = torch.nn.Linear(2, 2)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
    '''))
    proj.fix()
    assert proj.read() == d('''
        """Train it."""
        from __future__ import annotations

        import torch
        from seedlint.runtime import seed_everything

        seed_everything(0)

        # the model
        model = torch.nn.Linear(2, 2)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
    ''')


def test_block_goes_before_an_import_that_draws_at_import_time(proj):
    proj.write({
        "train.py": "import os\nimport data\nimport torch\nprint(data.X, torch.zeros(1))\n",
        "data.py": "import numpy as np\nX = np.random.rand(3)\n",
    })
    proj.fix()
    assert proj.read("train.py") == ("import os\nfrom seedlint.runtime import seed_everything\nseed_everything(0)\n"
                                     "import data\nimport torch\nprint(data.X, torch.zeros(1))\n")


def test_block_goes_at_the_start_of_the_main_block_when_nothing_before_it_draws(proj):
    proj.write(d('''
        import torch


        def main():
            return torch.randn(2)


        if __name__ == "__main__":
            # run
            main()
    '''))
    proj.fix()
    assert proj.read() == d('''
        import torch
        from seedlint.runtime import seed_everything


        def main():
            return torch.randn(2)


        if __name__ == "__main__":
            seed_everything(0)
            # run
            main()
    ''')


def test_block_goes_at_module_level_when_code_before_the_main_block_draws(proj):
    proj.write("import torch\nW = torch.randn(2)\nif __name__ == '__main__':\n    print(W)\n")
    proj.fix()
    assert proj.read() == ("import torch\nfrom seedlint.runtime import seed_everything\nseed_everything(0)\n"
                           "W = torch.randn(2)\nif __name__ == '__main__':\n    print(W)\n")


SCRIPTS = "[project]\nname = 'app'\nversion = '0'\n[project.scripts]\napp = 'app.cli:main'\n"


def test_block_goes_at_the_start_of_a_project_scripts_function_after_its_docstring(proj):
    proj.write({
        "app/__init__.py": "",
        "app/cli.py": d('''
            import numpy as np


            def main():
                """Entry point."""
                print(np.random.rand(2))
        '''),
    }, pyproject=SCRIPTS)
    report = proj.fix()
    assert not report.remaining
    assert proj.read("app/cli.py") == d('''
        import numpy as np
        from seedlint.runtime import seed_everything


        def main():
            """Entry point."""
            seed_everything(0)
            print(np.random.rand(2))
    ''')


def test_scripts_function_whose_module_draws_at_import_gets_a_module_level_block(proj):
    proj.write({
        "app/__init__.py": "",
        "app/cli.py": "import numpy as np\nNOISE = np.random.rand(2)\ndef main():\n    print(NOISE)\n",
    }, pyproject=SCRIPTS)
    proj.fix()
    assert proj.read("app/cli.py") == ("import numpy as np\nfrom seedlint.runtime import seed_everything\n"
                                       "seed_everything(0)\nNOISE = np.random.rand(2)\ndef main():\n    print(NOISE)\n")


def test_seed_value_comes_from_the_option_then_the_config_then_zero(proj):
    src = "import torch\nx = torch.rand(2)\n"
    proj.write(src, pyproject="[tool.seedlint]\nseed = 1234\n")
    proj.fix()
    assert "seed_everything(1234)\n" in proj.read()
    proj.write(src, pyproject="[tool.seedlint]\nseed = 1234\n")
    proj.fix(seed=7)
    assert "seed_everything(7)\n" in proj.read()


def test_does_not_override_an_existing_seed(proj):
    # torch is seeded with the user's value; only the missing RNG gets seeded, inline, and --seed does
    # not touch the user's torch seed
    proj.write(d('''
        import random
        import torch

        if __name__ == "__main__":
            torch.manual_seed(123)
            x = torch.rand(2)
            random.shuffle([1, 2, 3])
    '''))
    report = proj.fix(seed=5)
    assert not report.remaining
    assert proj.read() == d('''
        import random
        import torch

        if __name__ == "__main__":
            random.seed(5)
            torch.manual_seed(123)
            x = torch.rand(2)
            random.shuffle([1, 2, 3])
    ''')


def test_a_fully_seeded_program_is_left_alone_whatever_the_seed_option(proj):
    src = "import numpy as np\nif __name__ == '__main__':\n    np.random.seed(3)\n    print(np.random.rand())\n"
    proj.write(src)
    report = proj.fix(seed=99)
    assert not report.changed_files() and proj.read() == src


def test_helper_that_seeds_only_torch_gets_inline_seeding_of_the_rest(proj):
    proj.write({
        "train.py": d('''
            import numpy as np
            from util import set_seed

            if __name__ == "__main__":
                set_seed(1)
                print(np.random.rand())
        '''),
        "util.py": "import torch\ndef set_seed(s):\n    torch.manual_seed(s)\n",
    })
    proj.fix("train.py")
    text = proj.read("train.py")
    assert "seed_everything" not in text
    assert '    np.random.seed(0)\n    set_seed(1)\n' in text


def test_inline_seeds_what_the_program_uses_and_adds_imports_only_where_missing(proj):
    proj.write(d('''
        import numpy as np
        import torch

        if __name__ == "__main__":
            idx = np.random.permutation(4)
            w = torch.randn(2)
    '''))
    report = proj.fix(inline=True, seed=3)
    assert not report.remaining
    assert proj.read() == d('''
        import numpy as np
        import torch

        if __name__ == "__main__":
            np.random.seed(3)
            torch.manual_seed(3)
            idx = np.random.permutation(4)
            w = torch.randn(2)
    ''')


def test_inline_imports_what_is_missing_and_enables_determinism_on_cuda(proj):
    # (a program that trains, with a convolution: SDL102 reports only those)
    proj.write("from random import shuffle\nfrom torch import nn\nm = nn.Conv2d(2, 2, 1).cuda()\nshuffle([1])\n"
               "m(x).sum().backward()\n")
    report = proj.fix(inline=True)
    assert not report.remaining, report.remaining
    assert proj.read() == ("from random import shuffle\nfrom torch import nn\nimport random\nimport torch\n"
                           "random.seed(0)\ntorch.manual_seed(0)\n"
                           "torch.use_deterministic_algorithms(True, warn_only=True)\n"
                           "m = nn.Conv2d(2, 2, 1).cuda()\nshuffle([1])\nm(x).sum().backward()\n")


def test_inline_never_rebinds_a_name_the_module_uses_for_something_else(proj):
    # `np` is a parameter and a function-local import, `numpy` a variable: the seeding must use a fresh
    # name, and the program must still run
    proj.write(d('''
        import torch

        def helper(np):
            return np

        def main():
            import numpy as np
            return np.random.rand()

        if __name__ == "__main__":
            numpy = 3
            print(main() + numpy + helper(0))
    '''))
    proj.fix(inline=True)
    text = proj.read()
    assert "import numpy as _seedlint_np\n" in text and "_seedlint_np.random.seed(0)" in text
    run = subprocess.run([sys.executable, "-c", text], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr


def test_runtime_block_uses_an_alias_when_the_name_is_taken(proj):
    proj.write("import torch\nseed_everything = None\nx = torch.rand(1)\n")
    proj.fix()
    text = proj.read()
    assert ("from seedlint.runtime import seed_everything as _seedlint_seed_everything\n"
            "_seedlint_seed_everything(0)\n") in text


def test_seed_function_config_calls_the_projects_helper(proj):
    proj.write({
        "train.py": "import torch\nif __name__ == '__main__':\n    x = torch.rand(2)\n",
        "pkg/__init__.py": "",
        "pkg/utils.py": d('''
            import random
            import numpy as np
            import torch

            def set_seed(seed):
                random.seed(seed)
                np.random.seed(seed)
                torch.manual_seed(seed)
        '''),
    }, pyproject="[project]\nname = 'case'\nversion = '0'\n[tool.seedlint]\nseed-function = 'pkg.utils:set_seed'\n")
    report = proj.fix("train.py", seed=11)
    assert not report.remaining
    assert proj.read("train.py") == ("import torch\nfrom pkg.utils import set_seed\nif __name__ == '__main__':\n"
                                     "    set_seed(11)\n    x = torch.rand(2)\n")


def test_seed_function_that_does_not_enable_determinism_gets_the_flag_too(proj):
    proj.write({
        "train.py": "import torch\nif __name__ == '__main__':\n    x = torch.rand(2).cuda()\n    torch.conv1d(x, w).sum().backward()\n",
        "pkg/__init__.py": "",
        "pkg/utils.py": "import torch\ndef set_seed(seed):\n    torch.manual_seed(seed)\n",
    }, pyproject="[project]\nname = 'case'\nversion = '0'\n[tool.seedlint]\nseed-function = 'pkg.utils:set_seed'\n")
    report = proj.fix("train.py")
    assert not report.remaining, report.remaining
    assert proj.read("train.py") == (
        "import torch\nfrom pkg.utils import set_seed\nif __name__ == '__main__':\n"
        "    torch.use_deterministic_algorithms(True, warn_only=True)\n    set_seed(0)\n"
        "    x = torch.rand(2).cuda()\n    torch.conv1d(x, w).sum().backward()\n")


def test_an_external_seed_function_is_inserted_once_and_counts_as_seeding(proj):
    # the configured seed-function is declared to seed the program: after the fix nothing is left
    proj.write("import torch\nx = torch.rand(2)\n",
               pyproject="[project]\nname = 'case'\nversion = '0'\n[tool.seedlint]\nseed-function = 'ext.seeding:go'\n")
    report = proj.fix()
    assert proj.read() == "import torch\nfrom ext.seeding import go\ngo(0)\nx = torch.rand(2)\n"
    assert proj.remaining(report) == []
    again = proj.fix()
    assert not again.changed_files()


def test_runtime_block_asks_for_warn_only_when_the_program_runs_an_op_that_raises(proj):
    proj.write("import torch\nimport torch.nn as nn\nx = torch.rand(1, 1, 4, 4)\n"
               "y = nn.MaxUnpool2d(2)(x, torch.zeros(1, 1, 4, 4, dtype=torch.long))\n")
    proj.fix()
    assert "seed_everything(0, warn_only=True)\n" in proj.read()


def test_each_program_of_a_file_gets_its_own_block_once(proj):
    proj.write({
        "app/__init__.py": "",
        "app/cli.py": d('''
            import torch

            def train():
                return torch.rand(2)

            def evaluate():
                return torch.rand(3)

            if __name__ == "__main__":
                train()
        '''),
    }, pyproject="[project]\nname = 'app'\nversion = '0'\n[project.scripts]\n"
                 "app-train = 'app.cli:train'\napp-eval = 'app.cli:evaluate'\n")
    report = proj.fix()
    assert not report.remaining, report.remaining
    text = proj.read("app/cli.py")
    assert text.count("from seedlint.runtime import seed_everything\n") == 1
    assert "def train():\n    seed_everything(0)\n" in text
    assert "def evaluate():\n    seed_everything(0)\n" in text
    assert 'if __name__ == "__main__":\n    seed_everything(0)\n' in text


def test_program_whose_entry_is_not_being_fixed_is_reported_not_fixed(proj):
    proj.write({
        "main.py": "import data\nif __name__ == '__main__':\n    data.load()\n",
        "data.py": "import random\ndef load():\n    return random.random()\n",
    })
    report = proj.fix("data.py")
    assert not report.changed_files()
    (diag, why), = proj.remaining(report)
    assert diag.code == "SDL001" and "main.py" in why and "not among the files" in why


def test_suppressed_finding_gets_no_fix(proj):
    src = "import torch\nx = torch.rand(2)  # noqa: SDL003\n"
    proj.write(src)
    report = proj.fix()
    assert not report.changed_files() and proj.read() == src and not report.remaining


def test_an_import_two_fixes_need_comes_before_the_earliest_use(proj):
    # SDL202 wants `torch` at the end of the import block; the inline block needs it before `import data`,
    # which draws at import time: one import, placed before both uses
    proj.write({
        "train.py": d('''
            import os
            import data
            from torch.utils.data import DataLoader

            if __name__ == "__main__":
                DataLoader([1], shuffle=True)
        '''),
        "data.py": "import torch\nX = torch.rand(2)\n",
    })
    report = proj.fix(unsafe_fixes=True, inline=True, extend_select=["SDL202"])
    assert not report.remaining, report.remaining
    assert proj.read("train.py") == d('''
        import os
        import torch
        torch.manual_seed(0)
        import data
        from torch.utils.data import DataLoader

        if __name__ == "__main__":
            DataLoader([1], shuffle=True, generator=torch.Generator().manual_seed(0))
    ''')
    run = subprocess.run([sys.executable, "train.py"], cwd=proj.root, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
