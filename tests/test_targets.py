"""Target profiles as data: the built-in files, users' own files, their errors, and
`binlint targets` listing what each promises."""
from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from binlint.rules import profiles
from binlint.cli import main
from binlint.errors import BinlintError
from binlint.formats.elf.arch import ARM_MACHINES
from binlint.rules.targets import Target, chosen, complete, for_arch, from_flags
from binlint.version import version
from binlint.wheeltags import target_from_platforms

ROOT = Path(__file__).resolve().parent.parent
MANYLINUX = ["manylinux_2_5", "manylinux_2_12", "manylinux_2_17", "manylinux_2_24", "manylinux_2_26", "manylinux_2_27",
             "manylinux_2_28", "manylinux_2_31", "manylinux_2_34", "manylinux_2_35", "manylinux_2_36",
             "manylinux_2_37", "manylinux_2_38", "manylinux_2_39", "manylinux_2_40", "manylinux_2_41"]
# What each distribution ships, checked against the distributions' own package lists:
# (glibc or musl, libstdc++'s newest GLIBCXX, kernel).
DISTRIBUTIONS = {
    "centos-7": ("2.17", "3.4.19", "3.10"), "rhel-8": ("2.28", "3.4.25", "4.18"),
    "rhel-9": ("2.34", "3.4.29", "5.14"), "rhel-10": ("2.39", "3.4.33", "6.12"),
    "debian-10": ("2.28", "3.4.25", "4.19"), "debian-11": ("2.31", "3.4.28", "5.10"),
    "debian-12": ("2.36", "3.4.30", "6.1"), "debian-13": ("2.41", "3.4.33", "6.12"),
    "ubuntu-18.04": ("2.27", "3.4.25", "4.15"), "ubuntu-20.04": ("2.31", "3.4.28", "5.4"),
    "ubuntu-22.04": ("2.35", "3.4.30", "5.15"), "ubuntu-24.04": ("2.39", "3.4.33", "6.8"),
    "amazonlinux-2": ("2.26", "3.4.24", "4.14"), "amazonlinux-2023": ("2.34", "3.4.29", "6.1"),
    "alpine-3.18": ("1.2.4", "3.4.30", None), "alpine-3.21": ("1.2.5", "3.4.33", None),
}


def newest(versions: list[str], namespace: str) -> str:
    numbers = [tuple(map(int, v.split("_", 1)[1].split("."))) for v in versions
               if v.startswith(namespace + "_") and v.split("_", 1)[1].replace(".", "").isdigit()]
    return ".".join(map(str, max(numbers)))


def test_builtin_profiles_cover_the_policies_and_distributions() -> None:
    builtin = profiles.builtin()
    assert set(MANYLINUX) | {"musllinux_1_1", "musllinux_1_2"} <= {p.name for p in builtin.values()}
    assert {"manylinux1": "manylinux_2_5", "manylinux2010": "manylinux_2_12", "manylinux2014": "manylinux_2_17",
            "bookworm": "debian-12", "almalinux-8": "rhel-8", "rhel-7": "centos-7"} == \
        {alias: builtin[alias].name for alias in ("manylinux1", "manylinux2010", "manylinux2014", "bookworm",
                                                    "almalinux-8", "rhel-7")}


def test_builtin_profile_files_pass_the_checks_user_files_get() -> None:
    """binlint skips checking its own files at run time; this is where they are checked."""
    for name in profiles.BUILTIN:
        path = os.path.join(profiles.HERE, name)
        profiles.check(path, profiles._read(path))


@pytest.mark.parametrize("name", DISTRIBUTIONS)
def test_distribution_facts(name: str) -> None:
    libc_version, glibcxx, kernel = DISTRIBUTIONS[name]
    target = profiles.builtin()[name].target.plain()
    assert target[target["libc"]] == libc_version
    assert newest(target["symbol_versions"]["*"], "GLIBCXX") == glibcxx
    assert target.get("kernel") == kernel
    # glibc 2.41 refuses dlopen() of executable-stack libraries; the older systems allow it.
    refuses = target.get("dlopen_refuses_stack", ["X"]) != []
    assert refuses == (name == "debian-13")


def test_manylinux_policy_facts() -> None:
    """A few of auditwheel's facts, read back through the profile."""
    p2014 = for_arch(profiles.builtin()["manylinux2014"].target.plain(), ["x86_64"])
    assert (p2014["glibc"], p2014["libc"]) == ("2.17", "glibc")
    assert newest(p2014["symbol_versions"], "GLIBCXX") == "3.4.19"
    assert newest(p2014["symbol_versions"], "CXXABI") == "1.3.7"
    assert {"libstdc++.so.6", "libgcc_s.so.1", "libz.so.1", "libc.so.6"} <= set(p2014["libraries"])
    assert "_tr_flush_block" in p2014["blacklist"]
    assert "GLIBC" not in p2014["symbol_namespaces"]  # bounded by glibc, as glibc-version-above-target does
    # Per architecture: x86-64 has no LIBATOMIC versions in manylinux2014, i686 has LIBATOMIC_1.0.
    assert not any(v.startswith("LIBATOMIC_") for v in p2014["symbol_versions"])
    i686 = for_arch(profiles.builtin()["manylinux2014"].target.plain(), ["i686"])
    assert "LIBATOMIC_1.0" in i686["symbol_versions"]
    # An architecture the policy does not cover bounds nothing (wheel-arch-mismatch says why).
    assert "symbol_versions" not in for_arch(profiles.builtin()["manylinux1"].target.plain(), ["aarch64"])
    # Hard-float ARMv6 code (elf.compatible_archs armv6l, armv7l, armv8l) is bounded by the
    # armv7l policy's versions, the first of its machines the policy knows.
    policy = profiles.builtin()["manylinux2014"].target.plain()
    arm = for_arch(policy, ["armv6l", "armv7l", "armv8l"])
    assert arm["symbol_versions"] == for_arch(policy, ["armv7l"])["symbol_versions"]
    assert newest(arm["symbol_versions"], "GLIBCXX") == "3.4.19"


def test_generated_policy_files_match_auditwheel() -> None:
    """binlint/rules/profiles/manylinux.json and musllinux.json are scripts/profiles.py's output for
    the auditwheel release they name; with that release installed, regenerating changes nothing."""
    recorded = json.loads((ROOT / "binlint/rules/profiles/manylinux.json").read_text())["source"].split(",")[0]
    try:
        installed = importlib.metadata.version("auditwheel")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("auditwheel is not installed (pip install '.[test]')")
    if recorded != f"auditwheel {installed}":
        pytest.skip(f"the profiles come from {recorded}; auditwheel {installed} is installed "
                    "(run scripts/profiles.py with its policy folder to update them)")
    import auditwheel

    folder = Path(auditwheel.__file__).parent / "policy"
    for family in ("manylinux", "musllinux"):
        policies = json.loads((folder / f"{family}-policy.json").read_text())
        sys.path.insert(0, str(ROOT / "scripts"))
        try:
            from profiles import convert  # scripts/profiles.py
        finally:
            sys.path.pop(0)
        source = f"{recorded}, auditwheel/policy/{family}-policy.json"
        assert convert(policies, family, source) == json.loads((ROOT / f"binlint/rules/profiles/{family}.json").read_text())


def test_promised_policy_of_a_wheel_tag() -> None:
    builtin = profiles.builtin()
    promise = profiles.promised(["manylinux_2_29_x86_64"]).plain()  # no such policy: the one below
    assert promise["glibc"] == "2.29" and promise["arch"] == ["x86_64"]
    assert promise["libraries"] == builtin["manylinux_2_28"].target.values["libraries"]
    assert profiles.promised(["linux_x86_64"]).plain() == {"arch": ["x86_64"], "loadable_formats": ["elf"]}
    # musl's libc by its upstream name and by Alpine's, which auditwheel swaps in per architecture.
    musl = profiles.promised(["musllinux_1_2_aarch64"]).values
    assert {"libc.so", "libc.musl-aarch64.so.1", "libz.so.1"} <= set(musl["libraries"])
    # A wheel check makes only the one policy: what it promises is that profile as
    # `binlint targets` shows it (all the files loaded), with the tag's own values.
    for tag, policy in (("manylinux_2_29_x86_64", "manylinux_2_28"), ("manylinux2014_aarch64", "manylinux_2_17"),
                        ("manylinux1_i686", "manylinux_2_5"), ("musllinux_1_1_x86_64", "musllinux_1_1")):
        expected = {**builtin[policy].target.plain(), **target_from_platforms([tag])}
        assert profiles.promised([tag]).plain() == expected, tag


def test_resolve_names_aliases_and_platform_tags() -> None:
    builtin = profiles.builtin()
    chosen = profiles.resolve(["manylinux2014", "manylinux_2_17", "manylinux_2_28_aarch64", "bookworm"], builtin)
    assert [p.name for p in chosen] == ["manylinux_2_17", "manylinux_2_28_aarch64", "debian-12"]
    assert chosen[1].target.values["arch"] == ["aarch64"]
    with pytest.raises(BinlintError, match=r"unknown target 'debian-99'.*did you mean debian-10"):
        profiles.resolve(["debian-99"], builtin)


# --------------------------------------------------------------------------
# Users' own profiles
# --------------------------------------------------------------------------

CUSTOM = """
[acme-os-3]
summary = "ACME OS 3: our appliance"
libc = "glibc"
glibc = "2.31"
kernel = "5.4"
arch = ["x86_64"]
libraries = ["libc.so.6", "libm.so.6", "libacme.so.3"]
symbol_ceilings = { GLIBCXX = "3.4.28", CXXABI = "1.3.12" }
execstack_dlopen = "allowed"
"""


def test_user_profile_file(tmp_path: Path) -> None:
    (tmp_path / "acme.toml").write_text(CUSTOM)
    loaded = profiles.load([str(tmp_path)])  # a directory of files
    acme = loaded["acme-os-3"]
    assert (acme.family, acme.source) == ("custom", str(tmp_path / "acme.toml"))
    assert acme.target.values["libraries"] == ["libacme.so.3", "libc.so.6", "libm.so.6"]
    assert "GLIBCXX_3.4.28" in acme.target.values["symbol_versions"]["*"]
    assert "GLIBCXX_3.4.29" not in acme.target.values["symbol_versions"]["*"]
    assert acme.target.values["dlopen_refuses_stack"] == []


@pytest.mark.parametrize("text, error", [
    ('[x]\nsummary = "x"\nglibc = 2.17\n', "target 'x': glibc must be a version in quotes such as \"2.17\", "
                                            "not a number (2.17)"),
    ('[x]\nsummary = "x"\nglibc = "2.x"\n', "target 'x': glibc must be a version in quotes such as \"2.17\", "
                                              "not a string ('2.x')"),
    ('[x]\nsummary = "x"\ncolour = "red"\n', "target 'x': unknown key 'colour'"),
    ('[x]\nsummary = "x"\nlibrarys = ["libc.so.6"]\n', "unknown key 'librarys' (did you mean 'libraries'?)"),
    ('[x]\nglibc = "2.17"\n', "target 'x': needs a 'summary' (one line: what the profile stands for)"),
    ('[x]\nsummary = "x"\nsymbol_ceilings = { GLIBCXX = "3.4.x" }\n',
     "target 'x': symbol_ceilings.GLIBCXX must be a version in quotes"),
    ('[x]\nsummary = "x"\narch = ["x86_64", 1]\n', "target 'x': arch must be a list of strings, not a list"),
    ('x = 1\n', "target 'x': must be a table of settings, not a number (1)"),
    ('[x]\nsummary = "x"\nlibc = "glibc"\n', "libc is glibc: give its version"),
    ('[x]\nsummary = "x"\nexecstack_dlopen = "maybe"\n', "execstack_dlopen must be"),
    ('[x]\nsummary = "x"\ninterpreters = ["/lib/ld.so"]\n',
     "target 'x': interpreters must be a table of architecture = [loader paths], not a list"),
    ('[x]\nsummary = "x"\ninterpreters = { x86_64 = "/lib/ld.so" }\n',
     "target 'x': interpreters.x86_64 must be a list of strings, not a string"),
    ('[debian-12]\nsummary = "mine"\n', "target 'debian-12' is already defined in"),
    ('[x\n', "invalid TOML"),
])
def test_bad_profile_files_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               text: str, error: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert main(["check", "--targets-file", str(path), "--target", "x", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"binlint: error: {path}") and error in err and len(err.splitlines()) == 1


def test_unknown_target_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--target", "manylinux_3_0", __file__]) == 2
    assert "unknown target 'manylinux_3_0' (see `binlint targets`)" in capsys.readouterr().err


# --------------------------------------------------------------------------
# `binlint targets`
# --------------------------------------------------------------------------


def test_targets_lists_every_profile(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["targets"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("NAME")
    for line, expected in (("centos-7 (rhel-7)", ["glibc 2.17", "3.10", "3.4.19", "1.3.7"]),
                           ("manylinux_2_17 (manylinux2014)", ["glibc 2.17", "3.4.19"]),
                           ("alpine-3.21 (alpine)", ["musl 1.2.5", "3.4.33"])):
        [row] = [r for r in out.splitlines() if r.startswith(line)]
        assert all(e in row for e in expected), row


def test_targets_shows_one_profile(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["targets", "manylinux1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("manylinux_2_5: PEP 600 policy")
    assert "libraries: " in out and "libstdc++.so.6" in out and "blacklist: " in out
    assert "symbol versions (x86_64): " in out and "GLIBCXX_3.4.8" in out


def test_targets_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["targets", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)["profiles"]
    assert data["rhel-9"]["glibc"] == "2.34" and data["rhel-9"]["family"] == "distribution"


def test_targets_on_an_artifact(capsys: pytest.CaptureFixture[str]) -> None:
    wheel = ROOT / "tests/data/MarkupSafe-2.1.5-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    assert main(["targets", str(wheel)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == [str(wheel), "  manylinux: manylinux_2_17", "  musllinux: none"]
    assert "centos-7" in out[3] and "alpine" not in out[3]


def test_start_up_does_not_read_profiles() -> None:
    """Checking one file without --target or a wheel never reads the profile files."""
    code = ("import sys; from binlint.cli import main; main(['check', sys.argv[1]]); "
            "print('binlint.rules.profiles' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code, str(ROOT / "README.md")], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_every_target_has_the_abis_tables() -> None:
    """Loader paths and macOS floors are data every target carries (abi_tables.py),
    chosen per architecture as symbol versions are."""
    target = complete(Target.of()).plain()
    assert len({tuple(target["interpreters"][machine]) for machine in ARM_MACHINES}) == 1  # the float ABI picks one
    assert for_arch(target, ["x86_64"])["interpreters"] == ["/lib64/ld-linux-x86-64.so.2", "/lib/ld-musl-x86_64.so.1"]
    assert for_arch(target, ["armv5l", "armv5tel"])["interpreters"][0] == "/lib/ld-linux-armhf.so.3"
    assert "interpreters" not in for_arch(target, ["EM_4242"])  # no loader known: nonstandard-interpreter stays quiet
    floors = [for_arch(target, [arch])["macos_arch_floor"] for arch in ("arm64", "arm64e", "x86_64", "i386")]
    assert floors == ["11.0", "11.0", "10.0", "10.0"]


def test_a_slices_floor_is_its_own_architectures() -> None:
    """A list whose items carry `arch` (Mach-O slices) compares each item with the target's
    value for that architecture: arm64 at 11.0 is at its floor, x86_64 at 10.15 is not."""
    from binlint.rules import load_rules

    [rule] = [r for r in load_rules() if r.id == "macho-macos-version-above-target"]
    slices = [{"arch": "arm64", "platform": "macos", "min_os": "11.0", "sdk": "14.0"},
              {"arch": "x86_64", "platform": "macos", "min_os": "10.15", "sdk": "14.0"}]
    target = complete(Target.of({"macos": "10.9"})).values
    matched = rule.when(lambda name: slices if name == "macho.slices" else None, target)
    assert [s["arch"] for s in matched] == ["x86_64"]
    newer = [{**s, "min_os": "12.0"} for s in slices]
    assert len(rule.when(lambda name: newer, target)) == 2


def test_a_target_is_one_immutable_value() -> None:
    """Flags, profiles and wheel tags all make a Target: versions typed, values read-only,
    pickled whole (what a run in other processes would send)."""
    import pickle

    given = from_flags(glibc="2.17", kernel="5.15.0-91-generic")
    assert given.name is None and given.values["kernel"] == version("5.15.0") and given.plain()["glibc"] == "2.17"
    with pytest.raises(TypeError):
        given.values["glibc"] = version("2.28")  # type: ignore[index]
    [debian] = chosen(given, ["bookworm"], [])
    assert debian.name == "debian-12" and debian.values["glibc"] == version("2.17")  # the flag wins
    assert profiles.builtin()["debian-12"].target.values["glibc"] == version("2.36")
    completed = complete(debian)
    assert pickle.loads(pickle.dumps(completed)) == completed
