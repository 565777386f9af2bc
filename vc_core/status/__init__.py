"""Status-list codecs: W3C Bitstring Status List v1.0 and the IETF Token Status List.

The two look alike and are not compatible (STANDARDS.md): the W3C list is GZIP-compressed,
multibase ``u``-encoded and packed most significant bit first; the IETF list is
ZLIB-compressed, plain base64url (or a CBOR byte string) and packed least significant bit
first. :class:`PackedStatusList` holds either layout and converts between them;
:mod:`vc_core.status.bitstring` and :mod:`vc_core.status.token` read and write each format.
This package is pure: fetching, caching and storage live in ``issuer`` and ``verifier``.
"""

from __future__ import annotations

from vc_core.status.bits import TOKEN_BITS, BitOrder, PackedStatusList
from vc_core.status.bitstring import (
    DEFAULT_TTL_MS,
    MIN_ENTRIES,
    STATUS_PURPOSES,
    BitstringStatusListCredential,
    BitstringStatusListEntry,
    StatusMessage,
    build_status_list_credential,
    decode_list,
    encode_list,
    issuer_id,
    new_list,
    parse_status_list_credential,
    status_entries,
)
from vc_core.status.token import (
    StatusListToken,
    decode_lst,
    encode_lst,
    read_status_list_cwt,
    read_status_list_jwt,
    referenced_status,
    sign_status_list_cwt,
    sign_status_list_jwt,
    status_list_from_cbor,
    status_list_from_json,
    status_list_to_cbor,
    status_list_to_json,
    verify_status_list_cwt,
    verify_status_list_jwt,
)

__all__ = [
    "DEFAULT_TTL_MS",
    "MIN_ENTRIES",
    "STATUS_PURPOSES",
    "TOKEN_BITS",
    "BitOrder",
    "BitstringStatusListCredential",
    "BitstringStatusListEntry",
    "PackedStatusList",
    "StatusListToken",
    "StatusMessage",
    "build_status_list_credential",
    "decode_list",
    "decode_lst",
    "encode_list",
    "encode_lst",
    "issuer_id",
    "new_list",
    "parse_status_list_credential",
    "read_status_list_cwt",
    "read_status_list_jwt",
    "referenced_status",
    "sign_status_list_cwt",
    "sign_status_list_jwt",
    "status_entries",
    "status_list_from_cbor",
    "status_list_from_json",
    "status_list_to_cbor",
    "status_list_to_json",
    "verify_status_list_cwt",
    "verify_status_list_jwt",
]
