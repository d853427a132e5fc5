"""Artifacts in object storage: `binlint check s3://bucket/prefix/` against a real S3 API
served on this machine (moto in server mode), holding real wheels: published ones committed
under tests/data/, fixture wheels built at test time, and a wheel large enough to be read by
range. The findings are those of the same files on disk; the credentials never show."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures import ArchiveEntry, wheel_bytes

pytest.importorskip("s3fs")
moto_server = pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")

DATA = Path(__file__).resolve().parent / "data"
PUBLISHED = sorted([*DATA.glob("*.whl"), *DATA.glob("auditwheel/*.whl"), *DATA.glob("delocate/*.whl")])
FIXTURE_WHEELS = ("execstack-wheel", "meta-stale-hash-wheel", "meta-no-record-wheel", "pure-native-wheel")
BUCKET, PREFIX = "wheels", "dist/"
SECRET = "wJalrXUtnFEMI-binlint-test-SECRET-4f1d"  # the secret key the store is reached with
FETCHED = re.compile(r"fetched ([\d.]+) MB of ([\d.]+) MB .* in (\d+) range requests? from (\d+) remote files?")


def incompressible(size: int) -> bytes:
    """`size` bytes deflate cannot shrink, the same on every run."""
    blocks, seed = [], b"binlint"
    for _ in range(-(-size // 64)):
        seed = hashlib.sha512(seed).digest()
        blocks.append(seed)
    return b"".join(blocks)[:size]


@pytest.fixture(scope="module")
def folder(artifacts, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheels on disk: published, fixture, and one of 4 MB (an extension module with an
    executable stack beside 4 MB of data) read by range."""
    folder = tmp_path_factory.mktemp("wheels")
    for path in [*PUBLISHED, *(artifacts.path(name) for name in FIXTURE_WHEELS)]:
        shutil.copy(path, folder / path.name)
    library = artifacts.path("execstack-lib").read_bytes()
    big = wheel_bytes("big", "1.0", "cp311-cp311-manylinux_2_17_x86_64",
                      [ArchiveEntry("big/_ext.so", library), ArchiveEntry("big/blob.bin", incompressible(4 << 20))])
    (folder / "big-1.0-cp311-cp311-manylinux_2_17_x86_64.whl").write_bytes(big)
    return folder


@pytest.fixture(scope="module")
def store(folder: Path, tmp_path_factory: pytest.TempPathFactory):
    """The environment of a binlint run that reaches a moto S3 server on 127.0.0.1, whose
    bucket holds `folder`'s wheels under PREFIX; credentials only from the environment."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    home = tmp_path_factory.mktemp("home")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "AKIABINLINTTEST", "AWS_SECRET_ACCESS_KEY": SECRET,
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": f"http://{host}:{port}",
           "AWS_CONFIG_FILE": str(home / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
           "HOME": str(home), "NO_COLOR": "1"}
    client = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], aws_access_key_id="AKIABINLINTTEST",
                          aws_secret_access_key=SECRET, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    for path in sorted(folder.iterdir()):
        client.put_object(Bucket=BUCKET, Key=PREFIX + path.name, Body=path.read_bytes())
    yield env, client
    server.stop()


def binlint(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "binlint", "check", "--no-config", "--no-progress", *args],
                          env=env, capture_output=True, text=True, timeout=600)


def findings(report: str, prefix: str, shown_as: str) -> list[tuple]:
    """The JSON report's findings with `prefix` of their paths written as `shown_as`."""
    return [(f["rule"], f["severity"], f["path"].replace(prefix, shown_as, 1), f["message"].replace(prefix, shown_as),
             json.dumps(f["evidence"]).replace(prefix, shown_as), f["members"], f["target"])
            for f in json.loads(report)["findings"]]


def test_a_bucket_gives_the_findings_of_the_same_files_on_disk(store, folder: Path) -> None:
    env, _ = store
    remote = binlint(env, f"s3://{BUCKET}/{PREFIX}", "--format", "json")
    local = binlint(env, str(folder), "--format", "json")
    assert remote.returncode == local.returncode == 1, remote.stderr
    url = f"s3://{BUCKET}/{PREFIX}"
    remote_findings = findings(remote.stdout, url, "")
    assert remote_findings == findings(local.stdout, f"{folder}/", "")
    assert json.loads(remote.stdout)["summary"]["files"] == len(list(folder.iterdir()))
    # The location users see is the URL: the executable stack inside the large wheel.
    paths = {f["path"] for f in json.loads(remote.stdout)["findings"] if f["rule"] == "executable-stack"}
    assert f"{url}big-1.0-cp311-cp311-manylinux_2_17_x86_64.whl!big/_ext.so" in paths
    assert "unreadable-artifact" not in {f[0] for f in remote_findings}
    assert FETCHED.search(remote.stderr), remote.stderr


def test_a_large_wheel_is_read_by_range_not_downloaded(store, folder: Path) -> None:
    """Without RECORD's hashes, the 4 MB of data are looked at, not fetched: the central
    directory, the extension module and the first block of the data member."""
    env, _ = store
    name = "big-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"
    result = binlint(env, f"s3://{BUCKET}/{PREFIX}{name}", "--select", "executable-stack")
    assert result.returncode == 1
    assert f"s3://{BUCKET}/{PREFIX}{name}!big/_ext.so: error[executable-stack]" in result.stdout
    fetched, size, requests, files = FETCHED.search(result.stderr).groups()
    assert int(files) == 1 and float(size) == round((folder / name).stat().st_size / 1e6, 1)
    assert float(fetched) < 0.25 * float(size), result.stderr
    assert int(requests) <= 6
    # The default rules need no more; the opt-in RECORD hash check needs every byte, each fetched once.
    default = binlint(env, f"s3://{BUCKET}/{PREFIX}{name}")
    assert float(FETCHED.search(default.stderr)[1]) < 0.25 * float(size), default.stderr
    hashed = binlint(env, f"s3://{BUCKET}/{PREFIX}{name}", "--extend-select", "wheel-record-hash-mismatch")
    fetched = float(FETCHED.search(hashed.stderr)[1])
    assert float(size) <= fetched <= 1.1 * float(size), hashed.stderr


def test_an_object_that_is_not_there_is_one_line(store) -> None:
    env, _ = store
    result = binlint(env, f"s3://{BUCKET}/{PREFIX}nothing-1.0-py3-none-any.whl")
    assert result.returncode == 2
    assert result.stderr == f"binlint: error: no such file or directory: s3://{BUCKET}/{PREFIX}nothing-1.0-py3-none-any.whl\n"


def test_credentials_never_show(store, folder: Path) -> None:
    """Not the secret key, nor a signed URL's signature, nor a password in a URL: in
    reports of every format, findings of unreadable files, and errors."""
    env, client = store
    name = "big-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"
    signed = client.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": PREFIX + name},
                                           ExpiresIn=600)
    signature = re.search(r"Signature=([^&]+)", signed)[1]
    with_password = signed.replace("http://", f"http://reader:{SECRET}@", 1)
    gone = re.sub(r"\.whl\?", ".gone.whl?", signed)
    outputs = []
    for fmt in ("text", "json", "sarif", "jsonl"):
        output = ["--output", str(folder.parent / f"out-{fmt}")] if fmt == "jsonl" else []
        result = binlint(env, with_password, "--format", fmt, *output)
        assert result.returncode == 1, result.stderr
        outputs += [result.stdout, result.stderr]
        if fmt == "jsonl":
            outputs += [p.read_text() for p in (folder.parent / "out-jsonl").iterdir()]
    outputs.append(binlint(env, gone).stderr)  # a 404 on a signed URL
    outputs.append(binlint(env, f"s3://no-such-bucket-{SECRET[:4]}/x.whl").stderr)
    shown = signed.split("?")[0].replace("http://", "", 1)
    assert any(shown in text for text in outputs)
    for text in outputs:
        assert SECRET not in text and signature not in text and "Credential=" not in text, text


def test_a_bucket_checked_on_dask_gives_the_same_findings(store, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    env, _ = store
    url = f"s3://{BUCKET}/{PREFIX}"
    one = binlint(env, url, "--format", "jsonl", "--output", str(tmp_path / "one"))
    spread = binlint(env, url, "--format", "jsonl", "--output", str(tmp_path / "dask"), "--dask", "--jobs", "2")
    assert one.returncode == spread.returncode == 1, spread.stderr

    def lines(folder: Path) -> list[str]:
        return sorted(line for part in folder.glob("part-*.jsonl") for line in part.read_text().splitlines())

    assert lines(tmp_path / "one") == lines(tmp_path / "dask") and lines(tmp_path / "one")
