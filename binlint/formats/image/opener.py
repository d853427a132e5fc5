"""The registry's hooks for images: what tells an image tar from other tars, and the opener
of its members (the final file system, or every layer's files with --image-layers)."""
from __future__ import annotations

from binlint.errors import ArtifactError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from binlint.formats.image.layers import ImageContainer


def parse(view: Any) -> str | None:
    """`image` for a tar file that holds an image layout, else None (a tar it stays)."""
    from binlint.formats.image.reader import is_image_tar

    return "image" if is_image_tar(view) else None


def open_members(view: Any) -> ImageContainer:
    from binlint.formats.image.layers import build
    from binlint.formats.image.reader import read_image
    from binlint.formats.image.source import open_source
    from binlint.formats.image.world import world

    from binlint.formats.image.source import DirSource
    from binlint.formats.members import Budget

    try:
        source = open_source(view)
        if isinstance(source, DirSource):  # a folder has no size of its own: its blobs'
            view.budget = Budget(view.limits, source.total_size())
    except OSError as err:
        raise ArtifactError(f"cannot read the image: {err.strerror or err}") from None
    try:
        image = read_image(source)
        container = build(image, source, view.budget, view.limits.image_layers)
    except BaseException:
        source.close()
        raise
    found = container.world = world(container)
    container.library_dirs = found.library_dirs
    container.musl_loader = found.musl_loader and found.musl_loader.lstrip("/")
    return container
