"""What the ABI of each architecture fixes, whatever the distribution: every target has these
values (binlint.rules.targets.complete). interpreters: the PT_INTERP loader paths of glibc
(sysdeps/unix/sysv/linux/*/ldsodefs.h, shlib-versions) and musl (/lib/ld-musl-ARCH.so.1), by
platform-tag architecture (every 32-bit Arm machine has the same loaders: the float ABI picks
one). macos_arch_floor: the first macOS that runs each Mach-O architecture (arm64: 11.0, Apple
silicon), Mac OS X 10.0 for the rest.

A module rather than JSON: a one-file check reads no other JSON, and importing json cost it 3 ms."""

_ARM = ['/lib/ld-linux-armhf.so.3', '/lib/ld-linux.so.3', '/lib/ld-musl-armhf.so.1', '/lib/ld-musl-arm.so.1']

INTERPRETERS = {
    'x86_64': ['/lib64/ld-linux-x86-64.so.2', '/lib/ld-musl-x86_64.so.1'],
    'x32': ['/libx32/ld-linux-x32.so.2', '/lib/ld-musl-x32.so.1'],
    'i686': ['/lib/ld-linux.so.2', '/lib/ld-musl-i386.so.1'],
    'aarch64': ['/lib/ld-linux-aarch64.so.1', '/lib/ld-musl-aarch64.so.1'],
    'aarch64_be': ['/lib/ld-linux-aarch64_be.so.1', '/lib/ld-musl-aarch64_be.so.1'],
    'armv4l': _ARM,
    'armv4tl': _ARM,
    'armv5l': _ARM,
    'armv5tel': _ARM,
    'armv5tejl': _ARM,
    'armv6l': _ARM,
    'armv7l': _ARM,
    'armv8l': _ARM,
    'ppc64le': ['/lib64/ld64.so.2', '/lib/ld-musl-powerpc64le.so.1'],
    'ppc64': ['/lib64/ld64.so.1', '/lib/ld-musl-powerpc64.so.1'],
    'ppc': ['/lib/ld.so.1', '/lib/ld-musl-powerpc.so.1'],
    's390x': ['/lib/ld64.so.1', '/lib/ld-musl-s390x.so.1'],
    's390': ['/lib/ld.so.1'],
    'riscv64': ['/lib/ld-linux-riscv64-lp64d.so.1', '/lib/ld-linux-riscv64-lp64.so.1', '/lib/ld-musl-riscv64.so.1', '/lib/ld-musl-riscv64-sp.so.1', '/lib/ld-musl-riscv64-sf.so.1'],
    'riscv32': ['/lib/ld-linux-riscv32-ilp32d.so.1', '/lib/ld-linux-riscv32-ilp32.so.1', '/lib/ld-musl-riscv32.so.1'],
    'loongarch64': ['/lib64/ld-linux-loongarch-lp64d.so.1', '/lib64/ld-linux-loongarch-lp64s.so.1', '/lib/ld-musl-loongarch64.so.1'],
    'mips': ['/lib/ld.so.1', '/lib/ld-musl-mips.so.1', '/lib/ld-musl-mips-sf.so.1'],
    'mipsel': ['/lib/ld.so.1', '/lib/ld-musl-mipsel.so.1', '/lib/ld-musl-mipsel-sf.so.1'],
    'mips64': ['/lib64/ld.so.1', '/lib32/ld.so.1', '/lib/ld-musl-mips64.so.1', '/lib/ld-musl-mipsn32.so.1'],
    'mips64el': ['/lib64/ld.so.1', '/lib32/ld.so.1', '/lib/ld-musl-mips64el.so.1', '/lib/ld-musl-mipsn32el.so.1'],
    'sparc64': ['/lib64/ld-linux.so.2'],
    'sparc': ['/lib/ld-linux.so.2'],
    'alpha': ['/lib/ld-linux.so.2'],
    'm68k': ['/lib/ld.so.1', '/lib/ld-musl-m68k.so.1'],
    'ia64': ['/lib/ld-linux-ia64.so.2'],
    'sh': ['/lib/ld-linux.so.2', '/lib/ld-musl-sh.so.1'],
    'parisc': ['/lib/ld.so.1'],
}

MACOS_ARCH_FLOOR = {'arm64': '11.0', 'arm64e': '11.0', '*': '10.0'}

ABI = {"interpreters": INTERPRETERS, "macos_arch_floor": MACOS_ARCH_FLOOR}
