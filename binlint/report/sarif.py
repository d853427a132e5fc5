"""SARIF 2.1.0 shaped for GitHub code scanning: one run, whole-file locations relative
to %SRCROOT%, fingerprints computed here (upload-sarif cannot hash a binary)."""
from __future__ import annotations

import json
from urllib.parse import quote

from binlint import __version__
from binlint.rules.docs import HOMEPAGE, help_markdown, help_text, help_uri
from binlint.report.finding import Finding, Run, fingerprint, relative_location
from binlint.rules import Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
DESCRIPTION_LIMIT = 1024  # GitHub's limit for short and full descriptions


def render(run: Run) -> str:
    index = {rule.id: i for i, rule in enumerate(run.rules)}
    artifacts = Artifacts()
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "binlint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": HOMEPAGE,
                "rules": [descriptor(rule) for rule in run.rules],
            }},
            "invocations": [{"executionSuccessful": True}],
            "results": [result(f, index[f.rule], artifacts) for f in run.findings],
            "artifacts": artifacts.entries,
        }],
    }
    if not artifacts.entries:
        del log["runs"][0]["artifacts"]  # type: ignore[index]
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def result(finding: Finding, rule_index: int, artifacts: Artifacts) -> dict:
    """GitHub reads only the file on disk, so that is the location; a member of an archive
    is named in the message, in logicalLocations and as a nested run.artifacts entry."""
    location: dict = {"physicalLocation": {"artifactLocation": {
        "uri": uri(finding.location), "uriBaseId": "%SRCROOT%", "index": artifacts.add(finding)}}}
    message = finding.message
    if finding.members:
        chain = "!".join(finding.members)
        message = f"{chain}: {message}"
        location["logicalLocations"] = [{"name": finding.members[-1].rsplit("/", 1)[-1],
                                         "fullyQualifiedName": chain, "kind": "module"}]
    return {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": finding.severity,
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": {"primaryLocationLineHash": fingerprint(finding)},
    }


class Artifacts:
    """run.artifacts: each file on disk with findings, and each archive member leading to one,
    nested through parentIndex as SARIF 2.1.0 (3.24.3) describes."""

    def __init__(self) -> None:
        self.entries: list[dict] = []
        self._index: dict[tuple[str, ...], int] = {}

    def add(self, finding: Finding) -> int:
        """The index of the file on disk holding `finding`, after adding its members' chain."""
        top = self._entry((finding.location,), {"location": {"uri": uri(finding.location), "uriBaseId": "%SRCROOT%"}})
        parent = top
        for depth in range(1, len(finding.members) + 1):
            name = finding.members[depth - 1]
            parent = self._entry((finding.location, *finding.members[:depth]),
                                 {"location": {"uri": quote(name, safe="/")}, "parentIndex": parent})
        return top

    def _entry(self, key: tuple[str, ...], entry: dict) -> int:
        if key not in self._index:
            self._index[key] = len(self.entries)
            self.entries.append(entry)
        return self._index[key]


def descriptor(rule: Rule) -> dict:
    properties: dict = {"tags": sorted({rule.group, *(["security"] if rule.security_severity else [])}),
                        "precision": "very-high"}
    if rule.security_severity:
        properties["security-severity"] = f"{rule.security_severity:.1f}"
    return {
        "id": rule.id,
        "name": rule.id,
        "shortDescription": {"text": rule.summary[:DESCRIPTION_LIMIT]},
        "fullDescription": {"text": " ".join(rule.help["what"].split())[:DESCRIPTION_LIMIT]},
        "help": {"text": help_text(rule), "markdown": help_markdown(rule)},
        "helpUri": help_uri(rule),
        "defaultConfiguration": {"level": rule.severity},
        "properties": properties,
    }


def uri(path: str) -> str:
    """A relative reference from the working directory, which stands for %SRCROOT%."""
    return quote(relative_location(path), safe="/")
