"""Reading any status-list container, without verifying it, for inspection and tooling.

Recognised inputs: a BitstringStatusListCredential (JSON, W3C Bitstring Status List v1.0
§2.2), a bare ``encodedList`` (multibase ``u``), an IETF Status List Token as ``statuslist+jwt``
(compact JWS) or ``statuslist+cwt`` (COSE_Sign1, binary or hex), an IETF JSON or CBOR Status
List object (draft-ietf-oauth-status-list §4.2/§4.3), or a bare ``lst`` (base64url ZLIB).

Nothing here checks a signature: this is what ``shikaku status decode`` shows. Verifiers use
:mod:`verifier.status`, which does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from vc_core.codecs import b64url_decode
from vc_core.errors import CodecError, StatusError
from vc_core.jsonio import DEFAULT_LIMITS, Limits, loads
from vc_core.status.bits import PackedStatusList
from vc_core.status.bitstring import decode_list, parse_status_list_credential
from vc_core.status.token import (
    decode_lst,
    read_status_list_cwt,
    read_status_list_jwt,
    status_list_from_cbor,
    status_list_from_json,
)

__all__ = ["LIST_LIMITS", "DecodedList", "decode_any"]

#: How large a status list file ``shikaku status decode`` reads: the default download limit
#: of ``shikaku status check`` (a list of 131,072 random 8-bit entries is about 180 KB).
LIST_LIMITS: Limits = DEFAULT_LIMITS.with_max_bytes(2 * 1024 * 1024)

_HEX = re.compile(r"[0-9a-fA-F\s]+")
_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


@dataclass(frozen=True)
class DecodedList:
    """What a status list says: its format, purpose (W3C only), size, width and set entries."""

    format: str
    container: str
    status_purposes: tuple[str, ...]
    packed: PackedStatusList

    def to_json(self) -> dict[str, Any]:
        purposes = self.status_purposes
        return {
            "format": self.format,
            "statusPurpose": (purposes[0] if len(purposes) == 1 else list(purposes)) or None,
            "size": self.packed.size,
            "bits": self.packed.bits,
            "set": {str(index): value for index, value in self.packed.non_zero().items()},
        }


def decode_any(data: bytes, *, bits: int = 1, status_size: int = 1) -> DecodedList:
    """Recognise and decode ``data`` (see the module); ``bits``/``status_size`` are for bare
    lists, which do not say their entry width."""
    if data[:1] in (b"\xd2", b"\x84"):
        return _cwt(data)
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise StatusError(
            "status.list_malformed", "not a status list format shikaku knows"
        ) from exc
    return _text(text, bits, status_size)


def _text(text: str, bits: int, status_size: int) -> DecodedList:
    if text[:1] in ("{", "["):
        return _json(text, status_size)
    if _JWS.fullmatch(text):
        _header, token = read_status_list_jwt(text)
        return DecodedList("ietf", "statuslist+jwt", (), token.status_list)
    if _HEX.fullmatch(text) and text[:2].lower() in ("d2", "84", "a2"):
        raw = bytes.fromhex(re.sub(r"\s", "", text))
        if raw[:1] == b"\xa2":
            return DecodedList("ietf", "cbor", (), status_list_from_cbor(raw))
        return _cwt(raw)
    if text.startswith("u"):
        packed = decode_list(text, status_size=status_size, min_entries=0)
        return DecodedList("w3c", "encodedList", (), packed)
    try:
        compressed = b64url_decode(text)
    except CodecError as exc:
        raise StatusError(
            "status.list_malformed", "not a status list format shikaku knows"
        ) from exc
    return DecodedList("ietf", "lst", (), decode_lst(compressed, bits))


def _cwt(data: bytes) -> DecodedList:
    _protected, _unprotected, token = read_status_list_cwt(data)
    return DecodedList("ietf", "statuslist+cwt", (), token.status_list)


def _json(text: str, status_size: int) -> DecodedList:
    # The caller read the text under its own size limit (LIST_LIMITS for the CLI).
    limits = DEFAULT_LIMITS.admitting(len(text.encode("utf-8")))
    document = loads(text, limits=limits, where="the status list")
    if isinstance(document, dict) and "lst" in document:
        return DecodedList("ietf", "json", (), status_list_from_json(document))
    if isinstance(document, dict) and isinstance(document.get("status_list"), dict):
        return DecodedList("ietf", "json", (), status_list_from_json(document["status_list"]))
    credential = parse_status_list_credential(document)
    packed = credential.decode(status_size, min_entries=0)
    return DecodedList("w3c", "BitstringStatusListCredential", credential.status_purposes, packed)
