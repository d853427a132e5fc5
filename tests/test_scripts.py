"""Scripts and exec bits: the #! line as the kernel reads it, --kernel, file modes, and what
would run a file the kernel cannot.

The rule tables (tests/rules/) say which fixture fires which rule; these tests check what
a user reads: the rule id, the path (a member chain inside archives), the evidence in the
message (the interpreter, the length and the limit, the mode) and the exit code.
"""
from __future__ import annotations

import importlib.util
import io
import json
import py_compile
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from binlint import cli
from binlint.formats.members import Limits
from binlint.formats import classify
from binlint.formats.classify import HEAD_SIZE
from binlint.walk.discover import discover
from binlint.engine import Options, check
from binlint.report.finding import Finding
from binlint.errors import BinlintError
from binlint.facts import FileView
from binlint.formats.script import parse
from binlint.rules import Rule, load_rules
from binlint.rules.targets import Target, abi, complete, from_flags
from fixtures.files import minimal_pe
from fixtures import (
    DATA_SCRIPT_MEMBER,
    EXE_MODE,
    LIB_MODE,
    LONG_INTERPRETER,
    RELATIVE_SCRIPT_MEMBER,
    SCRIPT_BODY,
    UTF8_BOM,
    VERY_LONG_INTERPRETER,
    ArchiveEntry,
    Artifacts,
    tar_bytes,
    wheel_bytes,
    zip_bytes,
)
from rules.table import only, table_findings

SCRIPT_RULES = {"shebang-crlf", "shebang-relative-interpreter", "shebang-too-long", "shebang-env-arguments",
                "shebang-bom"}
MODE_RULES = {"setuid-file", "world-writable-file"}


@pytest.fixture(scope="module")
def rules() -> list[Rule]:
    return load_rules()


def findings_for(path: Path, rules: list[Rule], target: dict[str, object] | None = None) -> list[Finding]:
    return check(discover([str(path)]), rules, Options((Target.of(target or {}),)))


def write(directory: Path, name: str, data: bytes, mode: int = EXE_MODE) -> Path:
    path = directory / name
    path.write_bytes(data)
    path.chmod(mode)
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------
# The #! line, parsed as fs/binfmt_script.c does
# --------------------------------------------------------------------------

# head -> (shebang, interpreter, argument, length, crlf, bom)
PARSE_CASES = {
    "plain": (b"#!/bin/sh\necho\n", ("#!/bin/sh", "/bin/sh", None, 9, False, False)),
    "one-argument": (b"#!/usr/bin/python3 -u -O\n", ("#!/usr/bin/python3 -u -O", "/usr/bin/python3", "-u -O", 24,
                                                     False, False)),
    # spaces and tabs around the interpreter and at the end are dropped; inside, kept
    "spaces-and-tabs": (b"#! \t/bin/sh \t-e  x \t\n", ("#! \t/bin/sh \t-e  x \t", "/bin/sh", "-e  x", 20, False,
                                                      False)),
    # a carriage return is not a space to the kernel: it stays in the last word
    "crlf-interpreter": (b"#!/bin/sh\r\n", ("#!/bin/sh", "/bin/sh\r", None, 10, True, False)),
    "crlf-argument": (b"#!/usr/bin/env python3\r\n", ("#!/usr/bin/env python3", "/usr/bin/env", "python3\r", 23,
                                                      True, False)),
    "crlf-after-space": (b"#!/bin/sh \r\n", ("#!/bin/sh ", "/bin/sh", "\r", 11, True, False)),
    # a lone \r inside the line is no line end
    "cr-inside": (b"#!/bin/sh\rx\n", ("#!/bin/sh\rx", "/bin/sh\rx", None, 11, False, False)),
    "no-interpreter": (b"#!\n", ("#!", None, None, 2, False, False)),
    "only-spaces": (b"#!   \n", ("#!   ", None, None, 5, False, False)),
    # the kernel reads a C string: a NUL ends the line
    "nul": (b"#!/bin/sh\0 -x\n", ("#!/bin/sh\x00 -x", "/bin/sh", None, 13, False, False)),
    # no newline at all: the whole file is the line
    "no-newline": (b"#!/bin/sh", ("#!/bin/sh", "/bin/sh", None, 9, False, False)),
    # the mark counts in the length (the kernel reads from byte 0), not in the text
    "bom": (UTF8_BOM + b"#!/bin/sh\n", ("#!/bin/sh", "/bin/sh", None, 12, False, True)),
    "not-utf8": (b"#!/opt/\xff/sh\n", ("#!/opt/\\xff/sh", "/opt/\\xff/sh", None, 11, False, False)),
}


@pytest.mark.parametrize("head, expected", PARSE_CASES.values(), ids=PARSE_CASES.keys())
def test_shebang_parse(head: bytes, expected: tuple[object, ...]) -> None:
    shebang = parse(head)
    assert (shebang.text, shebang.interpreter, shebang.argument, shebang.length, shebang.crlf, shebang.bom) == expected


def test_a_byte_order_mark_before_the_shebang_is_a_script() -> None:
    assert classify(UTF8_BOM + b"#!/bin/sh\n") == "script"
    assert classify(UTF8_BOM + b"plain text\n") == "text"


def facts_of(path: Path) -> dict[str, object]:
    [artifact] = discover([str(path)])
    view = FileView.of_file(artifact, Limits())
    try:
        return {name: view.get(name) for name in view.names()}
    finally:
        view.close()


ENV_CASES = {
    b"#!/usr/bin/env python3\n": (["python3"], ["python3"]),
    b"#!/usr/bin/env python3 -u\n": (["python3 -u"], ["python3", "-u"]),
    b"#!/usr/bin/env -S python3 -u\n": (["-S python3 -u"], ["-S", "python3", "-u"]),
    b"#!/bin/env\tpython3\t -u\n": (["python3\t -u"], ["python3", "-u"]),
    b"#!/usr/bin/env\n": ([], []),
    b"#!/usr/bin/python3 -u\n": (["-u"], []),  # not env
    b"#!/usr/bin/envy python3 -u\n": (["python3 -u"], []),
}


@pytest.mark.parametrize("head", ENV_CASES, ids=[h.decode().strip() for h in ENV_CASES])
def test_arguments_and_env_arguments(tmp_path: Path, head: bytes) -> None:
    facts = facts_of(write(tmp_path, "tool", head + SCRIPT_BODY))
    assert (facts["script.arguments"], facts["script.env_arguments"]) == ENV_CASES[head]


def test_script_facts_of_a_crlf_script(artifacts: Artifacts) -> None:
    facts = facts_of(artifacts.path("crlf-script"))
    assert {k: v for k, v in facts.items() if k.startswith("script.")} == {
        "script.shebang": "#!/usr/bin/env python3", "script.interpreter": "/usr/bin/env",
        "script.arguments": ["python3\r"], "script.env_arguments": ["python3\r"], "script.shebang_length": 23,
        "script.crlf": True, "script.bom": False}
    assert facts["file.kind"] == "script" and facts["file.binfmt"] is None


@pytest.mark.parametrize("length", [HEAD_SIZE - 3, HEAD_SIZE, HEAD_SIZE + 100, 3000])
def test_shebang_length_past_the_first_bytes_read(tmp_path: Path, length: int) -> None:
    # The head is 512 bytes; a script's #! line is read on to its newline (up to 4096).
    interpreter = "/" + "x" * (length - 3)
    path = write(tmp_path, "tool", f"#!{interpreter}\n".encode() + SCRIPT_BODY)
    facts = facts_of(path)
    assert (facts["script.shebang_length"], facts["script.interpreter"]) == (length, interpreter)


def test_shebang_length_of_a_line_without_end_counts_what_was_read(tmp_path: Path) -> None:
    facts = facts_of(write(tmp_path, "tool", b"#!/" + b"x" * 10000))
    assert facts["script.shebang_length"] == 4096


def test_shebang_length_of_an_archive_member_past_the_head(tmp_path: Path, rules: list[Rule]) -> None:
    interpreter = "/" + "y" * 699
    data = tar_bytes([ArchiveEntry("app/bin/tool", f"#!{interpreter}\n".encode() + SCRIPT_BODY, EXE_MODE)])
    path = write(tmp_path, "app.tar", data, LIB_MODE)
    finding = only(findings_for(path, rules), "shebang-too-long")
    assert finding.path == f"{path}!app/bin/tool"
    assert "702 bytes" in finding.message and interpreter in finding.message


# --------------------------------------------------------------------------
# What a user reads: rule, path, severity, evidence
# --------------------------------------------------------------------------

# (rule, fixture, target, severity, substrings of the message)
SCRIPT_CASES = [
    ("shebang-crlf", "crlf-script", {}, "error", ["#!/usr/bin/env python3", "CRLF", "/usr/bin/env", "python3\\r"]),
    ("shebang-relative-interpreter", "relative-interp-script", {}, "error", ["`python3`", "relative"]),
    ("shebang-too-long", "long-shebang-script", {}, "error", [LONG_INTERPRETER, "202 bytes", "127 bytes"]),
    ("shebang-too-long", "very-long-shebang-script", {}, "error", [VERY_LONG_INTERPRETER, "302 bytes", "127 bytes"]),
    ("shebang-too-long", "very-long-shebang-script", {"kernel": "6.1"}, "error", ["302 bytes", "255 bytes"]),
    ("shebang-env-arguments", "env-args-script", {}, "error", ['"python3 -u"', "env -S"]),
    ("shebang-bom", "bom-script", {}, "error", ["byte-order mark", "#!/bin/sh", "Exec format error"]),
]


@pytest.mark.parametrize("rule_id, name, target, severity, expected", SCRIPT_CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in SCRIPT_CASES])
def test_script_finding(artifacts: Artifacts, rule_id: str, name: str, target: dict[str, str], severity: str,
                        expected: list[str]) -> None:
    path = artifacts.path(name)
    findings = table_findings(path, target)
    finding = only(findings, rule_id)
    assert (finding.rule, finding.path, finding.severity) == (rule_id, str(path), severity)
    assert {s for s in expected if s not in finding.message} == set(), finding.message
    assert "\r" not in finding.message and "\n" not in finding.message
    assert {f.rule for f in findings} == {rule_id}, "one problem, one finding"


@pytest.mark.parametrize("name", ["clean-script", "env-s-script", "script-exec", "data-scripts-wheel"])
def test_clean_scripts_stay_quiet(artifacts: Artifacts, name: str) -> None:
    for target in ({}, {"kernel": "4.19"}, {"kernel": "6.1"}):
        assert table_findings(artifacts.path(name), target) == []


def test_relative_interpreter_in_a_wheel_names_the_member(artifacts: Artifacts) -> None:
    path = artifacts.path("relative-script-wheel")
    finding = only(table_findings(path, {}), "shebang-relative-interpreter")
    assert (finding.path, finding.location, finding.members) == (
        f"{path}!{RELATIVE_SCRIPT_MEMBER}", str(path), (RELATIVE_SCRIPT_MEMBER,))
    assert "`python3`" in finding.message


# (member, first line, fires): only #!python and #!pythonw in {dist}-{version}.data/scripts/
# are the wheel specification's placeholders.
WHEEL_SCRIPT_CASES = [
    (DATA_SCRIPT_MEMBER, b"#!python", False),
    (DATA_SCRIPT_MEMBER, b"#!pythonw", False),
    (DATA_SCRIPT_MEMBER, b"#!python -u", False),  # installers keep the argument
    (DATA_SCRIPT_MEMBER, b"#!python3", True),
    (DATA_SCRIPT_MEMBER, b"#!bin/python", True),
    ("pkg-1.0.data/scripts/sub/tool", b"#!python", False),
    ("pkg-1.0.data/purelib/pkg/tool", b"#!python", True),
    ("pkg/scripts/tool", b"#!python", True),
    ("pkg/pkg-1.0.data/scripts/tool", b"#!python", True),  # not at the top of the wheel
]


@pytest.mark.parametrize("member, first_line, fires", WHEEL_SCRIPT_CASES,
                         ids=[f"{m}-{f.decode()}" for m, f, _ in WHEEL_SCRIPT_CASES])
def test_wheel_script_placeholders(tmp_path: Path, rules: list[Rule], member: str, first_line: bytes,
                                   fires: bool) -> None:
    files = [ArchiveEntry("pkg/__init__.py", b""), ArchiveEntry(member, first_line + b"\n" + SCRIPT_BODY, EXE_MODE)]
    path = write(tmp_path, "pkg-1.0-py3-none-any.whl", wheel_bytes("pkg", "1.0", "py3-none-any", files, purelib=True),
                 LIB_MODE)
    findings = findings_for(path, rules)
    assert [(f.rule, f.path) for f in findings] == ([("shebang-relative-interpreter", f"{path}!{member}")]
                                                    if fires else [])


def test_placeholder_outside_a_wheel_is_relative(tmp_path: Path, rules: list[Rule]) -> None:
    # A .data/scripts/ directory in a plain zip, or unpacked on disk, is not installed by anybody.
    data = zip_bytes([ArchiveEntry(DATA_SCRIPT_MEMBER, b"#!python\n" + SCRIPT_BODY, EXE_MODE)])
    path = write(tmp_path, "pkg.zip", data, LIB_MODE)
    assert [f.rule for f in findings_for(path, rules)] == ["shebang-relative-interpreter"]
    on_disk = tmp_path / "pkg-1.0.data" / "scripts"
    on_disk.mkdir(parents=True)
    assert [f.rule for f in findings_for(write(on_disk, "tool", b"#!python\n"), rules)] == [
        "shebang-relative-interpreter"]


@pytest.mark.parametrize("head", [b"#!/usr/bin/env python3\r\n", b"#!python3\n", b"#!/usr/bin/env python3 -u\n",
                                  f"#!{LONG_INTERPRETER}\n".encode()])
def test_script_rules_need_an_execute_bit(tmp_path: Path, rules: list[Rule], head: bytes) -> None:
    # A library module is never executed: its #! line is only a comment.
    assert findings_for(write(tmp_path, "module.py", head + SCRIPT_BODY, LIB_MODE), rules) == []
    assert {f.rule for f in findings_for(write(tmp_path, "tool", head + SCRIPT_BODY, 0o700), rules)} <= SCRIPT_RULES


def test_byte_order_mark_fires_without_an_execute_bit(tmp_path: Path, rules: list[Rule]) -> None:
    # Whoever starts it (`chmod +x`, an installer setting the mode) gets the failure.
    path = write(tmp_path, "tool.py", UTF8_BOM + b"#!/usr/bin/env python3\n" + SCRIPT_BODY, LIB_MODE)
    assert [f.rule for f in findings_for(path, rules)] == ["shebang-bom"]


@pytest.mark.parametrize("first_line", [b"#!/usr/bin/env python3 -S", b"#!/usr/bin/env -i python3",
                                        b"#!/usr/bin/env FOO=1 python3", b"#!/bin/env python3 -u"])
def test_env_with_several_words(tmp_path: Path, rules: list[Rule], first_line: bytes) -> None:
    # python3's own -S (no site) is not env's -S: the first word decides.
    finding = only(findings_for(write(tmp_path, "tool", first_line + b"\n" + SCRIPT_BODY), rules),
                   "shebang-env-arguments")
    assert first_line.decode().split(None, 1)[1] in finding.message


@pytest.mark.parametrize("first_line", [b"#!/usr/bin/env -S python3 -u", b"#!/usr/bin/env -Spython3 -u",
                                        b"#!/usr/bin/env -vS python3 -u", b"#!/usr/bin/env --split-string=python3 -u",
                                        b"#!/usr/bin/env python3", b"#!/usr/bin/python3 -u -O"])
def test_env_split_or_one_word_is_quiet(tmp_path: Path, rules: list[Rule], first_line: bytes) -> None:
    assert findings_for(write(tmp_path, "tool", first_line + b"\n" + SCRIPT_BODY), rules) == []


# --------------------------------------------------------------------------
# --kernel and the shebang_limit target
# --------------------------------------------------------------------------

# (length of the #! line, kernel, fires)
LIMIT_CASES = [
    (127, None, False), (128, None, True),
    (127, "5.0", False), (128, "5.0", True), (128, "4.19", True), (128, "2.6", True),
    (128, "5.1", False), (255, "5.1", False), (256, "5.1", True), (255, "6.12", False), (256, "10.0", True),
]


@pytest.mark.parametrize("length, kernel, fires", LIMIT_CASES, ids=[f"{n}-{k}" for n, k, _ in LIMIT_CASES])
def test_shebang_limit_edges(tmp_path: Path, rules: list[Rule], length: int, kernel: str | None, fires: bool) -> None:
    path = write(tmp_path, "tool", f"#!/{'z' * (length - 3)}\n".encode() + SCRIPT_BODY)
    findings = findings_for(path, rules, {"kernel": kernel} if kernel else {})
    assert [f.rule for f in findings] == (["shebang-too-long"] if fires else [])
    if fires:
        limit = 255 if kernel and tuple(map(int, kernel.split("."))) >= (5, 1) else 127
        assert f"{length} bytes long, more than the {limit} bytes" in findings[0].message


def test_crlf_counts_in_the_length(tmp_path: Path, rules: list[Rule]) -> None:
    path = write(tmp_path, "tool", f"#!/{'z' * 124}\r\n".encode())  # 127 bytes and the \r
    assert {f.rule for f in findings_for(path, rules)} == {"shebang-crlf", "shebang-too-long"}


def test_complete_target() -> None:
    # (portability) glibc >= 2.41's dlopen, and the ABI's tables every target has
    stack = {"dlopen_refuses_stack": ["X", "RX", "WX", "RWX"], **abi().plain()}

    def completed(**values: object) -> dict[str, object]:
        return complete(Target.of(values)).plain()

    assert completed() == {"shebang_limit": 127, **stack}
    assert completed(kernel="5.0") == {"kernel": "5.0", "shebang_limit": 127, **stack}
    assert completed(kernel="5.1", glibc="2.17") == {"kernel": "5.1", "glibc": "2.17", "shebang_limit": 255, **stack}
    assert completed(kernel="6.1", shebang_limit=127) == {"kernel": "6.1", "shebang_limit": 127, **stack}
    assert from_flags(glibc=None, kernel="5.4").plain() == {"kernel": "5.4"}


@pytest.mark.parametrize("value", ["5", "five", "", "5.x", "v5.4", "generic-5.4"])
def test_kernel_option_is_validated(capsys: pytest.CaptureFixture[str], artifacts: Artifacts, value: str) -> None:
    code, out, err = run_cli(capsys, "check", "--kernel", value, str(artifacts.path("clean-script")))
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"binlint: error: invalid --kernel value {value!r}: expected a version such as 5.4 "
                                "or 5.15.0-91-generic"]


def test_kernel_option_sets_the_limit(capsys: pytest.CaptureFixture[str], artifacts: Artifacts) -> None:
    path = str(artifacts.path("long-shebang-script"))
    code, out, _ = run_cli(capsys, "check", path)
    assert code == 1 and "error[shebang-too-long]" in out and "127 bytes" in out
    assert run_cli(capsys, "check", "--kernel", "5.0", path)[0] == 1
    code, out, _ = run_cli(capsys, "check", "--kernel", "5.4", path)
    assert code == 0 and out == "No problems found in 1 file.\n"
    very_long = str(artifacts.path("very-long-shebang-script"))
    code, out, _ = run_cli(capsys, "check", "--kernel", "6.1", very_long)
    assert code == 1 and "302 bytes long, more than the 255 bytes" in out


def test_json_report_target_is_what_was_given(capsys: pytest.CaptureFixture[str], artifacts: Artifacts) -> None:
    path = str(artifacts.path("long-shebang-script"))
    code, out, _ = run_cli(capsys, "check", "--format", "json", path)
    assert (code, json.loads(out)["target"]) == (1, {})
    code, out, _ = run_cli(capsys, "check", "--format", "json", "--kernel", "5.4", "--glibc", "2.17", path)
    assert (code, json.loads(out)["target"]) == (0, {"glibc": "2.17", "kernel": "5.4"})


@pytest.mark.parametrize("name, code", [("crlf-script", 1), ("relative-interp-script", 1), ("env-args-script", 1),
                                        ("bom-script", 1), ("clean-script", 0), ("env-s-script", 0),
                                        ("relative-script-wheel", 1), ("data-scripts-wheel", 0), ("perms-tar", 1)])
def test_exit_codes(capsys: pytest.CaptureFixture[str], artifacts: Artifacts, name: str, code: int) -> None:
    result, out, err = run_cli(capsys, "check", str(artifacts.path(name)))
    assert (result, err) == (code, ""), out


# --------------------------------------------------------------------------
# File modes: set-user-ID, set-group-ID, world-writable
# --------------------------------------------------------------------------

def test_perms_tar_members(artifacts: Artifacts) -> None:
    path = artifacts.path("perms-tar")
    findings = {(f.rule, f.path, f.severity): f for f in table_findings(path, {})}
    assert set(findings) == {
        ("setuid-file", f"{path}!app-1.0/bin/helper", "error"),
        ("world-writable-file", f"{path}!app-1.0/share/notes.txt", "warning"),
        ("non-elf-executable", f"{path}!app-1.0/lib/app.jar", "error"),
    }
    setuid = findings["setuid-file", f"{path}!app-1.0/bin/helper", "error"]
    assert setuid.members == ("app-1.0/bin/helper",) and setuid.location == str(path)
    assert setuid.message.startswith("mode 4755 is set-user-ID: the program runs with its owner's")
    assert "0666" in findings["world-writable-file", f"{path}!app-1.0/share/notes.txt", "warning"].message
    jar = findings["non-elf-executable", f"{path}!app-1.0/lib/app.jar", "error"].message
    assert "0755" in jar and "what would run it instead: java" in jar


def test_world_writable_is_a_warning(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = str(write(tmp_path, "notes.txt", b"shared\n", 0o666))
    code, out, _ = run_cli(capsys, "check", path)
    assert code == 0 and "warning[world-writable-file] mode 0666" in out
    assert run_cli(capsys, "check", "--fail-on", "warning", path)[0] == 1


@pytest.mark.parametrize("mode, bits", [(0o4755, "set-user-ID"), (0o2755, "set-group-ID"),
                                        (0o6755, "set-user-ID, set-group-ID")])
def test_setuid_and_setgid_files_on_disk(tmp_path: Path, rules: list[Rule], mode: int, bits: str) -> None:
    path = write(tmp_path, "helper", b"#!/bin/sh\necho\n", mode)
    finding = only(findings_for(path, rules), "setuid-file")
    assert (finding.path, finding.severity) == (str(path), "error")
    assert finding.message.startswith(f"mode {mode:04o} is {bits}: the program runs with")


def test_plain_modes_are_quiet(tmp_path: Path, rules: list[Rule]) -> None:
    for mode in (0o755, 0o644, 0o775, 0o664, 0o1755):
        path = write(tmp_path, f"file-{mode:o}", b"#!/bin/sh\n", mode)
        assert {f.rule for f in findings_for(path, rules)} & MODE_RULES == set(), oct(mode)


def test_mode_facts(tmp_path: Path) -> None:
    facts = facts_of(write(tmp_path, "helper", b"#!/bin/sh\n", 0o6777))
    assert (facts["file.mode"], facts["file.setuid"], facts["file.setgid"], facts["file.world_writable"]) == (
        "6777", True, True, True)
    assert facts["file.path"] == str(tmp_path / "helper")


# --------------------------------------------------------------------------
# file.binfmt: what would run a file the kernel cannot
# --------------------------------------------------------------------------

def _pyc(tmp_path: Path) -> bytes:
    source = tmp_path / "m.py"
    source.write_text("x = 1\n")
    return Path(py_compile.compile(str(source), cfile=str(tmp_path / "m.pyc"), doraise=True)).read_bytes()


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, b"x")
    return buffer.getvalue()


def _jar_with_magic() -> bytes:
    """What `jar` writes: META-INF/ first, with the 0xCAFE extra field."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("META-INF/")
        info.extra = b"\xfe\xca\x00\x00"
        archive.writestr(info, b"")
        archive.writestr("a/B.class", b"\xca\xfe\xba\xbe\x00\x00\x00\x34")
    return buffer.getvalue()


def test_binfmt(tmp_path: Path) -> None:
    python = f"python{sys.version_info.major}.{sys.version_info.minor}"
    cases = {
        "run.pyc": (_pyc(tmp_path), python),
        "app.jar": (_zip(["META-INF/MANIFEST.MF", "a/B.class"]), "java"),
        "magic.bin": (_jar_with_magic(), "java"),
        # named .jar, but its bytes say nothing of Java
        "fake.jar": (_zip(["README", "a.txt"]), None),
        "B.class": (b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + bytes(16), "java"),
        "app.exe": (minimal_pe(), "wine"),
        "notes": (b"echo hello\n", "sh"),
        "empty": (b"", "sh"),
        "tool": (b"#!/bin/sh\n", None),
        "data": (b"\x00\x01binlint" + bytes(50), None),
    }
    for name, (data, expected) in cases.items():
        assert facts_of(write(tmp_path, name, data))["file.binfmt"] == expected, name


def test_non_elf_executable_names_what_would_run_it(artifacts: Artifacts) -> None:
    expected = {"pyc-exec": f"python{sys.version_info.major}.{sys.version_info.minor}", "jar-exec": "java",
                "pe-exec": "wine", "text-exec": "sh"}
    for name, runner in expected.items():
        message = only(table_findings(artifacts.path(name), {}), "non-elf-executable").message
        assert f"what would run it instead: {runner}" in message, message
        assert message.count(". ") == 0, "one sentence"


def test_user_rule_with_the_shebang_limit_target(tmp_path: Path, artifacts: Artifacts) -> None:
    # An int target compares with greater-than, and only with it.
    base = {"id": "my-long-shebang", "group": "custom", "severity": "note", "formats": ["script"],
            "summary": "A long #! line", "message": "{script.shebang_length} > {target.shebang_limit}",
            "help": {"what": "w", "error": "e", "why": "y", "fix": "f"}}
    directory = tmp_path / "rules"
    directory.mkdir()
    rule = {**base, "when": {"fact": "script.shebang_length", "greater-than": {"target": "shebang_limit"}}}
    (directory / "my-long-shebang.yaml").write_text(yaml.safe_dump(rule))
    rules = load_rules([str(directory)])
    finding = only(check(discover([str(artifacts.path("long-shebang-script"))]), rules), "my-long-shebang")
    assert finding.message == "202 > 127"
    rule["when"] = {"fact": "script.shebang_length", "less-than": {"target": "shebang_limit"}}
    (directory / "my-long-shebang.yaml").write_text(yaml.safe_dump(rule))
    with pytest.raises(BinlintError, match="target 'shebang_limit' is a whole number: compare it with greater-than"):
        load_rules([str(directory)])


# --------------------------------------------------------------------------
# scripts/compare.py: the before/after comparison of two binlint versions
# --------------------------------------------------------------------------

def _compare_module() -> ModuleType:
    path = Path(__file__).resolve().parent.parent / "scripts" / "compare.py"
    spec = importlib.util.spec_from_file_location("binlint_compare", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_compare_runs_same_different_and_version_only() -> None:
    compare = _compare_module()
    Run = compare.Run
    old = Run(b'{"version": "0.1.0", "findings": []}\n', b"", 0)
    same = compare.compare_runs(old, Run(old.stdout, old.stderr, old.code))
    assert (same.status, same.diff, same.different) == ("same", [], False)

    changed = compare.compare_runs(old, Run(b'{"version": "0.1.0", "findings": [1]}\n', b"warning\n", 1))
    assert changed.different and changed.status == "DIFFERENT"
    assert changed.diff[0] == "exit status: 0 -> 1"
    assert '-{"version": "0.1.0", "findings": []}' in changed.diff
    assert '+{"version": "0.1.0", "findings": [1]}' in changed.diff and "+warning" in changed.diff

    bumped = Run(b'{"version": "0.2.0", "findings": []}\n', b"", 0)
    versions = ("0.1.0", "0.2.0")
    assert compare.compare_runs(old, bumped, versions).status == "DIFFERENT (version only)"
    assert compare.compare_runs(old, bumped, versions, allow_version=True).status == "same (version only)"
    assert compare.compare_runs(old, bumped, ("0.1.0", "0.1.0")).status == "DIFFERENT"


def test_compare_diff_shows_where_a_long_line_differs() -> None:
    compare = _compare_module()
    line = "x" * 500
    outcome = compare.compare_runs(compare.Run(f"{line}any{line}\n".encode(), b"", 0),
                                   compare.Run(f"{line}symlink{line}\n".encode(), b"", 0))
    removed, added = (d for d in outcome.diff if d[:1] in "-+" and d[:3] not in ("---", "+++"))
    assert "any" in removed and "symlink" in added
    assert max(len(removed), len(added)) < compare.WIDTH + 10
