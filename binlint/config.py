"""Configuration: `binlint.toml`, or `[tool.binlint]` in `pyproject.toml`, found from the
working directory upwards (or named with --config), checked key by key, and turned into
defaults of the command-line options, so a flag given on the command line always wins and
each setting has one code path. Documented in docs/configuration.md."""
from __future__ import annotations

import os
import re

from binlint.errors import BinlintError

TYPE_CHECKING = False  # typing costs 15 ms of start-up; only type checkers need it
if TYPE_CHECKING:
    from typing import Any, Callable

STANDALONE, PYPROJECT = "binlint.toml", "pyproject.toml"
SEVERITY_LEVELS = ("error", "warning", "note", "off")
_VERSION = re.compile(r"\d+\.\d+")


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
    """Read and check the configuration file at `path`; any problem is one BinlintError
    naming the file and the key."""
    shown = display(path)
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
        document = document.get("tool", {}).get("binlint", {})
        if not isinstance(document, dict):
            raise BinlintError(f"{shown}: 'tool.binlint' must be a table")
    config = Config(path, {})
    checker = _Checker(shown, prefix, config.root)
    for key, value in document.items():
        if key not in KEYS:
            raise checker.unknown(key, KEYS)
        config.values[key] = KEYS[key][1](checker, key, value)
    return config


def display(path: str) -> str:
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _did_you_mean(word: str, choices: Any) -> str:
    import difflib  # only for a mistake

    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Checker:
    """Checks one value's type; `fail` names the file and the dotted key."""

    def __init__(self, shown: str, prefix: str, root: str) -> None:
        self.shown, self.prefix, self.root = shown, prefix, root

    def fail(self, key: str, problem: str) -> BinlintError:
        return BinlintError(f"{self.shown}: '{self.prefix}{key}' {problem}")

    def unknown(self, key: str, known: Any) -> BinlintError:
        hint = _did_you_mean(key.rsplit(".", 1)[-1], known)
        return BinlintError(f"{self.shown}: unknown key '{self.prefix}{key}'{hint}")

    def path(self, value: str) -> str:
        """A path written relative to the configuration file, as the working directory sees it."""
        return display(os.path.normpath(os.path.join(self.root, os.path.expanduser(value))))


def _string(checker: _Checker, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise checker.fail(key, f"must be a non-empty string, not {_shown(value)}")
    return value


def _strings(checker: _Checker, key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise checker.fail(key, f"must be a list of non-empty strings, not {_shown(value)}")
    return value


def _shown(value: Any) -> str:
    kind = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)
    return f"{kind} ({value!r})" if isinstance(value, (bool, int, float, str)) else kind


def _choice(*choices: str) -> Callable[[_Checker, str, Any], str]:
    def check(checker: _Checker, key: str, value: Any) -> str:
        if value not in choices:
            raise checker.fail(key, f"must be one of {', '.join(choices)}, not {_shown(value)}")
        return value
    return check


def _version(checker: _Checker, key: str, value: Any) -> str:
    if not isinstance(value, str) or not _VERSION.fullmatch(value):
        raise checker.fail(key, f"must be a version in quotes such as \"2.17\", not {_shown(value)}")
    return value


def _kernel(checker: _Checker, key: str, value: Any) -> str:
    from binlint.rules.targets import kernel_version

    version = kernel_version(value) if isinstance(value, str) else None
    if version is None:
        raise checker.fail(key, f"must be a kernel version in quotes such as \"5.4\" or \"5.15.0-91-generic\", "
                                f"not {_shown(value)}")
    return version


def _count(minimum: int) -> Callable[[_Checker, str, Any], int]:
    def check(checker: _Checker, key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise checker.fail(key, f"must be a whole number of at least {minimum}, not {_shown(value)}")
        return value
    return check


def _boolean(checker: _Checker, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise checker.fail(key, f"must be true or false, not {_shown(value)}")
    return value


def _paths(checker: _Checker, key: str, value: Any) -> list[str]:
    return [checker.path(v) for v in _strings(checker, key, value)]


def _path(checker: _Checker, key: str, value: Any) -> str:
    return checker.path(_string(checker, key, value))


def _severities(checker: _Checker, key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise checker.fail(key, f"must be a table of rule = level, not {_shown(value)}")
    for rule, level in value.items():
        _choice(*SEVERITY_LEVELS)(checker, f"{key}.{rule}", level)
    return value


def _per_path_ignores(checker: _Checker, key: str, value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise checker.fail(key, f"must be a table of \"glob\" = [rules], not {_shown(value)}")
    return {glob: _strings(checker, f"{key}.{_quoted(glob)}", rules) for glob, rules in value.items()}


def _quoted(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else f'"{name}"'


SUPPRESSION_FIELDS = ("rule", "path", "reason")


def _suppressions(checker: _Checker, key: str, value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise checker.fail(key, "must be an array of tables ([[suppress]] with rule, path and reason)")
    for number, entry in enumerate(value, 1):
        where = f"{key}[{number}]"
        for field in entry:
            if field not in SUPPRESSION_FIELDS:
                raise checker.unknown(f"{where}.{field}", SUPPRESSION_FIELDS)
        for field in SUPPRESSION_FIELDS:
            if field not in entry:
                why = " (say why the finding is accepted)" if field == "reason" else ""
                raise checker.fail(where, f"needs a '{field}'{why}")
            _string(checker, f"{where}.{field}", entry[field])
        if not entry["reason"].strip():
            raise checker.fail(f"{where}.reason", "must say why the finding is accepted")
    return value


# key -> (argparse dest on `check`, checker). A key whose option exists on another
# subcommand (rules, rule, facts) applies there too. The configuration only sets defaults:
# parse the command line again and every flag given wins.
KEYS: dict[str, tuple[str, Callable[[_Checker, str, Any], Any]]] = {
    "select": ("select", _strings),
    "extend-select": ("extend_select", _strings),
    "ignore": ("ignore", _strings),
    "severity": ("severity", _severities),
    "per-path-ignores": ("per_path_ignores", _per_path_ignores),
    "suppress": ("suppress", _suppressions),
    "fail-on": ("fail_on", _choice("error", "warning", "note")),
    "format": ("format", _string),  # checked against the option's choices
    "glibc": ("glibc", _version),
    "kernel": ("kernel", _kernel),
    "macos": ("macos", _version),
    "target": ("target", _strings),
    "targets-file": ("targets_file", _paths),
    "prefer-wheel-tags": ("prefer_wheel_tags", _boolean),
    "max-depth": ("max_depth", _count(0)),
    "max-member-size": ("max_member_size", _count(1)),
    "jobs": ("jobs", _count(1)),
    "rules": ("rules", _paths),
    "exclude": ("exclude", _strings),
    "baseline": ("baseline", _path),
    "allow-empty": ("allow_empty", _boolean),
}
# Options given as comma-separated lists, repeatable: argparse keeps a list per use.
LIST_OF_LISTS = ("select", "extend_select", "ignore")


def defaults(config: Config, dests: dict[str, Any], strict: bool) -> dict[str, Any]:
    """The parser defaults `config` sets, for a parser whose actions are `dests` (dest ->
    action). `strict`: a key without an option is an error (this binlint cannot honour it)
    rather than a key for another subcommand."""
    result: dict[str, Any] = {}
    for key, value in config.values.items():
        dest = KEYS[key][0]
        action = dests.get(dest)
        if action is None:
            if key in CONFIG_ONLY:
                if strict:
                    result[dest] = value
            elif strict:
                raise BinlintError(f"{display(config.path)}: '{key}' is not supported by this version of binlint")
            continue
        if action.choices is not None and value not in action.choices:
            raise BinlintError(f"{display(config.path)}: '{key}' must be one of {', '.join(action.choices)}, "
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
