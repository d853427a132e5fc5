"""Artifacts in object storage and on web servers: `s3://bucket/wheels/`, `gs://...`,
`https://host/x.whl`, read through fsspec (an optional extra: `binlint[remote]`).

A wheel is read by byte range: its end record and central directory, then the members the
walk reads (binlint/remote/ranged.py), never downloaded whole unless every member is needed.
Credentials come only from each store's standard places (the AWS and Google chains,
fsspec's configuration), and never reach a report or an error: a URL is shown without its
user, password, query or fragment (a signed URL's signature lives in its query).

Nothing here imports fsspec: `import binlint` and `binlint --version` stay light; the
modules below import it when a URL is met.
"""
from __future__ import annotations

from binlint.patterns import Pattern  # compiled on first use (binlint/patterns.py)

_URL = Pattern(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# A URL inside a message: its scheme, then what is shown of it; user information and query cut.
_USERINFO = Pattern(r"([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s'\"]*@")
_QUERY = Pattern(r"([A-Za-z][A-Za-z0-9+.-]*://[^\s'\"?#]*)[?#][^\s'\"]*")

# The package each scheme needs beside fsspec, and the extra that brings it.
PACKAGES = {"s3": ("s3fs", "s3"), "s3a": ("s3fs", "s3"), "gs": ("gcsfs", "remote"), "gcs": ("gcsfs", "remote"),
            "http": ("aiohttp", "remote"), "https": ("aiohttp", "remote"), "az": ("adlfs", "remote"),
            "abfs": ("adlfs", "remote")}


def is_url(path: str | None) -> bool:
    """Whether a path the user gave names a remote file (`scheme://...`), not one on disk."""
    return path is not None and "://" in path and _URL.match(path) is not None


def shown_url(text: str) -> str:
    """`text` (a URL, or a message holding URLs) as reports and errors may show it: without
    user information (`user:password@`), query or fragment."""
    return _QUERY.sub(r"\1", _USERINFO.sub(r"\1", text))


def scheme(url: str) -> str:
    return url.split("://", 1)[0].lower()


def discover_paths(paths: list[str]) -> list:
    """The artifacts of the paths a user gave: files and folders on disk (walk/discover.py),
    then remote objects and prefixes (binlint/remote/store.py), each found once."""
    from binlint.walk.discover import discover

    local = [p for p in paths if not is_url(p)]
    found = discover(local) if local else []
    urls = list(dict.fromkeys(p for p in paths if is_url(p)))
    if urls:
        from binlint.remote.store import discover as discover_url

        seen = set()
        for url in urls:
            for artifact in discover_url(url):
                if artifact.fs_path not in seen:
                    seen.add(artifact.fs_path)
                    found.append(artifact)
    return found
