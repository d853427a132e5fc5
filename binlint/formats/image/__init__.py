"""Container images: `docker save` tarballs (manifest.json, and the OCI index.json that Docker
25+ writes beside it), OCI image layouts as directories and as tarballs.

Nothing is extracted: the blobs are read where they lie (source.py), the layout gives the
config and the layers in order (reader.py), each layer's tar headers are listed in one pass
and applied with their whiteouts into the image's final file system, whose files are the
members the walk lints (layers.py). The image is then the target of its own files: its C
library and library directories (world.py), its entrypoint (programs.py), its facts (facts.py).
"""
from __future__ import annotations

import os


def is_layout_dir(path: str) -> bool:
    """An OCI image layout directory: its `oci-layout` file and `index.json` (here, where
    discovery imports it: no more than `os`)."""
    return os.path.isfile(os.path.join(path, "oci-layout")) and os.path.isfile(os.path.join(path, "index.json"))
