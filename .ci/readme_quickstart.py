"""Print the README's Quick start commands, one per line, exactly as a reader would copy them.

.ci/run runs them in a fresh virtual environment, so the check cannot drift from the README.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def quickstart_commands(readme: str) -> list[str]:
    section = readme.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    if block is None:
        raise SystemExit("README.md: the Quick start section has no ```sh block")
    return [line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]


if __name__ == "__main__":
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    print("\n".join(quickstart_commands(path.read_text(encoding="utf-8"))))
