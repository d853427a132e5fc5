"""Nothing under a scanned folder is skipped in silence: a file deeper than PATH_MAX, a
symbolic link that loops or leads nowhere; and what the run writes or reads besides the
artifacts (the report, the configuration, rule files) fails in one line naming the file.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from binlint.walk.discover import OPEN_FOLDERS, discover
from fixtures import Artifacts
from test_archives import binlint
from test_reports import cli_env

# --------------------------------------------------------------------------
# Walking: PATH_MAX, links
# --------------------------------------------------------------------------


def deep_folders(top: Path, depth: int) -> Path:
    """`depth` nested folders below `top`, made relative to each one's parent (the path
    soon grows past what mkdir takes whole); the deepest, as a path."""
    fd = os.open(top, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("dddd", dir_fd=fd)
            sub = os.open("dddd", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = sub
    finally:
        os.close(fd)
    return top.joinpath(*["dddd"] * depth)


def remove_deep_folders(top: Path) -> None:
    """Remove the nest deep_folders made, one level at a time from the top: shutil.rmtree
    recurses once per level, and pytest's own clean-up of old temporary folders with it."""
    while (top / "dddd").is_dir():
        inner = top / "dddd" / "dddd"
        if inner.is_dir():
            inner.rename(top / "next")
        for entry in (top / "dddd").iterdir():
            entry.unlink()
        (top / "dddd").rmdir()
        if (top / "next").is_dir():
            (top / "next").rename(top / "dddd")


def put(folder: Path, name: str, data: bytes) -> None:
    """Write `data` as `folder/name`, however long the path (opened relative to a descriptor)."""
    parts = folder.parts
    fd = os.open("/", os.O_RDONLY)
    try:
        for part in parts[1:]:
            sub = os.open(part, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = sub
        out = os.open(name, os.O_WRONLY | os.O_CREAT, 0o755, dir_fd=fd)
        os.write(out, data)
        os.close(out)
    finally:
        os.close(fd)


def test_a_file_past_path_max_is_reported_not_skipped(artifacts: Artifacts, tmp_path: Path) -> None:
    # 3,000 folders: "No problems found in 0 files" and exit 0 before.
    tree = tmp_path / "tree"
    tree.mkdir()
    try:
        bottom = deep_folders(tree, 3000)
        put(bottom, "libdeep.so", artifacts.path("execstack-lib").read_bytes())
        (tree / "near.so").write_bytes(artifacts.path("execstack-lib").read_bytes())
        proc = binlint(["check", "--format", "json", "tree"], tmp_path)
    finally:
        remove_deep_folders(tree)
    assert proc.returncode == 1
    findings = json.loads(proc.stdout)["findings"]
    deep = [f for f in findings if f["path"].endswith("/libdeep.so")]
    assert [f["rule"] for f in deep] == ["unreadable-artifact"]
    assert deep[0]["path"] == "tree/" + "dddd/" * 3000 + "libdeep.so"
    assert "past the 4096 the system opens (PATH_MAX)" in deep[0]["message"]
    assert any(f["path"] == "tree/near.so" for f in findings)  # the rest is checked as before


def test_links_that_loop_or_dangle_are_named(artifacts: Artifacts, tmp_path: Path) -> None:
    tree = tmp_path / "dist"
    (tree / "lib").mkdir(parents=True)
    shutil.copy(artifacts.path("clean-lib"), tree / "lib" / "libclean.so.1")
    (tree / "lib" / "libclean.so").symlink_to("libclean.so.1")  # leads to a file of the tree: checked there
    (tree / "lib" / "libgone.so").symlink_to("libgone.so.2")
    (tree / "lib" / "ping").symlink_to("pong")
    (tree / "lib" / "pong").symlink_to("ping")
    (tree / "lib" / "self").symlink_to("self")
    (tree / "lib" / "up").symlink_to("..", target_is_directory=True)  # a folder: not followed
    (tree / "outside.so").symlink_to(artifacts.path("clean-lib"))  # out of the tree: not followed
    proc = binlint(["check", "--format", "json", "dist"], tmp_path)
    assert proc.returncode == 0  # notes: the default --fail-on error lets them pass
    found = [(f["path"], f["rule"], f["severity"], f["message"]) for f in json.loads(proc.stdout)["findings"]]
    lead = "symbolic link that leads nowhere, so nothing was checked there: "
    assert found == [
        ("dist/lib/libgone.so", "broken-symbolic-link", "note", lead + "dangling (-> libgone.so.2)"),
        ("dist/lib/ping", "broken-symbolic-link", "note", lead + "loop (-> pong)"),
        ("dist/lib/pong", "broken-symbolic-link", "note", lead + "loop (-> ping)"),
        ("dist/lib/self", "broken-symbolic-link", "note", lead + "loop (-> self)"),
    ]
    assert binlint(["check", "--fail-on", "note", "dist"], tmp_path).returncode == 1


def test_walk_finds_what_it_found_before(tmp_path: Path) -> None:
    # Name order, depth first, hard links once, version control folders left out.
    for name in ("b/z.so", "b/a.so", "a.so", ".git/objects/x", "c/.git/y", "c/d/e.so"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    os.link(tmp_path / "a.so", tmp_path / "hard.so")
    paths = [a.path for a in discover([str(tmp_path)])]
    top = str(tmp_path)
    assert paths == [f"{top}/a.so", f"{top}/b/a.so", f"{top}/b/z.so", f"{top}/c/d/e.so"]
    # A link to a folder, named on the command line, is followed (as /usr/lib64 often is).
    (tmp_path.parent / f"{tmp_path.name}-link").symlink_to(tmp_path, target_is_directory=True)
    linked = [a.path for a in discover([f"{top}-link"])]
    assert linked == [p.replace(top, f"{top}-link", 1) for p in paths]


def test_a_tree_deeper_than_the_descriptors_kept_is_walked_in_order(tmp_path: Path) -> None:
    # Past OPEN_FOLDERS levels the walk closes the farthest folders and climbs back through
    # `..`: every file is found, depth first in name order, and no descriptor stays open.
    depth = OPEN_FOLDERS * 2 + 3
    deep_folders(tmp_path, depth)
    for level in range(depth + 1):
        for name in ("a.so", "z.so"):
            (tmp_path.joinpath(*["dddd"] * level) / name).write_bytes(b"x")
    before = len(os.listdir("/proc/self/fd"))
    paths = [a.path for a in discover([str(tmp_path)])]
    assert len(os.listdir("/proc/self/fd")) == before
    # In each folder: a.so, then the sub-folder's files, then z.so.
    top = str(tmp_path)
    assert paths == [f"{top}/{'dddd/' * level}a.so" for level in range(depth + 1)] + \
        [f"{top}/{'dddd/' * level}z.so" for level in reversed(range(depth + 1))]


# --------------------------------------------------------------------------
# The report: written whole or not at all
# --------------------------------------------------------------------------

def _limit_file_size(size: int):  # type: ignore[no-untyped-def]
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


def test_a_failed_write_keeps_the_last_good_report(artifacts: Artifacts, tmp_path: Path) -> None:
    shutil.copy(artifacts.path("execstack-lib"), tmp_path / "a.so")
    good = binlint(["check", "--format", "json", "-o", "report.json", "a.so"], tmp_path)
    assert good.returncode == 1
    before = (tmp_path / "report.json").read_bytes()
    os.chmod(tmp_path / "report.json", 0o640)
    # A file system that takes only 100 bytes more (RLIMIT_FSIZE: write() fails with EFBIG,
    # as it fails with ENOSPC on a full disk; Python ignores SIGXFSZ).
    proc = subprocess.run([sys.executable, "-m", "binlint", "check", "--format", "sarif", "-o", "report.json", "a.so"],
                          cwd=tmp_path, env=cli_env(), capture_output=True, text=True, timeout=120,
                          preexec_fn=_limit_file_size(100))
    assert proc.returncode == 2
    assert proc.stderr.startswith("binlint: error: cannot write report.json: File too large"), proc.stderr
    assert (tmp_path / "report.json").read_bytes() == before
    assert oct((tmp_path / "report.json").stat().st_mode & 0o777) == oct(0o640)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.so", "report.json"]  # no temporary left


def test_a_report_replaces_the_old_one_keeping_its_mode(artifacts: Artifacts, tmp_path: Path) -> None:
    shutil.copy(artifacts.path("execstack-lib"), tmp_path / "a.so")
    (tmp_path / "report.txt").write_text("old\n")
    os.chmod(tmp_path / "report.txt", 0o604)
    (tmp_path / "link.txt").symlink_to("report.txt")
    binlint(["check", "-o", "link.txt", "a.so"], tmp_path)
    assert (tmp_path / "link.txt").is_symlink()  # the link stays; its target is replaced
    assert "executable-stack" in (tmp_path / "report.txt").read_text()
    assert (tmp_path / "report.txt").stat().st_mode & 0o777 == 0o604


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_full_standard_output_is_a_clear_error(artifacts: Artifacts, tmp_path: Path, fmt: str) -> None:
    shutil.copy(artifacts.path("execstack-lib"), tmp_path / "a.so")
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "binlint", "check", "--format", fmt, "a.so"], cwd=tmp_path,
                              env=cli_env(), stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == "binlint: error: cannot write the report to standard output: No space left on device\n"


# --------------------------------------------------------------------------
# Configuration and rule files as input
# --------------------------------------------------------------------------

def test_deeply_nested_toml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.binlint]\nselect = " + "[" * 50_000 + "]" * 50_000 + "\n")
    (tmp_path / "a.so").write_bytes(b"\x7fELF")
    proc = binlint(["check", "a.so"], tmp_path, stderr_ok=True)
    assert proc.returncode == 2
    assert proc.stderr == ("binlint: error: pyproject.toml: invalid TOML: arrays or tables nested deeper than "
                           "binlint reads\n")


@pytest.mark.parametrize("option, name, text, message", [
    ("--targets-file", "mine.toml", "[x]\nsummary = " + "[" * 50_000 + "]" * 50_000 + "\n",
     "mine.toml: invalid TOML: arrays or tables nested deeper than binlint reads"),
    ("--targets-file", "mine.json", "[" * 50_000 + "]" * 50_000,
     "mine.json: invalid JSON: arrays or tables nested deeper than binlint reads"),
    ("--baseline", "base.json", "[" * 50_000 + "]" * 50_000,
     "base.json: not a binlint baseline (arrays or objects nested deeper than binlint reads)"),
])
def test_deeply_nested_targets_and_baselines_name_the_file(tmp_path: Path, option: str, name: str, text: str,
                                                           message: str) -> None:
    (tmp_path / name).write_text(text)
    (tmp_path / "a.so").write_bytes(b"\x7fELF")
    proc = binlint(["check", "a.so", option, name, *(["--target", "x"] if option == "--targets-file" else [])], tmp_path,
                   stderr_ok=True)
    assert (proc.returncode, proc.stderr) == (2, f"binlint: error: {message}\n")


RULE = """id: {id}
group: custom
severity: error
formats: {formats}
summary: A rule for the test
when:
  fact: script.interpreter
  matches: '{pattern}'
message: "interpreter {{script.interpreter}}"
help:
  what: x
  error: x
  why: x
  fix: x
"""


def test_yaml_alias_bomb_in_formats_is_refused_at_once(tmp_path: Path) -> None:
    # Ten lists of ten aliases: 10^9 formats. It ran over 30 s and took 500 MB.
    anchors = ["x0: &l0 [elf, elf, elf, elf, elf, elf, elf, elf, elf, elf]"]
    anchors += [f"x{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 10)]
    text = "\n".join(anchors) + "\n" + RULE.format(id="bomb", formats="*l9", pattern="^/")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "bomb.yaml").write_text(text)
    proc = binlint(["rules", "--no-config", "--rules", "rules"], tmp_path, stderr_ok=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith("binlint: error: rules/bomb.yaml: line 1: invalid YAML: its aliases expand to ")
    assert "(an alias bomb?)" in proc.stderr


def test_user_rule_pattern_runs_in_linear_time(tmp_path: Path) -> None:
    # ^/(a+)+$ against 90 a's and a `!`: Python's re backtracks for longer than the universe.
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "only-as.yaml").write_text(RULE.format(id="only-as", formats="[script]",
                                                                 pattern="^/(a+)+$"))
    (tmp_path / "slow.sh").write_text("#!/" + "a" * 90 + "!\necho\n")
    (tmp_path / "match.sh").write_text("#!/aaaa\necho\n")
    for name in ("slow.sh", "match.sh"):
        os.chmod(tmp_path / name, 0o755)
    proc = subprocess.run([sys.executable, "-m", "binlint", "check", "--no-config", "--rules", "rules", "--select",
                           "only-as", "slow.sh", "match.sh"], cwd=tmp_path, env=cli_env(), capture_output=True,
                          text=True, timeout=60)
    assert proc.stdout.splitlines()[0] == "match.sh: error[only-as] interpreter /aaaa"
    assert proc.returncode == 1 and proc.stderr == ""


def test_user_rule_pattern_outside_re2_syntax_is_refused(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "ahead.yaml").write_text(RULE.format(id="ahead", formats="[script]", pattern="^/(?=a)"))
    proc = binlint(["rules", "--no-config", "--rules", "rules"], tmp_path, stderr_ok=True)
    assert proc.returncode == 2
    assert proc.stderr == ("binlint: error: rules/ahead.yaml: when.matches: invalid regular expression (RE2 syntax: "
                           "no look-around, no back-references): invalid perl operator: (?=\n")


def test_an_output_of_dash_is_standard_output(artifacts: Artifacts, tmp_path: Path) -> None:
    """`-o -` means standard output, as users of other tools expect; no file named `-` appears."""
    shutil.copy(artifacts.path("execstack-lib"), tmp_path / "a.so")
    for command in (["facts", "a.so", "--output", "-"], ["check", "a.so", "-o", "-", "--format", "json"]):
        proc = binlint(command, tmp_path, stderr_ok=True)
        assert json.loads(proc.stdout)["version"] == 1 and not (tmp_path / "-").exists(), command
