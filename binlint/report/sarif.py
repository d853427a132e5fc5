"""SARIF 2.1.0 shaped for GitHub code scanning: one run, whole-file locations relative
to %SRCROOT%, fingerprints computed here (upload-sarif cannot hash a binary)."""
from __future__ import annotations

import json
from urllib.parse import quote

from binlint import __version__
from binlint.docs import HOMEPAGE, help_markdown, help_text, help_uri
from binlint.engine import relative_location
from binlint.report import Run
from binlint.rules import Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
DESCRIPTION_LIMIT = 1024  # GitHub's limit for short and full descriptions


def render(run: Run) -> str:
    index = {rule.id: i for i, rule in enumerate(run.rules)}
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
            "results": [
                {
                    "ruleId": f.rule,
                    "ruleIndex": index[f.rule],
                    "level": f.severity,
                    "message": {"text": f.message},
                    "locations": [{"physicalLocation": {"artifactLocation": {
                        "uri": uri(f.path), "uriBaseId": "%SRCROOT%"}}}],
                    "partialFingerprints": {"primaryLocationLineHash": f.fingerprint},
                }
                for f in run.findings
            ],
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


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
