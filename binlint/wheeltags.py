"""What a wheel's platform tags promise (PEP 425, 600, 656, and the macOS tags), as target values."""
from __future__ import annotations

import functools

from binlint.patterns import Pattern  # compiled on first use: these 8 cost 1.5 ms of every start-up
from binlint.version import Version, tag_version

LEGACY_MANYLINUX = {"manylinux1": tag_version("2", "5"), "manylinux2010": tag_version("2", "12"),
                    "manylinux2014": tag_version("2", "17")}
MACOS_ARCHS = {
    "universal2": ["x86_64", "arm64"], "intel": ["i386", "x86_64"], "fat": ["i386", "ppc"],
    "fat3": ["i386", "ppc", "x86_64"], "fat64": ["ppc64", "x86_64"], "universal": ["i386", "ppc", "ppc64", "x86_64"],
}
_MANYLINUX = Pattern(r"^manylinux_(\d+)_(\d+)_(\w+)$")
_LEGACY = Pattern(r"^(manylinux1|manylinux2010|manylinux2014)_(\w+)$")
_MUSLLINUX = Pattern(r"^musllinux_(\d+)_(\d+)_(\w+)$")
_MACOS = Pattern(r"^macosx_(\d+)_(\d+)_(\w+)$")
_LINUX = Pattern(r"^linux_(\w+)$")
_ANDROID = Pattern(r"^android_(\d+)_(\w+)$")
_IOS = Pattern(r"^ios_(\d+)_(\d+)_(\w+)_(iphoneos|iphonesimulator)$")
# PEP 783's Emscripten tags (and Pyodide's older emscripten_<version>_wasm32): WebAssembly only.
_EMSCRIPTEN = Pattern(r"^(?:pyemscripten_\d+_\d+|emscripten_\d+_\d+_\d+)_(wasm32)$")
# PEP 730's SDKs -> the LC_BUILD_VERSION platform of code built with them (mach-o/loader.h).
IOS_SDK_PLATFORMS = {"iphoneos": "ios", "iphonesimulator": "iossimulator"}
# PEP 738's Android ABI names -> the architectures (elf.compatible_archs) whose code Android loads
# for them. armeabi_v7a is its own: EABI5 code with the soft-float calling convention (softfp,
# e_flags 0x5000200 from the NDK's clang), of any Arm CPU version; elf.compatible_archs names it.
ANDROID_ABIS = {"arm64_v8a": ["aarch64"], "x86_64": ["x86_64"], "x86": ["i686"], "armeabi_v7a": ["armeabi_v7a"]}
# Python's Windows platform tags -> the architecture names pe.compatible_archs gives.
WINDOWS_ARCHS = {"win32": "x86", "win_amd64": "amd64", "win_arm64": "arm64"}
_WHEEL_NAME = Pattern(
    r"^(?P<name>[^-/]+)-(?P<version>[^-/]+)(-(?P<build>\d[^-/]*))?-(?P<tags>[^-/]+-[^-/]+-[^-/]+)\.whl$")


def tags_from_filename(filename: str) -> list[str]:
    """`pkg-1.0-cp311-cp311-manylinux_2_17_x86_64.whl` -> the expanded tag triples."""
    match = _WHEEL_NAME.match(filename)
    return expand_tags(match["tags"]) if match else []


def expand_tags(tags: str) -> list[str]:
    """`cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64` -> one triple per tag (PEP 425's
    compressed tag sets); a malformed line is kept as it is, for the rules to see."""
    parts = tags.split("-")
    if len(parts) != 3:
        return [tags]
    python, abi, platform = parts
    return [f"{p}-{a}-{pl}" for p in python.split(".") for a in abi.split(".") for pl in platform.split(".")]


def target_from_platforms(platforms: list[str]) -> dict[str, object]:
    """Target values the platform tags promise; several tags promise the least of them."""
    glibc: list[Version] = []
    musl: list[Version] = []
    macos: list[Version] = []
    archs: list[str] = []
    android: list[int] = []
    ios: list[Version] = []
    apple_platforms: set[str] = set()
    libcs: set[str] = set()
    formats: set[str] = set()  # the kinds of file the tags' systems load: Linux ELF, Apple Mach-O, ...
    for tag in platforms:
        formats.add(_loaded_format(tag))
        if match := _MANYLINUX.match(tag):
            glibc.append(tag_version(match[1], match[2]))
            archs.append(match[3])
            libcs.add("glibc")
        elif match := _LEGACY.match(tag):
            glibc.append(LEGACY_MANYLINUX[match[1]])
            archs.append(match[2])
            libcs.add("glibc")
        elif match := _MUSLLINUX.match(tag):
            musl.append(tag_version(match[1], match[2]))
            archs.append(match[3])
            libcs.add("musl")
        elif match := _MACOS.match(tag):
            macos.append(tag_version(match[1], match[2]))
            archs += MACOS_ARCHS.get(match[3], [match[3]])
        elif match := _LINUX.match(tag):
            archs.append(match[1])
        elif match := _ANDROID.match(tag):
            android.append(int(match[1]))
            archs += ANDROID_ABIS.get(match[2], [match[2]])
            libcs.add("bionic")
        elif match := _EMSCRIPTEN.match(tag):
            archs.append(match[1])
        elif tag in WINDOWS_ARCHS:
            archs.append(WINDOWS_ARCHS[tag])
        elif match := _IOS.match(tag):
            ios.append(tag_version(match[1], match[2]))
            apple_platforms.add(IOS_SDK_PLATFORMS[match[4]])
    target: dict[str, object] = {}
    for name, versions in (("glibc", glibc), ("musl", musl), ("macos", macos), ("ios", ios)):
        if versions:
            target[name] = str(min(versions))
    if apple_platforms:
        target["apple_platforms"] = sorted(apple_platforms)
    if android:
        target["android_api"] = min(android)
    if archs:
        target["arch"] = sorted(set(archs))
    if len(libcs) == 1:
        target["libc"] = libcs.pop()
    if formats - {None}:
        target["loadable_formats"] = sorted(formats - {None})
    return target


def _loaded_format(tag: str) -> str | None:
    """The kind of compiled file the system of a platform tag loads; None for `any` and tags
    binlint does not know."""
    if tag.startswith(("manylinux", "musllinux", "linux_", "android_")):
        return "elf"
    if tag.startswith(("macosx_", "ios_")):
        return "macho"
    if tag in WINDOWS_ARCHS:
        return "pe"
    if _EMSCRIPTEN.match(tag):
        return "wasm"
    return None


@functools.lru_cache(maxsize=4096)  # a file with findings names its path once for each
def stable_path(path: str) -> str:
    """`path` with stable_name() applied to each of its parts; folders named `name-1.0`
    (an sdist's top folder) lose their version too."""
    *folders, name = path.split("/")
    return "/".join([*(_VERSIONED_FOLDER.sub(r"\1-*", stable_name(f)) for f in folders), stable_name(name)])


def stable_name(name: str) -> str:
    """A wheel or sdist file name, or a .dist-info/.data folder, without its version, so
    that fingerprints survive a release: `pkg-1.2-py3-none-any.whl` -> `pkg-*-py3-none-any.whl`."""
    match = _WHEEL_NAME.match(name)
    if match:
        return f"{match['name']}-*-{match['tags']}.whl"
    return _VERSIONED.sub(r"\1-*\2", name)


_PACKAGE_VERSION = r"\d[A-Za-z0-9_.+!]*?"  # a release in a file name (1.2, 2.0rc1), not a dotted version
_VERSIONED_FOLDER = Pattern(rf"^([A-Za-z0-9_.]+?)-{_PACKAGE_VERSION}$")
_VERSIONED = Pattern(
    rf"^([A-Za-z0-9_.]+?)-{_PACKAGE_VERSION}(\.dist-info$|\.data$|\.tar\.gz$|\.tar\.bz2$|\.tar\.xz$|\.tgz$|\.zip$)")
