"""The real published wheels the real-world suite checks, pinned by file name and SHA-256.

Each entry says how to ask pip for the file (requirement, platform, Python version), the exact
file PyPI serves for that question, its digest and size, and what the wheel stands for in the
suite. ``expected`` holds the findings binlint must report on the wheel checked against its own
tags: real faults of the published file (build-machine rpaths that delocate left in), by rule
and number of findings. Everything not listed there must stay quiet.

The set covers manylinux 2_5 to 2_28 on x86_64 and aarch64 (and i686, armv7l, s390x),
musllinux 1_1 and 1_2 on both (and i686, armv7l), macOS x86_64, arm64 and universal2, Rust
(PyO3, maturin), C++ and Fortran, free-threaded CPython 3.13t and 3.14t, auditwheel-repaired
(``*.libs/``) and delocate-repaired (``.dylibs/``) wheels, and pure wheels; about 300 MB in all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class Wheel:
    requirement: str
    platform: str  # what `pip download --platform` is asked for; "any" for pure wheels
    python: str  # `pip download --python-version`
    filename: str
    sha256: str
    size: int
    stands_for: str
    expected: dict[str, int] = field(default_factory=dict)
    # For a wheel committed under tests/data/ (another project's test data): what that
    # project's own tests assert about it, as `auditwheel show --json` spells it.
    asserted: dict[str, object] = field(default_factory=dict)
    abi: str = ""  # `pip download --abi`, when the Python version's default is not it (cp313t)

    @property
    def committed(self) -> bool:
        """Committed under tests/data/ (filename is the path there), not downloaded."""
        return not self.requirement

    @property
    def id(self) -> str:
        """name-version-first platform tag: short, and unique in the catalogue."""
        if self.committed:
            return self.filename[:-len(".whl")]
        name, version = self.filename.split("-")[:2]
        return f"{name.lower()}-{version}-{self.tag_platform.split('.')[0]}" + (f"-{self.abi}" if self.abi else "")

    @property
    def tag_platform(self) -> str:
        return Path(self.filename).name[:-len(".whl")].split("-")[-1]

    @property
    def is_linux(self) -> bool:
        return "linux" in self.tag_platform or self.tag_platform.startswith("android")

    @property
    def is_macos(self) -> bool:
        return self.tag_platform.startswith("macosx")

    @property
    def is_pure(self) -> bool:
        return self.tag_platform == "any"

    @property
    def is_musl(self) -> bool:
        return "musllinux" in self.tag_platform


# delocate copies dependencies into .dylibs but leaves their own LC_RPATH entries alone:
# these point into the machines that built the wheels (dyld never finds anything there on
# a user's Mac, so they are warnings, and real).
_BUILD_MACHINE_RPATH = "macho-build-machine-rpath"

PYPI: list[Wheel] = [
    Wheel("markupsafe==3.0.2", "macosx_10_9_universal2", "3.11",
          "MarkupSafe-3.0.2-cp311-cp311-macosx_10_9_universal2.whl",
          "9025b4018f3a1314059769c7bf15441064b2207cb3f065e6ea1e7359cb46db9d", 14353,
          "C extension, universal2 fat Mach-O; arm64 slice at 11.0 under a 10.9 tag"),
    Wheel("markupsafe==3.0.2", "manylinux_2_17_x86_64", "3.11",
          "MarkupSafe-3.0.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
          "a123e330ef0853c6e822384873bef7507557d8e4a082961e1defa947aa59ba84", 23120,
          "C extension, manylinux2014 x86_64, the smallest glibc case"),
    Wheel("pyyaml==6.0.2", "manylinux_2_17_aarch64", "3.11",
          "PyYAML-6.0.2-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
          "5d225db5a45f21e78dd9358e58a98702a0302f2659a3c6cd320564b75b86f47c", 736829,
          "C extension (Cython), manylinux2014 aarch64"),
    Wheel("pyyaml==6.0.2", "manylinux_2_17_x86_64", "3.11",
          "PyYAML-6.0.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
          "3ad2a3decf9aaba3d29c8f537ac4b243e36bef957511b4766cb0057d32b0be85", 762952,
          "C extension (Cython), manylinux2014 x86_64"),
    Wheel("pyyaml==6.0.2", "musllinux_1_1_aarch64", "3.11",
          "PyYAML-6.0.2-cp311-cp311-musllinux_1_1_aarch64.whl",
          "ff3824dc5261f50c9b0dfb3be22b4567a6f938ccce4587b38952d85fd9e9afe4", 735301,
          "musllinux_1_1 aarch64: libc.musl-aarch64.so.1"),
    Wheel("pyyaml==6.0.2", "musllinux_1_1_x86_64", "3.11",
          "PyYAML-6.0.2-cp311-cp311-musllinux_1_1_x86_64.whl",
          "797b4f722ffa07cc8d62053e4cff1486fa6dc094105d13fea7b1de7d8bf71c9e", 756638,
          "musllinux_1_1 x86_64: libc.musl-x86_64.so.1"),
    Wheel("bcrypt==4.2.0", "manylinux_2_28_x86_64", "3.11",
          "bcrypt-4.2.0-cp39-abi3-manylinux_2_28_x86_64.whl",
          "3d3a6d28cb2305b43feac298774b997e372e56c7c7afd90a12b3dc49b189151c", 273804,
          "Rust (PyO3), manylinux_2_28 x86_64"),
    Wheel("cffi==1.17.1", "manylinux_2_17_x86_64", "3.11",
          "cffi-1.17.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
          "610faea79c43e44c71e1ec53a554553fa22321b65fae24889706c0a84d4ad86d", 467242,
          "C extension with libffi linked in statically, manylinux2014 x86_64"),
    Wheel("cryptography==50.0.2", "manylinux2014_aarch64", "3.11",
          "cryptography-50.0.2-cp311-abi3-manylinux2014_aarch64.manylinux_2_17_aarch64.whl",
          "79def8d059362e7831389ed3be0ecdf58a89386e1271e35dd9f5af84e81bffd0", 4731146,
          "Rust (PyO3/maturin), manylinux2014 aarch64: weak undefined __cxa_thread_atexit_impl"),
    Wheel("cryptography==51.0.1", "macosx_11_0_arm64", "3.11",
          "cryptography-51.0.1-cp311-abi3-macosx_11_0_arm64.whl",
          "bd30acaa76c9f3a0037cb2a9250558bf207b98b9fc97dc1322654986f8a789c2", 4032048,
          "Rust (PyO3), macOS 11 arm64"),
    Wheel("cryptography==51.0.1", "manylinux2014_x86_64", "3.11",
          "cryptography-51.0.1-cp311-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
          "aed7bd2c5880af4e8dca50e56433c2f796a024fd6320f6eec904e228fccecae9", 4884956,
          "Rust (PyO3/maturin), manylinux2014 x86_64: weak undefined __cxa_thread_atexit_impl"),
    Wheel("cryptography==51.0.1", "musllinux_1_2_aarch64", "3.11",
          "cryptography-51.0.1-cp311-abi3-musllinux_1_2_aarch64.whl",
          "4378e87a8501905bbc787de83e54bc6e443e414733a761d121f565d6627d75ac", 5010767,
          "Rust, musllinux_1_2 aarch64, auditwheel-repaired (cryptography.libs/libgcc_s)"),
    Wheel("cryptography==51.0.1", "musllinux_1_2_x86_64", "3.11",
          "cryptography-51.0.1-cp311-abi3-musllinux_1_2_x86_64.whl",
          "cd58d026106a02004e3ddb0e4c117ae6dcd84efb2db406d5732e6410580d5dc9", 5197156,
          "Rust, musllinux_1_2 x86_64, auditwheel-repaired (cryptography.libs/libgcc_s)"),
    Wheel("kiwisolver==1.4.7", "manylinux_2_17_x86_64", "3.11",
          "kiwisolver-1.4.7-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
          "18077b53dc3bb490e330669a99920c5e6a496889ae8c63b58fbc57c3d7f33a18", 1426376,
          "C++ extension (GLIBCXX), manylinux2014 x86_64"),
    Wheel("llvmlite==0.47.0", "macosx_11_0_arm64", "3.12",
          "llvmlite-0.47.0-cp312-cp312-macosx_11_0_arm64.whl",
          "306a265f408c259067257a732c8e159284334018b4083a9e35f67d19792b164f", 37232769,
          "C++ (LLVM) macOS 11 arm64 dylib with LC_RPATH /usr/lib (the system: no leak)"),
    Wheel("lxml==5.3.0", "manylinux_2_28_x86_64", "3.11",
          "lxml-5.3.0-cp311-cp311-manylinux_2_28_x86_64.whl",
          "eec1bb8cdbba2925bedc887bc0609a80e599c75b12d87ae42ac23fd199445654", 5013672,
          "C extensions with libxml2/libxslt linked in, manylinux_2_28 x86_64"),
    Wheel("lxml==5.3.0", "musllinux_1_2_aarch64", "3.11",
          "lxml-5.3.0-cp311-cp311-musllinux_1_2_aarch64.whl",
          "6a7095eeec6f89111d03dabfe5883a1fd54da319c94e0fb104ee8f23616b572d", 4878644,
          "C extensions, musllinux_1_2 aarch64"),
    Wheel("lxml==5.3.0", "musllinux_1_2_x86_64", "3.11",
          "lxml-5.3.0-cp311-cp311-musllinux_1_2_x86_64.whl",
          "62f7fdb0d1ed2065451f086519865b4c90aa19aed51081979ecd05a21eb4d1be", 5069775,
          "C extensions, musllinux_1_2 x86_64"),
    Wheel("numpy==2.1.3", "macosx_14_0_arm64", "3.11",
          "numpy-2.1.3-cp311-cp311-macosx_14_0_arm64.whl",
          "576a1c1d25e9e02ed7fa5477f30a127fe56debd53b8d2c89d5578f9857d03ca9", 5352978,
          "C/C++ with Accelerate, macOS 14 arm64, static archives (libnpymath.a) inside"),
    Wheel("numpy==2.1.3", "manylinux_2_17_aarch64", "3.11",
          "numpy-2.1.3-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
          "762479be47a4863e261a840e8e01608d124ee1361e48b96916f38b119cfda04a", 13896715,
          "C/C++ with OpenBLAS (Fortran runtime) in numpy.libs, aarch64, auditwheel-repaired"),
    Wheel("numpy==2.1.3", "manylinux_2_17_x86_64", "3.11",
          "numpy-2.1.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
          "bc6f24b3d1ecc1eebfbf5d6051faa49af40b03be1aaa781ebdadcbc090b4539b", 16339644,
          "C/C++ with OpenBLAS (Fortran runtime) in numpy.libs, x86_64, auditwheel-repaired"),
    Wheel("numpy==2.2.6", "musllinux_1_2_x86_64", "3.11",
          "numpy-2.2.6-cp311-cp311-musllinux_1_2_x86_64.whl",
          "9551a499bf125c1d4f9e250377c1ee2eddd02e01eac6644c080162c0c51778ab", 18620521,
          "C/C++ with OpenBLAS and libgfortran in numpy.libs, musllinux_1_2 x86_64"),
    Wheel("orjson==3.13.0", "macosx_15_0_universal2", "3.11",
          "orjson-3.13.0-cp311-cp311-macosx_10_15_x86_64.macosx_11_0_arm64.macosx_10_15_universal2.whl",
          "948bad47f2e2e43527f14248364a0e5dee26dd3184691010ec4a1ebeb0fd6771", 223146,
          "Rust (PyO3/maturin), universal2 with per-arch tags macosx_10_15_x86_64.macosx_11_0_arm64"),
    Wheel("orjson==3.13.0", "manylinux_2_17_aarch64", "3.11",
          "orjson-3.13.0-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
          "dd9d9a101bd8dbfad112170f009cd155e52bb8c936468821a0d03cbb96c0e426", 129138,
          "Rust (PyO3/maturin), manylinux2014 aarch64"),
    Wheel("orjson==3.13.0", "manylinux_2_17_x86_64", "3.11",
          "orjson-3.13.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
          "89bcf2d4bc6c9a7e1763c8cf534f38712e66b76a0fefda7fb7785462f0d635e4", 130518,
          "Rust (PyO3/maturin), manylinux2014 x86_64"),
    Wheel("orjson==3.13.0", "musllinux_1_2_aarch64", "3.11",
          "orjson-3.13.0-cp311-cp311-musllinux_1_2_aarch64.whl",
          "a79cdc4934fe81f593072c94e13da3095e9d41c2deef8f6ff2901794ca1c5042", 134924,
          "Rust (PyO3/maturin), musllinux_1_2 aarch64"),
    Wheel("orjson==3.13.0", "musllinux_1_2_x86_64", "3.11",
          "orjson-3.13.0-cp311-cp311-musllinux_1_2_x86_64.whl",
          "50a5202ba388b3850ba24437951727d3aa6d79a21964a30ae8dc6a059a5fd34c", 126704,
          "Rust (PyO3/maturin), musllinux_1_2 x86_64"),
    Wheel("pillow==11.0.0", "macosx_10_10_x86_64", "3.11",
          "pillow-11.0.0-cp311-cp311-macosx_10_10_x86_64.whl",
          "1c1d72714f429a521d8d2d018badc42414c3077eb187a59579f28e4270b4b0fc", 3154705,
          "C, delocate-repaired (PIL/.dylibs), macOS 10.10 x86_64",
          {_BUILD_MACHINE_RPATH: 1}),
    Wheel("pillow==11.0.0", "macosx_11_0_arm64", "3.11",
          "pillow-11.0.0-cp311-cp311-macosx_11_0_arm64.whl",
          "499c3a1b0d6fc8213519e193796eb1a86a1be4b1877d678b30f83fd979811d1a", 2979222,
          "C, delocate-repaired (PIL/.dylibs), macOS 11 arm64",
          {_BUILD_MACHINE_RPATH: 1}),
    Wheel("pillow==11.0.0", "manylinux_2_28_x86_64", "3.11",
          "pillow-11.0.0-cp311-cp311-manylinux_2_28_x86_64.whl",
          "45c566eb10b8967d71bf1ab8e4a525e5a93519e29ea071459ce517f6b903d7fa", 4372556,
          "C, auditwheel-repaired (pillow.libs), tagged 2_28 but needs only glibc 2.27"),
    Wheel("pip==24.3.1", "any", "3.11",
          "pip-24.3.1-py3-none-any.whl",
          "3790624780082365f47549d032f3770eeb2b1e8bd1f7b2e02dace1afa361b4ed", 1822182,
          "pure wheel with vendored Windows launchers (pip/_vendor/distlib/*.exe)"),
    Wheel("psutil==6.1.0", "macosx_10_9_x86_64", "3.11",
          "psutil-6.1.0-cp36-abi3-macosx_10_9_x86_64.whl",
          "6e2dcd475ce8b80522e51d923d10c7871e45f20918e027ab682f94f1c6351688", 247762,
          "C extension, macOS 10.9 x86_64"),
    Wheel("psutil==6.1.0", "manylinux2010_x86_64", "3.11",
          "psutil-6.1.0-cp36-abi3-manylinux_2_12_x86_64.manylinux2010_x86_64.manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
          "498c6979f9c6637ebc3a73b3f87f9eb1ec24e1ce53a7c5173b8508981614a90b", 287255,
          "C extension, manylinux2010 (glibc 2.12) x86_64"),
    Wheel("psutil==6.1.0", "manylinux_2_17_aarch64", "3.11",
          "psutil-6.1.0-cp36-abi3-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
          "d905186d647b16755a800e7263d43df08b790d709d575105d419f8b6ef65423a", 288804,
          "C extension, manylinux2014 aarch64"),
    Wheel("psutil==7.2.2", "musllinux_1_2_aarch64", "3.11",
          "psutil-7.2.2-cp36-abi3-musllinux_1_2_aarch64.whl",
          "fd04ef36b4a6d599bbdb225dd1d3f51e00105f6d48a28f006da7f9822f2606d8", 148972,
          "C extension, musllinux_1_2 aarch64"),
    Wheel("psutil==7.2.2", "musllinux_1_2_x86_64", "3.11",
          "psutil-7.2.2-cp36-abi3-musllinux_1_2_x86_64.whl",
          "b58fabe35e80b264a4e3bb23e6b96f9e45a3df7fb7eed419ac0e5947c61e47cc", 148266,
          "C extension, musllinux_1_2 x86_64"),
    Wheel("pydantic-core==2.27.1", "macosx_11_0_arm64", "3.11",
          "pydantic_core-2.27.1-cp311-cp311-macosx_11_0_arm64.whl",
          "a5a8e19d7c707c4cadb8c18f5f60c843052ae83c20fa7d44f41594c644a1d330", 1807220,
          "Rust (PyO3/maturin), macOS 11 arm64"),
    Wheel("pydantic-core==2.27.1", "manylinux_2_17_x86_64", "3.11",
          "pydantic_core-2.27.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
          "acc07b2cfc5b835444b44a9956846b578d27beeacd4b52e45489e93276241025", 2135022,
          "Rust (PyO3/maturin), compressed tag set on one WHEEL Tag line, weak __cxa_thread_atexit_impl",
          # maturin 1.7.4 wrote `Tag: cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64`: the
          # specification wants one expanded tag per line (binlint's other rules expand it).
          {"wheel-tag-line-compressed": 1}),
    Wheel("pyzmq==26.2.0", "macosx_10_15_universal2", "3.11",
          "pyzmq-26.2.0-cp311-cp311-macosx_10_15_universal2.whl",
          "8f7e66c7113c684c2b3f1c83cdd3376103ee0ce4c49ff80a648643e57fb22218", 1340639,
          "C++ (libzmq, libsodium), delocate-repaired (zmq/.dylibs), universal2; libsodium keeps LC_RPATH /tmp/zmq/lib",
          {_BUILD_MACHINE_RPATH: 1}),
    Wheel("pyzmq==26.2.0", "manylinux_2_17_x86_64", "3.11",
          "pyzmq-26.2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
          "92a78853d7280bffb93df0a4a6a2498cba10ee793cc8076ef797ef2f74d107cf", 867960,
          "C++ (GLIBCXX), auditwheel-repaired (pyzmq.libs: libzmq, libsodium)"),
    Wheel("scipy==1.14.1", "macosx_14_0_arm64", "3.11",
          "scipy-1.14.1-cp311-cp311-macosx_14_0_arm64.whl",
          "3a1b111fac6baec1c1d92f27e76511c9e7218f1695d61b59e05e0fe04dc59617", 23103567,
          "C++ and Fortran, delocate-repaired (scipy/.dylibs: libgfortran), macOS 14 arm64; Homebrew gcc rpaths left in",
          {_BUILD_MACHINE_RPATH: 22}),
    Wheel("scipy==1.14.1", "manylinux_2_17_x86_64", "3.11",
          "scipy-1.14.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
          "fef8c87f8abfb884dac04e97824b61299880c43f4ce675dd2cbeadd3c9b466d2", 41165244,
          "C++ and Fortran, auditwheel-repaired (scipy.libs: OpenBLAS, libgfortran, libquadmath)"),
    Wheel("setuptools==75.6.0", "any", "3.11",
          "setuptools-75.6.0-py3-none-any.whl",
          "ce74b49e8f7110f9bf04883b730f4765b774ef3ef28f722cce7c273d253aaf7d", 1224032,
          "pure wheel with Windows launchers (setuptools/cli-*.exe, gui-*.exe)"),
    Wheel("shapely==2.0.6", "macosx_11_0_arm64", "3.11",
          "shapely-2.0.6-cp311-cp311-macosx_11_0_arm64.whl",
          "9a7a78b0d51257a367ee115f4d41ca4d46edbd0dd280f697a8092dd3989867b2", 1296792,
          "C with GEOS (C++), delocate-repaired (shapely/.dylibs); /Users/runner rpaths left in",
          {_BUILD_MACHINE_RPATH: 5}),
    Wheel("shapely==2.0.6", "manylinux_2_17_x86_64", "3.11",
          "shapely-2.0.6-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
          "b3dc9fb0eb56498912025f5eb352b5126f04801ed0e8bdbd867d21bdbfd7cbd0", 2528334,
          "C with GEOS (C++), auditwheel-repaired (shapely.libs)"),
    Wheel("simplejson==3.19.3", "manylinux_2_5_x86_64", "3.11",
          "simplejson-3.19.3-cp311-cp311-manylinux_2_5_x86_64.manylinux1_x86_64.manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
          "c4f614581b61a26fbbba232a1391f6cee82bc26f2abbb6a0b44a9bba25c56a1c", 144688,
          "C extension, manylinux1 (glibc 2.5) x86_64"),
    Wheel("six==1.16.0", "any", "3.11",
          "six-1.16.0-py2.py3-none-any.whl",
          "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254", 11053,
          "pure wheel, py2.py3-none-any"),
    Wheel("tokenizers==0.23.3", "manylinux_2_17_aarch64", "3.11",
          "tokenizers-0.23.3-cp310-abi3-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
          "ec82e80e65a862275b97c3d90b7a523df8d9519ee48aeb4e9625b2cc909274e0", 3519944,
          "Rust (PyO3/maturin, C++ via onig), aarch64: weak __cxa_thread_atexit_impl"),
    Wheel("tokenizers==0.23.3", "manylinux_2_17_x86_64", "3.11",
          "tokenizers-0.23.3-cp310-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
          "376851d22bcf9d650a5c3090bb83e6cf9e895fbf0595369fa4cd43c1f69b5f87", 3396193,
          "Rust (PyO3/maturin, C++ via onig), x86_64: weak __cxa_thread_atexit_impl"),
    Wheel("ujson==4.0.2", "manylinux1_x86_64", "3.9",
          "ujson-4.0.2-cp39-cp39-manylinux1_x86_64.whl",
          "4d6d061563470cac889c0a9fd367013a5dbd8efc36ad01ab3e67a57e56cad720", 179665,
          "C extension, manylinux1 x86_64, cp39"),
    Wheel("orjson==3.13.0", "manylinux_2_17_i686", "3.11",
          "orjson-3.13.0-cp311-cp311-manylinux2014_i686.manylinux_2_17_i686.whl",
          "554948becd1110123ef9f6a6e1310fd92b2d07d2cbac6dbf65df3de75702e736", 130342,
          "Rust (PyO3/maturin), manylinux2014 i686 (32-bit x86)"),
    Wheel("orjson==3.13.0", "manylinux_2_17_armv7l", "3.11",
          "orjson-3.13.0-cp311-cp311-manylinux2014_armv7l.manylinux_2_17_armv7l.whl",
          "637dbca1fccffe83780e806fbc0f17427c0c59bf822528eb0acc8f0aa9f19acb", 113290,
          "Rust (PyO3/maturin), manylinux2014 armv7l (32-bit ARM, hard float)"),
    Wheel("orjson==3.11.5", "musllinux_1_2_i686", "3.11",
          "orjson-3.11.5-cp311-cp311-musllinux_1_2_i686.whl",
          "c0e5d9f7a0227df2927d343a6e3859bebf9208b427c79bd31949abcc2fa32fa5", 150993,
          "Rust (PyO3/maturin), musllinux_1_2 i686: libc.musl-x86.so.1"),
    Wheel("orjson==3.11.5", "musllinux_1_2_armv7l", "3.11",
          "orjson-3.11.5-cp311-cp311-musllinux_1_2_armv7l.whl",
          "8d5f16195bb671a5dd3d1dbea758918bada8f6cc27de72bd64adfbd748770814", 413612,
          "Rust (PyO3/maturin), musllinux_1_2 armv7l linked to libc.so, musl's own soname (auditwheel 6.8 fails on it: ELFError)"),
    Wheel("pyyaml==6.0.2", "manylinux_2_17_s390x", "3.13",
          "PyYAML-6.0.2-cp313-cp313-manylinux_2_17_s390x.manylinux2014_s390x.whl",
          "17e311b6c678207928d649faa7cb0d7b4c26a0ba73d41e99c4fff6b6c3276484", 763361,
          "C extension (Cython), manylinux2014 s390x (big-endian), CPython 3.13"),
    # Free-threaded CPython (PEP 703): `pip download --abi cp313t`. What each module declares
    # about the GIL, read from its imports: single-phase init (PyModule_Create2) with
    # PyUnstable_Module_SetGIL (numpy's C modules, PyO3's pydantic-core, msgspec), multi-phase
    # init whose Py_mod_gil slot is not read (Cython's pandas, PyYAML, numpy.random; MarkupSafe),
    # and single-phase init that never declares it: pandas._libs.json (pandas' vendored ujson,
    # PyModule_Create alone) and ujson 5.11.0 (ujson issue 684, fixed by its pull request 737).
    Wheel("numpy==2.2.6", "manylinux_2_17_x86_64", "3.13",
          "numpy-2.2.6-cp313-cp313t-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
          "f447e6acb680fd307f40d3da4852208af94afdfab89cf850986c3ca00562f4fa", 16600122,
          "free-threaded 3.13: C modules with single-phase init calling PyUnstable_Module_SetGIL, Cython ones",
          abi="cp313t"),
    Wheel("pandas==2.3.3", "manylinux_2_28_x86_64", "3.13",
          "pandas-2.3.3-cp313-cp313t-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl",
          "900f47d8f20860de523a1ac881c4c36d65efcb2eb850e6948140fa781736e110", 12121912,
          "free-threaded 3.13, Cython and C; pandas._libs.json never declares that it runs without the GIL",
          {"python-free-threaded-gil-enabled": 1}, abi="cp313t"),
    Wheel("pydantic-core==2.33.2", "manylinux_2_17_x86_64", "3.13",
          "pydantic_core-2.33.2-cp313-cp313t-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
          "95237e53bb015f67b63c91af7518a62a8660376a6a0db19b89acc77a4d6199f5", 1981560,
          "Rust (PyO3, #[pymodule(gil_used = false)]), free-threaded 3.13; maturin's compressed WHEEL Tag line",
          {"wheel-tag-line-compressed": 1}, abi="cp313t"),
    Wheel("pydantic-core==2.41.5", "manylinux_2_17_x86_64", "3.14",
          "pydantic_core-2.41.5-cp314-cp314t-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
          "2ff4321e56e879ee8d2a879501c8e469414d948f4aba74a2d4593184eb326660", 2041078,
          "Rust (PyO3, #[pymodule(gil_used = false)]), free-threaded 3.14; maturin's compressed WHEEL Tag line",
          {"wheel-tag-line-compressed": 1}, abi="cp314t"),
    Wheel("msgspec==0.20.0", "manylinux_2_17_x86_64", "3.14",
          "msgspec-0.20.0-cp314-cp314t-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
          "17c2b5ca19f19306fc83c96d85e606d2cc107e0caeea85066b5389f664e04846", 229509,
          "C extension, free-threaded 3.14: single-phase init calling PyUnstable_Module_SetGIL", abi="cp314t"),
    Wheel("pyyaml==6.0.3", "manylinux_2_17_x86_64", "3.14",
          "pyyaml-6.0.3-cp314-cp314t-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
          "00c4bdeba853cc34e7dd471f16b4114f4162dc03e6b7afcc2128711f0eca823c", 839261,
          "Cython (multi-phase init), free-threaded 3.14", abi="cp314t"),
    Wheel("markupsafe==3.0.3", "manylinux_2_17_x86_64", "3.14",
          "markupsafe-3.0.3-cp314-cp314t-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
          "fed51ac40f757d41b7c48425901843666a6677e3e8eb0abcff09e4ba6e664f50", 23598,
          "C extension with multi-phase init (a Py_mod_gil slot, not read), free-threaded 3.14", abi="cp314t"),
    Wheel("ujson==5.11.0", "manylinux_2_28_x86_64", "3.14",
          "ujson-5.11.0-cp314-cp314t-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl",
          "10f29e71ecf4ecd93a6610bd8efa8e7b6467454a363c3d6416db65de883eb076", 58035,
          "C extension, free-threaded 3.14, single-phase init that never declares it runs without the GIL",
          {"python-free-threaded-gil-enabled": 1}, abi="cp314t"),
    # iOS (PEP 730), built by cibuildwheel: unsigned device code, @rpath/Python.framework/Python,
    # and an arm64 simulator module at 14.0 (the arm64 simulator's first iOS) in an ios_13_0 wheel.
    Wheel("pybase64==1.5.1", "ios_13_0_arm64_iphoneos", "3.13",
          "pybase64-1.5.1-cp313-cp313-ios_13_0_arm64_iphoneos.whl",
          "8115c2179efac6b841eee707c65887fd27228c8c3d42ff70871c905f7d24f4f4", 39772,
          "C extension for iOS devices (LC_BUILD_VERSION platform IOS), unsigned"),
    Wheel("pybase64==1.5.1", "ios_13_0_arm64_iphonesimulator", "3.13",
          "pybase64-1.5.1-cp313-cp313-ios_13_0_arm64_iphonesimulator.whl",
          "a3bbce49971581d519aa1a0aa834b81dc07142fe6bce8c304f707d50f5cb6427", 40286,
          "C extension for the arm64 iOS simulator, minimum iOS 14.0 under an ios_13_0 tag"),
    Wheel("pybase64==1.5.1", "ios_13_0_x86_64_iphonesimulator", "3.13",
          "pybase64-1.5.1-cp313-cp313-ios_13_0_x86_64_iphonesimulator.whl",
          "108a071febb914a3db7899d7e085723cb318745faffbcb4f282d6ec7dbc00d80", 46848,
          "C extension for the x86_64 iOS simulator"),
]

# SHA-256 and size of each committed wheel, as tests/data/README.md records them.
_COMMITTED_DIGESTS = {
    "auditwheel/android/spam-0.1.0-cp313-cp313-android_24_arm64_v8a.whl": ("c382649b8f86a517cdf199ebd5649f6e83300a314b55787bbc0514cb6ca7d304", 3285),
    "auditwheel/cffi-1.5.0-cp27-none-linux_x86_64.whl": ("f343f9e2686c284f42d98d32a3f3aab08dc38e9f8ba514314761a57dad16ffe2", 326432),
    "auditwheel/fpewheel-0.0.0-cp35-cp35m-linux_x86_64.whl": ("65991e961eebfefad1688420c7b19fb3280be7c95f5b85f4115526724e919bdd", 14180),
    "auditwheel/glibc/testsimple-0.0.1-cp313-cp313-linux_aarch64.whl": ("ecd56ff06f7d124d54cd12bb062cf700739b347f6f5982d1bf69fd8c591db743", 8018),
    "auditwheel/glibc/testsimple-0.0.1-cp313-cp313-linux_armv5l.whl": ("6c69e3c4718604f18c30a2d547a987c6bdffb1a2bdedce6d4c810d645ef972a3", 7694),
    "auditwheel/glibc/testsimple-0.0.1-cp313-cp313-linux_armv7l.whl": ("741ab6ae0f389a314033278f9ba4e0d2d1e8c04a19443494307e0b5f6c0a9376", 7741),
    "auditwheel/glibc/testsimple-0.0.1-cp313-cp313-linux_i686.whl": ("0fd288cd19591f04b6f7bb7b1919fbc2b628ffb096fcc557b5837daf21447668", 7262),
    "auditwheel/glibc/testsimple-0.0.1-cp313-cp313-linux_mips64.whl": ("8bdf0c0025d6243e8dabf71d88439807a4558c59cde8f6acd7218be554425618", 7371),
    "auditwheel/glibc/testsimple-0.0.1-cp313-cp313-linux_ppc64le.whl": ("eee28d143a6fbb638895d40cd4f707f5003409987a7f1b2f55ed3c8ef358b904", 7938),
    "auditwheel/glibc/testsimple-0.0.1-cp313-cp313-linux_riscv64.whl": ("6133be0db290544135ea54b050aecc43667cff1a07f0474f4c7e5eb3e0f9291e", 7422),
    "auditwheel/glibc/testsimple-0.0.1-cp313-cp313-linux_s390x.whl": ("49fa9290a58658bfe9bca0ce05ee5efdd2156b9932f76f703e01e236c5eabf84", 7406),
    "auditwheel/glibc/testsimple-0.0.1-cp313-cp313-linux_x86_64.whl": ("a43f5e5779c0c2167de59d7a931f7b3cf0c208622f6b6a64309f3bd1dbbcd40e", 7429),
    "auditwheel/musllinux_1_2/testsimple-0.0.1-cp310-cp310-linux_x86_64.whl": ("f465ce4311175a6a6c78ebab9368aa015d48ac749e678268217d4a0d9e53cffc", 7487),
    "auditwheel/musllinux_1_2/testsimple-0.0.1-cp312-cp312-linux_aarch64.whl": ("158753e93cf615ca1dbca47d81eefc05502509e4dc1e583b955fb4f483fa8a8c", 8165),
    "auditwheel/musllinux_1_2/testsimple-0.0.1-cp312-cp312-linux_armv6l.whl": ("a95d87309602a865e19e8fce0e82a081ebe92a0ac1bae979d1868642d29a2f5b", 7674),
    "auditwheel/musllinux_1_2/testsimple-0.0.1-cp312-cp312-linux_armv7l.whl": ("3225dbf03e1a7c2fcdb6b8288ae10d084c38eb79cd6bb794a2c6c0b3f31bcde5", 7691),
    "auditwheel/musllinux_1_2/testsimple-0.0.1-cp312-cp312-linux_i686.whl": ("f0d8cb4aebf1c0890d873db7d55ed3bf82138d8bf29305de62a20d4ec0f694ec", 7500),
    "auditwheel/musllinux_1_2/testsimple-0.0.1-cp312-cp312-linux_ppc64le.whl": ("c53edea492005d9ef3c1be349ff0b002f0eee7dcf4262ffc1174600ff64649ba", 8195),
    "auditwheel/musllinux_1_2/testsimple-0.0.1-cp312-cp312-linux_riscv64.whl": ("1e8c2a2167a5cb587fa856fad0929ce7e3f3c2fb0fd72115291a0f198c826b43", 7353),
    "auditwheel/musllinux_1_2/testsimple-0.0.1-cp312-cp312-linux_s390x.whl": ("9be023bea3620cb070913d5b9aaff953da593c7c125b80aa59f6fdaf0454e563", 7632),
    "auditwheel/musllinux_1_2/testsimple-0.0.1-cp312-cp312-linux_x86_64.whl": ("78977376a4795cbfd69ad36c94c22bf4648d6af7736042e607c9a8fdaf9eadfd", 7616),
    "auditwheel/plumbum-1.6.8-py2.py3-none-any.whl": ("600f99e1736f314b52d823aa5d3b73db9a7a6d5b5dc22303410c1a7d6f3e569c", 115068),
    "auditwheel/python_snappy-0.5.2-pp260-pypy_41-linux_x86_64.whl": ("b83f2ea91241ba2403fc86460aca97aadf368f180ca945d4a796e316de338857", 18874),
    "auditwheel/testzlib-0.0.1-cp310-cp310-linux_x86_64.whl": ("5107afe2bf058668776434499ecc0099e0bc72d18f12073acd811b5a5af8e8bc", 13415),
    "delocate/fakepkg1-1.0-cp36-abi3-macosx_10_9_universal2.whl": ("ecd1506fb580b83fe544e9cc0d8a7b0cd0ca6337758e2a2e3415d74fdb6ab6ae", 5347),
    "delocate/fakepkg_rpath-1.0-cp36-abi3-macosx_10_9_universal2.whl": ("b847a6c3af52ec0fea590e70366036c31d1181b0fcceb9a05fd07c754dc5ec92", 3392),
}


def _committed(path: str, stands_for: str, expected: dict[str, int] | None = None,
               asserted: dict[str, object] | None = None) -> Wheel:
    digest, size = _COMMITTED_DIGESTS[path]
    return Wheel("", "", "", path, digest, size, stands_for, expected or {}, asserted or {})


_LINUX_TAG_NOTE = {"wheel-linux-platform-tag": 1}  # linux_* tags promise nothing: true, a note

# Test data of auditwheel (tests/bundled-wheels/) and delocate (delocate/tests/data/),
# committed under tests/data/ with their provenance in tests/data/README.md. `expected` holds
# binlint's findings with no flag (the wheel's tags as target); `asserted` what the
# project's own tests assert (tests/integration/test_bundled_wheels.py, test_android.py,
# test_nonplatform_wheel.py; delocate/tests/test_delocating.py).
_TESTSIMPLE = "a C extension module with no DT_NEEDED at all, built by auditwheel's CI for each architecture"
_NOT_PLATFORM = {"error": "This does not look like a platform wheel"}
COMMITTED: list[Wheel] = [
    _committed("auditwheel/android/spam-0.1.0-cp313-cp313-android_24_arm64_v8a.whl", "Android (Bionic libc.so, LIBC versions) arm64 module needing libc++_shared.so",
               asserted={"sym_tag": "android_24_arm64_v8a", "external_libs": ["libc++_shared.so"]}),
    _committed("auditwheel/cffi-1.5.0-cp27-none-linux_x86_64.whl",
               "unrepaired: needs libffi.so.5 and libpython2.7.so.1.0, DT_RPATH /opt/2.7.11/lib of its builder",
               # _cffi_backend.so's DT_NEEDED holds libpython2.7.so.1.0 (auditwheel lists it among the
               # external libraries; `auditwheel repair` would remove it): a true fault.
               {"wheel-linux-platform-tag": 1, "rpath-build-directory": 1, "rpath-not-runpath": 1,
                "python-extension-links-libpython": 1},
               {"overall_tag": "linux_x86_64", "external_libs": ["libffi.so.5", "libpython2.7.so.1.0"]}),
    _committed("auditwheel/fpewheel-0.0.0-cp35-cp35m-linux_x86_64.whl",
               "imports PyFPE_jbuf, which only some Python 2-era interpreters export",
               {**_LINUX_TAG_NOTE, "python-fpe-symbol": 1},
               {"overall_tag": "linux_x86_64", "sym_tag": "manylinux_2_5_x86_64", "pyfpe": True}),
    _committed("auditwheel/testzlib-0.0.1-cp310-cp310-linux_x86_64.whl",
               "imports zlib internals (zcalloc, zcfree) on the policies' blacklist", _LINUX_TAG_NOTE,
               {"overall_tag": "linux_x86_64", "sym_tag": "manylinux_2_12_x86_64"}),
    _committed("auditwheel/python_snappy-0.5.2-pp260-pypy_41-linux_x86_64.whl",
               "PyPy module needing libsnappy.so.1, which no policy allows", _LINUX_TAG_NOTE,
               {"overall_tag": "linux_x86_64", "external_libs": ["libsnappy.so.1"]}),
    _committed("auditwheel/plumbum-1.6.8-py2.py3-none-any.whl",
               "pure wheel", {}, _NOT_PLATFORM),
    *(_committed(f"auditwheel/glibc/testsimple-0.0.1-cp313-cp313-linux_{arch}.whl",
                 f"{_TESTSIMPLE}: {arch}, glibc", {**_LINUX_TAG_NOTE, **extra}, asserted)
      for arch, extra, asserted in [
               ("aarch64", {}, {"overall_tag": "manylinux_2_17_aarch64"}),
               ("armv5l", {}, _NOT_PLATFORM),  # ARMv5TE soft-float: no policy (test_nonplatform_wheel.py)
               ("armv7l", {}, {"overall_tag": "manylinux_2_17_armv7l"}),
               ("i686", {}, {"overall_tag": "manylinux_2_5_i686"}),
               # Little-endian MIPS64 (kernel and CPython say mips64 for both byte orders); its
               # PT_GNU_STACK really is RWX, as MIPS toolchains made it for FPU emulation. It was
               # built for CPython 3.11 (testsimple.cpython-311-mips64el-linux-gnuabi64.so, WHEEL's
               # `Tag: cp311-cp311-linux_mips64`) and renamed cp313: packaging parses the two tag
               # sets apart too (tests/realworld/test_wheel_metadata.py).
               ("mips64", {"executable-stack": 1, "wheel-tags-mismatch": 1}, _NOT_PLATFORM),
               ("ppc64le", {}, {"overall_tag": "manylinux_2_17_ppc64le"}),
               ("riscv64", {}, {"overall_tag": "manylinux_2_31_riscv64"}),
               ("s390x", {}, {"overall_tag": "manylinux_2_17_s390x"}),
               ("x86_64", {}, {"overall_tag": "manylinux_2_5_x86_64"}),
      ]),
    *(_committed(f"auditwheel/musllinux_1_2/testsimple-0.0.1-cp312-cp312-linux_{arch}.whl",
                 f"{_TESTSIMPLE}: {arch}, musl (-linux-musl extension suffix)", _LINUX_TAG_NOTE,
                 {"overall_tag": f"musllinux_1_2_{policy_arch}"})
      for arch, policy_arch in [("aarch64", "aarch64"), ("armv6l", "armv7l"), ("armv7l", "armv7l"),
                                     ("i686", "i686"), ("ppc64le", "ppc64le"), ("riscv64", "riscv64"),
                                     ("s390x", "s390x"), ("x86_64", "x86_64")]),
    # delocate-wheel's inputs, before repair: a bare-name load of a library the wheel does
    # not carry (and a text script marked executable without #!), an @rpath load likewise,
    # in an x86_64-only module of a universal2 wheel (delocate: "Failed to find any binary
    # with the required architecture").
    _committed("delocate/fakepkg1-1.0-cp36-abi3-macosx_10_9_universal2.whl",
               "unrepaired universal2 wheel: module2 loads libextfunc.dylib by its bare name",
               {"macho-dylib-not-in-artifact": 1, "non-elf-executable": 1}),
    _committed("delocate/fakepkg_rpath-1.0-cp36-abi3-macosx_10_9_universal2.whl",
               "unrepaired universal2 wheel: an x86_64-only module loading @rpath/libextfunc_rpath.dylib",
               {"macho-dylib-not-in-artifact": 1, "macho-wheel-arch-missing": 1}),
]

WHEELS: list[Wheel] = PYPI + COMMITTED
