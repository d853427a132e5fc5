"""A short run of the fuzzer (fuzz/run.py) in CI, and the bugs the long runs found.

The long run (100,000 inputs and more) and its figures are in docs/robustness.md. Each
regression test rebuilds the smallest input that showed the bug, through the command line
where the user met it.
"""
from __future__ import annotations

import hashlib
import io
import json
import struct
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from binlint.formats.pyinstaller.reader import find_bundle
from binlint.formats.elf.reader import ElfFile
from fixtures import ArchiveEntry, Artifacts, zip_bytes
from fuzz import run, seeds
from test_archives import binlint, check_json
from test_reports import cli_env

SMOKE_INPUTS = 2000
MACOS_WHEEL = Path(__file__).resolve().parent / "data" / "fuzz" / (
    "MarkupSafe-2.1.5-cp311-cp311-macosx_10_9_universal2.whl")
MACOS_WHEEL_SHA256 = "629ddd2ca402ae6dbedfceeba9c46d5f7b2a61d9749597d4307f943ef198fc1f"


@pytest.fixture(scope="module")
def corpus(artifacts: Artifacts) -> run.Corpus:
    files = seeds.fixture_seeds(artifacts)
    files.update(seeds.data_seeds())
    files.update(seeds.shape_seeds())
    files.update(seeds.member_seeds(files))
    return run.Corpus(files)


def test_seeds_cover_every_format(corpus: run.Corpus) -> None:
    assert set(corpus.formats) == set(run.FORMATS), corpus.formats


def test_short_fuzz_run_finds_nothing(corpus: run.Corpus, tmp_path: Path) -> None:
    stats = run.fuzz(corpus, seed=20261123, inputs=SMOKE_INPUTS, timeout=5.0, crashes=tmp_path / "crashes")
    assert stats["found"] == [], json.dumps(stats["found"], indent=2)[:4000]
    assert stats["inputs"] == SMOKE_INPUTS
    assert min(stats["formats"].values()) >= SMOKE_INPUTS // len(run.FORMATS) - 1, stats["formats"]
    assert not (tmp_path / "crashes").exists()


def test_attack_shapes_mutated_find_nothing(tmp_path: Path) -> None:
    # Issue 14's shapes (a budget split between processes, declared sizes, fan-out, pax
    # chains) and their mutations: no crash, no hang, no internal error.
    shapes = run.Corpus(seeds.shape_seeds())
    assert {"zip", "tar", "compressed"} <= set(shapes.formats), shapes.formats
    stats = run.fuzz(shapes, seed=14, inputs=300, timeout=5.0, crashes=tmp_path / "crashes")
    assert stats["found"] == [], json.dumps(stats["found"], indent=2)[:4000]
    assert stats["inputs"] == 300


def test_inputs_are_a_function_of_seed_and_number(corpus: run.Corpus) -> None:
    assert corpus.make(7, 123) == corpus.make(7, 123)
    assert corpus.make(7, 123)[2] != corpus.make(8, 123)[2] or corpus.make(7, 124)[2] != corpus.make(8, 124)[2]


def test_the_harness_sees_a_crash_and_a_hang(corpus: run.Corpus, tmp_path: Path, monkeypatch) -> None:
    # The oracle itself: an exception escaping the check and an input that never ends are
    # both reported, saved with their reproducer, and the run goes on past them.
    def problems(self, path: str, limits: tuple[int, int]) -> list[str]:
        data = Path(path).read_bytes()
        if data.startswith(b"\x7fELF"):
            raise RuntimeError("boom")
        if data.startswith(b"PK"):
            while True:
                pass
        return []

    monkeypatch.setattr(run.Checker, "problems", problems)
    stats = run.fuzz(corpus, seed=1, inputs=16, timeout=0.5, crashes=tmp_path)
    assert stats["inputs"] == 16
    kinds = {f["format"]: f["problems"][0] for f in stats["found"]}
    assert "RuntimeError: boom" in kinds["elf"] and kinds["zip"].startswith("hang")
    saved = Path(next(f["saved"] for f in stats["found"] if f["format"] == "elf"))
    assert "reproduce: python3 -m fuzz.run --reproduce" in saved.with_suffix(".txt").read_text()


# --------------------------------------------------------------------------
# Regressions: each bug the fuzzer found
# --------------------------------------------------------------------------


def test_macos_wheel_is_the_one_recorded() -> None:
    assert hashlib.sha256(MACOS_WHEEL.read_bytes()).hexdigest() == MACOS_WHEEL_SHA256, "tests/data/README.md"


def test_macho_member_of_a_wheel_is_read(tmp_path: Path) -> None:
    # A Mach-O member's bytes are a bytearray, which the bundle search used as a dict key:
    # TypeError, "internal error while reading" on every Mach-O inside a wheel.
    (tmp_path / MACOS_WHEEL.name).write_bytes(MACOS_WHEEL.read_bytes())
    thin = struct.pack("<IiiIIII", 0xFEEDFACF, 0x01000007, 3, 6, 0, 0, 0) + bytes(4)
    (tmp_path / "thin.zip").write_bytes(zip_bytes([ArchiveEntry("lib/thin.dylib", thin, 0o644)]))
    for name in (MACOS_WHEEL.name, "thin.zip"):
        document = check_json([name], tmp_path)
        assert [f for f in document["findings"] if f["rule"] == "unreadable-artifact"] == [], document


def test_mach_o_bytearray_is_searched_for_a_bundle() -> None:
    with zipfile.ZipFile(MACOS_WHEEL) as wheel:
        fat = wheel.read("markupsafe/_speedups.cpython-311-darwin.so")
    assert find_bundle(bytearray(fat)) is None


def test_section_headers_of_zero_entries_with_an_odd_entry_size(artifacts: Artifacts) -> None:
    # e_shnum 0 says "the count is in section 0"; with section 0's size 0 and an entry size
    # other than the structure's, the table was cut into slices of step 0: ValueError.
    data = bytearray(artifacts.path("clean-lib").read_bytes())
    (e_shoff,) = struct.unpack_from("<Q", data, 40)
    struct.pack_into("<HH", data, 58, 0, 0)  # e_shentsize, e_shnum
    struct.pack_into("<Q", data, e_shoff + 32, 0)  # section 0's sh_size
    assert ElfFile(bytes(data)).sections == []


def _tar(*members: tuple[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT, encoding="utf-8",
                      errors="surrogateescape") as archive:
        for name, content in members:
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(content), 0o755
            archive.addfile(info, io.BytesIO(content))
    return out.getvalue()


def test_tar_member_names_that_are_not_utf8_or_hold_a_newline(artifacts: Artifacts, tmp_path: Path) -> None:
    # tarfile keeps undecodable bytes as surrogates: `binlint facts` died writing them, and a
    # newline in a name split a line of the text report. Neither is an unsafe name.
    lib = artifacts.path("execstack-lib").read_bytes()
    (tmp_path / "names.tar").write_bytes(_tar(("\udcff\udcfe/lib.so", lib), ("a\nb/lib.so", lib)))
    facts = json.loads(binlint(["facts", "names.tar"], tmp_path).stdout)
    assert [a["path"] for a in facts["artifacts"]] == ["names.tar", "names.tar!\ufffd\ufffd/lib.so",
                                                       "names.tar!a\\nb/lib.so"]
    document = check_json(["names.tar"], tmp_path, expect=1)
    assert sorted(f["path"] for f in document["findings"] if f["rule"] == "executable-stack") == sorted([
        "names.tar!\ufffd\ufffd/lib.so", "names.tar!a\\nb/lib.so"])
    text = binlint(["check", "names.tar"], tmp_path).stdout.splitlines()
    assert "names.tar!a\\nb/lib.so: error[executable-stack]" in "\n".join(text)
    assert all(line.startswith("names.tar!") for line in text[:-1]), text
    assert [f for f in document["findings"] if f["rule"] != "executable-stack"] == []


def test_zip_member_with_an_empty_name(tmp_path: Path) -> None:
    # ZipInfo.is_dir() reads the name's last character: IndexError on an empty name.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:  # zipfile cannot write an empty name: "a" becomes
        archive.writestr("a", b"data")          # a one-byte extra field instead
    data = bytearray(out.getvalue())
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<HH", data, 26, 0, 1)
    struct.pack_into("<HH", data, central + 28, 0, 1)
    (tmp_path / "empty-name.zip").write_bytes(bytes(data))
    document = check_json(["empty-name.zip"], tmp_path)
    assert "internal error" not in json.dumps(document)


@pytest.mark.parametrize("size", [1 << 63, 1 << 66])
def test_tar_long_name_of_an_absurd_size(tmp_path: Path, size: int) -> None:
    # A GNU long-name header ('L') is read in one read() of the size it claims: OverflowError.
    data = bytearray(_tar(("x" * 120, b"content")))
    assert data[156:157] == b"L"
    data[124:136] = b"\x80" + size.to_bytes(11, "big") if size < 1 << 88 else b"\xff" * 12
    data[148:156] = b" " * 8
    data[148:156] = b"%06o\0 " % sum(data[:512])
    (tmp_path / "long.tar").write_bytes(bytes(data))
    document = check_json(["long.tar"], tmp_path, expect=1)
    [finding] = document["findings"]
    assert finding["rule"] == "unreadable-artifact" and "corrupt tar" in finding["message"], finding



def test_encrypted_symbolic_link_member(tmp_path: Path) -> None:
    # Reading the target of an encrypted link raised zipfile's RuntimeError.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        info = zipfile.ZipInfo("pkg/link.so")
        info.create_system, info.external_attr = 3, 0o120777 << 16
        archive.writestr(info, b"../../etc/passwd")
    data = bytearray(out.getvalue())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature)
        data[at + flags_at] |= 0x1
    (tmp_path / "link.zip").write_bytes(bytes(data))
    document = check_json(["link.zip"], tmp_path)
    assert "internal error" not in json.dumps(document)


def test_reproduce_runs_one_file(artifacts: Artifacts) -> None:
    proc = subprocess.run([sys.executable, "-m", "fuzz.run", "--reproduce", str(artifacts.path("clean-lib"))],
                          cwd=Path(__file__).resolve().parent.parent, env=cli_env(), capture_output=True, text=True,
                          timeout=120)
    assert (proc.returncode, proc.stdout) == (0, "no problem\n"), proc.stderr
