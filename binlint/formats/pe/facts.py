"""Facts of Windows PE files (DLLs, `.pyd` extension modules, programs): plain values read by
binlint/formats/pe/reader.py; where each imported DLL is found, by resolve.py."""
from __future__ import annotations

import re

from binlint.errors import ArtifactError
from binlint.facts.catalogue import Fact

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

    from binlint.facts import FileView
    from binlint.formats.pe.reader import PeFile

# IMAGE_FILE_MACHINE_* (winnt.h) -> the names facts give.
MACHINES = {0x14C: "i386", 0x8664: "amd64", 0xAA64: "arm64", 0xA641: "arm64ec", 0x1C4: "armnt", 0x200: "ia64",
            0x1C0: "arm", 0xEBC: "ebc"}
# The architectures of Python's Windows platform tags (win32 -> x86, win_amd64 -> amd64, win_arm64
# -> arm64) whose processes load a file of each machine. An ARM64X file (arm64 header, hybrid
# metadata) holds code for both Arm64 and x64/ARM64EC processes, and loads in both; an ARM64EC
# image (amd64 header, hybrid metadata) loads only in x64 and ARM64EC processes: Microsoft's
# "Arm64 processes only load Arm64 modules" (learn.microsoft.com/windows/arm/arm64ec).
TAG_ARCHS = {"i386": ["x86"], "amd64": ["amd64"], "arm64": ["arm64"], "arm64x": ["amd64", "arm64"],
             "arm64ec": ["amd64"]}
HYBRID = {0xAA64: "arm64x", 0x8664: "arm64ec"}  # header machine of an image with hybrid metadata
EX_DLL_CHARACTERISTICS = {0x1: "CET_COMPAT", 0x2: "CET_COMPAT_STRICT_MODE", 0x4: "CET_SET_CONTEXT_IP_VALIDATION_RELAXED",
                          0x8: "CET_DYNAMIC_APIS_ALLOW_IN_PROC", 0x40: "FORWARD_CFI_COMPAT",
                          0x80: "HOTPATCH_COMPATIBLE"}
CHARACTERISTICS = {0x1: "RELOCS_STRIPPED", 0x2: "EXECUTABLE_IMAGE", 0x20: "LARGE_ADDRESS_AWARE",
                   0x100: "32BIT_MACHINE", 0x200: "DEBUG_STRIPPED", 0x1000: "SYSTEM", 0x2000: "DLL"}
DLL_CHARACTERISTICS = {0x20: "HIGH_ENTROPY_VA", 0x40: "DYNAMIC_BASE", 0x80: "FORCE_INTEGRITY", 0x100: "NX_COMPAT",
                       0x200: "NO_ISOLATION", 0x400: "NO_SEH", 0x800: "NO_BIND", 0x1000: "APPCONTAINER",
                       0x2000: "WDM_DRIVER", 0x4000: "GUARD_CF", 0x8000: "TERMINAL_SERVER_AWARE"}
SECTION_FLAGS = {0x20: "CODE", 0x40: "INITIALIZED_DATA", 0x80: "UNINITIALIZED_DATA", 0x10000000: "SHARED",
                 0x20000000: "EXECUTE", 0x40000000: "READ", 0x80000000: "WRITE"}
SUBSYSTEMS = {1: "native", 2: "windows-gui", 3: "windows-cui", 9: "windows-ce-gui", 10: "efi-application",
              11: "efi-boot-service-driver", 12: "efi-runtime-driver", 14: "xbox", 16: "windows-boot-application"}
_TAG_PYTHON = re.compile(r"^cp3(\d+)$")
_TAG_ABI = re.compile(r"^cp3(\d+)([td]*)$")
# What CPython's Windows installers put beside python.exe (free-threaded `t`, debug `_d` builds too).
PYTHON_DLL = re.compile(r"^python3\d*t?(_d)?\.dll$", re.I)
_DLL_VERSION = re.compile(r"^python3(\d*)(t?)(_d)?\.dll$", re.I)


def pe(view: FileView) -> PeFile:
    """The file's headers, read once for all the facts of the view (the reader is imported
    only when a PE file is met)."""
    found = view._values.get("pe")
    if found is None:
        from binlint.formats.pe import reader

        try:
            found = view._values["pe"] = reader.PeFile(view.data if view.data is not None else view.head)
        except reader.PeError as err:
            raise ArtifactError(str(err)) from err
    return found


def parse(view: FileView) -> str | None:
    """The registry's parse hook: `other` for a file that starts with `MZ` but has no PE header
    where its DOS header points (a DOS program, or data); ArtifactError for a PE file whose
    headers are cut off or point outside it."""
    from binlint.formats.pe.reader import NotPe

    try:
        pe(view)
    except ArtifactError as err:
        if isinstance(err.__context__, NotPe):
            return "other"
        raise
    return None


def _table(read: Callable[[PeFile], Any]) -> Callable[[FileView], Any]:
    """A fact read from a table of the file: a malformed table makes the file unreadable."""
    def compute(view: FileView) -> Any:
        from binlint.formats.pe.reader import PeError

        try:
            return read(pe(view))
        except PeError as err:
            raise ArtifactError(str(err)) from None
    return compute


def _on_view(read: Callable[[FileView], Any]) -> Callable[[FileView], Any]:
    """A fact computed from the view and the tables (the tables through _table)."""
    def compute(view: FileView) -> Any:
        from binlint.formats.pe.reader import PeError

        try:
            return read(view)
        except PeError as err:
            raise ArtifactError(str(err)) from None
    return compute


def _flags(value: int, names: dict[int, str]) -> list[str]:
    return [name for bit, name in names.items() if value & bit]


def machine(view: FileView) -> str:
    from binlint.formats.pe.reader import PeError

    file = pe(view)
    number = file.machine
    if number in HYBRID:
        try:
            if file.load_config.get("chpe_metadata"):
                return HYBRID[number]
        except PeError:
            pass  # a load config cut short: the hardening facts that read it say so
    return MACHINES.get(number, f"{number:#06x}")


def _manifest(view: FileView) -> dict[str, Any]:
    found = view._values.get("pe.manifest")
    if found is None:
        from binlint.formats.pe.manifest import declared
        found = view._values["pe.manifest"] = _table(declared)(view)
    return found  # type: ignore[no-any-return]


def _signature(check: str) -> Callable[[FileView], str]:
    def compute(view: FileView) -> str:
        if check == "authenticode" and not pe(view).directory(4)[1]:
            return "unsigned"  # most files: no security directory, nothing to import
        from binlint.formats.pe import signature
        return _table(getattr(signature, check))(view)  # type: ignore[no-any-return]
    return compute


def import_resolution(view: FileView) -> list[dict[str, Any]]:
    from binlint.formats.pe import resolve

    file = pe(view)
    return [{"dll": dll, "found": resolve.where(view, dll), "delay": delay}
            for delay, table in ((False, file.import_dlls), (True, file.delay_import_dlls)) for dll in table]


def python_dll(view: FileView) -> str | None:
    return next((dll for dll in pe(view).import_dlls if PYTHON_DLL.match(dll)), None)


def _fits(dll: str, python: str, abi: str) -> bool:
    """A CPython of this interpreter-ABI pair provides `dll`."""
    match = _DLL_VERSION.match(dll)
    if match is None or not match[1]:  # python3.dll: every CPython 3 on Windows has it
        return True
    if abi in ("abi3", "abi3t"):  # every version from the tag's on: no one version's DLL
        return False
    if abi == "none":  # cp312-none: the python tag's version
        return python == f"cp3{match[1]}"
    tag = _TAG_ABI.match(abi)
    return bool(tag) and tag[1] == match[1] and ("t" in tag[2]) == bool(match[2])


def python_dll_mismatched_tags(view: FileView) -> list[str]:
    dll, tags = python_dll(view), view.context.wheel_tags
    if dll is None or not tags:
        return []
    pairs = dict.fromkeys("-".join(tag.split("-")[:2]) for tag in tags)
    return [pair for pair in pairs if _TAG_PYTHON.match(pair.split("-")[0]) and not _fits(dll, *pair.split("-"))]


def _imports(table: str) -> Callable[[FileView], list[str]]:
    return _table(lambda f: list(getattr(f, table)))


FACTS = {
    "pe.machine": Fact("str", "The machine: `i386`, `amd64`, `arm64`, `armnt`, `ia64`, ..., or the COFF header's "
                       "number in hex; `arm64x` for an arm64 image and `arm64ec` for an amd64 one whose load "
                       "config points at hybrid (CHPE) metadata.", machine),
    "pe.compatible_archs": Fact(
        "list[str]", "The architectures of Python's Windows platform tags whose processes load the file: `x86` "
        "(win32) for i386, `amd64` (win_amd64) for amd64 and ARM64EC, `arm64` (win_arm64); both of the last "
        "for ARM64X.", lambda v: TAG_ARCHS.get(machine(v), [])),
    "pe.format": Fact("str", "`PE32` (32-bit) or `PE32+` (64-bit), from the optional header's magic.",
                      lambda v: "PE32+" if pe(v).pe32_plus else "PE32"),
    "pe.characteristics": Fact("list[str]", "The COFF header's characteristics flags: `EXECUTABLE_IMAGE`, `DLL`, "
                               "`LARGE_ADDRESS_AWARE`, `RELOCS_STRIPPED`, ...",
                               lambda v: _flags(pe(v).characteristics, CHARACTERISTICS)),
    "pe.dll_characteristics": Fact(
        "list[str]", "The optional header's DllCharacteristics: `DYNAMIC_BASE` (ASLR), `HIGH_ENTROPY_VA`, "
        "`NX_COMPAT` (DEP), `GUARD_CF` (Control Flow Guard), `FORCE_INTEGRITY`, `NO_SEH`, `APPCONTAINER`, ...",
        lambda v: _flags(pe(v).dll_characteristics, DLL_CHARACTERISTICS)),
    "pe.subsystem": Fact("str", "The subsystem: `windows-cui` (console), `windows-gui`, `native`, "
                         "`efi-application`, ..., or its number.",
                         lambda v: SUBSYSTEMS.get(pe(v).subsystem, str(pe(v).subsystem))),
    "pe.sections": Fact("list[object]", "The section table in order: name (long names from the COFF string "
                        "table) and flags (`CODE`, `EXECUTE`, `READ`, `WRITE`, `SHARED`, ...).",
                        lambda v: [{"name": s.name, "flags": _flags(s.flags, SECTION_FLAGS)} for s in pe(v).sections],
                        items={"name": "str", "flags": "list[str]"}),
    "pe.writable_executable_sections": Fact(
        "list[str]", "The names of the sections mapped both writable and executable (MEM_WRITE and MEM_EXECUTE).",
        lambda v: [s.name for s in pe(v).sections if s.flags & 0xA0000000 == 0xA0000000]),
    "pe.imports": Fact("list[str]", "The DLLs the import directory names, as written, in order.", _imports("import_dlls")),
    "pe.delay_imports": Fact("list[str]", "The DLLs the delay-load import directory names (loaded at the first "
                             "call into them).", _imports("delay_import_dlls")),
    "pe.imported_functions": Fact(
        "list[object]", "Every imported function: dll, function (`#N` for an import by ordinal), delay.",
        _table(lambda f: [{"dll": i.dll, "function": name, "delay": delay}
                          for delay, table in ((False, f.imports), (True, f.delay_imports))
                          for i in table for name in i.functions]),
        items={"dll": "str", "function": "str", "delay": "bool"}),
    "pe.export_name": Fact("str?", "The DLL's own name in its export directory; null without one.",
                           _table(lambda f: f.exports[0])),
    "pe.exports": Fact("list[str]", "The names the export directory exports (not the ordinal-only exports).",
                       _table(lambda f: f.exports[1])),
    "pe.guard_flags": Fact("int", "The load config's GuardFlags (0x100: CF instrumented); 0 when the load "
                           "config is absent or too short to have them.",
                           _table(lambda f: f.load_config.get("guard_flags", 0))),
    "pe.safeseh_handlers": Fact("int", "On x86, the number of handlers in the load config's SafeSEH table; 0 "
                                "when the file has no table (and on other machines, which have no SafeSEH).",
                                _table(lambda f: f.load_config.get("se_handler_count", 0)
                                       if f.load_config.get("se_handler_table") else 0)),
    "pe.pdb_path": Fact("str?", "The PDB path of the CodeView debug entry, as the linker wrote it; null without one.",
                        _table(lambda f: f.pdb_path)),
    "pe.ex_dll_characteristics": Fact(
        "list[str]", "The extended DLL characteristics of the debug directory's EX_DLLCHARACTERISTICS entry: "
        "`CET_COMPAT` (MSVC's /CETCOMPAT: CET shadow stacks), `CET_COMPAT_STRICT_MODE`, `HOTPATCH_COMPATIBLE`, ...",
        _table(lambda f: _flags(f.ex_dll_characteristics, EX_DLL_CHARACTERISTICS))),
    "pe.signed": Fact("bool", "An Authenticode signature (the security directory) is present; pe.signature "
                      "compares its digest with the file.", lambda v: pe(v).signed),
    "pe.signature": Fact(
        "str", "`unsigned`; `matches` when the digest the first signature signs (SpcIndirectDataContent) is the "
        "file's Authenticode hash; `differs` when the file changed after signing; `unreadable`. The signature "
        "itself, the certificates and their chain are not verified.", _signature("authenticode")),
    "pe.checksum": Fact("str", "The optional header's CheckSum: `unset` (0), `matches` the file, or `differs`.",
                        _signature("checksum")),
    "pe.manifest_dependencies": Fact(
        "list[object]", "The side-by-side assemblies the RT_MANIFEST resources depend on (dependentAssembly): "
        "name (`Microsoft.VC90.CRT`, `Microsoft.Windows.Common-Controls`), version, architecture.",
        lambda v: _manifest(v)["dependencies"], items={"name": "str", "version": "str", "architecture": "str"}),
    "pe.manifest_execution_level": Fact(
        "str?", "The manifest's requestedExecutionLevel: `asInvoker`, `highestAvailable`, `requireAdministrator`; "
        "null without one.", lambda v: _manifest(v)["execution_level"]),
    "pe.manifest_long_path_aware": Fact("bool", "The manifest declares longPathAware true.",
                                        lambda v: _manifest(v)["long_path_aware"]),
    "pe.manifest_active_code_page": Fact("str?", "The manifest's activeCodePage (`UTF-8`); null without one.",
                                         lambda v: _manifest(v)["active_code_page"]),
    "pe.manifest_problem": Fact("str?", "Why a manifest resource could not be read (not well-formed XML); null "
                                "when every one could.", lambda v: _manifest(v)["problem"]),
    "pe.import_resolution": Fact(
        "list[object]", "Where the loader finds each imported DLL (normal, then delay-load) when Python loads the "
        "file from its wheel: `system` (Windows' own: binlint/facts/data/windows_system_dlls.txt, API sets), "
        "`python` (beside python.exe: python3X.dll, python3.dll, vcruntime140.dll, vcruntime140_1.dll), "
        "`module-folder` (beside the file), `dll-directory` (a folder a delvewheel patch adds with "
        "os.add_dll_directory), `elsewhere` (in the artifact, where the loader does not look), `missing`.",
        _on_view(import_resolution), items={"dll": "str", "found": "str", "delay": "bool"}),
    "pe.python_dll": Fact("str?", "The Python DLL the file imports (`python312.dll`, `python3.dll`, "
                          "`python313t.dll`); null when none.", _on_view(python_dll)),
    "pe.python_dll_mismatched_tags": Fact(
        "list[str]", "The interpreter-ABI pairs of the tags of the wheel holding the file (`cp312-cp312`, "
        "`cp37-abi3`) whose CPython has no pe.python_dll: `python3X.dll` is only 3.X's (`t`: the free-threaded "
        "build's), so it fits no abi3 tag; `python3.dll` fits all. Empty outside a wheel's own members.",
        _on_view(python_dll_mismatched_tags)),
}
