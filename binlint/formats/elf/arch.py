"""ELF facts of the machine: the architecture as platform tags spell it, the machines that
load an object, and the C library it is linked against."""
from __future__ import annotations

from binlint.formats.elf.reader import DT_NEEDED, ElfFile

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


def machine(elf: ElfFile) -> str:
    return MACHINES.get(elf.machine, f"EM_{elf.machine}")


# ARM: Tag_CPU_arch (build attribute 6) -> the name ARM's ABI and readelf give it.
ARM_CPU_ARCHS = {
    0: "Pre-v4", 1: "v4", 2: "v4T", 3: "v5T", 4: "v5TE", 5: "v5TEJ", 6: "v6", 7: "v6KZ", 8: "v6T2",
    9: "v6K", 10: "v7", 11: "v6-M", 12: "v6S-M", 13: "v7E-M", 14: "v8", 15: "v8-R", 16: "v8-M.baseline",
    17: "v8-M.mainline", 18: "v8.1-A", 19: "v8.2-A", 20: "v8.3-A", 21: "v8.1-M.mainline", 22: "v9",
}
TAG_CPU_ARCH, TAG_ABI_VFP_ARGS = 6, 28
# e_flags: the EABI version in the top byte (5 from every current toolchain, 0 for the old
# GNU ABI); the float ABI bits mean that only in version 5 (older ones used them otherwise).
EF_ARM_EABIMASK, EF_ARM_EABI_VER5 = 0xFF000000, 5
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
# PEP 738's name for Android's 32-bit Arm ABI: EABI5 code with the soft-float calling
# convention (the NDK builds ARMv7 with -mfloat-abi=softfp; hard-float armeabi-v7a-hard went
# with NDK r12), which Android's loader takes whatever the CPU version.
ANDROID_ARM_ABI = "armeabi_v7a"


def arm_cpu_arch(elf: ElfFile) -> str | None:
    if elf.machine != 40:
        return None
    value = elf.arm_attributes.get(TAG_CPU_ARCH)
    return ARM_CPU_ARCHS.get(value, str(value)) if isinstance(value, int) else None


def arm_eabi(elf: ElfFile) -> int | None:
    """The ARM EABI version of e_flags (EF_ARM_EABIMASK): 5, or 0 for the old GNU ABI."""
    return (elf.flags & EF_ARM_EABIMASK) >> 24 if elf.machine == 40 else None


def arm_float_abi(elf: ElfFile) -> str | None:
    """`hard` or `soft`: in an EABI5 object the EF_ARM_ABI_FLOAT_* flag of e_flags, which
    glibc's loader checks (an armhf ld.so refuses a soft-float object, an armel one a
    hard-float object), else Tag_ABI_VFP_args (1: floating-point arguments in VFP registers,
    0: in core registers)."""
    if elf.machine != 40:
        return None
    if arm_eabi(elf) == EF_ARM_EABI_VER5 and elf.flags & EF_ARM_ABI_FLOAT_HARD:
        return "hard"
    if arm_eabi(elf) == EF_ARM_EABI_VER5 and elf.flags & EF_ARM_ABI_FLOAT_SOFT:
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
        return _arm_compatible(elf)
    if name in ("mipsel", "mips64el"):
        # The kernel's uname, and so CPython's platform tag, says mips or mips64 for both
        # byte orders: a linux_mips64 wheel may hold little-endian code.
        return [name, name[:-2]]
    return [name]


def _arm_compatible(elf: ElfFile) -> list[str]:
    """Newer Arm CPUs run older code; without a Tag_CPU_arch the code may be for any. The
    hard-float systems take EABI5 code marked hard-float (or unmarked): the hard-float ABI
    exists only in EABI5, and auditwheel's armv7l policy insists on both. Android's
    armeabi_v7a takes EABI5 code that is not hard-float."""
    cpu, float_abi, eabi = arm_cpu_arch(elf), arm_float_abi(elf), arm_eabi(elf)
    names = ARM_MACHINES[ARM_MACHINES.index(_arm_machine(cpu)) if cpu is not None else 0:]
    found = [n for n in names if n in ARM_SOFT_FLOAT_MACHINES and float_abi != "hard"
             or n not in ARM_SOFT_FLOAT_MACHINES and float_abi != "soft" and eabi == EF_ARM_EABI_VER5]
    return found + ([ANDROID_ARM_ABI] if eabi == EF_ARM_EABI_VER5 and float_abi != "hard" else [])


def arch_description(elf: ElfFile) -> str:
    """elf.arch, and for 32-bit Arm the CPU architecture and float ABI it was built for."""
    name = arch(elf)
    if elf.machine != 40:
        return name
    cpu, float_abi, eabi = arm_cpu_arch(elf), arm_float_abi(elf), arm_eabi(elf)
    abi = [] if eabi == EF_ARM_EABI_VER5 else [f"EABI{eabi}" if eabi else "old GNU ABI"]  # 5: every toolchain's
    details = ([f"ARM{cpu}"] if cpu is not None else []) + abi + ([f"{float_abi}-float"] if float_abi else [])
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
