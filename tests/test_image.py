"""Container images, through the command line: OCI layouts (folders and tarballs) built by
umoci, `docker save` tarballs written by skopeo, and Docker 25's layout (both indexes); the
layers applied with their whiteouts, the image checked against its own libc, loader path,
architecture and entrypoint. Hostile images: tests/test_image_hostile.py."""
from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest

from fixtures.image import build_images
from test_archives import check_json, findings_of

IMAGE_RULES = ("image-library-not-found", "image-glibc-too-new", "image-elf-arch-mismatch",
               "image-entrypoint-not-found", "image-entrypoint-not-executable", "image-entrypoint-exec-format",
               "image-unsafe-layer-entry",
               "image-other-images-not-checked")


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_images(tmp_path_factory.mktemp("images"))


def report(image: Path, *options: str, expect: int | None = None) -> dict:
    return check_json([*options, image.name], image.parent, expect=expect)


def image_findings(document: dict) -> dict[str, list[dict]]:
    return {rule: findings_of(document, rule) for rule in IMAGE_RULES if findings_of(document, rule)}


@pytest.mark.parametrize("name", ["glibc-good", "oci-glibc-good", "musl-good", "oci-musl-good"])
def test_a_good_image_is_quiet(images: dict[str, Path], name: str) -> None:
    document = report(images[name], expect=0)
    assert document["findings"] == []


@pytest.mark.parametrize("name", ["glibc-crlf", "oci-glibc-crlf", "oci-glibc-crlf.tar"])
def test_broken_glibc_image(images: dict[str, Path], name: str) -> None:
    image = images[name]
    document = report(image, expect=1)
    found = image_findings(document)
    assert set(found) == {"image-library-not-found", "image-glibc-too-new", "image-elf-arch-mismatch",
                          "image-entrypoint-not-found"}
    assert all(f["path"] == image.name for hits in found.values() for f in hits)
    [missing] = found["image-library-not-found"]
    assert missing["severity"] == "error"
    # libgone.so.1 was deleted by the second layer's whiteout; the program came with the first.
    assert "libgone.so.1 for /app/bin/uses-gone (layer 1 (sha256:" in missing["message"]
    assert "libmissing.so.1 for /app/needs-missing (layer 2 (sha256:" in missing["message"]
    assert "libgood" not in missing["message"]  # found through its absolute RUNPATH, in the image
    [glibc] = found["image-glibc-too-new"]
    assert "the image's glibc 2.36" in glibc["message"] or "the image's glibc 2." in glibc["message"]
    assert "/app/new-glibc needs GLIBC_2.99" in glibc["message"]
    [arch] = found["image-elf-arch-mismatch"]
    assert "/app/arm-tool is aarch64 64-bit" in arch["message"] and "amd64" in arch["message"]
    [entry] = found["image-entrypoint-not-found"]
    assert "entrypoint /app/run.sh: no /bin/sh\\r in the image" in entry["message"]
    # The members are the final file system, linted as members: located inside the image.
    [pyc] = findings_of(document, "non-elf-executable")
    assert pyc["path"] == f"{image.name}!/app/main.pyc"
    assert {f["path"] for f in findings_of(document, "shebang-crlf")} == {f"{image.name}!/app/run.sh"}
    assert not any("libgone" in f["path"] for f in document["findings"])  # deleted: not a member


@pytest.mark.parametrize("name, rule, evidence", [
    ("glibc-noexec", "image-entrypoint-not-executable", "entrypoint /app/noexec.sh is not executable (layer 2"),
    ("glibc-pyc", "image-entrypoint-exec-format", "entrypoint /app/main.pyc is neither ELF nor a #! script"),
    ("glibc-not-in-path", "image-entrypoint-not-found", "cmd tool: no tool in the image"),
    ("musl-glibc-program", "image-entrypoint-not-found",
     "entrypoint /app/hello-glibc: no /lib64/ld-linux-x86-64.so.2 in the image"),
    ("musl-glibc-program", "image-library-not-found", "libc.so.6 for /app/hello-glibc (layer 2"),
])
def test_what_stops_the_image(images: dict[str, Path], name: str, rule: str, evidence: str) -> None:
    document = report(images[name], expect=1)
    [finding] = findings_of(document, rule)
    assert finding["path"] == images[name].name and evidence in finding["message"], finding


def test_musl_image_is_its_own_target(images: dict[str, Path]) -> None:
    facts = _facts(images["musl-good"])
    assert facts["image.libc"] == ["musl"] and facts["image.glibc_version"] is None
    assert facts["image.library_dirs"] == ["/lib", "/usr/local/lib", "/usr/lib"]
    glibc = _facts(images["glibc-good"])
    assert glibc["image.libc"] == ["glibc"] and glibc["image.glibc_version"] == _host_glibc()
    assert glibc["image.library_dirs"][:3] == ["/usr/local/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu",
                                               "/usr/lib/x86_64-linux-gnu"]
    assert glibc["image.architecture"] == "amd64" and glibc["image.layout"] == "docker-archive"
    assert _facts(images["oci-glibc-good"])["image.layout"] == "oci"


def test_every_layer_is_linted_on_request(images: dict[str, Path]) -> None:
    image = images["glibc-crlf"]
    paths = {f["path"] for f in report(image, "--image-layers", expect=1)["findings"]}
    assert any(p.startswith(f"{image.name}!layer 2 (sha256:") and p.endswith(":/app/main.pyc") for p in paths)
    names = _member_names(image, "--image-layers")
    assert any(n.startswith("layer 1 (sha256:") and n.endswith(":/app/old-lib/libgone.so.1") for n in names)
    assert "/app/old-lib/libgone.so.1" not in _member_names(image)


def test_the_cache_keeps_every_layer_apart(images: dict[str, Path], tmp_path: Path) -> None:
    """`--image-layers` changes what is read: a cached image gives its members for each."""
    image = images["glibc-crlf"]
    cache = ["--cache", "--cache-dir", str(tmp_path / "cache")]
    final, every = report(image, expect=1), report(image, "--image-layers", expect=1)
    for _ in range(2):  # filling the cache, then from it
        assert report(image, *cache, expect=1)["findings"] == final["findings"]
        assert report(image, *cache, "--image-layers", expect=1)["findings"] == every["findings"]


def test_docker_25_layout_reads_the_same_image(images: dict[str, Path], tmp_path: Path) -> None:
    """Docker 25+ writes an OCI layout with a manifest.json beside index.json, its Layers
    naming blobs; the image read is the same."""
    layout = images["oci-glibc-crlf"]
    index = json.loads((layout / "index.json").read_text())
    manifest = json.loads(_blob(layout, index["manifests"][0]["digest"]))
    docker = [{"Config": _blob_path(manifest["config"]["digest"]), "RepoTags": ["img:crlf"],
               "Layers": [_blob_path(layer["digest"]) for layer in manifest["layers"]]}]
    out = tmp_path / "docker25.tar"
    with tarfile.open(out, "w") as tar:
        for item in sorted(layout.iterdir()):
            tar.add(item, arcname=item.name)
        _add(tar, "manifest.json", json.dumps(docker).encode())
    expected = {r: [f["message"] for f in hits] for r, hits in image_findings(report(layout, expect=1)).items()}
    assert {r: [f["message"] for f in hits] for r, hits in image_findings(report(out, expect=1)).items()} == expected
    assert _facts(out)["image.layout"] == "docker-archive"


def test_whiteouts_opaque_and_plain(tmp_path: Path) -> None:
    """A hand-made docker save tarball: layer 2's opaque whiteout empties /opt (keeping what
    layer 2 adds there) and its `.wh.` file deletes /etc/gone, whose program then fails."""
    base = {"opt/old/x": b"old", "etc/gone": b"#!/bin/sh\n", "etc/kept": b"kept"}
    top = {"opt/.wh..wh..opq": b"", "opt/new": b"new", "etc/.wh.gone": b""}
    out = docker_tar(tmp_path / "wh.tar", [base, top], {"Entrypoint": ["/etc/gone"]})
    names = _member_names(out)
    assert names == ["/etc/kept", "/opt/new"]
    [finding] = findings_of(report(out, expect=1), "image-entrypoint-not-found")
    assert "entrypoint /etc/gone: no /etc/gone in the image" in finding["message"]


# -- helpers ----------------------------------------------------------------------------

def _add(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644, kind: bytes = tarfile.REGTYPE,
         link: str = "") -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.type, info.linkname = (len(data) if kind == tarfile.REGTYPE else 0), mode, kind, link
    tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def layer_bytes(files: dict[str, bytes | tuple[bytes, str]]) -> bytes:
    """A layer tar: name -> content (mode 0755, or 0644 for a name ending in `:644`), or
    (tarfile type, link target) for links."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, value in files.items():
            if isinstance(value, tuple):
                _add(tar, name, b"", kind=value[0], link=value[1])
            elif name.endswith(":644"):
                _add(tar, name[:-4], value, 0o644)
            else:
                _add(tar, name, value, 0o755)
    return buffer.getvalue()


def docker_tar(out: Path, layers: list[dict], config: dict, *, extra: dict[str, bytes] | None = None,
               layer_data: list[bytes] | None = None) -> Path:
    """A `docker save` tarball (manifest.json, config, `<n>/layer.tar`) of these layers."""
    blobs = layer_data if layer_data is not None else [layer_bytes(files) for files in layers]
    manifest = [{"Config": "config.json", "RepoTags": ["t:1"], "Layers": [f"{i}/layer.tar" for i in range(len(blobs))]}]
    with tarfile.open(out, "w") as tar:
        _add(tar, "config.json", json.dumps({"architecture": "amd64", "os": "linux", "config": config}).encode())
        for index, data in enumerate(blobs):
            _add(tar, f"{index}/layer.tar", data)
        for name, data in (extra or {"manifest.json": json.dumps(manifest).encode()}).items():
            _add(tar, name, data)
    return out


def _blob_path(digest: str) -> str:
    return "blobs/" + digest.replace(":", "/")


def _blob(layout: Path, digest: str) -> str:
    return (layout / _blob_path(digest)).read_text()


def _facts(image: Path, *options: str) -> dict:
    from test_archives import binlint

    proc = binlint(["facts", *options, image.name], image.parent)
    return json.loads(proc.stdout)["artifacts"][0]["facts"]


def _member_names(image: Path, *options: str) -> list[str]:
    from test_archives import binlint

    proc = binlint(["facts", *options, image.name], image.parent)
    prefix = f"{image.name}!"
    return sorted(a["path"][len(prefix):] for a in json.loads(proc.stdout)["artifacts"] if a["path"] != image.name)


def _host_glibc() -> str:
    import os

    return os.confstr("CS_GNU_LIBC_VERSION").split()[1]


def test_a_layout_folder_in_a_tree_is_one_artifact(images: dict[str, Path], tmp_path: Path) -> None:
    """`binlint check DIR` finds an OCI layout inside DIR as one image, not as its blobs."""
    tree = tmp_path / "tree"
    shutil.copytree(images["oci-glibc-noexec"], tree / "dist" / "image")
    document = check_json(["tree"], tmp_path, expect=1)
    [finding] = findings_of(document, "image-entrypoint-not-executable")
    assert finding["path"] == "tree/dist/image"
    assert not any("blobs" in f["path"] for f in document["findings"])


def test_the_images_not_checked_are_named(images: dict[str, Path], tmp_path: Path) -> None:
    """binlint reads one image of a file: the others of a `docker save` of several tags, or
    of a multi-platform OCI index, are named in a warning rather than passed in silence."""
    two = docker_tar(tmp_path / "two.tar", [{"app/run": b"#!/bin/sh\n"}], {"Entrypoint": ["/bin/sh"]},
                     extra={"manifest.json": json.dumps([
                         {"Config": "config.json", "RepoTags": ["app:1"], "Layers": ["0/layer.tar"]},
                         {"Config": "config.json", "RepoTags": ["app:2"], "Layers": ["0/layer.tar"]}]).encode()})
    [finding] = findings_of(report(two), "image-other-images-not-checked")
    assert finding["path"] == "two.tar" and finding["severity"] == "warning"
    assert finding["message"].endswith("not the others it holds: app:2")

    layout = tmp_path / "multi"
    shutil.copytree(images["oci-glibc-good"], layout)
    index = json.loads((layout / "index.json").read_text())
    arm = {**index["manifests"][0], "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}}
    arm.pop("annotations", None)
    index["manifests"].append(arm)
    (layout / "index.json").write_text(json.dumps(index))
    [finding] = findings_of(check_json(["multi"], tmp_path, expect=0), "image-other-images-not-checked")
    assert finding["message"].endswith("not the others it holds: linux/arm64/v8")
    assert not findings_of(report(images["oci-glibc-good"], expect=0), "image-other-images-not-checked")


def test_a_compressed_image_tarball_is_named(images: dict[str, Path], tmp_path: Path) -> None:
    """`docker save | gzip`: the members are walked, and a warning says the image as a whole was not read."""
    import gzip

    packed = tmp_path / "app.tar.gz"
    packed.write_bytes(gzip.compress(images["glibc-crlf"].read_bytes(), mtime=0))
    document = report(packed)
    [finding] = findings_of(document, "image-compressed-not-read")
    assert finding["path"] == "app.tar.gz" and "(docker-archive)" in finding["message"]
    assert not image_findings(document)  # the image rules need the image read whole: none ran
    # ... and the same image uncompressed draws them (its CRLF entrypoint).
    assert image_findings(report(images["glibc-crlf"], expect=1))


def test_a_zstd_layer_is_read(tmp_path: Path) -> None:
    """Layers compressed with zstd (`docker buildx --output compression=zstd`) are read like
    gzip ones: the bytecode made executable in it is found where the image has it."""
    try:
        from compression import zstd  # Python 3.14
    except ImportError:
        from backports import zstd  # binlint's own dependency before 3.14
    import importlib.util

    pyc = importlib.util.MAGIC_NUMBER + bytes(12) + b"\xe3"
    layer = zstd.compress(layer_bytes({"app/main.pyc": pyc}))
    image = docker_tar(tmp_path / "zstd.tar", [], {"Entrypoint": ["/bin/sh"]}, layer_data=[layer])
    [finding] = findings_of(report(image, expect=1), "non-elf-executable")
    assert finding["path"] == "zstd.tar!/app/main.pyc"


def _built(tmp_path: Path, compiler: str) -> tuple[bytes, bytes]:
    """(a program, the library libpath.so.1 it needs), built with `compiler`."""
    import subprocess

    from fixtures.toolchain import require_tool

    (tmp_path / "lib.c").write_text("int from_lib(void) { return 7; }\n")
    (tmp_path / "main.c").write_text("int from_lib(void);\nint main(void) { return from_lib() - 7; }\n")
    cc = require_tool(compiler)
    subprocess.run([cc, "-shared", "-fPIC", "-Wl,-soname,libpath.so.1", "-o", str(tmp_path / "libpath.so.1"),
                    str(tmp_path / "lib.c")], check=True)
    subprocess.run([cc, "-o", str(tmp_path / "main"), str(tmp_path / "main.c"), str(tmp_path / "libpath.so.1")],
                   check=True)
    return (tmp_path / "main").read_bytes(), (tmp_path / "libpath.so.1").read_bytes()


@pytest.mark.parametrize("configured", [True, False])
def test_musl_path_file_names_the_folders(tmp_path: Path, configured: bool) -> None:
    """musl's loader searches the folders /etc/ld-musl-ARCH.path names, in place of its
    default path: the library in /opt/lib is found only when the path file names it."""
    from fixtures.image import MUSL_LOADER

    program, library = _built(tmp_path, "musl-gcc")
    files = {MUSL_LOADER.lstrip("/"): Path(MUSL_LOADER).read_bytes(), "opt/lib/libpath.so.1": library,
             "app/main": program}
    if configured:
        files["etc/ld-musl-x86_64.path"] = b"/opt/lib\n/lib:/usr/lib\n"
    image = docker_tar(tmp_path / "musl-path.tar", [files], {"Entrypoint": ["/app/main"]})
    found = findings_of(report(image), "image-library-not-found")
    assert found == [] if configured else "libpath.so.1 for /app/main (layer 1" in found[0]["message"]
    expected = ["/opt/lib", "/lib", "/usr/lib"] if configured else ["/lib", "/usr/local/lib", "/usr/lib"]
    assert _facts(image)["image.library_dirs"] == expected


@pytest.mark.parametrize("configured", [True, False])
def test_ld_so_conf_d_names_the_folders(tmp_path: Path, configured: bool) -> None:
    """glibc's: a library in /usr/local/mylib is found when a file that /etc/ld.so.conf
    includes names the folder, and only then."""
    from fixtures.image import LIBC, LOADER

    program, library = _built(tmp_path, "gcc")
    files = {LIBC.lstrip("/"): Path(LIBC).read_bytes(), LOADER.lstrip("/"): Path(LOADER).read_bytes(),
             "lib64/ld-linux-x86-64.so.2": (tarfile.SYMTYPE, LOADER), "usr/local/mylib/libpath.so.1": library,
             "app/main": program, "etc/ld.so.conf": b"include /etc/ld.so.conf.d/*.conf\n"}
    if configured:
        files["etc/ld.so.conf.d/mylib.conf"] = b"# mine\n/usr/local/mylib\n"
    image = docker_tar(tmp_path / "conf.tar", [files], {"Entrypoint": ["/app/main"]})
    found = findings_of(report(image), "image-library-not-found")
    assert found == [] if configured else "libpath.so.1 for /app/main (layer 1" in found[0]["message"]
    assert ("/usr/local/mylib" in _facts(image)["image.library_dirs"]) == configured


@pytest.mark.parametrize("name", ["oci-glibc-crlf", "oci-musl-glibc-program"])
def test_members_are_what_umoci_unpacks(images: dict[str, Path], name: str, tmp_path: Path) -> None:
    """The real tool as oracle: the files umoci extracts, whiteouts applied, are the image's
    members that have content (binlint reads the same layers without extracting anything;
    links are members without content, which the walk does not list)."""
    import os
    import subprocess

    from fixtures.toolchain import require_tool

    layout = images[name]
    tag = name.removeprefix("oci-")
    rootless = [] if os.geteuid() == 0 else ["--rootless"]
    subprocess.run([require_tool("umoci"), "unpack", *rootless, "--image", f"{layout}:{tag}", str(tmp_path / "b")],
                   check=True, capture_output=True)
    root = tmp_path / "b" / "rootfs"
    unpacked = sorted("/" + str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    assert _member_names(layout) == unpacked


def test_image_layers_from_the_configuration(images: dict[str, Path], tmp_path: Path) -> None:
    shutil.copyfile(images["glibc-crlf"], tmp_path / "img.tar")
    (tmp_path / "binlint.toml").write_text("image-layers = true\n")
    paths = {f["path"] for f in check_json(["img.tar"], tmp_path, expect=1)["findings"]}
    assert any(p.startswith("img.tar!layer 2 (sha256:") and p.endswith(":/app/main.pyc") for p in paths), paths


def test_elf_data_files_are_not_programs(tmp_path: Path) -> None:
    """An AArch64 program kept as test data (mode 0644, no library name), as in Go's sources,
    is no program of an amd64 image; the same file executable is."""
    program, _ = _built(tmp_path, "aarch64-linux-gnu-gcc")
    data = docker_tar(tmp_path / "data.tar", [{"usr/local/go/src/debug/elf/testdata/gcc-arm64-exec:644": program}], {})
    assert image_findings(report(data, expect=None)) == {}
    run = docker_tar(tmp_path / "run.tar", [{"usr/local/bin/tool": program}], {})
    [finding] = findings_of(report(run, expect=1), "image-elf-arch-mismatch")
    assert "/usr/local/bin/tool is aarch64 64-bit (layer 1 (sha256:0))" in finding["message"]


def test_shell_and_working_dir(tmp_path: Path) -> None:
    """SHELL names a program too; a relative program runs from WorkingDir, a bare name from
    the image's PATH (its Env), and a link to the program counts as the program."""
    files = {"srv/app/run": b"#!/bin/sh\n", "bin/sh": (tarfile.SYMTYPE, "/srv/app/run"),
             "opt/tools/tool": b"#!/bin/sh\n"}
    config = {"Entrypoint": ["./run"], "WorkingDir": "/srv/app", "Shell": ["/bin/bash", "-c"],
              "Env": ["PATH=/opt/tools"], "Cmd": ["tool"]}
    image = docker_tar(tmp_path / "shell.tar", [files], config)
    [finding] = findings_of(report(image, expect=1), "image-entrypoint-not-found")
    assert "the container cannot start: shell /bin/bash: no /bin/bash in the image" == finding["message"]
    assert _facts(image)["image.entrypoint"] == ["./run", "tool"]
