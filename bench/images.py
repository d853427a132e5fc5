"""Container images: `binlint check` on an image of about 100 MB holding a few hundred ELF
files, built here with umoci from this machine's libraries (no registry, no network), as a
`docker save` tarball (skopeo, plain layers) and as an OCI layout (gzip layers); and trivy
or syft on the same tarball when either is installed.

    python3 bench/images.py                 # 5 timed runs per command
    python3 bench/images.py -n 9 --markdown /tmp/images.md
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
LIBS = Path("/usr/lib/x86_64-linux-gnu")
TARGET_BYTES = 100 << 20


def build(work: Path) -> dict[str, Path]:
    from fixtures.image import Builder, glibc_base

    image = Builder(work, "bench")
    glibc_base(image.root)
    total, count = 0, 0
    (image.root / "usr/lib/x86_64-linux-gnu").mkdir(parents=True, exist_ok=True)
    for path in sorted(LIBS.glob("*.so*")):
        if total >= TARGET_BYTES * 0.7 or not path.is_file() or path.is_symlink() or path.stat().st_size > (2 << 20):
            continue
        target = image.root / "usr/lib/x86_64-linux-gnu" / path.name
        if not target.exists():
            shutil.copyfile(path, target)
            total += path.stat().st_size
            count += 1
    image.layer()  # the libraries; then the programs
    for path in sorted(Path("/usr/bin").iterdir()):
        if total >= TARGET_BYTES or not path.is_file() or path.is_symlink() or path.stat().st_size > (4 << 20):
            continue
        if path.read_bytes()[:4] == b"\x7fELF":
            shutil.copy2(path, image.root / "bin" / path.name)
            total += path.stat().st_size
            count += 1
    image.layer()
    image.config("bench-tag", "--config.entrypoint=/bin/sh")
    docker = image.docker_archive("bench-tag", work / "image.tar")
    layout = work / "oci-layout"
    subprocess.run(["skopeo", "copy", "--quiet", f"oci:{image.layout}:bench-tag", f"oci:{layout}:bench-tag"],
                   check=True)
    print(f"image: {count} ELF files, {total / 1e6:.0f} MB of files; docker-archive "
          f"{docker.stat().st_size / 1e6:.0f} MB", file=sys.stderr)
    return {"docker-archive": docker, "oci layout (gzip)": layout}


def timed(command: list[str], runs: int, ok: tuple[int, ...] = (0, 1)) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(command, capture_output=True)
        times.append(time.perf_counter() - start)
        if proc.returncode not in ok:
            raise SystemExit(f"{' '.join(command)} failed: {proc.stderr.decode()[-2000:]}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=5)
    parser.add_argument("--binlint", default=f"{sys.executable} -m binlint")
    parser.add_argument("--markdown")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        images = build(Path(tmp))
        for name, path in images.items():
            times = timed([*args.binlint.split(), "check", "--jobs", "1", str(path)], args.n)
            rows.append((f"binlint check, {name}", statistics.median(times), min(times), max(times)))
        for tool, command in (("trivy", ["trivy", "image", "--input", str(images["docker-archive"])]),
                              ("syft", ["syft", f"docker-archive:{images['docker-archive']}"])):
            if shutil.which(tool):
                times = timed(command, args.n, (0,))
                rows.append((f"{tool}, docker-archive", statistics.median(times), min(times), max(times)))
            else:
                rows.append((f"{tool}: not installed (no Debian package; not measured)", None, None, None))
    lines = ["| command | median | min-max |", "|---|---|---|"]
    for name, median, low, high in rows:
        lines.append(f"| {name} | {median:.3f} s | {low:.3f}-{high:.3f} s |" if median is not None else
                     f"| {name} | | |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
