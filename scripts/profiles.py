"""Regenerate binlint/rules/profiles/manylinux.json and musllinux.json from auditwheel's policy files.

    python scripts/profiles.py AUDITWHEEL_POLICY_DIR AUDITWHEEL_VERSION

AUDITWHEEL_POLICY_DIR is the `auditwheel/policy` folder of an unpacked auditwheel wheel
(`pip download --no-deps auditwheel`). The derived files are committed; this script only
records where their facts come from, so an update is one command and a reviewable diff.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUMMARIES = {
    "manylinux": "PEP 600 policy: glibc {glibc} or newer, the libraries and symbol versions auditwheel allows",
    "musllinux": "PEP 656 policy: musl {musl} or newer, the libraries auditwheel allows",
}
# musl's C library is `libc.so` upstream, but Alpine (where musllinux wheels are built)
# names it per architecture, and that name is what real musllinux objects need. auditwheel
# swaps it in for `libc.so` (policy/__init__.py, _fixup_musl_libc_soname); the policies
# keep both, every architecture's name in one list: an object only ever names its own.
ALPINE_LIBC = {
    "x86_64": "libc.musl-x86_64.so.1", "i686": "libc.musl-x86.so.1", "aarch64": "libc.musl-aarch64.so.1",
    "s390x": "libc.musl-s390x.so.1", "ppc64le": "libc.musl-ppc64le.so.1", "armv7l": "libc.musl-armv7.so.1",
    "riscv64": "libc.musl-riscv64.so.1", "loongarch64": "libc.musl-loongarch64.so.1",
}


def convert(policies: list[dict], family: str, source: str) -> dict:
    profiles = {}
    for policy in policies:
        if policy["name"] == "linux":
            continue  # the policy every wheel satisfies: nothing to check
        major, minor = policy["name"].split("_")[1:3]
        profile: dict = {"family": family, "priority": policy["priority"]}
        if policy.get("aliases"):
            profile["aliases"] = policy["aliases"]
        if family == "manylinux":
            profile |= {"libc": "glibc", "glibc": f"{major}.{minor}"}
        else:
            profile |= {"libc": "musl", "musl": f"{major}.{minor}"}
        profile["summary"] = SUMMARIES[family].format(**profile)
        profile["arch"] = sorted(policy["symbol_versions"])
        libraries = set(policy["lib_whitelist"])
        if family == "musllinux" and "libc.so" in libraries:
            libraries.update(ALPINE_LIBC[arch] for arch in policy["symbol_versions"] if arch in ALPINE_LIBC)
        profile["libraries"] = sorted(libraries)
        if policy["blacklist"]:
            profile["blacklist"] = {lib: sorted(symbols) for lib, symbols in sorted(policy["blacklist"].items())}
        if any(policy["symbol_versions"].values()):
            profile["symbol_versions"] = {
                arch: {ns: list(versions) for ns, versions in sorted(namespaces.items())}
                for arch, namespaces in sorted(policy["symbol_versions"].items())}
        profiles[policy["name"]] = profile
    return {"source": source, "profiles": profiles}


def main(argv: list[str]) -> int:
    folder, version = Path(argv[0]), argv[1]
    for family in ("manylinux", "musllinux"):
        policies = json.loads((folder / f"{family}-policy.json").read_text())
        data = convert(policies, family, f"auditwheel {version}, auditwheel/policy/{family}-policy.json")
        out = ROOT / "binlint" / "rules" / "profiles" / f"{family}.json"
        out.write_text(json.dumps(data, indent=1) + "\n")
        print(f"wrote {out.relative_to(ROOT)}: {len(data['profiles'])} profiles")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
