"""The stores behind URLs, through fsspec: which file system a URL names, and the artifacts
a URL holds (an object, or every object under a prefix, in name order)."""
from __future__ import annotations

from binlint.errors import BinlintError
from binlint.remote import PACKAGES, scheme, shown_url
from binlint.walk.discover import Artifact

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def filesystem(url: str) -> tuple[Any, str]:
    """(fsspec file system, path in it) for `url`; a missing extra is one line saying which.
    The file system takes its credentials from the store's standard places only."""
    package, extra = PACKAGES.get(scheme(url), ("fsspec", "remote"))
    try:
        import fsspec.core
    except ImportError:
        raise BinlintError(f"{scheme(url)}:// paths need fsspec and {package}: pip install 'binlint[{extra}]'") \
            from None
    try:
        return fsspec.core.url_to_fs(url)  # type: ignore[no-any-return]
    except ImportError:
        raise BinlintError(f"{scheme(url)}:// paths need {package}: pip install 'binlint[{extra}]'") from None
    except ValueError as err:  # "Protocol not known"
        raise BinlintError(f"{shown_url(url)}: {shown_url(str(err))}") from None


def failure(err: BaseException) -> str:
    """A store's error in words, with any URL in it shown without credentials or signature."""
    text = str(err) or type(err).__name__
    return shown_url(text if isinstance(err, OSError) else f"{type(err).__name__}: {text}")


def discover(url: str) -> list[Artifact]:
    """The artifacts `url` names: one object, or every object under a prefix (a "folder"),
    in name order; the path reports show is the URL without credentials."""
    fs, path = filesystem(url)
    try:
        info = fs.info(path)
        if info.get("type") != "directory":
            return [Artifact(shown_url(url), url)]
        found = sorted(fs.find(path))
    except FileNotFoundError:
        raise BinlintError(f"no such file or directory: {shown_url(url)}") from None
    except Exception as err:  # the store's own errors (access denied, no such bucket, timeouts)
        raise BinlintError(f"cannot read {shown_url(url)}: {failure(err)}") from None
    artifacts = []
    for key in found:
        child = fs.unstrip_protocol(key)
        artifacts.append(Artifact(shown_url(child), child))
    return artifacts
