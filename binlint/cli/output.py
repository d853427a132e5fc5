"""Where every command's output goes: standard output, or a file written whole or not at all."""
from __future__ import annotations

import os
import stat
import sys

from binlint.errors import BinlintError


def write(text: str, output: str | None) -> None:
    """The report to `output`, or to standard output. A file is written whole or not at all:
    into a temporary file beside it, renamed over the target once complete, so a full disk
    leaves the last good report in place, not a truncated one."""
    if output is None or output == "-":  # `-o -`: standard output, as other tools read it
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as err:  # > /dev/full, a closed terminal
            raise BinlintError(f"cannot write the report to standard output: {err.strerror or err}") from None
        return
    import tempfile  # with the shutil, random, bz2 and lzma it imports, 6 ms that only a file needs

    temporary = None
    try:
        try:
            existing: int | None = os.stat(output).st_mode
        except FileNotFoundError:
            existing = None
        if existing is not None and not stat.S_ISREG(existing):  # /dev/stdout, a pipe: written as it is
            with open(output, "w", encoding="utf-8") as f:
                f.write(text)
            return
        mode = stat.S_IMODE(existing) if existing is not None else _new_file_mode()
        target = os.path.realpath(output)  # a link to the report is kept, and its target replaced
        fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp",
                                         dir=os.path.dirname(target))
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
        temporary = None
    except OSError as err:
        raise BinlintError(f"cannot write {output}: {err.strerror or err}") from None
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass


def _new_file_mode() -> int:
    """What open() gives a new file (0666 less the umask): mkstemp's own 0600 would hide the
    report from the rest of a team."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
