"""Every rule code, whether it is on by default, and which rules run in the file pass alone, without
importing the rules.

Choosing which codes a run reports is all that a run answered from the cache needs to know about the
rules; importing every rule module (and the analysis they use) costs about 20 ms of such a run. This table
must equal the registry (``seedlint.rules.all_rules()``); ``tests/test_rules.py`` checks that it does and,
when it does not, prints the table to put here.
"""

from typing import Dict, FrozenSet

DEFAULTS: Dict[str, bool] = {
    "SDL000": True, "SDL001": True, "SDL002": True, "SDL003": True, "SDL004": True, "SDL005": True,
    "SDL006": True, "SDL007": True, "SDL008": True, "SDL009": True,
    "SDL101": True, "SDL102": True, "SDL103": True, "SDL104": True,
    "SDL201": True, "SDL202": False, "SDL203": True, "SDL204": True, "SDL205": True, "SDL206": True,
    "SDL207": True,
    "SDL301": True, "SDL302": True,
}

# Rules whose findings come from the file pass alone (scope "file") and that take none back once the whole
# project is known (no ``withdraw``): a file's findings of these codes depend on that file only.
FILE_ONLY: FrozenSet[str] = frozenset({
    "SDL004", "SDL006", "SDL103", "SDL202", "SDL204", "SDL205", "SDL207",
})
