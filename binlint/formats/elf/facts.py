"""ELF facts: plain JSON values computed from binlint.formats.elf.reader, no judgement."""
from __future__ import annotations

import functools
import re

from binlint.facts.catalogue import Fact, LazyItem
from binlint.formats.elf.reader import (
    DT_BIND_NOW, DT_FLAGS, DT_FLAGS_1, DT_NEEDED, DT_RPATH, DT_RUNPATH, DT_SONAME, DT_TEXTREL, ET_NAMES,
    PF_R, PF_W, PF_X, PT_DYNAMIC, PT_GNU_RELRO, PT_GNU_STACK, PT_INTERP, PT_LOAD, SHF_EXECINSTR, VER_FLG_WEAK,
    ElfFile,
)

DF_1_PIE = 0x08000000
DF_1_NOW = 0x00000001
DF_TEXTREL, DF_BIND_NOW = 0x4, 0x8

# e_machine -> the architecture name used by uname, wheel tags and Debian.
MACHINES = {
    2: "sparc", 3: "i386", 4: "m68k", 8: "mips", 10: "mips", 15: "parisc", 18: "sparc",
    20: "ppc", 21: "ppc64", 22: "s390", 40: "arm", 42: "sh", 43: "sparc64", 50: "ia64",
    62: "x86_64", 92: "or1k", 93: "arc", 183: "aarch64", 189: "microblaze", 195: "arc",
    243: "riscv", 252: "csky", 258: "loongarch", 0x9026: "alpha",
}
# glibc's sysdeps/<arch>/stackinfo.h: where these architectures' objects lack
# PT_GNU_STACK, the loader gives them an executable stack. Elsewhere (aarch64, riscv,
# loongarch, ppc64, csky, arc, ia64) the generic default is a non-executable stack.
EXEC_STACK_DEFAULT = {
    "alpha", "arm", "parisc", "i386", "m68k", "microblaze", "mips", "or1k", "ppc", "s390",
    "sh", "sparc", "sparc64", "x86_64",
}
NT_ANDROID_IDENT = 1  # the note the NDK's start files write, named "Android": the API level
ABI_TAG_OS = {0: "Linux", 1: "Hurd", 2: "Solaris", 3: "FreeBSD"}
# Version nodes without a number that stand for a glibc release.
NAMED_GLIBC_NODES = {"GLIBC_ABI_DT_RELR": "2.36"}
# What such a node stands for: no symbol is bound to it, so its symbols say nothing.
NODE_MEANINGS = {"GLIBC_ABI_DT_RELR": "packed relative relocations, DT_RELR: linked with -z pack-relative-relocs, "
                                      "read by glibc 2.36 or later; -z nopack-relative-relocs links without them"}
_VERSION_NODE = re.compile(r"^(?P<namespace>.+?)_(?P<release>\d+(?:\.\d+)*)$")


def _flags(flags: int) -> str:
    return "".join(c for bit, c in ((PF_R, "R"), (PF_W, "W"), (PF_X, "X")) if flags & bit)


def machine(elf: ElfFile) -> str:
    return MACHINES.get(elf.machine, f"EM_{elf.machine}")


# ARM: Tag_CPU_arch (build attribute 6) -> the name ARM's ABI and readelf give it.
ARM_CPU_ARCHS = {
    0: "Pre-v4", 1: "v4", 2: "v4T", 3: "v5T", 4: "v5TE", 5: "v5TEJ", 6: "v6", 7: "v6KZ", 8: "v6T2",
    9: "v6K", 10: "v7", 11: "v6-M", 12: "v6S-M", 13: "v7E-M", 14: "v8", 15: "v8-R", 16: "v8-M.baseline",
    17: "v8-M.mainline", 18: "v8.1-A", 19: "v8.2-A", 20: "v8.3-A", 21: "v8.1-M.mainline", 22: "v9",
}
TAG_CPU_ARCH, TAG_ABI_VFP_ARGS = 6, 28
EF_ARM_ABI_FLOAT_SOFT, EF_ARM_ABI_FLOAT_HARD = 0x200, 0x400
# The names uname (and so CPython's platform tag) gives 32-bit Arm machines, oldest first:
# the kernel spells the CPU's architecture and an "l" for little-endian (armv5tel on an
# ARMv5TE CPU; armv8l for a 32-bit process on an AArch64 kernel).
ARM_MACHINES = ("armv4l", "armv4tl", "armv5l", "armv5tel", "armv5tejl", "armv6l", "armv7l", "armv8l")
# The systems of these machines are soft-float (Debian armel is ARMv5TE); those of the others
# are hard-float: Raspberry Pi OS and Alpine's armhf are ARMv6 with VFP, Debian's armhf is
# ARMv7, and the manylinux and musllinux armv7l policies are hard-float by definition (PEP 599;
# packaging offers them only to an armhf interpreter, auditwheel refuses soft-float code).
ARM_SOFT_FLOAT_MACHINES = frozenset({"armv4l", "armv4tl", "armv5l", "armv5tel", "armv5tejl"})


def arm_cpu_arch(elf: ElfFile) -> str | None:
    if elf.machine != 40:
        return None
    value = elf.arm_attributes.get(TAG_CPU_ARCH)
    return ARM_CPU_ARCHS.get(value, str(value)) if isinstance(value, int) else None


def arm_float_abi(elf: ElfFile) -> str | None:
    """`hard` or `soft`: the EF_ARM_ABI_FLOAT_* flag of e_flags, which glibc's loader checks
    (an armhf ld.so refuses a soft-float object, an armel one a hard-float object), else
    Tag_ABI_VFP_args (1: floating-point arguments in VFP registers, 0: in core registers)."""
    if elf.machine != 40:
        return None
    if elf.flags & EF_ARM_ABI_FLOAT_HARD:
        return "hard"
    if elf.flags & EF_ARM_ABI_FLOAT_SOFT:
        return "soft"
    args = elf.arm_attributes.get(TAG_ABI_VFP_ARGS)
    return "hard" if args == 1 else "soft" if args == 0 else None


def _arm_machine(cpu: str | None) -> str:
    """The uname name of the oldest machine that runs code of the CPU architecture `cpu`.
    ARMv8 and later 32-bit code is armv7l, as packaging lets armv8l take armv7l wheels;
    without a Tag_CPU_arch, armv7l too (what auditwheel calls every 32-bit Arm object)."""
    if cpu in ("Pre-v4", "v4"):
        return "armv4l"
    if cpu == "v4T":
        return "armv4tl"
    if cpu in ("v5T", "v5TE", "v5TEJ"):
        return "armv5l"
    if cpu is not None and cpu.startswith("v6"):
        return "armv6l"
    return "armv7l"


def arch(elf: ElfFile) -> str:
    """The architecture as platform tags (and uname) spell it, class and byte order included."""
    name, bits, little = machine(elf), elf.bits, elf.little_endian
    if name == "x86_64":
        return "x86_64" if bits == 64 else "x32"
    if name == "i386":
        return "i686"
    if name == "arm":
        return _arm_machine(arm_cpu_arch(elf))
    if name == "aarch64":
        return "aarch64" if little else "aarch64_be"
    if name == "ppc64":
        return "ppc64le" if little else "ppc64"
    if name == "s390":
        return "s390x" if bits == 64 else "s390"
    if name in ("riscv", "loongarch"):
        return f"{name}{bits}"
    if name == "mips":
        return ("mips64" if bits == 64 else "mips") + ("el" if little else "")
    return name


def compatible_archs(elf: ElfFile) -> list[str]:
    """The platform-tag architectures whose systems load this object."""
    name = arch(elf)
    if elf.machine == 40:
        # Newer Arm CPUs run older code; without a Tag_CPU_arch the code may be for any.
        cpu = arm_cpu_arch(elf)
        names = ARM_MACHINES[ARM_MACHINES.index(_arm_machine(cpu)) if cpu is not None else 0:]
        float_abi = arm_float_abi(elf)
        if float_abi is None:
            return list(names)
        return [n for n in names if (n in ARM_SOFT_FLOAT_MACHINES) == (float_abi == "soft")]
    if name in ("mipsel", "mips64el"):
        # The kernel's uname, and so CPython's platform tag, says mips or mips64 for both
        # byte orders: a linux_mips64 wheel may hold little-endian code.
        return [name, name[:-2]]
    return [name]


def arch_description(elf: ElfFile) -> str:
    """elf.arch, and for 32-bit Arm the CPU architecture and float ABI it was built for."""
    name = arch(elf)
    if elf.machine != 40:
        return name
    cpu, float_abi = arm_cpu_arch(elf), arm_float_abi(elf)
    details = ([f"ARM{cpu}"] if cpu is not None else []) + ([f"{float_abi}-float"] if float_abi else [])
    return f"{name} ({', '.join(details)})" if details else name


# The dynamic loaders of Android's C library, Bionic.
BIONIC_INTERPRETERS = ("/system/bin/linker", "/system/bin/linker64")


def libc(elf: ElfFile) -> str | None:
    interpreter, needed = elf.interpreter or "", elf.dynamic_strings(DT_NEEDED)
    if interpreter in BIONIC_INTERPRETERS or ("libc.so" in needed and _bionic(elf)):
        return "bionic"
    if "ld-musl" in interpreter or any(n.startswith("libc.musl") or n == "libc.so" for n in needed):
        return "musl"
    if interpreter.startswith(("/lib/ld-linux", "/lib64/ld-linux", "/lib64/ld64.so", "/lib/ld.so", "/lib/ld64.so")) \
            or "libc.so.6" in needed:
        return "glibc"
    return None


def _bionic(elf: ElfFile) -> bool:
    """Whether an object that needs `libc.so` (the soname of Bionic, and of musl outside
    Alpine) is for Android: Bionic versions its symbols (LIBC, LIBC_N, ..., LIBC_PRIVATE) and
    musl versions none; and the NDK's start files add a note named "Android"."""
    if any(n.library == "libc.so" and n.version.startswith("LIBC") for n in elf.version_needs):
        return True
    return any(name == "Android" and note_type == NT_ANDROID_IDENT for name, note_type, _ in elf.notes())


def elf_type(elf: ElfFile) -> str:
    return ET_NAMES.get(elf.type, f"{elf.type:#x}")


def pie(elf: ElfFile) -> bool:
    # A PIE is an ET_DYN that is run rather than loaded: DF_1_PIE says so (binutils >= 2.26),
    # and older ones are told from libraries by an interpreter and no soname.
    if elf.type != 3:
        return False
    return bool(elf.flags_1 & DF_1_PIE) or (elf.interpreter is not None and not elf.dynamic_strings(DT_SONAME))


def gnu_stack(elf: ElfFile) -> list[str]:
    return [_flags(s.flags) for s in elf.segments if s.type == PT_GNU_STACK]


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
    from binlint.errors import ArtifactError

    try:
        elf.check_sections()
    except ArtifactError as err:
        return str(err)
    return None


def split_paths(entries: list[str]) -> list[str]:
    return [part for entry in entries for part in entry.split(":")]


def version_needs(elf: ElfFile) -> list[dict]:
    needs = elf.version_needs
    if not needs:
        return []
    found: list[dict[int, list[str]]] = []

    def symbols() -> dict[int, list[str]]:  # read once, for all items, when one is asked
        if not found:
            found.append(elf.symbols_by_version_index({n.index for n in needs}))
        return found[0]

    items = []
    for need in needs:
        namespace, release = parse_version_node(need.version)
        fields = {"library": need.library, "version": need.version, "namespace": namespace,
                  "release": release, "weak": bool(need.flags & VER_FLG_WEAK)}
        bound = (lambda index=need.index: sorted(set(symbols()[index])))
        items.append(LazyItem(fields, {"symbols": bound,
                                       "needed_for": lambda b=bound, v=need.version: _needed_for(v, b())}))
    # Newest first within a library and namespace, so evidence names the highest version first.
    items.sort(key=lambda i: (i["library"], i["namespace"], _descending(i["release"]), i["version"]))
    return items


def _needed_for(version: str, symbols: list[str]) -> str:
    if version in NODE_MEANINGS:
        return NODE_MEANINGS[version]
    return ", ".join(symbols) if symbols else "no symbol is bound to it"


@functools.lru_cache(maxsize=4096)  # the same few hundred names recur in every file
def parse_version_node(name: str) -> tuple[str, str | None]:
    """`GLIBC_2.17` -> (`GLIBC`, `2.17`); `GLIBC_PRIVATE` -> (`GLIBC`, None)."""
    if name in NAMED_GLIBC_NODES:
        return "GLIBC", NAMED_GLIBC_NODES[name]
    match = _VERSION_NODE.match(name)
    if match:
        return match["namespace"], match["release"]
    return name.split("_", 1)[0], None


@functools.lru_cache(maxsize=4096)
def _descending(release: str | None) -> tuple[int, ...]:
    return tuple(-int(p) for p in release.split(".")) if release else (1,)


# elf.arch -> the loader paths the ABI fixes for it: glibc's (sysdeps/unix/sysv/linux/*/
# ldsodefs.h, shlib-versions) and musl's (/lib/ld-musl-ARCH.so.1, ARCH as musl spells it).
STANDARD_INTERPRETERS = {
    "x86_64": ["/lib64/ld-linux-x86-64.so.2", "/lib/ld-musl-x86_64.so.1"],
    "x32": ["/libx32/ld-linux-x32.so.2", "/lib/ld-musl-x32.so.1"],
    "i686": ["/lib/ld-linux.so.2", "/lib/ld-musl-i386.so.1"],
    "aarch64": ["/lib/ld-linux-aarch64.so.1", "/lib/ld-musl-aarch64.so.1"],
    "aarch64_be": ["/lib/ld-linux-aarch64_be.so.1", "/lib/ld-musl-aarch64_be.so.1"],
    "armv7l": ["/lib/ld-linux-armhf.so.3", "/lib/ld-linux.so.3", "/lib/ld-musl-armhf.so.1", "/lib/ld-musl-arm.so.1"],
    "ppc64le": ["/lib64/ld64.so.2", "/lib/ld-musl-powerpc64le.so.1"],
    "ppc64": ["/lib64/ld64.so.1", "/lib/ld-musl-powerpc64.so.1"],
    "ppc": ["/lib/ld.so.1", "/lib/ld-musl-powerpc.so.1"],
    "s390x": ["/lib/ld64.so.1", "/lib/ld-musl-s390x.so.1"],
    "s390": ["/lib/ld.so.1"],
    "riscv64": ["/lib/ld-linux-riscv64-lp64d.so.1", "/lib/ld-linux-riscv64-lp64.so.1", "/lib/ld-musl-riscv64.so.1",
                "/lib/ld-musl-riscv64-sp.so.1", "/lib/ld-musl-riscv64-sf.so.1"],
    "riscv32": ["/lib/ld-linux-riscv32-ilp32d.so.1", "/lib/ld-linux-riscv32-ilp32.so.1", "/lib/ld-musl-riscv32.so.1"],
    "loongarch64": ["/lib64/ld-linux-loongarch-lp64d.so.1", "/lib64/ld-linux-loongarch-lp64s.so.1",
                    "/lib/ld-musl-loongarch64.so.1"],
    "mips": ["/lib/ld.so.1", "/lib/ld-musl-mips.so.1", "/lib/ld-musl-mips-sf.so.1"],
    "mipsel": ["/lib/ld.so.1", "/lib/ld-musl-mipsel.so.1", "/lib/ld-musl-mipsel-sf.so.1"],
    "mips64": ["/lib64/ld.so.1", "/lib32/ld.so.1", "/lib/ld-musl-mips64.so.1", "/lib/ld-musl-mipsn32.so.1"],
    "mips64el": ["/lib64/ld.so.1", "/lib32/ld.so.1", "/lib/ld-musl-mips64el.so.1", "/lib/ld-musl-mipsn32el.so.1"],
    "sparc64": ["/lib64/ld-linux.so.2"], "sparc": ["/lib/ld-linux.so.2"], "alpha": ["/lib/ld-linux.so.2"],
    "m68k": ["/lib/ld.so.1", "/lib/ld-musl-m68k.so.1"], "ia64": ["/lib/ld-linux-ia64.so.2"],
    "sh": ["/lib/ld-linux.so.2", "/lib/ld-musl-sh.so.1"], "parisc": ["/lib/ld.so.1"],
}


def standard_interpreters(elf: ElfFile) -> list[str]:
    # Every 32-bit Arm (armv5l ... armv7l) has the same loaders: the float ABI picks one.
    return STANDARD_INTERPRETERS.get("armv7l" if elf.machine == 40 else arch(elf), [])


def interpreter_standard(elf: ElfFile) -> bool:
    interpreter = elf.interpreter
    known = standard_interpreters(elf) or None
    return interpreter is None or known is None or interpreter in known


def min_kernel(elf: ElfFile) -> str | None:
    tag = abi_tag(elf)
    return tag["kernel"] if tag is not None and tag["os"] == "Linux" else None


def abi_tag(elf: ElfFile) -> dict | None:
    for name, note_type, desc in elf.notes():
        if name == "GNU" and note_type == 1 and len(desc) >= 16:
            os_code, major, minor, patch = elf.words(desc)[:4]
            return {"os": ABI_TAG_OS.get(os_code, str(os_code)), "kernel": f"{major}.{minor}.{patch}"}
    return None


# -- hardening -------------------------------------------------------------------------

# The functions glibc has a checked `__<name>_chk` variant of, which -D_FORTIFY_SOURCE
# calls instead where the compiler knows the size of the destination: the `routines`
# of glibc's debug/Makefile (`<name>_chk`; `<name>_u_chk` is `<name>_unlocked`,
# `[v]obprintf_chk` is `obstack_[v]printf`), with getlogin_r and ptsname_r from login/
# and syslog and vsyslog from misc/, which that Makefile's comment and libc.so.6's
# `__*_chk` exports name. Not fdelt (FD_SET's check has no plain function).
FORTIFIABLE = frozenset("""
    asprintf confstr dprintf explicit_bzero fgets fgets_unlocked fgetws fgetws_unlocked fprintf
    fread fread_unlocked fwprintf getcwd getdomainname getgroups gethostname getlogin_r gets getwd
    inet_ntop inet_pton longjmp mbsnrtowcs mbsrtowcs mbstowcs memcpy memmove mempcpy memset
    obstack_printf obstack_vprintf poll ppoll pread pread64 printf ptsname_r read readlink
    readlinkat realpath recv recvfrom snprintf sprintf stpcpy stpncpy strcat strcpy strlcat
    strlcpy strncat strncpy swprintf syslog ttyname_r vasprintf vdprintf vfprintf vfwprintf
    vprintf vsnprintf vsprintf vswprintf vsyslog vwprintf wcpcpy wcpncpy wcrtomb wcscat wcscpy
    wcslcat wcslcpy wcsncat wcsncpy wcsnrtombs wcsrtombs wcstombs wctomb wmemcpy wmemmove
    wmempcpy wmemset wprintf
""".split())
# What -fstack-protector makes a function call or read: GCC and Clang (glibc, musl), and
# the Intel compiler's cookie (BinSkim BA3003 reads the same three).
STACK_PROTECTOR = frozenset({"__stack_chk_fail", "__stack_chk_guard", "__intel_security_cookie"})
_FORTIFIED = re.compile(r"^__\w+_chk$")
# NT_GNU_PROPERTY_TYPE_0 properties: e_machine -> (pr_type, ((bit, name), ...)).
CF_PROPERTIES = {
    62: (0xC0000002, ((1, "IBT"), (2, "SHSTK"))),  # GNU_PROPERTY_X86_FEATURE_1_AND
    3: (0xC0000002, ((1, "IBT"), (2, "SHSTK"))),
    183: (0xC0000000, ((1, "BTI"), (2, "PAC"))),  # GNU_PROPERTY_AARCH64_FEATURE_1_AND
}
NT_GO_BUILDID = 4  # the note Go's linker writes, named "Go"
# Names only Rust's standard library and compiler define, each after the NUL that ends
# the name before it in a string table; `__rust_` starts the allocator and panic shims.
RUST_SYMBOLS = (b"\0__rust_", b"\0rust_eh_personality\0", b"\0rust_begin_unwind\0", b"\0rust_panic\0")


def textrel(elf: ElfFile) -> bool:
    return elf.has_dynamic_tag(DT_TEXTREL) or bool(elf.dynamic_flags(DT_FLAGS) & DF_TEXTREL)


def bind_now(elf: ElfFile) -> bool:
    return (elf.has_dynamic_tag(DT_BIND_NOW) or bool(elf.dynamic_flags(DT_FLAGS) & DF_BIND_NOW)
            or bool(elf.dynamic_flags(DT_FLAGS_1) & DF_1_NOW))


def relro(elf: ElfFile) -> str:
    if not any(s.type == PT_GNU_RELRO for s in elf.segments):
        return "none"
    return "full" if bind_now(elf) else "partial"


def rwx_segments(elf: ElfFile) -> list[str]:
    return [f"LOAD at offset {s.offset:#x} ({_flags(s.flags)})" for s in elf.segments
            if s.type == PT_LOAD and s.flags & PF_W and s.flags & PF_X]


def static(elf: ElfFile) -> bool:
    """No loader takes part: no PT_INTERP, and either no PT_DYNAMIC, or a static PIE, which
    keeps PT_DYNAMIC only to relocate itself (ET_DYN, DF_1_PIE, no DT_NEEDED). A library
    without DT_NEEDED has no DF_1_PIE: ld.so loads it."""
    if elf.type not in (2, 3) or any(s.type == PT_INTERP for s in elf.segments):
        return False
    if not any(s.type == PT_DYNAMIC for s in elf.segments):
        return True
    return elf.type == 3 and bool(elf.flags_1 & DF_1_PIE) and not elf.dynamic_strings(DT_NEEDED)


def compiled_calls(elf: ElfFile) -> list[str]:
    """The undefined dynamic symbols of both bindings. The hardening facts ask what the code
    was compiled to call, not what must resolve: a weak reference is still a call site."""
    return elf.imports + elf.weak_imports


def fortified(elf: ElfFile) -> list[str]:
    return sorted({name for name in compiled_calls(elf) if _FORTIFIED.match(name)})


def fortifiable(elf: ElfFile) -> list[str]:
    return sorted(FORTIFIABLE.intersection(compiled_calls(elf)))


def cf_protection(elf: ElfFile) -> list[str]:
    wanted = CF_PROPERTIES.get(elf.machine)
    if wanted is None:
        return []
    pr_type, bits = wanted
    for found, data in elf.gnu_properties():
        if found == pr_type and len(data) >= 4:
            (value,) = elf.words(data[:4])
            return [name for bit, name in bits if value & bit]
    return []


COMMENT_LIMIT = 1 << 16


def language(elf: ElfFile) -> str | None:
    if elf.section_named(".go.buildinfo") is not None or any(
            name == "Go" and note_type == NT_GO_BUILDID for name, note_type, _ in elf.notes()):
        return "go"
    if elf.section_named(".rustc") is not None or elf.symbol_strings_have(RUST_SYMBOLS):
        return "rust"
    comment = elf.section_named(".comment")
    # .comment holds a line per compiler (bytes, not megabytes): a huge one is not searched whole.
    if comment is not None and elf.section_contains(comment, b"rustc version ", COMMENT_LIMIT):
        return "rust"
    return None


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
    "elf.arch_description": Fact("str", "elf.arch, and for 32-bit Arm the CPU architecture and float ABI: "
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
                              "cut off at the end of the file; null when it can. The loader does not read it.",
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
        "with the dynamic symbols bound to it; newest first within a library and namespace. needed_for: those "
        "symbols, comma-separated, or for a version node that stands for a loader feature rather than symbols "
        "what it is (GLIBC_ABI_DT_RELR: packed relative relocations, linked with -z pack-relative-relocs).",
        version_needs,
        items={"library": "str", "version": "str", "namespace": "str", "release": "str?", "weak": "bool",
               "symbols": "list[str]", "needed_for": "str"},
    ),
    "elf.abi_tag": Fact("object?", "The NT_GNU_ABI_TAG note: `{os, kernel}`, the oldest kernel the C library "
                        "supports, e.g. `{\"os\": \"Linux\", \"kernel\": \"3.2.0\"}`.", abi_tag),
    "elf.min_kernel": Fact("str?", "The oldest Linux kernel the NT_GNU_ABI_TAG note names (`3.2.0`); null "
                           "without a Linux ABI tag.", min_kernel),
    "elf.standard_interpreters": Fact("list[str]", "The dynamic loader paths the ABI fixes for this architecture "
                                      "(glibc's and musl's), e.g. `/lib64/ld-linux-x86-64.so.2`; empty when "
                                      "binlint knows none.", standard_interpreters),
    "elf.interpreter_standard": Fact("bool", "PT_INTERP is one of elf.standard_interpreters, or there is no "
                                     "PT_INTERP, or binlint knows no standard loader for the architecture.",
                                     interpreter_standard),
    # Hardening: read only when a rule asks (the hardening group is opt-in but for two).
    "elf.static": Fact("bool", "An executable or shared object no loader takes part in: no PT_INTERP, and no "
                       "PT_DYNAMIC or a static PIE's (ET_DYN with DF_1_PIE and no DT_NEEDED).", static),
    "elf.textrel": Fact("bool", "Text relocations: DT_TEXTREL, or DF_TEXTREL in DT_FLAGS. The loader must "
                        "make code pages writable to relocate them.", textrel),
    "elf.rwx_segments": Fact("list[str]", "PT_LOAD segments both writable and executable, e.g. "
                             "`LOAD at offset 0x2e58 (RWX)`.", rwx_segments),
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
                                lambda e: not STACK_PROTECTOR.isdisjoint(compiled_calls(e))),
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

