"""ELF facts: plain JSON values computed from binlint.formats.elf.reader, no judgement.

FACTS is the one catalogue of them; the values are computed here and in arch.py (the
machine), versions.py (symbol versioning) and hardening.py."""
from __future__ import annotations

from binlint.errors import ArtifactError  # at the top, not an import statement run for every ELF file
from binlint.facts.catalogue import Fact
from binlint.formats.elf.arch import (
    EXEC_STACK_DEFAULT, NT_ANDROID_IDENT, arch, arch_description, arm_cpu_arch, arm_float_abi, compatible_archs, libc, machine,
)
from binlint.formats.elf.hardening import (
    DF_1_PIE, bind_now, cf_protection, fortifiable, fortified, language, relro, rwx_segments, segment_flags,
    stack_protector, static, textrel,
)
from binlint.formats.elf.reader import (
    DT_NEEDED, DT_RPATH, DT_RUNPATH, DT_SONAME, ET_NAMES, PT_GNU_STACK, SHF_EXECINSTR, ElfFile,
)
from binlint.formats.elf.versions import version_needs

ABI_TAG_OS = {0: "Linux", 1: "Hurd", 2: "Solaris", 3: "FreeBSD"}


def elf_type(elf: ElfFile) -> str:
    return ET_NAMES.get(elf.type, f"{elf.type:#x}")


def pie(elf: ElfFile) -> bool:
    # A PIE is an ET_DYN that is run rather than loaded: DF_1_PIE says so (binutils >= 2.26),
    # and older ones are told from libraries by an interpreter and no soname.
    if elf.type != 3:
        return False
    return bool(elf.flags_1 & DF_1_PIE) or (elf.interpreter is not None and not elf.dynamic_strings(DT_SONAME))


def gnu_stack(elf: ElfFile) -> list[str]:
    return [segment_flags(s.flags) for s in elf.segments if s.type == PT_GNU_STACK]


def stack_note(elf: ElfFile) -> str | None:
    if elf.type != 1:
        return None
    note = elf.section_named(".note.GNU-stack")
    if note is None:
        return "missing"
    return "exec" if note.flags & SHF_EXECINSTR else "noexec"


def section_error(elf: ElfFile) -> str | None:
    """Why the section header table or its name table cannot be read; None when they can.
    The loader reads program headers only: such a file may load, but no rule that reads
    sections (symbol tables, notes of objects, .note.GNU-stack) can judge it."""
    try:
        elf.check_sections()
    except ArtifactError as err:
        return str(err)
    return None


def split_paths(entries: list[str]) -> list[str]:
    return [part for entry in entries for part in entry.split(":")]


def min_kernel(elf: ElfFile) -> str | None:
    tag = abi_tag(elf)
    return tag["kernel"] if tag is not None and tag["os"] == "Linux" else None


def abi_tag(elf: ElfFile) -> dict | None:
    for name, note_type, desc in elf.notes():
        if name == "GNU" and note_type == 1 and len(desc) >= 16:
            os_code, major, minor, patch = elf.words(desc)[:4]
            return {"os": ABI_TAG_OS.get(os_code, str(os_code)), "kernel": f"{major}.{minor}.{patch}"}
    return None


def android_api_level(elf: ElfFile) -> int:
    """The API level of the note the NDK's start files write (owner "Android", type 1, its
    first word the level the code was compiled for: __ANDROID_API__); 0 without that note."""
    for name, note_type, desc in elf.notes():
        if name == "Android" and note_type == NT_ANDROID_IDENT and len(desc) >= 4:
            return elf.words(desc)[0]
    return 0


FACTS = {
    "elf.class": Fact("int", "32 or 64 (EI_CLASS).", lambda e: e.bits),
    "elf.endian": Fact("str", "`little` or `big` (EI_DATA).", lambda e: "little" if e.little_endian else "big"),
    "elf.machine": Fact("str", "Architecture from e_machine: x86_64, i386, aarch64, arm, riscv, ppc64, ppc, "
                        "s390, mips, ... (`EM_<n>` when unknown).", machine),
    "elf.arch": Fact("str", "The architecture as platform tags spell it: x86_64, i686, aarch64, ppc64le, ppc64, "
                     "s390x, riscv64, loongarch64, mips64el, ...; for 32-bit Arm the oldest machine its "
                     "Tag_CPU_arch build attribute (.ARM.attributes) runs on: armv4l, armv4tl, armv5l (ARMv5T*), "
                     "armv6l (ARMv6*), armv7l (ARMv7 and later, or no attribute).", arch),
    "elf.compatible_archs": Fact(
        "list[str]", "The platform-tag architectures whose systems load it: elf.arch, and for 32-bit Arm every "
        "newer machine of its float ABI (soft-float: armv4l to armv5tejl, the armel systems; hard-float: "
        "armv6l, armv7l, armv8l, the armhf ones; both without a float ABI); mips and mips64 (the kernel's "
        "name for both byte orders) too for little-endian MIPS.", compatible_archs),
    "elf.arch_description": Fact("str", "The machine's label: elf.arch, and for 32-bit Arm the CPU architecture "
                                 "(elf.arm_cpu_arch) and float ABI (elf.arm_float_abi) it was built for: `x86_64`, "
                                 "`armv5l (ARMv5TE, soft-float)`.", arch_description),
    "elf.arm_cpu_arch": Fact("str?", "32-bit Arm: the Tag_CPU_arch build attribute of the \"aeabi\" file "
                             "attributes (.ARM.attributes), as readelf names it: v5TE, v6KZ, v7, v8, ...; null "
                             "without one or for other machines.", arm_cpu_arch),
    "elf.arm_float_abi": Fact("str?", "32-bit Arm: `hard` or `soft`, from e_flags (EF_ARM_ABI_FLOAT_HARD 0x400, "
                              "EF_ARM_ABI_FLOAT_SOFT 0x200: what glibc's loader checks), else from the "
                              "Tag_ABI_VFP_args attribute; null when neither says, or for other machines.",
                              arm_float_abi),
    "elf.libc": Fact("str?", "The C library it is linked against, from its interpreter and DT_NEEDED: `glibc`, "
                     "`musl`, `bionic` (Android: a /system/bin/linker interpreter, or `libc.so` with `LIBC*` "
                     "symbol versions or an \"Android\" note), or null when it names none (static, or an "
                     "extension that leaves libc to its host).", libc),
    "elf.type": Fact("str", "e_type: REL, EXEC, DYN, CORE or NONE.", elf_type),
    "elf.section_error": Fact("str?", "Why the section header table (or its name table) cannot be read, e.g. "
                              "cut off at the end of the file, or not read: an archive member over the member "
                              "limit, of which only what the loader reads was read; null when it can. The loader "
                              "does not read it.",
                              section_error),
    "elf.pie": Fact("bool", "A position-independent executable (ET_DYN that is run, not loaded).", pie),
    "elf.shared_library": Fact("bool", "An ET_DYN that is not a PIE: loaded as a dependency or with dlopen "
                               "(shared libraries, Python extension modules, plugins).",
                               lambda e: e.type == 3 and not pie(e)),
    "elf.interpreter": Fact("str?", "The PT_INTERP program interpreter (dynamic loader) path.",
                            lambda e: e.interpreter),
    "elf.gnu_stack": Fact("list[str]", "Flags (`RW`, `RWX`, ...) of every PT_GNU_STACK header, in file order.",
                          gnu_stack),
    "elf.stack_flags": Fact("str?", "Flags of the last PT_GNU_STACK header, the one the kernel and loader use; "
                            "null when there is none.", lambda e: (gnu_stack(e) or [None])[-1]),
    "elf.stack_default_executable": Fact("bool", "Without PT_GNU_STACK this architecture's loader gives an "
                                         "executable stack (x86, x86-64, 32-bit Arm and PowerPC, MIPS, s390, "
                                         "SPARC, ...).", lambda e: machine(e) in EXEC_STACK_DEFAULT),
    "elf.stack_note": Fact("str?", "Relocatable objects: their `.note.GNU-stack` section is `missing`, `exec` "
                           "(SHF_EXECINSTR) or `noexec`; null for other ELF types.", stack_note),
    "elf.needed": Fact("list[str]", "DT_NEEDED libraries, in order.", lambda e: e.dynamic_strings(DT_NEEDED)),
    "elf.soname": Fact("str?", "DT_SONAME.", lambda e: (e.dynamic_strings(DT_SONAME) or [None])[0]),
    "elf.rpath": Fact("list[str]", "DT_RPATH entries, split at `:`.", lambda e: split_paths(e.dynamic_strings(DT_RPATH))),
    "elf.runpath": Fact("list[str]", "DT_RUNPATH entries, split at `:`.",
                        lambda e: split_paths(e.dynamic_strings(DT_RUNPATH))),
    "elf.version_names": Fact("list[str]", "The names of the symbol versions needed from other objects "
                              "(.gnu.version_r), once each, e.g. `GLIBC_2.17`, `GLIBC_PRIVATE`: cheaper than "
                              "elf.version_needs, so a rule can test it first.",
                              lambda e: list(dict.fromkeys(n.version for n in e.version_needs))),
    "elf.version_needs": Fact(
        "list[object]",
        "Symbol versions needed from other objects (.gnu.version_r): one item per library and version, "
        "with the dynamic symbols bound to it; newest first within a library and namespace. needed_for: what "
        "needs the version: those symbols, or for a version node that stands for a loader feature rather than "
        "symbols, that feature, the linker option that asks for it and the glibc that reads it (GLIBC_ABI_DT_RELR: `packed relative "
        "relocations, -z pack-relative-relocs, glibc 2.36 or later`).",
        version_needs,
        items={"library": "str", "version": "str", "namespace": "str", "release": "str?", "weak": "bool",
               "symbols": "list[str]", "needed_for": "list[str]"},
    ),
    "elf.abi_tag": Fact("object?", "The NT_GNU_ABI_TAG note: `{os, kernel}`, the oldest kernel the C library "
                        "supports, e.g. `{\"os\": \"Linux\", \"kernel\": \"3.2.0\"}`.", abi_tag),
    "elf.min_kernel": Fact("str?", "The oldest Linux kernel the NT_GNU_ABI_TAG note names (`3.2.0`); null "
                           "without a Linux ABI tag.", min_kernel),
    "elf.android_api_level": Fact("int", "The Android API level the code was compiled for, from the NDK's "
                                  "`.note.android.ident` note (owner \"Android\", type 1, its first word: "
                                  "`__ANDROID_API__`; readelf -n shows the bytes as NT_VERSION); 0 without the note.",
                                  android_api_level),
    # Hardening: read only when a rule asks (the hardening group is opt-in but for two).
    "elf.static": Fact("bool", "An executable or shared object no loader takes part in: no PT_INTERP, and no "
                       "PT_DYNAMIC or a static PIE's (ET_DYN with DF_1_PIE and no DT_NEEDED).", static),
    "elf.textrel": Fact("bool", "Text relocations: DT_TEXTREL, or DF_TEXTREL in DT_FLAGS. The loader must "
                        "make code pages writable to relocate them.", textrel),
    "elf.rwx_segments": Fact("list[object]", "PT_LOAD segments both writable and executable: their offset "
                             "in hexadecimal and flags as readelf prints them, e.g. `{\"offset\": \"0x2e58\", "
                             "\"flags\": \"RWX\"}`.", rwx_segments, items={"offset": "str", "flags": "str"}),
    "elf.bind_now": Fact("bool", "All symbols bound at start-up: DT_BIND_NOW, DF_BIND_NOW in DT_FLAGS or "
                         "DF_1_NOW in DT_FLAGS_1 (flags tested as bits).", bind_now),
    "elf.relro": Fact("str", "`full` (PT_GNU_RELRO and bind-now: the GOT is read-only after start-up), "
                      "`partial` (PT_GNU_RELRO only) or `none`.", relro),
    "elf.imports": Fact("list[str]", "Names of the undefined dynamic symbols the loader must find (.dynsym, "
                        "SHN_UNDEF, any binding but STB_WEAK), in table order.", lambda e: e.imports),
    "elf.weak_imports": Fact("list[str]", "Names of the weak undefined dynamic symbols (.dynsym, SHN_UNDEF, "
                             "STB_WEAK), in table order: glibc and musl bind them to 0 when no object defines "
                             "them, so they never stop a load (their symbol versions still must exist unless "
                             "VER_FLG_WEAK: elf.version_needs).", lambda e: e.weak_imports),
    "elf.stack_protector": Fact("bool", "Imports (weakly or not) `__stack_chk_fail`, `__stack_chk_guard` or "
                                "`__intel_security_cookie`: some code was built with -fstack-protector.",
                                stack_protector),
    "elf.fortified": Fact("list[str]", "Imported `__*_chk` functions (what -D_FORTIFY_SOURCE calls), weak imports "
                          "included, sorted.",
                          fortified),
    "elf.fortifiable": Fact("list[str]", "Imported functions glibc has a checked `__*_chk` variant of "
                            "(memcpy, strcpy, sprintf, read, ...; glibc's debug/Makefile), weak imports included, "
                            "sorted.", fortifiable),
    "elf.cf_protection": Fact("list[str]", "Control-flow protection the object is marked for in its "
                              "NT_GNU_PROPERTY_TYPE_0 note (PT_GNU_PROPERTY): `IBT`, `SHSTK` on x86, `BTI`, "
                              "`PAC` on AArch64.", cf_protection),
    "elf.language": Fact("str?", "`go` (a .go.buildinfo section or Go's build-ID note), `rust` (a .rustc "
                         "section, Rust runtime symbols such as `rust_eh_personality` or `__rust_alloc`, or "
                         "`rustc version` in .comment), else null.", language),
}


def compile_units(elf: ElfFile) -> list[dict]:
    # The module imported here: DWARF rules are opt-in, and it (with weakref) cost every run's start-up.
    from binlint.formats.elf import dwarf
    return dwarf.compile_units(elf)


def dwarf_error(elf: ElfFile) -> str | None:
    from binlint.formats.elf import dwarf
    return dwarf.dwarf_error(elf)


FACTS.update({
    # DWARF: pyelftools reads it, only when a rule asks and only from files with .debug_info.
    "elf.compile_units": Fact(
        "list[object]",
        "One item per DWARF compile unit (.debug_info, compressed or not; DWARF 2 to 5; at most 10000): "
        "its DW_AT_name, language (`C`, `C++`, `Assembler` for GNU as, `Rust`, ... or `DW_LANG_0x..`), "
        "DW_AT_producer, and what that producer records: switches_recorded (it names any option: GCC's "
        "-grecord-gcc-switches, its default; Clang only with -grecord-command-line), and the last of each "
        "kind of option: stack_protector (`-fstack-protector-strong`, `-fno-stack-protector`, ...), "
        "fortify_source (the N of -D_FORTIFY_SOURCE=N: GCC never records -D options, so null for GCC), "
        "cf_protection (`full`, `branch`, `return`, `none`), optimization (`0`, `2`, `s`, `fast`, ...; `0` "
        "when switches are recorded without -O) and pic (`-fPIC`, `-fpie`, ...); null when not recorded. "
        "Empty without .debug_info.",
        compile_units,
        items={"name": "str", "language": "str?", "producer": "str", "switches_recorded": "bool",
               "stack_protector": "str?", "fortify_source": "str?", "cf_protection": "str?",
               "optimization": "str?", "pic": "str?"},
    ),
    "elf.dwarf_error": Fact("str?", "Why elf.compile_units holds fewer units than the DWARF has: more than "
                            "10000 units, debug sections over 1 GiB, or DWARF pyelftools cannot read; null "
                            "when every unit was read.", dwarf_error),
})
