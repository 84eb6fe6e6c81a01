from seedlint.rules.base import Invalid, Rule


class UnparsableFile(Rule):
    """Reports a file seedlint could not read or parse.

    ## What it does
    Reports a file that is not valid Python, that cannot be decoded (not UTF-8 and no valid PEP 263
    encoding declaration), or that cannot be read at all. The message carries the parser's own message
    and position. The other files are still checked.

    ## Why is this bad?
    A file seedlint cannot parse is a file it cannot vouch for: any seeding or RNG use in it is invisible
    to the program-level analysis, so the rest of the program may be reported wrongly.

    ## Example
    ```python
    def train(:
        pass
    ```

    ## Use instead
    ```python
    def train():
        pass
    ```

    ## Fix safety
    No fix: `seedlint fix` never touches a file it cannot parse; it reports it instead.

    ## References
    - Python language reference, "Encoding declarations" (PEP 263): https://peps.python.org/pep-0263/
    - seedlint's exit codes: README.md, "Exit codes"
    """

    code = "SDL000"
    name = "unparsable-file"
    message = "file could not be parsed"
    scope = "parse"
    VALID = [
        "import torch\ntorch.manual_seed(0)\n",
        "# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n",
        "x = 1\n",
    ]
    INVALID = [
        Invalid("def train(:\n    pass\n", expected=((1, 11),)),
        Invalid("import torch\nif True\n    torch.manual_seed(0)\n", expected=((2, 8),)),
        Invalid("x = (1,\n", expected=((1, 5),)),
    ]
