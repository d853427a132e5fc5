"""The rules that read container image facts (`image.*`): the image checked against its own
C library, loader path, architecture and entrypoint. No registered fixture is an image, so
each row says the rule stays quiet on every fixture; tests/test_image.py builds the umoci and
skopeo images each fires on (and tests/test_image_hostile.py the unsafe layer entries)."""
from __future__ import annotations

from rules.table import Row, row, table_test

TABLE: list[Row] = [
    row("image-library-not-found", {}, []),
    row("image-glibc-too-new", {}, []),
    row("image-elf-arch-mismatch", {}, []),
    row("image-entrypoint-not-found", {}, []),
    row("image-entrypoint-not-executable", {}, []),
    row("image-entrypoint-exec-format", {}, []),
    row("image-unsafe-layer-entry", {}, []),
    row("image-other-images-not-checked", {}, []),
]

test_rule_table = table_test(TABLE)
