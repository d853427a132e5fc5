"""The optional header's CheckSum and the Authenticode digest, each compared with the file.

What is verified: that the CheckSum is the one the Windows algorithm gives for the file, and
that the digest in the first certificate's SpcIndirectDataContent is the file's Authenticode
hash (the file less the CheckSum, the security directory entry and the certificate table) with
the algorithm the signature names. What is not: the signature over that digest, the
certificates and their chain, timestamps, revocation; that would need a cryptography library,
and Windows checks them itself. So `matches` means "not changed since it was signed", not
"signed by someone you trust".
"""
from __future__ import annotations

from binlint.formats.pe.reader import SECURITY, PeError, PeFile

SPC_INDIRECT_DATA = bytes.fromhex("2b060104018237020104")  # 1.3.6.1.4.1.311.2.1.4
DIGESTS = {bytes.fromhex("2b0e03021a"): "sha1", bytes.fromhex("608648016503040201"): "sha256",
           bytes.fromhex("608648016503040202"): "sha384", bytes.fromhex("608648016503040203"): "sha512",
           bytes.fromhex("2a864886f70d0205"): "md5"}
WIN_CERT_TYPE_PKCS_SIGNED_DATA = 2


def checksum(pe: PeFile) -> str:
    """`unset` (0, as most linkers leave it), `matches` or `differs`."""
    if not pe.checksum:
        return "unset"
    data = pe.data
    at = pe.checksum_offset
    # The 16-bit one's complement sum of the file's little-endian words, the CheckSum counted as
    # 0, plus the file's length. 2**16 = 1 modulo 0xFFFF, so the sum of the words modulo 0xFFFF
    # is the file read as one little-endian number modulo 0xFFFF: one pass in C.
    padded = bytes(data[:at]) + b"\0\0\0\0" + bytes(data[at + 4:]) + b"\0" * (len(data) & 1)
    total = int.from_bytes(padded, "little") % 0xFFFF
    if total == 0 and any(padded):
        total = 0xFFFF
    return "matches" if (total + len(data)) & 0xFFFFFFFF == pe.checksum else "differs"


def _der(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the DER element at `at`."""
    if at + 2 > len(data):
        raise PeError("the signature ends inside an ASN.1 element")
    tag, length = data[at], data[at + 1]
    start = at + 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4:
            raise PeError("the signature has an ASN.1 length binlint does not read")
        length = int.from_bytes(data[start:start + count], "big")
        start += count
    if start + length > len(data):
        raise PeError("an ASN.1 element of the signature runs past its end")
    return tag, start, start + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    found = []
    while start < end:
        element = _der(data, start)
        found.append(element)
        start = element[2]
    return found


def _signed_digest(blob: bytes) -> tuple[str, bytes]:
    """(algorithm, digest) of the SpcIndirectDataContent of a PKCS#7 SignedData blob."""
    _, start, end = _der(blob, 0)  # ContentInfo
    _, explicit = _children(blob, start, end)[:2]  # contentType (signedData), [0] EXPLICIT
    signed = _children(blob, explicit[1], explicit[2])[0]  # SignedData
    content = _children(blob, signed[1], signed[2])[2]  # version, digestAlgorithms, contentInfo
    kind, body = _children(blob, content[1], content[2])[:2]
    if blob[kind[1]:kind[2]] != SPC_INDIRECT_DATA:
        raise PeError("the signature signs no SpcIndirectDataContent")
    indirect = _children(blob, body[1], body[2])[0]
    digest_info = _children(blob, indirect[1], indirect[2])[1]
    algorithm, digest = _children(blob, digest_info[1], digest_info[2])[:2]
    algorithm_oid = _children(blob, algorithm[1], algorithm[2])[0]
    name = DIGESTS.get(blob[algorithm_oid[1]:algorithm_oid[2]])
    if name is None:
        raise PeError("the signature's digest algorithm is not one binlint knows")
    return name, blob[digest[1]:digest[2]]


def authenticode(pe: PeFile) -> str:
    """`unsigned`, `matches`, `differs`, or `unreadable` (a certificate table binlint cannot read)."""
    offset, size = pe.directory(SECURITY)
    if not size:
        return "unsigned"
    data = pe.data
    if offset + size > len(data) or size < 8:
        return "unreadable"
    length, kind = int.from_bytes(data[offset:offset + 4], "little"), int.from_bytes(data[offset + 6:offset + 8], "little")
    if kind != WIN_CERT_TYPE_PKCS_SIGNED_DATA or not 8 < length <= size:
        return "unreadable"
    try:
        name, digest = _signed_digest(bytes(data[offset + 8:offset + length]))
    except (PeError, IndexError, ValueError):
        return "unreadable"
    import hashlib  # only for a signed file: 3 ms to import

    hashed = hashlib.new(name)
    for start, end in ((0, pe.checksum_offset), (pe.checksum_offset + 4, pe.security_entry),
                       (pe.security_entry + 8, offset), (offset + size, len(data))):
        hashed.update(data[start:end])
    return "matches" if hashed.digest() == digest else "differs"
