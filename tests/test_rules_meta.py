"""The built-in rule files themselves: complete help, covered by the rule tables (each rule's rows
in the table of the facts it reads, tests/rules/table.py), valid against the schema with both
validators, generated docs current, messages that render."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from binlint.walk.discover import discover
from binlint.engine import check
from binlint.rules import PLACEHOLDER, Rule, builtin_rules_dir, load_rules
from fixtures import Artifacts
from rules.table import table_files, table_findings, tables
from rules.test_elf import build_private_symbol_lib

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "binlint" / "rules" / "schema.json"
RULE_FILES = sorted(Path(builtin_rules_dir()).glob("*.yaml"))
HELP_SECTIONS = ("what", "error", "why", "fix")

# Text that the loader, linker, shell or Python really prints, one per rule: the `error`
# help section must quote at least one of its rule's, so users can find the rule by the
# message they got. (glibc elf/dl-load.c and dl-version.c, GNU ld, strerror(ENOEXEC).)
REAL_MESSAGES: dict[str, tuple[str, ...]] = {
    "executable-stack": ("cannot enable executable stack as shared object requires",),
    "glibc-private-symbol": ("version `GLIBC_PRIVATE' not found (required by", "undefined symbol:"),
    "glibc-version-above-target": ("' not found (required by",),
    "image-library-not-found": ("cannot open shared object file: No such file or directory",),
    "image-glibc-too-new": ("' not found (required by",),
    "image-elf-arch-mismatch": ("exec format error", "Exec format error"),
    "image-entrypoint-not-found": ("no such file or directory", "executable file not found in $PATH"),
    "image-entrypoint-not-executable": ("permission denied",),
    "image-entrypoint-exec-format": ("exec format error",),
    "image-unsafe-layer-entry": ("is outside of",),
    "missing-gnu-stack": ("cannot enable executable stack as shared object requires",),
    "non-elf-executable": ("Exec format error",),
    "object-executable-stack": ("missing .note.GNU-stack section implies executable stack",),
    "unreadable-artifact": ("file too short", "invalid ELF header", "Exec format error"),
    "wheel-arch-mismatch": ("wrong ELF class", "Exec format error"),
    "image-other-images-not-checked": ("exec format error",),
    "image-compressed-not-read": ("no such file or directory",),
    "wheel-binary-format-mismatch": ("is not a valid Win32 application", "invalid ELF header", "not a mach-o file"),
    "wheel-libc-mismatch": ("Error loading shared library", "symbol not found"),
    "wheel-linux-platform-tag": ("has an unsupported platform tag",),
    "pure-wheel-with-native-code": ("invalid ELF header", "not a mach-o file"),
    "purelib-wheel-with-native-code": ("(no error of its own",),
    "unsafe-archive-member": ("trying to install outside target directory", "outside the destination"),
    "duplicate-archive-member": ("Duplicate name:",),
    "pyinstaller-onefile-tmpdir": ("failed to map segment from shared object",),
    "pyinstaller-runtime-tmpdir-unexpanded": ("Could not create temporary directory", "failed to map segment"),
    # Portability: glibc's loader (elf/dl-load.c, dl-version.c, csu), the shells after execve.
    "symbol-version-above-target": ("' not found (required by",),
    "needed-library-not-on-target": ("cannot open shared object file: No such file or directory",),
    "carried-library-not-on-search-path": ("cannot open shared object file: No such file or directory",),
    "rpath-build-directory": ("cannot open shared object file: No such file or directory",),
    "rpath-relative-entry": ("cannot open shared object file: No such file or directory",),
    "rpath-empty-entry": ("cannot open shared object file: No such file or directory",),
    "rpath-not-runpath": ("' not found (required by",),
    "nonstandard-interpreter": ("cannot execute: required file not found", "No such file or directory"),
    "kernel-above-target": ("FATAL: kernel too old",),
    "blacklisted-symbol": ("undefined symbol:",),
    "python-fpe-symbol": ("undefined symbol: PyFPE_jbuf",),
    # A diagnostic, not a failure: nothing prints an error for an archive nested too deep, so
    # its `error` section says so instead of quoting one.
    "archive-too-deep": ("(no error of its own",),
    # strerror(ENOENT) as the loader prints it for a missing library, strerror(ELOOP).
    "broken-symbolic-link": ("cannot open shared object file: No such file or directory",
                             "Too many levels of symbolic links"),
    # Scripts and exec bits: env and bash after execve (fs/binfmt_script.c), strerror(ENOEXEC),
    # rpmlint's tag for set-user-ID files, MySQL and OpenSSH refusing world-writable files.
    "shebang-crlf": (r"'python3\r': No such file or directory", "bad interpreter: No such file or directory"),
    "shebang-relative-interpreter": ("bad interpreter: No such file or directory",),
    "shebang-too-long": ("bad interpreter: No such file or directory", "Exec format error"),
    "shebang-env-arguments": ("/usr/bin/env: 'python3 -u': No such file or directory",),
    "shebang-bom": ("Exec format error",),
    "setuid-file": ("E: setuid-binary", "is owned by root and has mode 4755"),
    "world-writable-file": ("World-writable config file", "Bad owner or permissions on"),
    # Hardening: glibc's loader (elf/dl-reloc.c, dl-map-segments.h, sysdeps/x86/dl-cet.c,
    # sysdeps/aarch64/dl-bti.c) and GNU ld where something fails; for the opt-in rules, where
    # nothing fails, what checksec, pwntools and lintian print.
    "text-relocations": ("cannot make segment writable for relocation", "cannot restore segment prot after reloc"),
    "rwx-segment": ("failed to map segment from shared object", "has a LOAD segment with RWX permissions"),
    "non-pie-executable": ("hardening-no-pie", "can not be used when making a PIE object; recompile with -fPIE"),
    "no-relro": ("No RELRO", "hardening-no-relro"),
    "no-bind-now": ("Partial RELRO", "hardening-no-bindnow"),
    "no-stack-protector": ("No canary found",),
    "no-fortify": ("hardening-no-fortify-functions", "_FORTIFY_SOURCE requires compiling with optimization"),
    "no-cet": ("rebuild shared object with SHSTK support enabled", "rebuild shared object with IBT support enabled",
               "missing IBT and SHSTK properties"),
    "no-bti": ("failed to turn on BTI protection", "BTI turned on by -z force-bti"),
    "debug-file-mismatch": ('" does not match "', "(CRC mismatch)"),
    "unit-no-stack-protector": ("DW_AT_producer    : (indirect string, offset: 0x2a): GNU C17 12.2.0",),
    "unit-no-cf-protection": ("missing IBT and SHSTK properties",),
    "unit-unoptimized": ("_FORTIFY_SOURCE requires compiling with optimization",),
    "unit-no-fortify-source": ("*** buffer overflow detected ***",),
    # Mach-O: dyld's messages (dyld4 as Python shows them), the kernel's kill, delocate, ld64
    # and BinSkim for the hardening rules; nothing prints for an executable stack or heap.
    "macho-macos-version-above-target": ("(which was built for Mac OS X", "load command 0x80000034 is unknown"),
    "macho-executable-stack": ("(no error of its own", "BA5002"),
    "macho-executable-heap": ("(no error of its own",),
    "macho-non-pie-executable": ("-no_pie is deprecated when targeting new OS versions", "BA5001"),
    "macho-arm64-unsigned": ("Trying to load an unsigned library", "killed"),
    "macho-signature-mismatch": ("code signature invalid in", "Code Signature Invalid"),
    "macho-build-machine-dylib": ("Library not loaded: /opt/homebrew/", "(no such file)"),
    "macho-build-machine-rpath": ("Library not loaded: @rpath/",),
    "macho-dylib-not-in-artifact": ("Library not loaded: @rpath/", "no LC_RPATH's found"),
    "macho-wheel-arch-missing": ("mach-o file, but is an incompatible architecture",),
    "macho-library-validation-team-mismatch": ("mapping process and mapped file (non-platform) have different Team IDs",
                                               "mapped file has no Team ID and is not a platform binary"),
    "macho-hardened-runtime-ffi-closures": ("Cannot allocate write+execute memory for ffi.callback()",),
    "macho-hardened-runtime-jit-only": ("Cannot allocate write+execute memory for ffi.callback()",),
    # The loader never reads section headers; binutils and file(1) do.
    "elf-sections-unreadable": ("extends past end of file for section headers", "file format not recognized"),
    "wheel-not-a-zip": ("located at", "is invalid."),  # pip's InvalidWheel
    "pyinstaller-archive-damaged": ("Could not load PyInstaller's embedded PKG archive from the executable",
                                    "Cannot open PyInstaller archive from executable"),
    # The wheel metadata rules: PyPI's upload refusals and mail (warehouse forklift/legacy.py,
    # templates/email/wheel-record-mismatch-email), installer's validate_record, wheel unpack,
    # pip's MissingCallableSuffix; nothing fails for a tag mismatch or an SBOM.
    "wheel-tags-mismatch": ("(no error of its own",),
    "wheel-tag-line-compressed": ("(no error of its own",),
    "wheel-record-missing": ("does not contain the required RECORD file",),
    "wheel-record-incomplete": ("is not mentioned in RECORD", "No hash found for file"),
    "wheel-record-stale-row": ("has file contents that do not match the included RECORD file",),
    "wheel-record-size-mismatch": ("didn't match RECORD", "Hash mismatch for file"),
    "wheel-record-hash-mismatch": ("didn't match RECORD", "Hash mismatch for file"),
    "wheel-entry-points-unparsable": ("has invalid entry points defined in the entry_points.txt file",),
    "wheel-script-name-invalid": ("has invalid entry points defined in the entry_points.txt file",),
    "wheel-script-entry-point-invalid": ("A callable suffix is required",),
    "wheel-grafted-libraries-without-sbom": ("(no error of its own",),
    "wheel-sbom-file-mismatch": ("(no error of its own",),
    "wheel-package-split-across-schemes": ("ModuleNotFoundError: No module named",),
    # The Python ABI rules: what Python, the loader and auditwheel's repair print.
    "python-extension-tag-mismatch": ("ModuleNotFoundError: No module named",),
    "abi3-non-stable-symbol": ("undefined symbol:",),
    "abi3-symbol-above-floor": ("undefined symbol:",),
    "python-extension-links-libpython": ("cannot open shared object file: No such file or directory",
                                         "Linking with libpython is forbidden for manylinux/musllinux wheels."),
    # CPython's faulthandler on the crash; Python/import.c, _PyImport_EnableGILAndWarn.
    "python-extension-static-interpreter": ("Fatal Python error: Segmentation fault",),
    "python-free-threaded-gil-enabled": ("has not declared that it can run safely without the GIL",),
    # Bionic's linker (linker/linker.cpp), when a function of a newer API level is missing.
    "android-api-level-above-target": ("cannot locate symbol \"",),
    # dyld (dyld4's error strings) and pip, for the iOS and macOS arm64 tags.
    "macho-ios-platform-mismatch": ("but incompatible platform (have '",),
    "macho-ios-version-above-target": ("was built for newer iOS version",),
    "wheel-macos-arm64-tag-before-11": ("is not a supported wheel on this platform",),
    # Emscripten's dynamic loader (src/lib/libdylink.js).
    "wasm-module-not-side-module": ("need dylink section",),
    # The distribution packages: glibc's loader, the loader on another architecture, conda's
    # SafetyError (conda/core/path_actions.py).
    "package-glibc-above-dependencies": ("version `GLIBC_2.34' not found (required by",),
    "package-arch-mismatch": ("cannot execute binary file: Exec format error",),
    "conda-paths-mismatch": ("appears to be corrupted. The path", "has a sha256 mismatch."),
    "conda-library-not-in-dependencies": ("cannot open shared object file: No such file or directory",),
    # CPython's ImportError around FormatMessage's text for the Windows error (3.8 and later).
    "pe-dll-not-found": ("DLL load failed while importing _ext: The specified module could not be found.",),
    "pe-abi3-imports-versioned-python": ("DLL load failed while importing _ext: The specified module could not be found.",),
    "pe-python-dll-tag-mismatch": ("DLL load failed while importing _ext: The specified module could not be found.",),
    "pe-machine-mismatch": ("%1 is not a valid Win32 application.",),
    # BinSkim's messages (src/BinSkim.Rules/RuleResources.resx).
    "pe-no-aslr": ("is not marked as DYNAMICBASE.",),
    "pe-no-high-entropy-va": ("does not declare itself as high entropy ASLR compatible.",),
    "pe-no-dep": ("is not marked NX compatible.",),
    "pe-no-cfg": ("does not enable the control flow guard (CFG) mitigation.",),
    "pe-no-safeseh": ("indicating that it does not enable the SafeSEH mitigation.",),
    "pe-writable-executable-section": ("that are both writable and executable.",),
    "pe-no-cetcompat": ("does not enable the Control-flow Enforcement Technology (CET) Shadow Stack mitigation.",),
    # ERROR_SXS_CANT_GEN_ACTCTX (14001) and ERROR_SYSTEM_INTEGRITY_POLICY_VIOLATION (4551), as
    # Python's ImportError shows them.
    "pe-manifest-crt-assembly": ("The application has failed to start because its side-by-side configuration is "
                                 "incorrect.",),
    "pe-signature-mismatch": ("An Application Control policy has blocked this file.",),
    # llvm-readobj --coff-debug-directory, run on the fixture pe-x64-pdb-build-path-lib.dll.
    "pe-pdb-build-path": ("PDBFileName: C:\\Users\\",),
}


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def rule_ids_on_disk() -> set[str]:
    return {path.stem for path in RULE_FILES}


def test_there_are_builtin_rules() -> None:
    assert RULE_FILES, f"no rule files in {builtin_rules_dir()}"


# --------------------------------------------------------------------------
# Each rule file
# --------------------------------------------------------------------------


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_id_is_file_stem(path: Path) -> None:
    assert load_yaml(path)["id"] == path.stem


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_help_sections_are_all_there_and_non_empty(path: Path) -> None:
    help_ = load_yaml(path)["help"]
    assert {s for s in HELP_SECTIONS if not str(help_.get(s) or "").strip()} == set()


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_error_section_quotes_a_real_message(path: Path) -> None:
    assert path.stem in REAL_MESSAGES, f"add the real error text of {path.stem} to REAL_MESSAGES"
    lines = [line.strip() for line in load_yaml(path)["help"]["error"].splitlines() if line.strip()]
    quoted = {line for line in lines for text in REAL_MESSAGES[path.stem] if text in line}
    assert quoted, f"none of {lines} quotes any of {REAL_MESSAGES[path.stem]}"


def test_real_messages_are_only_for_existing_rules() -> None:
    assert set(REAL_MESSAGES) <= rule_ids_on_disk()


# --------------------------------------------------------------------------
# The rule tables cover exactly the built-in rules, each in the table of its facts
# --------------------------------------------------------------------------

TABLES = tables()
TABLE = [r for table in TABLES.values() for r in table]


def test_every_builtin_rule_has_rows_in_its_table() -> None:
    rows_in = {(rule_id, name) for name, table in TABLES.items() for rule_id, *_ in table}
    for rule in load_rules():
        belongs = table_files(rule)
        found = sorted(name for rule_id, name in rows_in if rule_id == rule.id)
        where = " or ".join(f"tests/rules/{name}" for name in belongs)
        assert found, f"{rule.id} has no rows: add them to {where} (tests/rules/table.py says how)"
        assert len(found) == 1 and found[0] in belongs, f"{rule.id} has rows in {found}: move them to {where}"


def test_readme_names_the_steps_these_tests_check() -> None:
    """README's "Writing a rule" lists what a built-in rule needs: what it names must exist here."""
    section = (ROOT / "README.md").read_text().split("## Writing a rule", 1)[1].split("\n## ", 1)[0]
    assert "`tests/rules/test_<group>.py`" in section
    for name in ("REAL_MESSAGES", "test_every_rule_has_a_firing_case"):
        assert f"`{name}`" in section and name in globals(), name
    tables_named = set(re.findall(r"`(test_\w+\.py)`", section))
    assert tables_named and tables_named <= set(TABLES), tables_named - set(TABLES)
    paths = set(re.findall(r"(?<![\w/])((?:tests|scripts)/[\w/.]*[\w/])(?![\w<])", section))
    assert {"tests/test_fixtures_build.py", "scripts/generate.py"} <= paths
    assert {p for p in paths if not (ROOT / p).exists()} == set()


def test_every_table_rule_exists() -> None:
    assert {rule_id for rule_id, *_ in TABLE} - rule_ids_on_disk() == set()


def test_loaded_rules_are_the_files() -> None:
    assert {r.id for r in load_rules()} == rule_ids_on_disk()


# --------------------------------------------------------------------------
# Schema: jsonschema and the generated fastjsonschema validator agree
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return schema


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_file_validates_with_jsonschema(schema: dict[str, Any], path: Path) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}"
              for e in jsonschema.Draft7Validator(schema).iter_errors(load_yaml(path))]
    assert errors == []


def _patterns(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [p for key, value in node.items()
                for p in ([value] if key == "matches" and isinstance(value, str) else _patterns(value))]
    return [p for item in node for p in _patterns(item)] if isinstance(node, list) else []


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_patterns_compile(path: Path) -> None:
    """A built-in rule's patterns are compiled when first used (conditions.pattern), not when
    loaded: one Python's re cannot compile would fail a check, not the load. Caught here."""
    for text in _patterns(load_yaml(path)):
        re.compile(text)


def _valid_rule() -> dict[str, Any]:
    return load_yaml(Path(builtin_rules_dir()) / "executable-stack.yaml")


def _with(**changes: Any) -> dict[str, Any]:
    data = _valid_rule()
    for key, value in changes.items():
        key = key.replace("_", "-")
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


# Documents on both sides of the schema's edges; the two validators must agree on each.
SCHEMA_EDGE_CASES = {
    "valid": _with(),
    "unknown-key": _with(colour="red"),
    "missing-help": _with(help=None),
    "bad-slug": _with(id="Executable_Stack"),
    "bad-severity": _with(severity="fatal"),
    "empty-formats": _with(formats=[]),
    "duplicate-formats": _with(formats=["elf", "elf"]),
    "bool-security-severity": _with(security_severity=True),
    "zero-security-severity": _with(security_severity=0),
    "ten-security-severity": _with(security_severity=10),
    "unknown-operator": _with(when={"fact": "elf.type", "equal": "DYN"}),
    "empty-condition": _with(when={}),
    "empty-all": _with(when={"all": []}),
    "target-operand": _with(when={"fact": "elf.soname", "version-above": {"target": "glibc"}}),
    "target-operand-extra": _with(when={"fact": "elf.soname", "version-above": {"target": "glibc", "x": 1}}),
    "in-not-array": _with(when={"fact": "elf.type", "in": "DYN"}),
    "exists-not-bool": _with(when={"fact": "elf.soname", "exists": "yes"}),
    "reference-not-url": _with(references=["ftp://example.org"]),
    "empty-help-section": _with(help={"what": "", "error": "e", "why": "y", "fix": "f"}),
    "not-an-object": ["id", "executable-stack"],
}


@pytest.mark.parametrize("name", SCHEMA_EDGE_CASES)
def test_generated_validator_agrees_with_jsonschema(schema: dict[str, Any], name: str) -> None:
    from binlint.rules._validator import JsonSchemaException, validate

    document = SCHEMA_EDGE_CASES[name]
    by_jsonschema = jsonschema.Draft7Validator(schema).is_valid(document)
    try:
        validate(document)
        by_generated = True
    except JsonSchemaException:  # the generated module defines its own
        by_generated = False
    assert by_generated == by_jsonschema
    assert by_jsonschema == (name in {"valid", "ten-security-severity", "target-operand"})


# --------------------------------------------------------------------------
# Generated files
# --------------------------------------------------------------------------


def test_generated_files_are_current() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "generate.py"), "--check"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr + "\nrun: python scripts/generate.py"


# --------------------------------------------------------------------------
# Messages render: every placeholder resolves on a firing artifact
# --------------------------------------------------------------------------


def firing_cases() -> list[tuple[str, str, dict[str, str]]]:
    """(rule, fixture, target) for every fixture each rule fires on in the table: every
    built-in rule but glibc-private-symbol has a row, the PyInstaller rules on the bundle
    fixtures and archive-too-deep on deep-nesting included."""
    seen: set[tuple[str, str, str]] = set()
    cases = []
    for rule_id, target, fires_on, _ in TABLE:
        for name in fires_on:
            key = (rule_id, name, json.dumps(target, sort_keys=True))
            if key not in seen:
                seen.add(key)
                cases.append((rule_id, name, target))
    return cases


FIRING = firing_cases()


def assert_rendered(rule: Rule, message: str) -> None:
    assert "{" not in message and "}" not in message, f"{rule.id}: unresolved placeholder in {message!r}"
    assert message.strip(), rule.id


@pytest.mark.parametrize("rule_id, name, target", FIRING, ids=[f"{r}-{n}-{t}" for r, n, t in FIRING])
def test_message_placeholders_resolve(artifacts: Artifacts, rule_id: str, name: str, target: dict[str, str]) -> None:
    rules = {r.id: r for r in load_rules()}
    findings = [f for f in table_findings(artifacts.path(name), target) if f.rule == rule_id]
    assert findings, f"{rule_id} did not fire on {name}"
    for finding in findings:
        assert_rendered(rules[rule_id], finding.message)


def test_glibc_private_symbol_message_placeholders_resolve(tmp_path: Path) -> None:
    rules = {r.id: r for r in load_rules()}
    path = build_private_symbol_lib(tmp_path, "libpriv.so.1")
    [finding] = [f for f in check(discover([str(path)]), list(rules.values())) if f.rule == "glibc-private-symbol"]
    assert_rendered(rules["glibc-private-symbol"], finding.message)


IMAGE_RULES = ("image-library-not-found", "image-glibc-too-new", "image-elf-arch-mismatch", "image-entrypoint-not-found",
               "image-entrypoint-not-executable", "image-entrypoint-exec-format", "image-unsafe-layer-entry",
               "image-other-images-not-checked")


def test_every_rule_has_a_firing_case() -> None:
    # The rules no fixture makes fire, each with the test that does: glibc-private-symbol
    # tests/rules/test_elf.py (test_glibc_private_symbol), python-fpe-symbol test_elf_facts_real
    # (a gcc-built library and auditwheel's fpewheel), broken-symbolic-link tests/test_walk.py,
    # elf-sections-unreadable tests/test_sections.py (on programs cut at test time),
    # wheel-not-a-zip tests/test_archives.py, pyinstaller-archive-damaged
    # tests/test_pyinstaller.py (damaged copies of a bundle, run to see the bootloader fail),
    # carried-library-not-on-search-path tests/test_loader.py (wheels built with each search path).
    # The image-* rules tests/test_image.py and tests/test_image_hostile.py (umoci and skopeo images).
    assert rule_ids_on_disk() - {rule_id for rule_id, _, _ in FIRING} - {
        "glibc-private-symbol", "python-fpe-symbol", "broken-symbolic-link", "elf-sections-unreadable",
        "wheel-not-a-zip", "pyinstaller-archive-damaged",
        "carried-library-not-on-search-path", *IMAGE_RULES} == set()


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_every_message_placeholder_is_a_known_kind(path: Path) -> None:
    # What the loader checks, seen from the file: facts, target.*, or matches.
    from binlint.facts import CATALOGUE

    message = load_yaml(path)["message"]
    names = set(PLACEHOLDER.findall(message))
    assert {n for n in names if n not in CATALOGUE and n != "matches" and not n.startswith("target.")} == set()
