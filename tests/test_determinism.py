"""Output is byte-identical across runs, job counts and file orders, on a mixed corpus:
every ELF, script and archive fixture, the real wheels under tests/data/, and hostile
files (a zip bomb, names that are not UTF-8, a broken ar archive) whose findings carry
error messages. tests/test_reports.py holds the same for the report fixtures through the
command line; here the corpus is wider and the job count varies (the CLI picks it).
"""
from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

from binlint.walk.discover import discover
from binlint.engine import Options, check
from binlint.report import FORMATS, render
from binlint.report.finding import Run
from binlint.rules import load_rules, select_rules
from binlint.rules.targets import from_flags
from fixtures import Artifacts, fixture_names
from fuzz.seeds import DATA, long_names_ar
from test_archives import binlint
from test_hostile import _ar_name, overlap_bomb, tar_info, tar_of
from test_reports import cli_env

KINDS = ("elf", "bad", "file", "archive")


@pytest.fixture(scope="module")
def corpus(artifacts: Artifacts, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("mixed-corpus")
    for kind in KINDS:
        for name in fixture_names(kind):
            source = artifacts.path(name)
            if source.is_file():
                shutil.copy2(source, directory / source.name)
    for source in sorted(DATA.rglob("*.whl")):
        shutil.copy2(source, directory / source.name)
    (directory / "overlap.zip").write_bytes(overlap_bomb(16, 1 << 16))
    (directory / "names.tar").write_bytes(tar_of(tar_info("\udcff/a.so", size=4), tar_info("b\n.so", size=4),
                                                 content=b"\x7fELF"))
    (directory / "far.a").write_bytes(_ar_name(long_names_ar(artifacts.path("clean-obj").read_bytes()), b"/0",
                                               b"/999999"))
    return directory


def reports(directory: Path, order: str, jobs: int) -> dict[str, str]:
    rules = select_rules(load_rules(), ["ALL"], [], [])
    target = from_flags(glibc="2.17")
    artifacts = discover([str(directory)])
    if order == "reversed":
        artifacts.reverse()
    elif order == "shuffled":
        random.Random(4).shuffle(artifacts)
    findings = check(artifacts, rules, Options((target,)), jobs=jobs)
    return {fmt: render(fmt, Run(findings, rules, len(artifacts), target)) for fmt in FORMATS}


def test_reports_do_not_depend_on_jobs_or_order(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(corpus.parent)
    expected = reports(corpus, "found", 1)
    assert len(discover([str(corpus)])) > 60
    assert "overlapping zip members" in expected["json"] and "past the end of the table" in expected["json"]
    for order, jobs in (("found", 2), ("reversed", 1), ("reversed", 2), ("shuffled", 3), ("found", 1)):
        assert reports(corpus, order, jobs) == expected, (order, jobs)


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_cli_reports_are_identical_between_runs_and_orders(corpus: Path, fmt: str) -> None:
    names = sorted(os.listdir(corpus))
    runs = [binlint(["check", "--format", fmt, "--select", "ALL", *order], corpus).stdout
            for order in (names, names[::-1])]
    assert runs[0] == runs[1], "the order of the paths changed the report"
    assert runs[0] == binlint(["check", "--format", fmt, "--select", "ALL", *names], corpus,
                              env={**cli_env(), "PYTHONHASHSEED": "12345"}).stdout
