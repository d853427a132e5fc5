"""The format registry (binlint/formats/__init__.py) is the one place kinds are declared: what
the README's "Adding a format" says is all a format needs is what these tests check."""
from __future__ import annotations

import struct

import pytest

from binlint.facts import CATALOGUE, GROUP
from binlint.formats import GROUP_KINDS, KINDS, REGISTRY, classify
from binlint.formats.classify import UTF8_BOM

HEADS = {
    b"": "empty", b"\x7fELF\x02\x01\x01": "elf", b"#!/bin/sh\n": "script", UTF8_BOM + b"#!/bin/sh\n": "script",
    b"PK\x03\x04": "zip", b"PK\x05\x06": "zip", b"\x1f\x8b\x08": "gzip", b"BZh9": "bzip2", b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd", b"!<arch>\n": "ar", b"MZ\x90\x00": "pe", b"\xcf\xfa\xed\xfe\x07": "macho",
    b"\xca\xfe\xba\xbe" + struct.pack(">I", 2): "macho", b"\xca\xfe\xba\xbe" + struct.pack(">I", 52): "java-class",
    b"x" * 257 + b"ustar\x0000": "tar", (3495).to_bytes(2, "little") + b"\r\n" + b"\0" * 12: "pyc",
    "caf\u00e9 au lait".encode()[:4]: "text", b"\0\1\2\3": "other",
}


@pytest.mark.parametrize(("head", "kind"), HEADS.items())
def test_classify_by_the_first_bytes(head: bytes, kind: str) -> None:
    assert classify(head) == kind


def test_every_kind_is_declared_once_and_described() -> None:
    assert len(set(KINDS)) == len(KINDS) and set(KINDS) | {"unreadable"} == set(REGISTRY)
    assert all(f.kind == kind and f.description for kind, f in REGISTRY.items())
    assert {kind for kind in HEADS.values()} <= set(KINDS)


def test_every_fact_group_is_offered_by_a_format() -> None:
    groups = set(GROUP.values()) - {"file"}
    assert groups == set(GROUP_KINDS), "a fact group no format offers, or a format offering no facts"
    assert all(GROUP[name] in groups | {"file"} for name in CATALOGUE)


def test_containers_are_read_whole_as_members() -> None:
    """A container's members are listed from its bytes: as a member it is read whole."""
    assert all(f.read != "head" for f in REGISTRY.values() if f.members is not None)
