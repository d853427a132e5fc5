"""What the image runs: its Entrypoint and Cmd (and SHELL), resolved as the runtime's exec
does, with the interpreter each needs (PT_INTERP, or the #! line)."""
from __future__ import annotations

import posixpath

from binlint.errors import ArtifactError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from binlint.facts.loader import Tree
    from binlint.formats.image.layers import ImageContainer

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # runc's, without ENV PATH
HEAD = 64 << 10  # enough of a program for its program headers and PT_INTERP, or its #! line


def run_config(container: ImageContainer) -> dict[str, Any]:
    config = container.image.config.get("config")
    return config if isinstance(config, dict) else {}


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def command(container: ImageContainer) -> list[tuple[str, list[str]]]:
    """(role, argv) of what the image runs: `entrypoint` (its Entrypoint and Cmd), or `cmd`
    (Cmd alone); and `shell`, the SHELL of its build (Docker keeps it in the config)."""
    config = run_config(container)
    entrypoint, cmd = _strings(config.get("Entrypoint")), _strings(config.get("Cmd"))
    found = [("entrypoint", entrypoint + cmd)] if entrypoint else [("cmd", cmd)] if cmd else []
    shell = _strings(config.get("Shell"))
    return found + ([("shell", shell)] if shell else [])


def _search_path(config: dict[str, Any]) -> list[str]:
    for item in _strings(config.get("Env")):
        if item.startswith("PATH="):
            return item[5:].split(":")
    return DEFAULT_PATH.split(":")


def problems(container: ImageContainer, tree: Tree) -> list[dict[str, Any]]:
    config = run_config(container)
    found = []
    for role, argv in command(container):
        if not argv or not argv[0]:
            continue
        problem = _check(container, tree, config, argv[0])
        if problem is not None:
            missing = problem["interpreter"] if problem["problem"] == "interpreter-not-found" else \
                argv[0] if problem["problem"] in ("not-found", "not-in-path") else None
            found.append({"role": role, "program": argv[0], **problem, "missing": missing})
    return found


def _check(container: ImageContainer, tree: Tree, config: dict[str, Any], program: str) -> dict[str, Any] | None:
    """What stops the runtime's exec of `program`, or None: `not-in-path`, `not-found`,
    `not-executable`, `interpreter-not-found` (the file's PT_INTERP or #! interpreter is not
    in the image: the same `no such file or directory`), `exec-format` (neither ELF nor #!)."""
    if "/" not in program:  # Go's exec.LookPath over the image's PATH
        for folder in _search_path(config):
            path = tree.real(posixpath.normpath(posixpath.join("/", folder or ".", program)).lstrip("/"))
            if path is not None and container.files[path].member.mode & 0o111:
                return _runs(container, tree, path)
        return {"problem": "not-in-path", "path": None, "interpreter": None}
    working = config.get("WorkingDir") if isinstance(config.get("WorkingDir"), str) else "/"
    path = tree.real(posixpath.normpath(posixpath.join("/", working or "/", program)).lstrip("/"))
    if path is None:
        return {"problem": "not-found", "path": None, "interpreter": None}
    if not (container.files[path].member.mode or 0) & 0o111:
        return {"problem": "not-executable", "path": f"/{path}", "interpreter": None}
    return _runs(container, tree, path)


def _runs(container: ImageContainer, tree: Tree, path: str) -> dict[str, Any] | None:
    from binlint.formats.image.world import read_files

    head = read_files(container, tree, [path], HEAD).get(path, b"")
    interpreter = None
    if head.startswith(b"\x7fELF"):
        from binlint.formats.elf.reader import ElfFile

        try:
            interpreter = ElfFile(head).interpreter
        except ArtifactError:
            return None  # its headers lie past what was read, or are broken: its member's rules say
    elif head.startswith(b"#!"):
        line = head[2:].split(b"\n", 1)[0].lstrip(b" \t")
        interpreter = line.split(b" ", 1)[0].split(b"\t", 1)[0].decode("utf-8", "backslashreplace")
    else:
        return {"problem": "exec-format", "path": f"/{path}", "interpreter": None}
    if interpreter and tree.real(posixpath.normpath(posixpath.join("/", interpreter)).lstrip("/")) is None:
        shown = interpreter.replace("\r", "\\r")
        return {"problem": "interpreter-not-found", "path": f"/{path}", "interpreter": shown}
    return None
