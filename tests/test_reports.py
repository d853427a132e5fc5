"""The three report formats over one fixed set of artifacts.

- SARIF: valid against the OASIS 2.1.0 schema (``tests/schemas/``, committed with its
  provenance) and shaped for GitHub code scanning's ingestion rules.
- JSON: valid against ``binlint/report/json-v1.schema.json``, which docs/json-report.md documents.
- All: the same findings, byte-identical between runs and whatever the order of the paths.
- Golden snapshots in ``tests/golden/report.{txt,json,sarif}``, compared after scrubbing
  what differs between machines. Regenerate them with

      BINLINT_UPDATE_GOLDEN=1 python3 -m pytest tests/test_reports.py

  then review the diff (``git diff tests/golden``) before committing.
"""
from __future__ import annotations

import json
import math
import os
import platform
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import pytest
import yaml

import binlint

REPO = Path(__file__).resolve().parents[1]
SARIF_SCHEMA = REPO / "tests/schemas/sarif-2.1.0.schema.json"  # tests/schemas/README.md: origin and terms
SARIF_SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
REPORT_SCHEMA = REPO / "binlint/report/json-v1.schema.json"
REPORT_DOC = REPO / "docs/json-report.md"
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
UPDATE_GOLDEN = os.environ.get("BINLINT_UPDATE_GOLDEN", "").strip() not in ("", "0")

# The fixed set: one finding of each built-in rule that can fire on x86-64 without a
# cross toolchain, one artifact that cannot be read, and one clean library. Each of
# these gives the same report with any gcc/binutils/glibc (no compiler-chosen symbol
# lists: glibc-new-lib needs getrandom@GLIBC_2.25, the only version above 2.17).
REPORT_SET = ("execstack-lib", "nostack-lib", "asm-nonote-obj", "glibc-new-lib", "pyc-exec",
              "truncated-phdrs", "clean-lib")
GLIBC = "2.17"
FORMATS = ("text", "json", "sarif")
SEVERITIES = ("error", "warning", "note")
GITHUB_DESCRIPTION_LIMIT = 1024
GITHUB_TAG_LIMIT = 20
GITHUB_NAME_LIMIT = 255


# --------------------------------------------------------------------------
# Running binlint
# --------------------------------------------------------------------------


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BINLINT_DEBUG", "NO_COLOR", "PYTHONPATH")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def binlint_run(args: list[str], cwd: Path, expect: int | None = None) -> str:
    proc = subprocess.run([sys.executable, "-m", "binlint", *args], cwd=cwd, env=cli_env(),
                          capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    err = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    assert err == "", f"binlint {' '.join(args)} wrote to stderr: {err}"
    if expect is not None:
        assert proc.returncode == expect, f"binlint {' '.join(args)}: exit {proc.returncode}, expected {expect}"
    return proc.stdout.decode("utf-8")


class ReportSet:
    """The fixed fixtures copied into one directory; reports run with it as the working directory."""

    def __init__(self, directory: Path, files: dict[str, str]) -> None:
        self.directory = directory
        self.files = files  # fixture name -> file name in `directory`

    def names(self, fixtures: tuple[str, ...] = REPORT_SET) -> list[str]:
        return [self.files[f] for f in fixtures]

    def render(self, fmt: str, paths: list[str] | None = None, *, glibc: str | None = GLIBC,
               expect: int | None = None) -> str:
        paths = self.names() if paths is None else paths
        args = ["check", "--format", fmt, *(["--glibc", glibc] if glibc else []), *paths]
        return binlint_run(args, self.directory, expect)


@pytest.fixture(scope="module")
def report_set(artifacts, tmp_path_factory: pytest.TempPathFactory) -> ReportSet:
    directory = tmp_path_factory.mktemp("report-set")
    files = {}
    for name in REPORT_SET:
        source = artifacts.path(name)
        files[name] = Path(shutil.copy2(source, directory / source.name)).name
    return ReportSet(directory, files)


@pytest.fixture(scope="module")
def reports(report_set: ReportSet) -> dict[str, str]:
    return {fmt: report_set.render(fmt, expect=1) for fmt in FORMATS}


@pytest.fixture(scope="module")
def sarif(reports: dict[str, str]) -> dict:
    return json.loads(reports["sarif"])


def rule_files() -> dict[str, dict]:
    rules = {}
    for path in sorted(p for pattern in ("*.yaml", "*.yml") for p in (REPO / "rules").glob(pattern)):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        rules[data["id"]] = data
    return rules


# --------------------------------------------------------------------------
# SARIF: the OASIS schema
# --------------------------------------------------------------------------


def load_sarif_schema() -> dict:
    import hashlib

    raw = SARIF_SCHEMA.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SARIF_SCHEMA_SHA256, "tests/schemas/README.md: the OASIS file, unmodified"
    return json.loads(raw)


def sarif_validator():
    schema = load_sarif_schema()
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#", schema["$schema"]
    cls = jsonschema.validators.validator_for(schema)
    assert cls is jsonschema.Draft4Validator
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_errors(validator, document: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))]


REPORT_SUBSETS = {
    "full-set": (REPORT_SET, GLIBC),
    "no-target": (REPORT_SET, None),
    "clean-only": (("clean-lib",), GLIBC),
    "unreadable-only": (("truncated-phdrs",), None),
}


@pytest.mark.parametrize(("fixtures", "glibc"), REPORT_SUBSETS.values(), ids=REPORT_SUBSETS.keys())
def test_sarif_validates_against_the_oasis_schema(report_set: ReportSet, fixtures: tuple[str, ...],
                                                  glibc: str | None) -> None:
    validator = sarif_validator()
    document = json.loads(report_set.render("sarif", report_set.names(fixtures), glibc=glibc))
    assert schema_errors(validator, document) == []


def test_sarif_log_header(sarif: dict) -> None:
    assert sarif["version"] == "2.1.0"
    assert re.search(r"2\.1\.0(\.json)?$", sarif["$schema"]), sarif["$schema"]
    assert len(sarif["runs"]) == 1, "GitHub needs exactly one run per tool and category"
    driver = sarif["runs"][0]["tool"]["driver"]
    assert driver["name"] == "binlint"
    assert driver["semanticVersion"] == driver["version"] == binlint.__version__


# --------------------------------------------------------------------------
# SARIF: what GitHub code scanning ingests
# --------------------------------------------------------------------------


def is_relative_reference(uri: str) -> bool:
    return bool(uri) and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", uri) and not uri.startswith("/")


def test_sarif_results_follow_githubs_rules(sarif: dict, report_set: ReportSet) -> None:
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert results, "the fixed set must produce results"
    for result in results:
        where = f"result for {result.get('ruleId')}"
        assert isinstance(result["ruleId"], str) and result["ruleId"], where
        index = result["ruleIndex"]
        assert isinstance(index, int) and 0 <= index < len(rules), where
        assert rules[index]["id"] == result["ruleId"], f"{where}: ruleIndex {index} points at {rules[index]['id']}"
        assert result["level"] in SEVERITIES, where
        assert isinstance(result["message"]["text"], str) and result["message"]["text"].strip(), where
        assert len(result["locations"]) == 1, where
        location = result["locations"][0]
        physical = location["physicalLocation"]
        artifact = physical["artifactLocation"]
        assert is_relative_reference(artifact["uri"]), f"{where}: uri {artifact['uri']!r} is not relative"
        assert artifact["uriBaseId"] == "%SRCROOT%", where
        assert "region" not in physical, f"{where}: a region makes upload-sarif hash a binary's 'lines'"
        fingerprint = result["partialFingerprints"]["primaryLocationLineHash"]
        assert isinstance(fingerprint, str) and fingerprint, where
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results)
    assert set(uris) <= set(report_set.names()), uris
    keys = [(r["ruleId"], r["partialFingerprints"]["primaryLocationLineHash"]) for r in results]
    assert len(keys) == len(set(keys)), "two results share rule and fingerprint"


def test_sarif_rules_carry_githubs_metadata(sarif: dict) -> None:
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    # The rules the run enabled: the default set (opt-in rules are `default: false`).
    expected = {rule_id: data for rule_id, data in rule_files().items() if data.get("default", True)}
    assert [r["id"] for r in rules] == sorted(expected), "every default rule, once, sorted by id"
    for rule in rules:
        where = f"rule {rule['id']}"
        assert rule["name"] and len(rule["name"]) <= GITHUB_NAME_LIMIT, where
        for key in ("shortDescription", "fullDescription"):
            text = rule[key]["text"]
            assert isinstance(text, str) and text.strip(), f"{where}: empty {key}"
            assert len(text) <= GITHUB_DESCRIPTION_LIMIT, f"{where}: {key} is {len(text)} characters"
        assert rule["help"]["text"].strip(), where
        assert rule["help"]["markdown"].strip(), where
        assert re.match(r"^https://\S+$", rule["helpUri"]), where
        assert rule["helpUri"].endswith(f"#{rule['id']}"), where
        level = rule["defaultConfiguration"]["level"]
        assert level in SEVERITIES, where
        assert level == expected[rule["id"]]["severity"], where
        tags = rule["properties"]["tags"]
        assert isinstance(tags, list) and 0 < len(tags) <= GITHUB_TAG_LIMIT, where
        assert all(isinstance(t, str) and t for t in tags), where
        assert len(tags) == len(set(tags)), where


def test_sarif_security_severity_is_a_number_in_a_string(sarif: dict) -> None:
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    expected = rule_files()
    seen = 0
    for rule in rules:
        properties = rule["properties"]
        if "security-severity" not in properties:
            assert "security-severity" not in expected[rule["id"]], rule["id"]
            continue
        seen += 1
        value = properties["security-severity"]
        assert isinstance(value, str), f"{rule['id']}: security-severity must be a string, got {value!r}"
        number = float(value)
        assert math.isfinite(number) and 0.0 < number <= 10.0, f"{rule['id']}: {value}"
        assert number == pytest.approx(float(expected[rule["id"]]["security-severity"]))
        assert "security" in properties["tags"], f"{rule['id']}: security rules carry the security tag"
    assert seen, "the built-in rules have at least one security rule"


def test_sarif_uris_are_relative_to_the_working_directory_even_for_absolute_paths(report_set: ReportSet) -> None:
    absolute = [str(report_set.directory / name) for name in report_set.names()]
    document = json.loads(report_set.render("sarif", absolute))
    for result in document["runs"][0]["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert is_relative_reference(uri) and ".." not in uri.split("/"), uri
        assert uri in report_set.names()


def test_sarif_does_not_depend_on_how_paths_are_spelt(report_set: ReportSet) -> None:
    """GitHub matches alerts across runs by uri and fingerprint: the same file must give both the same."""
    relative = report_set.names()
    spellings = {
        "relative": relative,
        "dot-slash": [f"./{name}" for name in relative],
        "absolute": [str(report_set.directory / name) for name in relative],
    }
    outputs = {how: report_set.render("sarif", paths) for how, paths in spellings.items()}

    def identities(text: str) -> list[tuple[str, str, str]]:
        return [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                 r["partialFingerprints"]["primaryLocationLineHash"])
                for r in json.loads(text)["runs"][0]["results"]]
    for how, text in outputs.items():
        assert identities(text) == identities(outputs["relative"]), f"{how} differs from relative"


# --------------------------------------------------------------------------
# JSON report: its schema and documentation
# --------------------------------------------------------------------------


def load_report_schema() -> dict:
    return json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))


def report_validator():
    schema = load_report_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    cls = jsonschema.validators.validator_for(schema)
    assert cls is jsonschema.Draft202012Validator
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def subschemas(node: Any, where: str = "#") -> Iterator[tuple[str, dict]]:
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            if key in ("properties", "$defs"):
                for name, child in value.items():
                    yield from subschemas(child, f"{where}/{key}/{name}")
            elif isinstance(value, (dict, list)) and key not in ("enum", "required", "type"):
                yield from subschemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from subschemas(child, f"{where}/{i}")


def property_names(schema: dict) -> set[str]:
    return {name for _, node in subschemas(schema) for name in node.get("properties", {})}


def test_report_schema_is_closed() -> None:
    schema = load_report_schema()
    report_validator()
    for where, node in subschemas(schema):
        if node.get("type") == "object" or "properties" in node:
            assert node.get("additionalProperties") is False, f"{where} must set additionalProperties: false"
            assert set(node.get("required", [])) == set(node["properties"]) or where == "#/properties/target", where


@pytest.mark.parametrize(("fixtures", "glibc"), REPORT_SUBSETS.values(), ids=REPORT_SUBSETS.keys())
def test_json_report_validates_against_its_schema(report_set: ReportSet, fixtures: tuple[str, ...],
                                                  glibc: str | None) -> None:
    document = json.loads(report_set.render("json", report_set.names(fixtures), glibc=glibc))
    assert schema_errors(report_validator(), document) == []
    summary = document["summary"]
    assert summary["files"] == len(fixtures)
    assert summary["findings"] == len(document["findings"])
    for severity in SEVERITIES:
        assert summary[severity] == sum(f["severity"] == severity for f in document["findings"])
    assert document["target"] == ({"glibc": glibc} if glibc else {})
    assert document["tool"] == {"name": "binlint", "version": binlint.__version__}
    keys = [(f["path"], SEVERITIES.index(f["severity"]), f["rule"]) for f in document["findings"]]
    assert keys == sorted(keys), "findings are sorted by path, severity, rule"


def test_json_schema_rejects_what_binlint_must_not_write(reports: dict[str, str]) -> None:
    validator = report_validator()
    good = json.loads(reports["json"])
    assert schema_errors(validator, good) == []
    mutations = {
        "extra top-level field": lambda d: d.update(extra=1),
        "version 2": lambda d: d.update(version=2),
        "unknown severity": lambda d: d["findings"][0].update(severity="fatal"),
        "extra finding field": lambda d: d["findings"][0].update(column=1),
        "empty message": lambda d: d["findings"][0].update(message=""),
        "bad fingerprint": lambda d: d["findings"][0].update(fingerprint="xyz"),
        "bad target": lambda d: d["target"].update(glibc="2"),
        "unknown target": lambda d: d["target"].update(musl="1.2"),
        "negative count": lambda d: d["summary"].update(files=-1),
        "evidence number": lambda d: d["findings"][0]["evidence"].append(3),
    }
    for what, mutate in mutations.items():
        document = json.loads(reports["json"])
        mutate(document)
        assert schema_errors(validator, document), f"the schema accepts a report with {what}"


def test_json_schema_evidence_objects_match_the_fact_catalogue() -> None:
    from binlint.facts import CATALOGUE

    json_types = {"str": {"type": "string"}, "str?": {"type": ["string", "null"]}, "bool": {"type": "boolean"},
                  "int": {"type": "integer"}, "list[str]": {"type": "array", "items": {"type": "string"}}}
    schema = load_report_schema()
    object_schemas = [v for v in schema["$defs"]["evidenceItem"]["anyOf"] if "$ref" in v]
    defined = [schema["$defs"][ref["$ref"].rsplit("/", 1)[1]] for ref in object_schemas]
    list_object_facts = {name: fact for name, fact in CATALOGUE.items() if fact.type == "list[object]"}
    assert len(defined) == len(list_object_facts), (
        "every list[object] fact needs an evidence item schema in binlint/report/json-v1.schema.json")
    for name, fact in list_object_facts.items():
        matching = [d for d in defined if set(d["properties"]) == set(fact.items)]
        assert matching, f"no evidence item schema for the items of {name}: {sorted(fact.items)}"
        for field, fact_type in fact.items.items():
            got = {k: v for k, v in matching[0]["properties"][field].items() if k != "description"}
            assert got == json_types[fact_type], f"{name}.{field}: {got} is not {fact_type}"


def test_json_report_doc_covers_every_field() -> None:
    doc = REPORT_DOC.read_text(encoding="utf-8")
    assert "version 1" in doc.lower()
    assert "binlint/report/json-v1.schema.json" in doc
    documented = set(re.findall(r"^\| `([A-Za-z0-9_-]+)` \|", doc, flags=re.MULTILINE))
    missing = property_names(load_report_schema()) - documented
    assert not missing, f"docs/json-report.md has no table row for: {sorted(missing)}"
    # The example in the doc is itself a valid report.
    example = re.search(r"```json\n(.*?)```", doc, flags=re.DOTALL)
    assert example, "docs/json-report.md has no JSON example"
    assert schema_errors(report_validator(), json.loads(example[1])) == []


# --------------------------------------------------------------------------
# All formats: the same findings, deterministic
# --------------------------------------------------------------------------


def test_formats_agree(reports: dict[str, str], report_set: ReportSet) -> None:
    text_lines = reports["text"].splitlines()
    text = [tuple(re.match(r"^(.+): (error|warning|note)\[([a-z0-9-]+)\] (.+)$", line).groups())
            for line in text_lines[:-1]]
    document = json.loads(reports["json"])
    from_json = [(f["path"], f["severity"], f["rule"], f["message"]) for f in document["findings"]]
    results = json.loads(reports["sarif"])["runs"][0]["results"]
    from_sarif = [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["level"], r["ruleId"],
                   r["message"]["text"]) for r in results]
    assert text == from_json == from_sarif
    assert [f["fingerprint"] for f in document["findings"]] == [
        r["partialFingerprints"]["primaryLocationLineHash"] for r in results]
    assert text_lines[-1] == (f"Found {len(text)} problems ({document['summary']['error']} errors) "
                              f"in {len(REPORT_SET)} files.")
    assert {f["rule"] for f in document["findings"]} == {
        "executable-stack", "missing-gnu-stack", "object-executable-stack", "glibc-version-above-target",
        "non-elf-executable", "unreadable-artifact"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_reports_are_byte_identical_between_runs(report_set: ReportSet, reports: dict[str, str], fmt: str) -> None:
    assert report_set.render(fmt) == reports[fmt]


@pytest.mark.parametrize("fmt", FORMATS)
def test_path_order_does_not_change_the_report(report_set: ReportSet, reports: dict[str, str], fmt: str) -> None:
    names = report_set.names()
    orders = [list(reversed(names))]
    for seed in (1, 2, 3):
        shuffled = list(names)
        random.Random(seed).shuffle(shuffled)
        orders.append(shuffled)
    for order in orders:
        assert report_set.render(fmt, order) == reports[fmt], f"order {order}"


@pytest.mark.parametrize("fmt", FORMATS)
def test_directory_and_file_list_give_the_same_report(report_set: ReportSet, tmp_path: Path, fmt: str) -> None:
    """Naming the files one by one or the directory that holds exactly them: same report."""
    sub = tmp_path / "as-dir"
    sub.mkdir()
    for name in report_set.names():
        shutil.copy2(report_set.directory / name, sub / name)
    listed = report_set.render(fmt, [str(sub / n) for n in report_set.names()])
    walked = report_set.render(fmt, [str(sub)])
    assert walked == listed


# --------------------------------------------------------------------------
# Golden snapshots
# --------------------------------------------------------------------------


def scrub(text: str, report_set: ReportSet) -> str:
    """Replace what legitimately differs between machines; nothing else."""
    for directory in {str(report_set.directory), str(report_set.directory.resolve())}:
        text = text.replace(directory, "@@FIXTURES@@")
    text = re.sub(r'("(?:version|semanticVersion)": )"' + re.escape(binlint.__version__) + '"',
                  r'\1"@@VERSION@@"', text)
    # The .pyc fixture is compiled by the interpreter running the tests.
    running = f"Python {sys.version_info[0]}.{sys.version_info[1]} bytecode"
    assert running in text or "bytecode" not in text, f"expected {running!r} in the report"
    text = text.replace(running, "Python @@PYTHON@@ bytecode")
    # non-elf-executable also names what would run it: python3.X for that bytecode.
    text = text.replace(f"instead: python{sys.version_info[0]}.{sys.version_info[1]}", "instead: python@@PYTHON@@")
    # How many program headers clean-lib has depends on the linker (PT_NOTE, PT_GNU_PROPERTY, ...).
    return re.sub(r"program header table \(\d+ entries", "program header table (@@PHNUM@@ entries", text)


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_report(report_set: ReportSet, reports: dict[str, str], fmt: str) -> None:
    if platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip("the golden reports describe x86-64 fixtures")
    golden = GOLDEN_DIR / f"report.{'txt' if fmt == 'text' else fmt}"
    # Paths relative to the working directory: an absolute one would put the tmp directory into
    # the text and JSON reports (scrubbable) but also into every fingerprint (not scrubbable).
    actual = scrub(reports[fmt], report_set)
    if UPDATE_GOLDEN:
        GOLDEN_DIR.mkdir(exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    if not golden.is_file():
        pytest.fail(f"{golden} is missing: create it with BINLINT_UPDATE_GOLDEN=1 python3 -m pytest "
                    "tests/test_reports.py, then review it", pytrace=False)
    expected = golden.read_text(encoding="utf-8")
    assert actual == expected, (f"{fmt} report differs from {golden.relative_to(REPO)}; if the change is "
                                "intended, rerun with BINLINT_UPDATE_GOLDEN=1 and review the diff")


# --------------------------------------------------------------------------
# The reporter registries: the only list of formats, and what reporters may import
# --------------------------------------------------------------------------

# What a reporter may depend on: the finding model, the rules' metadata (severities, help
# texts and links, profiles) and binlint's version; never the engine, the walk, the facts
# or the CLI, so that a new format is one module and one registry entry.
REPORTER_IMPORTS = {"binlint", "binlint.report.finding", "binlint.rules", "binlint.rules.docs",
                    "binlint.rules.profiles", "binlint.version"}


def binlint_imports(path: Path) -> set[str]:
    import ast

    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "binlint":
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names if alias.name.split(".")[0] == "binlint"}
    return names


def test_reporters_import_only_the_finding_model_and_rule_metadata() -> None:
    from binlint.report import REPORTERS, TARGET_REPORTERS

    modules = {r.module for r in [*REPORTERS.values(), *TARGET_REPORTERS.values()]}
    for module in sorted(modules):
        unexpected = binlint_imports(REPO / f"binlint/report/{module}.py") - REPORTER_IMPORTS
        assert not unexpected, f"binlint/report/{module}.py imports {sorted(unexpected)}"


def test_the_registries_are_the_cli_format_choices() -> None:
    import argparse

    from binlint.cli import build_parser
    from binlint.report import REPORTERS, STATISTICS_FORMATS, TARGET_REPORTERS

    [commands] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    for command, registry in (("check", REPORTERS), ("targets", TARGET_REPORTERS)):
        [option] = [a for a in commands.choices[command]._actions if a.dest == "format"]
        assert tuple(option.choices) == tuple(registry), command
    for name, reporter in REPORTERS.items():
        module = __import__(f"binlint.report.{reporter.module}", fromlist=["render"])
        assert callable(module.write_part if reporter.folder else module.render), name  # folders: partitions
        assert hasattr(module, "render_statistics") == (name in STATISTICS_FORMATS), name
