"""The hardening group: its facts on fixtures built with and without each flag, what its
findings say, that the opt-in rules stay out of a default `binlint check`, that Go and Rust
binaries are exempt from the canary and fortify rules, and that hostile input costs an
ArtifactError (an unreadable-artifact finding), never a crash.

The fixtures come from tests/fixtures/elf.py (HARDENING_FIXTURES); the Rust binary is built here with
`rustc` when it is installed (CI has none: those tests skip there, saying so). Files are
patched with offsets that pyelftools finds, never binlint's own reader.
"""
from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest
from elftools.elf.elffile import ELFFile

from binlint.formats.members import Limits
from binlint.cli import main
from binlint.walk.discover import discover
from binlint.engine import check
from binlint.report.finding import Finding
from binlint.errors import ArtifactError
from binlint.facts import FileView
from binlint.formats.elf.reader import ElfFile
from binlint.rules import load_rules, select_rules
from fixtures import HARDENING_FIXTURES, Artifacts, require_tool

ALL_RULES = load_rules()
HARDENING = sorted(r.id for r in ALL_RULES if r.group == "hardening")
OPT_IN = sorted(r.id for r in ALL_RULES if r.group == "hardening" and not r.default)
DEFAULT_ON = ["rwx-segment", "text-relocations"]

FACT_NAMES = ("elf.static", "elf.textrel", "elf.rwx_segments", "elf.bind_now", "elf.relro", "elf.stack_protector",
              "elf.fortified", "elf.fortifiable", "elf.cf_protection", "elf.language")
FORTIFIED = ["__printf_chk", "__snprintf_chk", "__strcpy_chk"]
UNFORTIFIED = ["printf", "snprintf", "strcpy"]
CET = ["IBT", "SHSTK"]


def facts_of(path: Path, names: tuple[str, ...] = FACT_NAMES) -> dict[str, Any]:
    """The facts as `binlint facts` computes them."""
    [artifact] = discover([str(path)])
    view = FileView.of_file(artifact, Limits())
    try:
        return {name: view.get(name) for name in names}
    finally:
        view.close()


def findings(path: Path, rules: list | None = None) -> list[Finding]:
    return check(discover([str(path)]), ALL_RULES if rules is None else rules)


def hardening_findings(path: Path) -> dict[str, Finding]:
    found = {f.rule: f for f in findings(path) if f.rule in HARDENING}
    assert all(f.path == str(path) for f in found.values())
    return found


# --------------------------------------------------------------------------
# The facts of each fixture
# --------------------------------------------------------------------------

HARDENED = {"elf.static": False, "elf.textrel": False, "elf.rwx_segments": [], "elf.bind_now": True,
            "elf.relro": "full", "elf.stack_protector": True, "elf.fortified": FORTIFIED, "elf.fortifiable": [],
            "elf.cf_protection": CET, "elf.language": None}

EXPECTED_FACTS = {
    "hardened-exe": HARDENED,
    "hardened-lib": HARDENED,
    "nocanary-exe": {**HARDENED, "elf.stack_protector": False},
    "nofortify-exe": {**HARDENED, "elf.fortified": [], "elf.fortifiable": UNFORTIFIED},
    # -z norelro keeps -z now: bind-now without RELRO is still no RELRO.
    "norelro-exe": {**HARDENED, "elf.relro": "none"},
    "lazy-exe": {**HARDENED, "elf.bind_now": False, "elf.relro": "partial"},
    "nocet-exe": {**HARDENED, "elf.cf_protection": []},
    "go-note-exe": {**HARDENED, "elf.stack_protector": False, "elf.fortified": [], "elf.fortifiable": UNFORTIFIED,
                    "elf.language": "go"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED_FACTS))
def test_facts_of_the_x86_64_hardening_fixtures(artifacts: Artifacts, name: str) -> None:
    assert facts_of(artifacts.path(name)) == EXPECTED_FACTS[name]


def test_text_relocations_fact(artifacts: Artifacts) -> None:
    facts = facts_of(artifacts.path("textrel-lib"))
    assert facts["elf.textrel"] is True and facts["elf.rwx_segments"] == []


def test_rwx_segments_fact_names_the_load_segment_as_readelf_does(artifacts: Artifacts) -> None:
    path = artifacts.path("rwx-lib")
    out = subprocess.run([require_tool("readelf"), "-lW", str(path)], capture_output=True, text=True,
                         check=True).stdout
    offsets = [int(line.split()[1], 16) for line in out.splitlines() if line.split()[:1] == ["LOAD"]
               and line.rstrip().endswith("RWE 0x1000")]
    assert facts_of(path)["elf.rwx_segments"] == [{"offset": f"{offset:#x}", "flags": "RWX"} for offset in offsets]
    assert len(offsets) == 1
    assert facts_of(path)["elf.textrel"] is False


@pytest.mark.parametrize("name, marking", [("aarch64-bti-exe", ["BTI"]), ("aarch64-nobti-exe", [])])
def test_branch_protection_fact(artifacts: Artifacts, name: str, marking: list[str]) -> None:
    assert facts_of(artifacts.path(name), ("elf.cf_protection",)) == {"elf.cf_protection": marking}


def test_static_executables(artifacts: Artifacts) -> None:
    assert facts_of(artifacts.path("static-exe"), ("elf.static",)) == {"elf.static": True}
    # A static PIE keeps PT_DYNAMIC only to relocate itself (ET_DYN, DF_1_PIE, no DT_NEEDED,
    # no PT_INTERP): static, and a PIE, not a shared library.
    kinds = ("elf.static", "elf.pie", "elf.shared_library", "elf.type", "elf.interpreter", "elf.needed")
    assert facts_of(artifacts.path("static-pie-exe"), kinds) == {
        "elf.static": True, "elf.pie": True, "elf.shared_library": False, "elf.type": "DYN",
        "elf.interpreter": None, "elf.needed": []}
    assert facts_of(artifacts.path("clean-obj"), ("elf.static",)) == {"elf.static": False}
    # A library has no PT_INTERP either, but no DF_1_PIE: ld.so loads it.
    assert facts_of(artifacts.path("clean-lib"), ("elf.static", "elf.shared_library")) == {
        "elf.static": False, "elf.shared_library": True}


def test_static_pie_with_canaries_is_not_reported(elf_facts_fixtures, capsys: pytest.CaptureFixture[str]) -> None:
    # gcc -static-pie -fstack-protector-all: __stack_chk_fail is linked in, not imported.
    path = elf_facts_fixtures.path("static-pie-canary-exe")
    assert facts_of(path, ("elf.static", "elf.pie", "elf.stack_protector")) == {
        "elf.static": True, "elf.pie": True, "elf.stack_protector": False}
    assert "__stack_chk_fail" in subprocess.run([require_tool("nm"), str(path)], capture_output=True, text=True,
                                                check=True).stdout
    found = hardening_findings(path)  # with the opt-in rules
    assert "no-stack-protector" not in found and "no-fortify" not in found
    assert set(found) <= {"no-cet"}  # Debian's static glibc objects carry no CET marking
    capsys.readouterr()
    assert main(["check", "--extend-select", "hardening", str(path)]) == 0
    assert "no-stack-protector" not in capsys.readouterr().out


def test_imports_are_the_undefined_dynamic_symbols(artifacts: Artifacts) -> None:
    path = artifacts.path("nofortify-exe")
    with open(path, "rb") as stream:
        dynsym = ELFFile(stream).get_section_by_name(".dynsym")
        undefined = [s for s in dynsym.iter_symbols() if s["st_shndx"] == "SHN_UNDEF" and s.name]
    expected = [s.name for s in undefined if s["st_info"]["bind"] != "STB_WEAK"]
    weak = [s.name for s in undefined if s["st_info"]["bind"] == "STB_WEAK"]
    assert facts_of(path, ("elf.imports", "elf.weak_imports")) == {"elf.imports": expected, "elf.weak_imports": weak}
    assert set(UNFORTIFIED) <= set(expected) and "__stack_chk_fail" in expected
    assert "__cxa_finalize" in weak  # what every gcc-built PIE refers to weakly


# --------------------------------------------------------------------------
# Findings: rule, path, severity, evidence, message
# --------------------------------------------------------------------------

# fixture -> the hardening rules it fires (all rules loaded) and their severity
FIRES = {
    "hardened-exe": {},
    "hardened-lib": {},
    "nocanary-exe": {"no-stack-protector": "warning"},
    "nofortify-exe": {"no-fortify": "note"},
    "norelro-exe": {"no-relro": "warning"},
    "lazy-exe": {"no-bind-now": "note"},
    "nocet-exe": {"no-cet": "note"},
    "go-note-exe": {},  # no canary and no fortify, but Go
    "aarch64-bti-exe": None,  # only BTI is pinned: see below
    "aarch64-nobti-exe": None,
}


@pytest.mark.parametrize("name", [n for n, fired in FIRES.items() if fired is not None])
def test_which_hardening_rules_fire(artifacts: Artifacts, name: str) -> None:
    found = hardening_findings(artifacts.path(name))
    assert {rule: f.severity for rule, f in found.items()} == FIRES[name]


def test_text_relocations_finding(artifacts: Artifacts) -> None:
    path = artifacts.path("textrel-lib")
    finding = hardening_findings(path)["text-relocations"]
    assert (finding.rule, finding.path, finding.severity, finding.evidence) == (
        "text-relocations", str(path), "error", [])  # a shared library: an error
    assert "DT_TEXTREL" in finding.message


def test_rwx_segment_finding_names_the_segment(artifacts: Artifacts) -> None:
    path = artifacts.path("rwx-lib")
    finding = hardening_findings(path)["rwx-segment"]
    assert (finding.path, finding.severity) == (str(path), "error")
    [segment] = finding.evidence  # the fact's item; the rule's evidence template words it
    assert segment["flags"] == "RWX" and re.fullmatch(r"0x[0-9a-f]+", segment["offset"])
    assert finding.message == f"writable and executable segments: LOAD at offset {segment['offset']} (RWX)"


def test_no_fortify_names_the_fortifiable_functions(artifacts: Artifacts) -> None:
    path = artifacts.path("nofortify-exe")
    finding = hardening_findings(path)["no-fortify"]
    assert (finding.rule, finding.path, finding.evidence) == ("no-fortify", str(path), UNFORTIFIED)
    assert finding.message.endswith(": printf, snprintf, strcpy")


def test_no_bind_now_gives_the_relro_state(artifacts: Artifacts) -> None:
    finding = hardening_findings(artifacts.path("lazy-exe"))["no-bind-now"]
    assert "RELRO is partial" in finding.message


def test_non_pie_executable_only_for_et_exec_with_an_interpreter(artifacts: Artifacts) -> None:
    path = artifacts.path("nopie-exe")
    finding = hardening_findings(path)["non-pie-executable"]
    assert (finding.path, finding.severity) == (str(path), "warning")
    # checksec calls every shared library "PIE"; binlint never calls one non-PIE, nor a
    # static executable, nor a PIE.
    for name in ("clean-lib", "hardened-lib", "static-exe", "static-pie-exe", "clean-exe"):
        assert "non-pie-executable" not in hardening_findings(artifacts.path(name)), name


def test_bti_rules(artifacts: Artifacts) -> None:
    assert "no-bti" in hardening_findings(artifacts.path("aarch64-nobti-exe"))
    assert "no-bti" not in hardening_findings(artifacts.path("aarch64-bti-exe"))
    # CET is an x86-64 matter, BTI an AArch64 one.
    assert "no-cet" not in hardening_findings(artifacts.path("aarch64-nobti-exe"))
    assert "no-bti" not in hardening_findings(artifacts.path("nocet-exe"))


# --------------------------------------------------------------------------
# Selection: two rules by default, the rest with --extend-select hardening
# --------------------------------------------------------------------------


def test_the_group_and_its_defaults() -> None:
    assert HARDENING == sorted([*DEFAULT_ON, "no-bind-now", "no-bti", "no-cet", "no-fortify", "no-relro",
                                "no-stack-protector", "non-pie-executable",
                                "macho-executable-heap", "macho-executable-stack", "macho-non-pie-executable",
                                "unit-no-cf-protection", "unit-no-stack-protector", "unit-unoptimized",
                                "debug-file-mismatch", "unit-no-fortify-source",
                                "pe-no-aslr", "pe-no-high-entropy-va", "pe-no-dep", "pe-no-cfg", "pe-no-safeseh",
                                "pe-writable-executable-section", "pe-no-cetcompat", "pe-pdb-build-path"])
    default = {r.id for r in select_rules(ALL_RULES, [], [], [])}
    assert default & set(HARDENING) == set(DEFAULT_ON)
    assert {r.id for r in select_rules(ALL_RULES, [], ["hardening"], [])} >= set(HARDENING)


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, set[tuple[str, str]]]:
    capsys.readouterr()
    code = main(["check", *args])
    lines = capsys.readouterr().out.splitlines()[:-1]  # the last line is the summary
    found = set()
    for line in lines:
        match = re.match(r"^(?P<path>.*): (?:error|warning|note)\[(?P<rule>[a-z0-9-]+)\] ", line)
        assert match, line
        found.add((Path(match["path"]).name, match["rule"]))
    return code, found


def test_opt_in_rules_run_only_when_selected(artifacts: Artifacts, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    names = ["nocanary-exe", "nofortify-exe", "norelro-exe", "lazy-exe", "nocet-exe", "nopie-exe",
             "textrel-lib", "rwx-lib"]
    for name in names:
        shutil.copy2(artifacts.path(name), tmp_path)
    code, default = _cli(capsys, str(tmp_path))
    assert code == 1
    assert {rule for _, rule in default} & set(HARDENING) == set(DEFAULT_ON)
    assert {("textrel-lib.so", "text-relocations"), ("rwx-lib.so", "rwx-segment")} <= default
    code, extended = _cli(capsys, "--extend-select", "hardening", str(tmp_path))
    assert {("nocanary-exe", "no-stack-protector"), ("nofortify-exe", "no-fortify"), ("norelro-exe", "no-relro"),
            ("lazy-exe", "no-bind-now"), ("nocet-exe", "no-cet"), ("nopie-exe", "non-pie-executable"),
            ("textrel-lib.so", "text-relocations"), ("rwx-lib.so", "rwx-segment")} <= extended
    assert default < extended
    # One opt-in rule by id; and the default ones can be ignored.
    _, one = _cli(capsys, "--extend-select", "no-cet", str(tmp_path))
    assert {rule for _, rule in one} & set(OPT_IN) == {"no-cet"}
    _, none = _cli(capsys, "--ignore", "hardening", str(tmp_path))
    assert not {rule for _, rule in none} & set(HARDENING)


# --------------------------------------------------------------------------
# Go and Rust are exempt from the canary and fortify rules
# --------------------------------------------------------------------------


def test_go_is_exempt_from_canary_and_fortify(artifacts: Artifacts) -> None:
    # go-note-exe is nocanary-exe and nofortify-exe in one, plus Go's build-ID note.
    fired = hardening_findings(artifacts.path("go-note-exe"))
    assert not {"no-stack-protector", "no-fortify"} & set(fired)
    assert "no-stack-protector" in hardening_findings(artifacts.path("nocanary-exe"))
    assert "no-fortify" in hardening_findings(artifacts.path("nofortify-exe"))


def test_go_buildinfo_section_alone_says_go(tmp_path: Path) -> None:
    source = tmp_path / "buildinfo.s"
    source.write_text('.section .go.buildinfo,"aw"\n.ascii "\\xff Go buildinf:"\n'
                      '.section .note.GNU-stack,"",@progbits\n')
    c_source = tmp_path / "main.c"
    c_source.write_text("int main(void) { return 0; }\n")
    out = tmp_path / "go-buildinfo-exe"
    subprocess.run([require_tool("gcc"), "-O2", "-fPIE", "-pie", str(c_source), str(source), "-o", str(out)],
                   check=True, capture_output=True)
    assert facts_of(out, ("elf.language",)) == {"elf.language": "go"}


@pytest.fixture(scope="module")
def rust_binaries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A Rust hello-world as rustc builds it, and stripped of its symbols (.comment stays)."""
    rustc = shutil.which("rustc")
    if rustc is None:
        pytest.skip("rustc is not installed (CI has none): the Rust exemption is tested where it is")
    directory = tmp_path_factory.mktemp("rust")
    source = directory / "hello.rs"
    source.write_text('fn main() {\n    let args: Vec<String> = std::env::args().collect();\n'
                      '    println!("binlint rust fixture {}", args.len());\n}\n')
    built = {}
    for name, options in (("rust-exe", []), ("rust-stripped-exe", ["-C", "strip=symbols"])):
        built[name] = directory / name
        subprocess.run([rustc, "-O", *options, str(source), "-o", str(built[name])], check=True, capture_output=True,
                       cwd=directory)
    return built


@pytest.mark.parametrize("name", ["rust-exe", "rust-stripped-exe"])
def test_rust_is_exempt_from_canary_and_fortify(rust_binaries: dict[str, Path], name: str) -> None:
    path = rust_binaries[name]
    facts = facts_of(path)
    assert facts["elf.language"] == "rust"
    # What would make a C program fire: Rust's std calls memcpy, read, ... and has no canary.
    assert facts["elf.fortifiable"] and not facts["elf.fortified"] and not facts["elf.stack_protector"]
    assert not {"no-stack-protector", "no-fortify"} & set(hardening_findings(path))


def test_rust_facts_agree_with_pyelftools_and_lief(rust_binaries: dict[str, Path]) -> None:
    from test_elf_differential import compare, compute, format_report

    for name, path in rust_binaries.items():
        result = compute(str(path))
        assert result.pyelftools_error is None, result.pyelftools_error
        mismatches = compare(name, result)
        assert not mismatches, format_report(mismatches)


# --------------------------------------------------------------------------
# Flags are bits; hostile files cost an ArtifactError; no section headers
# --------------------------------------------------------------------------


def _dynamic_entries(data: bytes) -> tuple[int, list[tuple[int, int]]]:
    """(offset of the dynamic table, its (tag, value) entries up to DT_NULL), by pyelftools."""
    import io

    elf = ELFFile(io.BytesIO(data))
    [dynamic] = [s for s in elf.iter_segments() if s["p_type"] == "PT_DYNAMIC"]
    offset, entries = dynamic["p_offset"], []
    for i in range(dynamic["p_filesz"] // 16):
        tag, value = struct.unpack_from("<qQ", data, offset + 16 * i)
        if tag == 0:
            break
        entries.append((tag, value))
    return offset, entries


def _patch_dynamic(path: Path, out: Path, change: dict[int, tuple[int, int]]) -> Path:
    """Rewrite the dynamic entries whose tag is a key of `change` as (tag, value)."""
    data = bytearray(path.read_bytes())
    offset, entries = _dynamic_entries(bytes(data))
    for i, (tag, _) in enumerate(entries):
        if tag in change:
            struct.pack_into("<qQ", data, offset + 16 * i, *change[tag])
    out.write_bytes(data)
    return out


DT_DEBUG, DT_TEXTREL, DT_FLAGS, DT_FLAGS_1 = 21, 22, 30, 0x6FFFFFFB


def test_combined_dt_flags_are_tested_as_bits(artifacts: Artifacts, tmp_path: Path) -> None:
    # DF_TEXTREL | DF_BIND_NOW in one DT_FLAGS and no DT_TEXTREL: checksec's `DT_FLAGS == 8`
    # would miss the bind-now, a DT_TEXTREL-only check the text relocations.
    patched = _patch_dynamic(artifacts.path("textrel-lib"), tmp_path / "combined.so",
                             {DT_TEXTREL: (DT_DEBUG, 0), DT_FLAGS: (DT_FLAGS, 0x4 | 0x8)})
    assert DT_TEXTREL not in dict(_dynamic_entries(patched.read_bytes())[1])
    facts = facts_of(patched, ("elf.textrel", "elf.bind_now", "elf.relro"))
    assert facts == {"elf.textrel": True, "elf.bind_now": True, "elf.relro": "full"}


def test_df_1_now_alone_is_bind_now(artifacts: Artifacts, tmp_path: Path) -> None:
    source = artifacts.path("lazy-exe")
    flags_1 = dict(_dynamic_entries(source.read_bytes())[1])[DT_FLAGS_1]
    patched = _patch_dynamic(source, tmp_path / "now-1", {DT_FLAGS_1: (DT_FLAGS_1, flags_1 | 0x1)})
    assert facts_of(patched, ("elf.bind_now", "elf.relro")) == {"elf.bind_now": True, "elf.relro": "full"}


def _strip_section_headers(path: Path, out: Path) -> Path:
    data = bytearray(path.read_bytes())
    struct.pack_into("<Q", data, 0x28, 0)  # e_shoff
    struct.pack_into("<HHH", data, 0x3A, 0, 0, 0)  # e_shentsize, e_shnum, e_shstrndx
    out.write_bytes(data)
    return out


@pytest.mark.parametrize("name", ["nofortify-exe", "hardened-lib", "go-note-exe"])
def test_without_section_headers_the_dynamic_section_finds_the_same(artifacts: Artifacts, tmp_path: Path,
                                                                    name: str) -> None:
    # Like the loader: DT_SYMTAB, its size from DT_GNU_HASH; notes from PT_NOTE.
    source = artifacts.path(name)
    stripped = _strip_section_headers(source, tmp_path / source.name)
    names = (*FACT_NAMES, "elf.imports", "elf.weak_imports")
    assert facts_of(stripped, names) == facts_of(source, names)


def _property_note_offset(data: bytes) -> int:
    import io

    [segment] = [s for s in ELFFile(io.BytesIO(data)).iter_segments() if s["p_type"] == "PT_GNU_PROPERTY"]
    return segment["p_offset"]


def test_a_property_longer_than_its_note_is_an_artifact_error(artifacts: Artifacts, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    data = bytearray(artifacts.path("hardened-exe").read_bytes())
    note = _property_note_offset(bytes(data))
    namesz, _, note_type, name = struct.unpack_from("<III4s", data, note)
    assert (namesz, note_type, name) == (4, 5, b"GNU\0")  # NT_GNU_PROPERTY_TYPE_0
    struct.pack_into("<I", data, note + 20, 0xFFFF)  # the first property's pr_datasz
    bad = tmp_path / "bad-property-exe"
    bad.write_bytes(data)
    with pytest.raises(ArtifactError, match="GNU property"):
        facts_of(bad, ("elf.cf_protection",))
    # Read only when a rule asks: the default rules never look at the note.
    _, default = _cli(capsys, str(bad))
    assert ("bad-property-exe", "unreadable-artifact") not in default
    _, selected = _cli(capsys, "--extend-select", "no-cet", str(bad))
    assert ("bad-property-exe", "unreadable-artifact") in selected


def test_a_dynsym_past_the_end_of_the_file_is_an_artifact_error(artifacts: Artifacts, tmp_path: Path) -> None:
    import io

    data = bytearray(artifacts.path("nofortify-exe").read_bytes())
    elf = ELFFile(io.BytesIO(bytes(data)))
    index = next(i for i, s in enumerate(elf.iter_sections()) if s["sh_type"] == "SHT_DYNSYM")
    struct.pack_into("<Q", data, elf.header["e_shoff"] + index * elf.header["e_shentsize"] + 32, 1 << 40)  # sh_size
    bad = tmp_path / "bad-dynsym-exe"
    bad.write_bytes(data)
    for fact in ("elf.imports", "elf.weak_imports", "elf.stack_protector", "elf.fortifiable"):
        with pytest.raises(ArtifactError, match="past the end"):
            facts_of(bad, (fact,))


def test_hostile_files_never_crash_the_hardening_facts(artifacts: Artifacts) -> None:
    # Every prefix of a hardened file: each fact is a value or an ArtifactError.
    data = artifacts.path("hardened-lib").read_bytes()
    for size in range(64, len(data), 97):
        try:
            elf = ElfFile(data[:size])
        except ArtifactError:
            continue
        from binlint.formats.elf.facts import FACTS

        for name in (*FACT_NAMES, "elf.imports", "elf.weak_imports"):
            try:
                FACTS[name].compute(elf)
            except ArtifactError:
                pass


def test_imports_of_a_large_symbol_table_are_cheap() -> None:
    # The system library with the most dynamic symbols (libLLVM: ~50,000): well under a second.
    import time

    candidates = sorted(Path("/usr/lib/x86_64-linux-gnu").glob("libLLVM*.so*"), key=lambda p: p.stat().st_size)
    if not candidates:
        pytest.skip("no libLLVM here to time")
    data = candidates[-1].read_bytes()
    start = time.perf_counter()
    imports = ElfFile(data).imports
    elapsed = time.perf_counter() - start
    assert imports and elapsed < 1.0, (len(imports), elapsed)


def test_every_hardening_fixture_is_used_here() -> None:
    assert set(HARDENING_FIXTURES) <= set(EXPECTED_FACTS) | set(FIRES) | {"textrel-lib", "rwx-lib"}
