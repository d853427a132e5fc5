"""The real Windows wheels the PE tests read, pinned by file name and SHA-256 (downloaded into
the suite's cache by tests/pypi.py, as catalogue.py's wheels are). Kept apart from catalogue.py's
list, whose checks run auditwheel and delocate on every wheel."""
from __future__ import annotations

from realworld.catalogue import Wheel

WINDOWS: list[Wheel] = [
    Wheel("numpy==2.2.6", "win_amd64", "3.11", "numpy-2.2.6-cp311-cp311-win_amd64.whl",
          "e8213002e427c69c45a52bbd94163084025f533a55a59d6f9c5b820774ef3303", 12907455,
          "delvewheel-repaired: OpenBLAS in numpy.libs/, added by the patch in numpy/__init__.py"),
    Wheel("scipy==1.16.3", "win_amd64", "3.11", "scipy-1.16.3-cp311-cp311-win_amd64.whl",
          "53c3844d527213631e886621df5695d35e4f6a75f620dca412bcd292f6b87d78", 38722107,
          "delvewheel-repaired, 115 PE files (Fortran and C++ through MinGW-w64 and MSVC); bench/windows.py's too"),
    Wheel("numpy==2.3.5", "win_arm64", "3.12", "numpy-2.3.5-cp312-cp312-win_arm64.whl",
          "f28620fe26bee16243be2b7b874da327312240a7cdc38b769a697578d2100013", 10194667,
          "win_arm64, delvewheel-repaired"),
    Wheel("pillow==11.2.1", "win_amd64", "3.12", "pillow-11.2.1-cp312-cp312-win_amd64.whl",
          "14e33b28bf17c7a38eede290f77db7c664e4eb01f7869e37fa98a5aa95978941", 2676768,
          "C extensions with their libraries linked in statically"),
    Wheel("cryptography==44.0.3", "win_amd64", "3.11", "cryptography-44.0.3-cp39-abi3-win_amd64.whl",
          "5d186f32e52e66994dce4f766884bcb9c68b8da62d61d9d215bfe5fb56d21334", 3210375,
          "Rust (PyO3) abi3 module importing python3.dll"),
    Wheel("markupsafe==3.0.2", "win32", "3.11", "MarkupSafe-3.0.2-cp311-cp311-win32.whl",
          "6c89876f41da747c8d3677a2b540fb32ef5715f97b66eeb0c6b66f5e3ef6f59d", 15094, "win32 (i386) module"),
]
