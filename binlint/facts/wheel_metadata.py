"""Facts of a wheel's `.dist-info/` as installers and PyPI read it: WHEEL's `Tag` lines
against the file name, RECORD against the members, entry_points.txt (the SBOMs of PEP 770:
binlint.facts.wheel_sboms).

Each fact states what the files say beside what the archive holds; the rules judge. The
members' SHA-256 come from the walk, which hashes a wheel's members as it reads them when a
rule reads binlint.walk.digest.HASHED_FACTS."""
from __future__ import annotations

import posixpath
import re

from binlint.errors import ArtifactError
from binlint.facts.archive import file_name, wheel_fields
from binlint.facts.catalogue import Fact
from binlint.patterns import Pattern  # compiled on first use (binlint/patterns.py)
from binlint.walk.digest import HASHED
from binlint.wheeltags import expand_tags, tags_from_filename

TYPE_CHECKING = False
if TYPE_CHECKING:
    from binlint.facts import FileView
    from binlint.formats.container import Container
    from binlint.formats.members import Member

METADATA_LIMIT = 16 << 20  # RECORD of the largest wheels is a few MiB
_WHEEL_FILE = Pattern(r"^([^/]+\.dist-info)/WHEEL$")
# Signatures of RECORD, which RECORD cannot list (the binary distribution format).
_SIGNATURES = ("RECORD.jws", "RECORD.p7s")


def dist_info(view: FileView) -> str | None:
    """The `.dist-info` folder that holds the WHEEL file read for the wheel's facts."""
    container = view.container()
    if container is None or wheel_fields(view) is None:
        return None
    return next((m[1] for name in container.names() if name.endswith(".dist-info/WHEEL")
                 for m in [_WHEEL_FILE.match(name)] if m), None)


def member_named(view: FileView, name: str) -> Member | None:
    container = view.container()
    return next((m for m in container.members if m.name == name and m.open is not None), None) if container else None


def read_member(member: Member, limit: int = METADATA_LIMIT) -> bytes | None:
    try:
        stream = member.open()
        try:
            return stream.read(limit)
        finally:
            stream.close()
    except ArtifactError:
        return None


_METADATA = Pattern(r"^[^/]+\.dist-info/METADATA$")
_REQUIREMENT_NAME = Pattern(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def requires(holder: Container | None) -> list[str]:
    """The distributions the wheel `holder` requires whatever extras are chosen: the names of
    its METADATA's Requires-Dist lines without an `extra` marker, as written (read once per
    wheel; its members ask)."""
    if holder is None:
        return []
    found = getattr(holder, "_requires", None)
    if found is None:
        member = next((m for m in holder.members if m.open is not None and _METADATA.match(m.name)), None)
        text = (read_member(member) or b"") if member is not None else b""
        found = []
        for line in text.decode("utf-8", "replace").splitlines():
            if not line:  # the headers end at the first empty line; the description follows
                break
            key, _, value = line.partition(":")
            name = _REQUIREMENT_NAME.match(value)
            if key.strip().lower() == "requires-dist" and name and "extra" not in value.partition(";")[2]:
                found.append(name[1])
        holder._requires = found  # type: ignore[attr-defined]
    return found  # type: ignore[no-any-return]


# -- WHEEL's tags --------------------------------------------------------------------------

def filename_tags(view: FileView) -> list[str]:
    return sorted({t.lower() for t in tags_from_filename(file_name(view))})


def wheel_file_tags(view: FileView) -> list[str]:
    """WHEEL's tags, each line expanded (a compressed line is its expansion to installers)."""
    lines = (wheel_fields(view) or {}).get("Tag", [])
    return sorted({tag.lower() for line in lines for tag in expand_tags(line)})


def tag_differences(view: FileView) -> list[str]:
    """Each tag only one of the file name and WHEEL lists, saying which; nothing when the
    name is not a wheel's (there is nothing to compare)."""
    named = set(filename_tags(view))
    if not named or wheel_fields(view) is None:
        return []
    listed = set(wheel_file_tags(view))
    return [f"{tag} (file name only)" for tag in sorted(named - listed)] + [
        f"{tag} (WHEEL only)" for tag in sorted(listed - named)]


def compressed_tag_lines(view: FileView) -> list[str]:
    return [line for line in (wheel_fields(view) or {}).get("Tag", []) if "." in line]


# -- RECORD --------------------------------------------------------------------------------

def record(view: FileView) -> dict[str, tuple[str, str]] | None:
    """RECORD's rows, path -> (hash, size) as written; None when the wheel has no RECORD."""
    if "wheel.record" not in view._values:
        rows = None
        folder = dist_info(view)
        member = member_named(view, f"{folder}/RECORD") if folder else None
        data = read_member(member) if member else None
        if data is not None:
            rows = {row[0].replace("\\", "/"): (row[1] if len(row) > 1 else "", row[2] if len(row) > 2 else "")
                    for row in _csv_rows(data.decode("utf-8", "replace")) if row and row[0]}
        view._values["wheel.record"] = rows
    return view._values["wheel.record"]


def _csv_rows(text: str) -> list[list[str]]:
    """The rows of a CSV file as the csv module reads them. Without a quote (or a NUL, which
    it refuses), a row is its line split at commas: most RECORDs, read without importing
    csv and 2.5 times as fast (numpy's: 3.8 ms in all, 1.2 ms so)."""
    lines = text.splitlines()
    if '"' not in text and "\0" not in text:
        return [line.split(",") if line else [] for line in lines]
    import csv

    return list(csv.reader(lines))


def unrecorded(view: FileView) -> list[str]:
    rows = record(view)
    if rows is None:
        return []
    folder = dist_info(view)
    signatures = {f"{folder}/{s}" for s in _SIGNATURES}
    found = []
    for member in view.container().members:
        if member.name not in rows:
            if member.name not in signatures:
                found.append(f"{member.name} (not listed)")
        elif not all(rows[member.name]) and member.name != f"{folder}/RECORD":
            found.append(f"{member.name} (no hash or size)")
    return found


def stale_rows(view: FileView) -> list[str]:
    rows = record(view) or {}
    names = set(view.container().names()) if rows else set()
    return [name for name in rows if name not in names and not name.endswith("/")]


def size_mismatches(view: FileView) -> list[str]:
    rows = record(view) or {}
    found = []
    for member in view.container().members if rows else []:
        recorded = rows.get(member.name, ("", ""))[1]
        if recorded.isdigit() and member.link is None and int(recorded) != member.size:
            found.append(f"{member.name} (RECORD: {int(recorded)} bytes, the member: {member.size})")
    return found


def recorded_sha256(value: str) -> bytes | None:
    """The digest of a RECORD hash field `sha256=<urlsafe base64, no padding>`, b"" when it
    is no such digest (a hex digest: verifiers compare it as base64 and fail); None for
    another algorithm or no hash."""
    algorithm, _, encoded = value.partition("=")
    if algorithm.lower() != "sha256" or not encoded:
        return None
    import base64
    import binascii

    try:
        digest = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        return b""
    return digest if len(digest) == 32 else b""


def hash_mismatches(view: FileView) -> list[str]:
    import base64

    rows = record(view) or {}
    digests = view.walked.digests
    found = []
    for name, (value, size) in rows.items():
        actual = digests.get(name)
        # A member of another size is wheel.record_size_mismatches': one fault, one finding.
        expected = recorded_sha256(value) if actual and size == str(actual[1]) else None
        if expected is not None and expected != actual[0]:
            found.append(f"{name} (RECORD: sha256={value.partition('=')[2]}, the member: "
                         f"sha256={base64.urlsafe_b64encode(actual[0]).rstrip(b'=').decode()})")
    return found


# -- Root-Is-Purelib -------------------------------------------------------------------------

_SCHEME_FOLDER = Pattern(r"^[^/]+\.data/(purelib|platlib)/(.+)$")


def split_packages(view: FileView) -> list[str]:
    """Regular packages (an `__init__.py` in one of the parts) whose files install into both
    purelib and platlib: the wheel's root goes where Root-Is-Purelib says, `.data/purelib/`
    and `.data/platlib/` where they say. Python imports a regular package from the first
    folder that has it, so where the two folders differ the other part is never found."""
    container = view.container()
    if container is None or wheel_fields(view) is None:
        return []
    names = container.names()
    if not any(".data/p" in name for name in names):  # most wheels: nothing but the root
        return []
    root = "purelib" if view.get("wheel.root_is_purelib") else "platlib"
    schemes: dict[str, dict[str, str]] = {}  # package -> scheme -> a file of it installed there
    regular = set()
    for name in names:
        match = _SCHEME_FOLDER.match(name)
        scheme, path = (match[1], match[2]) if match else (root, name)
        package, _, rest = path.partition("/")
        if not rest or (not match and (package.endswith((".dist-info", ".data")))):
            continue
        schemes.setdefault(package, {}).setdefault(scheme, name)
        if rest == "__init__.py":
            regular.add(package)
    return [f"{package} ({', '.join(f'{file} in {scheme}' for scheme, file in sorted(where.items()))})"
            for package, where in sorted(schemes.items()) if package in regular and len(where) > 1]


# -- entry_points.txt ----------------------------------------------------------------------

def entry_points(view: FileView) -> dict[str, dict[str, str]] | str | None:
    """entry_points.txt's sections, as an INI file with `=` alone as delimiter reads (the
    entry points specification), or why it does not parse; None when the wheel has none."""
    if "wheel.entry_points" not in view._values:
        folder = dist_info(view)
        member = member_named(view, f"{folder}/entry_points.txt") if folder else None
        data = read_member(member) if member else None
        parsed: dict[str, dict[str, str]] | str | None = None
        if data is not None:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                parsed = "entry_points.txt is not UTF-8"
            else:
                parsed = _simple_ini(text)
                if parsed is None:
                    parsed = _configparser_ini(text)
        view._values["wheel.entry_points"] = parsed
    return view._values["wheel.entry_points"]


def _simple_ini(text: str) -> dict[str, dict[str, str]] | None:
    """The sections of an INI file as configparser reads it (`=` alone as delimiter, names as
    written), when each line is blank, a comment, or at its start a `[section]` or a
    `name = value`, no name twice; else None. Most entry_points.txt are that: read without
    importing configparser, whose import and patterns cost each wheel's check 3 ms."""
    sections: dict[str, dict[str, str]] = {}
    current = None
    for line in text.split("\n"):  # configparser's lines: a lone \r ends none
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if line[0].isspace():  # a value's continuation, or an indented line: configparser's rules
            return None
        if stripped[0] == "[":  # configparser takes `[a]b = c` for a section too
            name = stripped[1:-1]
            if stripped[-1] != "]" or not name or name in sections or name == "DEFAULT":
                return None
            current = sections[name] = {}
            continue
        key, equals, value = stripped.partition("=")
        key = key.rstrip()
        if current is None or not equals or not key or key in current:
            return None
        current[key] = value.strip()
    return sections


def _configparser_ini(text: str) -> dict[str, dict[str, str]] | str:
    import configparser

    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # names are case-sensitive
    try:
        parser.read_string(text)
    except configparser.Error as err:  # "While reading from '<string>' [line  3]: option ..."
        return re.sub(r"^While reading from .*?\[line\s*(\d+)\]", r"line \1", " ".join(str(err).split()))
    return {name: dict(parser[name]) for name in parser.sections()}


def entry_points_error(view: FileView) -> str | None:
    parsed = entry_points(view)
    return parsed if isinstance(parsed, str) else None


def script_names(view: FileView) -> list[str]:
    parsed = entry_points(view)
    if parsed is None or isinstance(parsed, str):
        return []
    return [name for section in ("console_scripts", "gui_scripts") for name in parsed.get(section, ())]


def script_references(view: FileView) -> list[str]:
    """`name = value` of each console and GUI script, as written."""
    parsed = entry_points(view)
    if parsed is None or isinstance(parsed, str):
        return []
    return [f"{name} = {value}" for section in ("console_scripts", "gui_scripts")
            for name, value in parsed.get(section, {}).items()]


FACTS = {
    "wheel.filename_tags": Fact("list[str]", "The tags the file name promises, expanded (`py2.py3-none-any` -> "
                                "`py2-none-any`, `py3-none-any`); empty when the name is not a wheel's.",
                                filename_tags),
    "wheel.tag_differences": Fact("list[str]", "Tags only the file name or only WHEEL's `Tag` lines (each expanded) "
                                  "list, each saying which (`py3-none-any (WHEEL only)`); empty when the name is "
                                  "not a wheel's.", tag_differences),
    "wheel.compressed_tag_lines": Fact("list[str]", "WHEEL's `Tag` lines that hold a compressed tag set "
                                       "(`py2.py3-none-any`) instead of one tag.", compressed_tag_lines),
    "wheel.record_found": Fact("bool", "The `.dist-info` folder holding WHEEL has a RECORD file.",
                               lambda v: record(v) is not None),
    "wheel.unrecorded_members": Fact("list[str]", "Members RECORD does not list, or lists without a hash or size, "
                                     "each saying which (`pkg/x.py (not listed)`); RECORD's own row needs neither, "
                                     "its signatures `RECORD.jws` and `RECORD.p7s` no row.", unrecorded),
    "wheel.record_stale_rows": Fact("list[str]", "Files RECORD lists that the wheel does not hold (directories "
                                    "left out).", stale_rows),
    "wheel.record_size_mismatches": Fact("list[str]", "Members whose size differs from RECORD's, with both sizes.",
                                         size_mismatches),
    HASHED: Fact("list[str]", "Members of RECORD's size whose SHA-256 differs from RECORD's `sha256=` hash, with "
                 "both (members recorded with another algorithm are left out).", hash_mismatches),
    "wheel.split_packages": Fact("list[str]", "Regular packages whose files install into both purelib and platlib "
                                 "(the root where Root-Is-Purelib says, `.data/purelib/` and `.data/platlib/`), each "
                                 "with a file of each part.", split_packages),
    "wheel.entry_points_error": Fact("str?", "Why entry_points.txt does not parse as an INI file with `=` as "
                                     "delimiter (duplicates included), or null.", entry_points_error),
    "wheel.script_names": Fact("list[str]", "The names of the `console_scripts` and `gui_scripts` entry points.",
                               script_names),
    "wheel.script_entry_points": Fact("list[str]", "The console and GUI scripts' entry points, `name = value` "
                                      "as written.", script_references),
}
