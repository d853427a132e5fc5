"""Configuration: `binlint.toml`, or `[tool.binlint]` in `pyproject.toml`, found from the
working directory upwards (or named with --config), checked against config.schema.json
(binlint.inputs), and turned into defaults of the command-line options, so a flag
given on the command line always wins and each setting has one code path. Documented in
docs/configuration.md."""
from __future__ import annotations

import os
import re

from binlint.errors import BinlintError
from binlint.inputs import InputFile, did_you_mean
from binlint.version import kernel_version

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

STANDALONE, PYPROJECT = "binlint.toml", "pyproject.toml"


class Config:
    """A configuration file read: `values` by key (paths already made relative to the working
    directory), `root` the file's directory (what relative paths and globs start from)."""

    def __init__(self, path: str, values: dict[str, Any]) -> None:
        self.path = path
        self.root = os.path.dirname(os.path.abspath(path))
        self.values = values


def find(start: str = ".") -> str | None:
    """The configuration file governing `start`: in the nearest directory, from `start` up,
    holding a binlint.toml or a pyproject.toml with a [tool.binlint] table (binlint.toml wins
    when a directory has both). The search stops at the top of a git work tree, so a checkout
    never picks up the configuration of whatever directory it sits in."""
    directory = os.path.abspath(start)
    while True:
        standalone = os.path.join(directory, STANDALONE)
        if os.path.isfile(standalone):
            return standalone
        pyproject = os.path.join(directory, PYPROJECT)
        if os.path.isfile(pyproject) and _has_binlint_table(pyproject):
            return pyproject
        parent = os.path.dirname(directory)
        if parent == directory or os.path.exists(os.path.join(directory, ".git")):
            return None
        directory = parent


def _has_binlint_table(path: str) -> bool:
    """Cheap test before parsing: most pyproject.toml files have no [tool.binlint]."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return False
    return re.search(r"^\s*\[+\s*\"?tool\"?\s*\.\s*\"?binlint(?![\w-])", text, re.MULTILINE) is not None


def load(path: str) -> Config:
    """Read and check the configuration file at `path` (config.schema.json, then the values
    only binlint can judge); any problem is one BinlintError naming the file and the key."""
    shown = shown_path(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as err:
        raise BinlintError(f"cannot read configuration file {shown}: {err.strerror or err}") from None
    try:
        import tomllib  # type: ignore[import-not-found]
    except ImportError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise BinlintError(f"{shown}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as err:
        raise BinlintError(f"{shown}: invalid TOML: {err}") from None
    except RecursionError:  # tomllib reads nested arrays and inline tables by recursion
        raise BinlintError(f"{shown}: invalid TOML: arrays or tables nested deeper than binlint reads") from None
    prefix = ""
    if os.path.basename(path) == PYPROJECT:
        prefix = "tool.binlint."
        tool = document.get("tool")
        document = tool.get("binlint", {}) if isinstance(tool, dict) else {}
    file = ConfigFile(shown, prefix, os.path.dirname(os.path.abspath(path)))
    file.validate(document)
    return Config(path, {key: file.converted(key, value) for key, value in document.items()})


def shown_path(path: str) -> str:
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def keys() -> list[str]:
    """Every configuration key, as config.schema.json declares them."""
    import json

    from binlint.inputs import SCHEMA_FILES

    schema = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rules", SCHEMA_FILES["config"])
    with open(schema, encoding="utf-8") as f:
        return list(json.load(f)["properties"])


class ConfigFile(InputFile):
    """A configuration file: keys spelled as TOML spells them, `'tool.binlint.suppress[1].reason'`
    (array entries counted from 1, as the [[tables]] are read)."""

    kind = "config"

    def __init__(self, shown: str, prefix: str, root: str) -> None:
        super().__init__(shown)
        self.prefix, self.root = prefix, root

    def name(self, path: tuple[Any, ...]) -> str:
        text = self.prefix.rstrip(".")
        for part in path:
            if isinstance(part, int):
                text += f"[{part + 1}]"
            else:
                text += ("." if text else "") + (part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else f'"{part}"')
        return text

    def fail(self, path: tuple[Any, ...], problem: str) -> BinlintError:
        return BinlintError(f"{self.shown}: '{self.name(path)}' {problem}")

    def unknown(self, path: tuple[Any, ...], known: Any) -> BinlintError:
        return BinlintError(f"{self.shown}: unknown key '{self.name(path)}'{did_you_mean(str(path[-1]), known)}")

    def converted(self, key: str, value: Any) -> Any:
        """A valid value as the options take it: paths from the working directory, a kernel
        release as its version; a suppression must say why."""
        if key == "kernel":
            return str(kernel_version(value))
        if key in ("rules", "targets-file", "debug-dir"):
            return [self.path(v) for v in value]
        if key in ("baseline", "cache-dir"):
            return self.path(value)
        if key == "suppress":
            for number, entry in enumerate(value):
                if not entry["reason"].strip():
                    raise self.fail((key, number, "reason"), "must say why the finding is accepted")
        return value

    def path(self, value: str) -> str:
        """A path written relative to the configuration file, as the working directory sees it."""
        return shown_path(os.path.normpath(os.path.join(self.root, os.path.expanduser(value))))


# Options given as comma-separated lists, repeatable: argparse keeps a list per use.
LIST_OF_LISTS = ("select", "extend_select", "ignore")


def defaults(config: Config, dests: dict[str, Any], strict: bool) -> dict[str, Any]:
    """The parser defaults `config` sets, for a parser whose actions are `dests` (dest ->
    action); each key sets the option of its name (`fail-on` is --fail-on, dest fail_on) on
    every subcommand that has it. Only defaults: parse the command line again and every flag
    given wins. `strict`: a key without an option is an error (this binlint cannot honour
    it) rather than a key for another subcommand."""
    result: dict[str, Any] = {}
    for key, value in config.values.items():
        dest = key.replace("-", "_")
        action = dests.get(dest)
        if action is None:
            if key in CONFIG_ONLY:
                if strict:
                    result[dest] = value
            elif strict:
                raise BinlintError(f"{shown_path(config.path)}: '{key}' is not supported by this version of binlint")
            continue
        if action.choices is not None and value not in action.choices:
            raise BinlintError(f"{shown_path(config.path)}: '{key}' must be one of {', '.join(action.choices)}, "
                               f"not {value!r}")
        result[dest] = [value] if dest in LIST_OF_LISTS else value
    return result


# Keys without a command-line flag: only `check` uses them.
CONFIG_ONLY = ("severity", "per-path-ignores", "suppress", "exclude")


def finding_paths(location: str, members: tuple[str, ...], root: str) -> tuple[str, str]:
    """The file on disk and the whole member chain (`dist/x.whl!pkg/_ext.so`), relative to
    `root` with / separators: what the globs of per-path-ignores, suppress and exclude match."""
    on_disk = os.path.relpath(os.path.abspath(location), root).replace(os.sep, "/")
    return on_disk, "!".join([on_disk, *members])


def glob_matches(glob: str, paths: tuple[str, str]) -> bool:
    """fnmatch syntax (`*` also crosses `/` and `!`), relative to the configuration file's
    directory. A pattern matching the file on disk or one of its folders covers the file and
    everything inside it; otherwise it must match the whole member chain."""
    from fnmatch import fnmatchcase

    on_disk, chain = paths
    glob = glob[2:] if glob.startswith("./") else glob
    glob = glob.rstrip("/")
    if fnmatchcase(chain, glob):
        return True
    parts = on_disk.split("/")
    return any(fnmatchcase("/".join(parts[:n]), glob) for n in range(1, len(parts) + 1))
