"""Hostile container images: a layer missing from the blobs, a huge manifest, a layer tar
bomb, entries and whiteouts that climb out of the root, links to /etc and `..`. Each gives a
diagnostic naming the image (never a traceback), in bounded time, and nothing is written."""
from __future__ import annotations

import gzip
import json
import tarfile
import time
from pathlib import Path

from test_archives import _snapshot, check_json, findings_of
from test_image import _member_names, docker_tar, layer_bytes


def checked(image: Path, expect: int = 1) -> dict:
    start = time.monotonic()
    document = check_json([image.name], image.parent, expect=expect)
    assert time.monotonic() - start < 20
    return document


def unreadable(document: dict) -> str:
    [finding] = findings_of(document, "unreadable-artifact")
    return f"{finding['path']}: {finding['message']}"


def test_a_layer_missing_from_the_blobs(tmp_path: Path) -> None:
    manifest = [{"Config": "config.json", "Layers": ["0/layer.tar", "gone/layer.tar"]}]
    image = docker_tar(tmp_path / "missing.tar", [{"bin/x": b"x"}], {},
                       extra={"manifest.json": json.dumps(manifest).encode()})
    text = unreadable(checked(image))
    assert text.startswith("missing.tar: ") and "layer 2 (sha256:gone) is missing from the image's blobs (gone/layer.tar)" in text


def test_a_huge_manifest(tmp_path: Path) -> None:
    huge = b"[" + b" " * (9 << 20) + b"]"
    image = docker_tar(tmp_path / "huge.tar", [{"bin/x": b"x"}], {}, extra={"manifest.json": huge})
    text = unreadable(checked(image))
    assert text.startswith("huge.tar: ") and "more than the 8388608 an image's JSON may take" in text


def test_a_layer_tar_bomb(tmp_path: Path) -> None:
    """A gzip layer of one 2 GiB member of zeros: its inflation stops at the stream's ratio."""
    header = tarfile.TarInfo("zeros")
    header.size = 2 << 30
    zeros = gzip.compress(header.tobuf(tarfile.GNU_FORMAT) + bytes(64 << 20), 9)
    image = docker_tar(tmp_path / "bomb.tar", [], {}, layer_data=[zeros])
    document = checked(image)
    text = unreadable(document) if findings_of(document, "unreadable-artifact") else json.dumps(document)
    assert "bomb.tar" in text and ("bomb" in text or "inflates" in text), text


def test_entries_and_whiteouts_out_of_the_root(tmp_path: Path) -> None:
    layers = [{"etc/passwd": b"root:x:0:0", "../../evil": b"x"},
              {".wh...": b"", "a/../../.wh.etc": b"", "bin/ok": b"#!/bin/sh\n"}]
    before = _snapshot(tmp_path)
    image = docker_tar(tmp_path / "escape.tar", layers, {})
    document = checked(image)
    [finding] = findings_of(document, "image-unsafe-layer-entry")
    assert finding["path"] == "escape.tar"
    assert "../../evil (layer 1 (sha256:0))" in finding["message"]
    assert "a/../../.wh.etc (layer 2 (sha256:1))" in finding["message"]
    assert _member_names(image) == ["/bin/ok", "/etc/passwd"]  # the root survives both whiteouts
    assert set(_snapshot(tmp_path)) - set(before) == {"escape.tar"}
    assert not Path("/evil").exists()


def test_links_to_etc_and_up_stay_in_the_image(tmp_path: Path) -> None:
    """A program linked to /etc/passwd and a library folder linked above the root: both lead
    inside the image (the kernel stops `..` at the root), never to this machine's files."""
    layers = [{"app/run": (tarfile.SYMTYPE, "../../../../etc/shadow"),
               "lib": (tarfile.SYMTYPE, "../../.."), "loop": (tarfile.SYMTYPE, "loop"),
               "etc/hostname": b"image\n"}]
    image = docker_tar(tmp_path / "links.tar", layers, {"Entrypoint": ["/app/run"], "Cmd": ["/loop/x"]})
    document = checked(image)
    [finding] = findings_of(document, "image-entrypoint-not-found")
    assert "entrypoint /app/run: no /app/run in the image" in finding["message"]  # /etc/shadow is not in it
    assert findings_of(document, "unreadable-artifact") == []
