from __future__ import annotations

from typing import Iterator

from seedlint.project.facts import FileContext
from seedlint.rules.base import Finding, Invalid, Rule


class PythonHashSeedInProcess(Rule):
    """Reports `PYTHONHASHSEED` set from inside the running program.

    ## What it does
    Reports writes of `PYTHONHASHSEED` to the environment from Python code:
    `os.environ["PYTHONHASHSEED"] = ...`, `os.environ.setdefault("PYTHONHASHSEED", ...)`,
    `os.environ.update(PYTHONHASHSEED=...)` and `os.putenv("PYTHONHASHSEED", ...)`.

    ## Why is this bad?
    The interpreter reads `PYTHONHASHSEED` once, when it starts. Setting it afterwards does not change
    how the running process hashes `str` and `bytes` (`hash()` and `sys.flags.hash_randomization` are
    unchanged), so the iteration order of sets of strings still differs between runs. Only child
    processes started later see the new value. Many seeding helpers (detectron2, mmcv, yolov5) do this
    and give a false sense of safety.

    ## Example
    ```python
    import os
    os.environ["PYTHONHASHSEED"] = str(seed)
    ```

    ## Use instead
    Set it before the interpreter starts:
    ```shell
    PYTHONHASHSEED=0 python train.py
    seedlint run --seed 0 -- train.py   # sets it for the child interpreter
    ```
    or avoid depending on the iteration order of sets of strings (`sorted(set_of_names)`).

    ## Fix safety
    No fix: the right place for the variable is outside the program (the launch command or job script).

    ## References
    - Research notes (torch-determinism.md), "Seeding": `PYTHONHASHSEED` set via `os.environ` inside a running
      interpreter has no effect on that interpreter's hashing (checked).
    - Python docs, "PYTHONHASHSEED": https://docs.python.org/3/using/cmdline.html#envvar-PYTHONHASHSEED
    """

    code = "SDL006"
    name = "pythonhashseed-in-process"
    message = "PYTHONHASHSEED set inside the running program has no effect on it"
    VALID = [
        "import os\nos.environ['CUDA_VISIBLE_DEVICES'] = '0'\n",
        "import os\nseed = os.environ.get('PYTHONHASHSEED')\n",
        "import subprocess\nsubprocess.run(['python', 'x.py'], env={'PYTHONHASHSEED': '0'})\n",
        "environ = {}\nenviron['PYTHONHASHSEED'] = '0'\n",
    ]
    INVALID = [
        Invalid("import os\nos.environ['PYTHONHASHSEED'] = str(0)\n", expected=((2, 1),)),
        Invalid("from os import environ as env\nenv['PYTHONHASHSEED'] = '42'\n", expected=((2, 1),)),
        Invalid("import os\nos.environ.setdefault('PYTHONHASHSEED', '0')\n", expected=((2, 1),)),
        Invalid("import os as o\no.putenv('PYTHONHASHSEED', '0')\n", expected=((2, 1),)),
        Invalid("import os\nos.environ.update(PYTHONHASHSEED='0')\n", expected=((2, 1),)),
    ]

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        for node, how in ctx.env_writes:
            yield Finding(
                node,
                f"`{how}` does not change hashing in the running interpreter (it reads PYTHONHASHSEED only at "
                "start-up); set it in the launch command, or use `seedlint run`",
            )
