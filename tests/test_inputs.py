"""One version type and one way to check what users write.

binlint/version.py reads every version (glibc, macOS, kernel releases, platform-tag
versions); binlint/inputs.py checks rule files, target profiles and configuration
against their schemas, each error one line naming the file and the key.
"""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from binlint import config
from binlint.errors import BinlintError
from binlint.rules import load_rules, profiles
from binlint.rules.conditions import OPERATORS
from binlint.inputs import SCHEMA_FILES
from binlint.rules.targets import complete, from_flags
from binlint.version import Version, kernel_version, tag_version, target_version, version
from binlint.wheeltags import target_from_platforms

RULES = Path(__file__).resolve().parents[1] / "binlint" / "rules"


# --------------------------------------------------------------------------
# The version type
# --------------------------------------------------------------------------

@pytest.mark.parametrize("text, parts", [("2.17", (2, 17)), ("10.13", (10, 13)), ("11", (11,)), ("5.15.0", (5, 15, 0))])
def test_versions_parse_and_format_back(text: str, parts: tuple[int, ...]) -> None:
    parsed = version(text)
    assert parsed is not None and tuple(parsed) == parts and str(parsed) == text


@pytest.mark.parametrize("text", ["", "2.x", "2.", ".2", "v2.17", "2.17 ", "2,17", "5.15.0-91-generic", None, 2.17, ["2"]])
def test_what_is_not_a_version(text: object) -> None:
    assert version(text) is None


def test_targets_are_major_and_minor() -> None:
    assert target_version("2.17") == (2, 17) and target_version("10.13") == (10, 13)
    assert target_version("2") is None and target_version("2.17.1") is None and target_version("two") is None


def test_comparison_pads_with_zeros() -> None:
    assert version("6.9.0") == version("6.9") and hash(version("6.9.0")) == hash(version("6.9"))
    assert version("6.9.1") > version("6.9") > version("6.8.99")
    assert version("2.17") < version("2.100")  # numbers, not text
    assert not version("6.9.0") > version("6.9") and version("6.9.0") >= (6, 9)
    assert sorted(map(version, ["3.4.10", "3.4", "3.4.9", "3"])) == [version(v) for v in ["3", "3.4", "3.4.9", "3.4.10"]]
    above = OPERATORS["version-above"][0]
    assert above("2.18", "2.17") and not above("2.17.0", "2.17") and not above("x", "2.17") and not above("2.18", None)


@pytest.mark.parametrize("release, expected", [
    ("5.15.0-91-generic", "5.15.0"), ("3.10.0-1160.el7.x86_64", "3.10.0"), ("6.9.0+", "6.9.0"),
    ("6.6.87.2-microsoft-standard-WSL2", "6.6.87.2"), ("5.4", "5.4"), ("generic", None), ("5.x", None), ("", None),
    ("5", None), ("5-generic", None),
])
def test_kernel_releases_as_uname_prints_them(release: str, expected: str | None) -> None:
    found = kernel_version(release)
    assert (str(found) if found else None) == expected


def test_kernel_from_the_command_line_sets_the_shebang_limit() -> None:
    assert from_flags(kernel="5.15.0-91-generic").plain() == {"kernel": "5.15.0"}
    assert complete(from_flags(kernel="5.1")).values["shebang_limit"] == 255
    assert complete(from_flags(kernel="5.0.21")).values["shebang_limit"] == 127
    assert complete(from_flags(kernel="5.1.0-generic")).values["shebang_limit"] == 255
    with pytest.raises(BinlintError, match=r"invalid --kernel value 'generic': expected a version such as 5.4 or"):
        from_flags(kernel="generic")
    with pytest.raises(BinlintError, match=r"invalid --glibc value '2.x': expected a version such as 2.17"):
        from_flags(glibc="2.x")


def test_platform_tag_versions() -> None:
    assert tag_version("2", "17") == Version((2, 17)) and str(tag_version("11", "0")) == "11.0"
    # Several tags promise the least of them, compared as numbers.
    target = target_from_platforms(["manylinux_2_28_x86_64", "manylinux_2_5_x86_64", "manylinux2014_x86_64"])
    assert target["glibc"] == "2.5"
    assert target_from_platforms(["macosx_10_9_x86_64", "macosx_10_13_x86_64", "macosx_11_0_arm64"])["macos"] == "10.9"
    assert target_from_platforms(["musllinux_1_2_aarch64"]) == {"musl": "1.2", "arch": ["aarch64"], "libc": "musl",
                                                                "loadable_formats": ["elf"]}


# --------------------------------------------------------------------------
# One way to check the three inputs
# --------------------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(SCHEMA_FILES))
def test_every_schema_is_valid_json_schema(kind: str) -> None:
    jsonschema.Draft7Validator.check_schema(json.loads((RULES / SCHEMA_FILES[kind]).read_text()))


def test_configuration_schema_lists_every_key_the_docs_list() -> None:
    assert "glibc" in config.keys() and "suppress" in config.keys()


@pytest.mark.parametrize("text, message", [
    ('glibc = "2.x"\n', "binlint.toml: 'glibc' must be a version in quotes such as \"2.17\", not a string ('2.x')"),
    ('macos = "11.0"\n', None),
    ('macos = "11"\n', "binlint.toml: 'macos' must be a version in quotes such as \"2.17\", not a string ('11')"),
    ('glibc = "2.17.1"\n', "binlint.toml: 'glibc' must be a version in quotes such as \"2.17\", "
                           "not a string ('2.17.1')"),
    ('prefer-wheel-tags = "yes"\n', "binlint.toml: 'prefer-wheel-tags' must be true or false, not a string ('yes')"),
    ('jobs = true\n', "binlint.toml: 'jobs' must be a whole number of at least 1, not a boolean (True)"),
    ('[per-path-ignores]\n"dist/*.so" = "ALL"\n',
     "binlint.toml: 'per-path-ignores.\"dist/*.so\"' must be a list of non-empty strings, not a string ('ALL')"),
    ('suppress = "x"\n', "binlint.toml: 'suppress' must be an array of tables ([[suppress]] with rule, path and reason), "
                         "not a string ('x')"),
    ('[[suppress]]\npath = "a"\nreason = "b"\n', "binlint.toml: 'suppress[1]' needs a 'rule'"),
    ('[[suppress]]\nrule = "x"\npath = "a"\nreason = "b"\n[[suppress]]\nrule = "x"\npath = 1\nreason = "b"\n',
     "binlint.toml: 'suppress[2].path' must be a non-empty string, not a number (1)"),
    ('severity = ["x"]\n', "binlint.toml: 'severity' must be a table of rule = level, not a list"),
])
def test_configuration_errors_name_file_and_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str,
                                                message: str | None) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "binlint.toml").write_text(text)
    if message is None:
        assert config.load("binlint.toml").values
        return
    with pytest.raises(BinlintError) as caught:
        config.load("binlint.toml")
    assert str(caught.value) == message


def test_pyproject_errors_name_the_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool]\nbinlint = "strict"\n')
    with pytest.raises(BinlintError, match=r"^pyproject.toml: 'tool.binlint' must be a table, not a string"):
        config.load("pyproject.toml")
    (tmp_path / "pyproject.toml").write_text('[tool.binlint]\nkernel = "5.x"\n')
    with pytest.raises(BinlintError, match=r"^pyproject.toml: 'tool.binlint.kernel' must be a kernel version"):
        config.load("pyproject.toml")
    (tmp_path / "pyproject.toml").write_text('[tool.binlint]\nkernel = "6.1.0-18-amd64"\n')
    assert config.load("pyproject.toml").values == {"kernel": "6.1.0"}


def test_json_profile_errors_name_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"profiles": {"box": {"summary": "x", "kernel": 5.4}}}))
    with pytest.raises(BinlintError) as caught:
        profiles.load([str(path)])
    assert str(caught.value) == (f"{path}: target 'box': kernel must be a version in quotes such as \"2.17\", "
                                 "not a number (5.4)")


@pytest.mark.parametrize("change, message", [
    ({"severity": "fatal"}, "severity: must be one of error, warning, note, not a string ('fatal')"),
    ({"colour": "red"}, "(top level): unknown key 'colour'"),
    ({"when": {"fact": "elf.type", "equal": "DYN"}}, "when: unknown key 'equal' (did you mean 'equals'?)"),
    ({"references": ["ftp://x"]}, "references[0]: must be a string matching ^https?://, not a string ('ftp://x')"),
    ({"help": {"what": "a", "error": "b", "why": "c"}}, "help: needs a 'fix'"),
])
def test_rule_file_errors_name_file_and_key(tmp_path: Path, change: dict, message: str) -> None:
    data = {"id": "my-rule", "group": "custom", "severity": "warning", "formats": ["elf"], "summary": "s",
            "when": {"fact": "elf.type", "equals": "DYN"}, "message": "m",
            "help": {"what": "a", "error": "b", "why": "c", "fix": "d"}, **change}
    (tmp_path / "my-rule.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(BinlintError) as caught:
        load_rules([str(tmp_path)])
    assert str(caught.value) == f"{tmp_path / 'my-rule.yaml'}: {message}"
