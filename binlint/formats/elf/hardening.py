"""ELF hardening facts: what the compiler and linker did to make an object harder to exploit,
and the language its code was compiled from. Read only when a rule asks."""
from __future__ import annotations

from binlint.formats.elf.reader import (
    DT_BIND_NOW, DT_FLAGS, DT_FLAGS_1, DT_NEEDED, DT_TEXTREL, PF_R, PF_W, PF_X, PT_DYNAMIC, PT_GNU_RELRO, PT_INTERP,
    PT_LOAD, ElfFile,
)
from binlint.patterns import Pattern  # compiled on first use: only the hardening rules need it

DF_1_PIE = 0x08000000
DF_1_NOW = 0x00000001
DF_TEXTREL, DF_BIND_NOW = 0x4, 0x8

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
_FORTIFIED = Pattern(r"^__\w+_chk$")
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


def segment_flags(flags: int) -> str:
    """p_flags as readelf prints them: `RWX`, `RW`, ..."""
    return "".join(c for bit, c in ((PF_R, "R"), (PF_W, "W"), (PF_X, "X")) if flags & bit)


def textrel(elf: ElfFile) -> bool:
    return elf.has_dynamic_tag(DT_TEXTREL) or bool(elf.dynamic_flags(DT_FLAGS) & DF_TEXTREL)


def bind_now(elf: ElfFile) -> bool:
    return (elf.has_dynamic_tag(DT_BIND_NOW) or bool(elf.dynamic_flags(DT_FLAGS) & DF_BIND_NOW)
            or bool(elf.dynamic_flags(DT_FLAGS_1) & DF_1_NOW))


def relro(elf: ElfFile) -> str:
    if not any(s.type == PT_GNU_RELRO for s in elf.segments):
        return "none"
    return "full" if bind_now(elf) else "partial"


def rwx_segments(elf: ElfFile) -> list[dict[str, str]]:
    return [{"offset": f"{s.offset:#x}", "flags": segment_flags(s.flags)} for s in elf.segments
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


def stack_protector(elf: ElfFile) -> bool:
    return not STACK_PROTECTOR.isdisjoint(compiled_calls(elf))


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
