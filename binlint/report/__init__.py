"""The registries of reporters: every format `binlint check --format` and `binlint targets
--format` accept, and the module that renders each. The CLI's choices and help come from
here; adding a format is a module and an entry."""
from __future__ import annotations

import importlib
from collections import namedtuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from binlint.report.finding import Run
    from binlint.report.targets import TargetReport

# module: binlint/report/<module>.py, imported when the format is chosen; its
# render(document, **options) makes the report, and render_statistics(run) the
# --statistics table when `statistics` is set. help: how `binlint check --help` describes
# the format, None where its name says it all. folder: the format is a folder of partitions
# (--output DIR), written by the module's write(run, directory) instead of render().
Reporter = namedtuple("Reporter", "module options statistics help folder", defaults=({}, False, None, False))

# The findings of `binlint check` (a Run, binlint/report/finding.py).
REPORTERS = {
    "text": Reporter("text", statistics=True, help="text is one line per finding"),  # ruff's "concise"
    "full": Reporter("text", {"full": True}, True, "full adds the evidence and the rule's help link"),
    "json": Reporter("json", statistics=True),
    "sarif": Reporter("sarif"),
    "github": Reporter("github", help="github writes workflow commands that annotate a GitHub Actions run"),
    "gitlab": Reporter("gitlab", help="gitlab GitLab's Code Quality report"),
    "junit": Reporter("junit", help="junit JUnit XML for any CI's test results"),
    "jsonl": Reporter("jsonl", help="jsonl and parquet write a folder of partitions (--output DIR), one row a finding",
                      folder=True),
    "parquet": Reporter("parquet", folder=True),
}
FORMATS = tuple(name for name, reporter in REPORTERS.items() if not reporter.folder)  # rendered as one text
FOLDER_FORMATS = tuple(name for name, reporter in REPORTERS.items() if reporter.folder)
STATISTICS_FORMATS = tuple(name for name, reporter in REPORTERS.items() if reporter.statistics)

# The target profiles, and which ones artifacts satisfy: `binlint targets` (a TargetReport).
TARGET_REPORTERS = {"text": Reporter("targets"), "json": Reporter("targets", {"as_json": True})}
TARGET_FORMATS = tuple(TARGET_REPORTERS)


def render(fmt: str, run: Run, statistics: bool = False) -> str:
    """`run`'s findings in the format `fmt`, or their --statistics table."""
    return _render(REPORTERS[fmt], run, statistics)


PARTITION_ROWS = 100_000  # findings per partition of a folder format


def write_folder(fmt: str, run: Run, directory: str) -> int:
    """`run`'s findings in `directory` as the partitions of the folder format `fmt`,
    `part-00000{suffix}` on, in report order, each written whole (a temporary file renamed);
    an earlier run's partitions there are removed first. One partition, empty, for no
    findings (a reader finds the schema and no rows). Returns how many."""
    import importlib.util
    import os

    from binlint.errors import BinlintError

    module = importlib.import_module(f"binlint.report.{REPORTERS[fmt].module}")
    needs, extra = getattr(module, "REQUIRES", (None, None))
    if needs is not None and importlib.util.find_spec(needs) is None:
        raise BinlintError(f"--format {fmt} needs {needs}: pip install 'binlint[{extra}]'")
    try:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if name.startswith("part-") and name.endswith(module.SUFFIX):
                os.unlink(os.path.join(directory, name))
        count = 0
        for start in range(0, max(len(run.findings), 1), PARTITION_ROWS):
            name = f"part-{count:05d}{module.SUFFIX}"
            temporary = os.path.join(directory, f".{name}.tmp")
            module.write_part(temporary, run.findings[start:start + PARTITION_ROWS])
            os.replace(temporary, os.path.join(directory, name))
            count += 1
    except OSError as err:
        raise BinlintError(f"cannot write {directory}: {err.strerror or err}") from None
    return count


def render_targets(fmt: str, report: TargetReport) -> str:
    return _render(TARGET_REPORTERS[fmt], report)


def _render(reporter: Reporter, document: object, statistics: bool = False) -> str:
    module = importlib.import_module(f"binlint.report.{reporter.module}")
    if statistics:
        return module.render_statistics(document)  # type: ignore[no-any-return]
    return module.render(document, **reporter.options)  # type: ignore[no-any-return]
