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


def test_memory_stays_flat_in_layer_size(tmp_path: Path) -> None:
    """A gzip layer of 192 MiB of data files: the layer is never held, nor its members (only
    their first bytes are read: none is ELF or an archive), so the peak stays near that of
    checking a small image."""
    import hashlib
    import io
    import os

    from test_archives import _peak_rss_kib

    def layer(files: int) -> bytes:
        buffer = io.BytesIO()
        with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=1) as zipped:
            with tarfile.open(fileobj=zipped, mode="w") as tar:  # type: ignore[call-overload]
                seed = hashlib.sha256(b"x").digest()
                for index in range(files):
                    data = seed * ((1 << 20) // 32)  # 1 MiB of a repeated hash: compressible, not a bomb
                    data = os.urandom(1 << 16) + data[1 << 16:]
                    info = tarfile.TarInfo(f"data/{index}.bin")
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
        return buffer.getvalue()

    small = docker_tar(tmp_path / "small.tar", [], {}, layer_data=[layer(2)])
    large = docker_tar(tmp_path / "large.tar", [], {}, layer_data=[layer(192)])
    _, baseline = _peak_rss_kib(["check", "-o", "small.txt", small.name], tmp_path)
    code, peak = _peak_rss_kib(["check", "-o", "large.txt", large.name], tmp_path)
    assert code == 0, (tmp_path / "large.txt").read_text()
    assert peak - baseline < 24 << 10, (baseline, peak)  # KiB: 192 MiB inflated, under 24 MiB more held
