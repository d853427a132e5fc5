"""Print a pip constraints file that pins every runtime dependency, and every dependency of the
extras users install (`binlint[s3]`, `binlint[dask]`, ...), to its declared floor.

    python3 scripts/floors.py > floors.txt
    pip install -c floors.txt '.[test]'

Each `name>=X` in pyproject's [project] dependencies becomes `name==X`, its environment
marker kept, so CI tests the oldest versions binlint claims to work with (`lief>=0.15` was
declared while every Mach-O file was unreadable with lief 0.15 and 0.16). A runtime
dependency without a `>=` floor is an error: what it claims cannot be tested.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
# name, optional extras, the specifiers, an optional marker after ';'
_REQUIREMENT = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?P<specs>[^;]*?)\s*"
                          r"(?:;\s*(?P<marker>.+?))?\s*$")
_FLOOR = re.compile(r">=\s*(?P<version>[0-9][0-9A-Za-z.!+-]*)")


def floors(requirements: list[str]) -> list[str]:
    """`name==floor ; marker` for each requirement."""
    lines = []
    for requirement in requirements:
        match = _REQUIREMENT.match(requirement)
        if match is None:
            raise SystemExit(f"floors.py: cannot read the requirement {requirement!r}")
        floor = _FLOOR.search(match["specs"])
        if floor is None:
            raise SystemExit(f"floors.py: {requirement!r} declares no lower bound (name>=X) to test")
        marker = f" ; {match['marker']}" if match["marker"] else ""
        lines.append(f"{match['name']}=={floor['version']}{marker}")
    return lines


def main() -> int:
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[no-redef]
    with open(PYPROJECT, "rb") as f:
        project = tomllib.load(f)["project"]
    extras = [r for name, requirements in project["optional-dependencies"].items() if name != "test"
              for r in requirements]
    pinned = dict.fromkeys(floors(project["dependencies"] + extras))  # an extra may repeat another's
    sys.stdout.write("".join(line + "\n" for line in pinned))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
