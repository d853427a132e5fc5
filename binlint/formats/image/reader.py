"""The layout of an image: which config and which layers, in order, a `docker save` tarball
(manifest.json) or an OCI layout (index.json -> manifest -> config and layers) names."""
from __future__ import annotations

import json
import posixpath
import tarfile
from collections import namedtuple

from binlint.errors import ArtifactError
from binlint.formats.image.source import normal
from binlint.formats.members import buffer_window

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from binlint.formats.image.source import DirSource, TarSource

# The most bytes of a JSON document (manifest, index, config) read: real ones are a few KiB,
# a config with a long history some hundreds; a 1 GiB "manifest" is an attack on the reader.
MAX_JSON = 8 << 20
# More layers than any runtime mounts (Docker refuses images of more than 125 layers; an OCI
# layout folder holds one file open per layer while it is read).
MAX_LAYERS = 256
_INDEX_TYPES = ("application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json")

# layout: `docker-archive` (manifest.json) or `oci` (index.json); name: the tag or reference it
# names, if any; config: the image config (a dict); layers: (blob path, digest) in order.
# others: how the file names the images it holds besides this one (binlint checks one).
Image = namedtuple("Image", "layout name config layers others", defaults=((),))


def read_json(source: DirSource | TarSource, path: str, what: str) -> Any:
    size = source.size(path)
    if size is None:
        raise ArtifactError(f"{what} {path} is missing from the image")
    if size > MAX_JSON:
        raise ArtifactError(f"{what} {path} is {size} bytes, more than the {MAX_JSON} an image's JSON may take")
    stream = source.open(path)
    try:
        data = stream.read(size)
    finally:
        stream.close()
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as err:
        raise ArtifactError(f"{what} {path} is not JSON: {err}") from None


def _blob(digest: Any) -> str:
    if not isinstance(digest, str) or ":" not in digest:
        raise ArtifactError(f"a descriptor's digest is not `algorithm:hex`: {str(digest)[:80]!r}")
    algorithm, _, hexa = digest.partition(":")
    path = normal(f"blobs/{algorithm}/{hexa}")
    if path is None or path.count("/") != 2:
        raise ArtifactError(f"a descriptor's digest names no blob: {digest[:80]!r}")
    return path


def read_image(source: DirSource | TarSource) -> Image:
    names = source.names()
    if "manifest.json" in names:
        return _docker(source)
    if "index.json" in names:
        return _oci(source)
    raise ArtifactError("neither manifest.json nor index.json: not an image")


def _docker(source: DirSource | TarSource) -> Image:
    manifest = read_json(source, "manifest.json", "manifest")
    if not isinstance(manifest, list) or not manifest or not isinstance(manifest[0], dict):
        raise ArtifactError("manifest.json lists no image")
    entry = manifest[0]
    config_path, layers = entry.get("Config"), entry.get("Layers")
    if not isinstance(config_path, str) or not isinstance(layers, list) or \
            not all(isinstance(layer, str) for layer in layers):
        raise ArtifactError("manifest.json: an image without a Config or Layers list")
    tags = entry.get("RepoTags") or []
    config = _config(read_json(source, normal(config_path) or "", "config"))
    # The layers' own digests (of the uncompressed tar) where the file names are not digests:
    # `<layer id>/layer.tar` names Docker's v1 layer id, which appears nowhere else.
    diff_ids = (config.get("rootfs") or {}).get("diff_ids") if isinstance(config.get("rootfs"), dict) else None
    named = []
    for index, layer in enumerate(_bounded(layers)):
        path = normal(layer)
        if path is None:
            raise ArtifactError(f"manifest.json names a layer outside the image: {layer[:80]!r}")
        if path.startswith("blobs/"):  # Docker 25+: the OCI blob
            digest = path.split("/", 1)[1].replace("/", ":", 1)
        else:  # `<digest>.tar` (skopeo) or `<layer id>/layer.tar` (Docker before 25)
            base = posixpath.basename(path)
            digest = posixpath.dirname(path) if base == "layer.tar" else base.removesuffix(".tar")
            if isinstance(diff_ids, list) and len(diff_ids) == len(layers) and isinstance(diff_ids[index], str):
                digest = diff_ids[index]
        named.append((path, digest if ":" in digest else f"sha256:{digest}"))
    others = tuple(_docker_name(other, index) for index, other in enumerate(manifest[1:], 2))
    return Image("docker-archive", tags[0] if tags and isinstance(tags[0], str) else None, config, named, others)


def _docker_name(entry: Any, index: int) -> str:
    tags = entry.get("RepoTags") if isinstance(entry, dict) else None
    return tags[0] if isinstance(tags, list) and tags and isinstance(tags[0], str) else f"image {index} of manifest.json"


def _oci(source: DirSource | TarSource) -> Image:
    index = read_json(source, "index.json", "index")
    name, others = None, []
    for _ in range(4):  # an index of indexes (multi-platform), a few deep at most
        manifests = index.get("manifests") if isinstance(index, dict) else None
        if not isinstance(manifests, list) or not manifests or not all(isinstance(m, dict) for m in manifests):
            raise ArtifactError("index.json lists no manifest")
        chosen = next((m for m in manifests if (m.get("platform") or {}).get("os", "linux") == "linux"), manifests[0])
        others += [_oci_name(m) for m in manifests if m is not chosen]
        name = name or (chosen.get("annotations") or {}).get("org.opencontainers.image.ref.name")
        document = read_json(source, _blob(chosen.get("digest")), "manifest")
        if chosen.get("mediaType") in _INDEX_TYPES or (isinstance(document, dict) and "manifests" in document):
            index = document
            continue
        break
    else:
        raise ArtifactError("index.json: image indexes nested deeper than any image has")
    if not isinstance(document, dict) or not isinstance(document.get("config"), dict) or \
            not isinstance(document.get("layers"), list):
        raise ArtifactError("the image manifest has no config or layers")
    config = read_json(source, _blob(document["config"].get("digest")), "config")
    layers = [(_blob(d.get("digest") if isinstance(d, dict) else None), d["digest"]) for d in _bounded(document["layers"])]
    return Image("oci", name if isinstance(name, str) else None, _config(config), layers, tuple(others))


def _oci_name(descriptor: dict[str, Any]) -> str:
    """A manifest of an index by its reference name, else its platform, else its digest."""
    name = (descriptor.get("annotations") or {}).get("org.opencontainers.image.ref.name")
    platform = descriptor.get("platform") or {}
    if isinstance(platform, dict) and platform.get("os"):
        where = "/".join(str(platform[k]) for k in ("os", "architecture", "variant") if platform.get(k))
        name = f"{name} ({where})" if isinstance(name, str) else where
    return name if isinstance(name, str) else str(descriptor.get("digest"))[:80]


def _bounded(layers: list[Any]) -> list[Any]:
    if len(layers) > MAX_LAYERS:
        raise ArtifactError(f"the manifest lists {len(layers)} layers, more than the {MAX_LAYERS} an image may have")
    return layers


def _config(config: Any) -> dict[str, Any]:
    if not isinstance(config, dict):
        raise ArtifactError("the image config is not a JSON object")
    return config


# -- recognising an image tarball ------------------------------------------------------

def is_image_tar(view: Any) -> bool:
    """Whether the tar file `view` is an image: manifest.json, or an OCI layout's oci-layout
    and index.json, at its root. Only the headers are read (a tar on disk is seeked through)."""
    if view.data is not None:
        data = memoryview(view.data)
        stream = buffer_window(data, 0, len(data))
        return _lists_image(stream)
    with open(view.fs_path, "rb") as f:
        return _lists_image(f)


def _lists_image(stream: Any) -> bool:
    seen = set()
    try:
        archive = tarfile.open(fileobj=stream, mode="r:")
        for count, info in enumerate(archive):
            if count >= 200_000:
                return False
            seen.add(normal(info.name))
            if "manifest.json" in seen or {"oci-layout", "index.json"} <= seen:
                return True
    except (tarfile.TarError, OSError, EOFError, ValueError, OverflowError, MemoryError, RecursionError):
        return False  # not an image: the tar reader says what is wrong with it
    return False
