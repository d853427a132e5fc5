"""The rules that read the facts of an archive's member list (`archive.*`: zip, tar, ar and
their compressions). How to add rows: tests/rules/table.py."""
from __future__ import annotations

from rules.table import Row, row, table_test

TABLE: list[Row] = [
    # A docker save tarball compressed: its members are walked, the image is not read as one.
    row("image-compressed-not-read", {}, ["gzip-docker-image"]),
    # ../evil, /abs and a symbolic link to /etc/passwd.
    row("unsafe-archive-member", {}, ["unsafe-tar"]),
    row("duplicate-archive-member", {}, ["duplicate-zip"]),
]

test_rule_table = table_test(TABLE)
