"""IETF Token Status List (draft-ietf-oauth-status-list): the list, its JWT and CWT forms.

- §4.1 Status List: ``bits`` is 1, 2, 4 or 8; entries are packed least significant bit first
  (``"lsb"``, see :mod:`vc_core.status.bits`) and the bytes are ZLIB-compressed (RFC 1950).
  Not the W3C encoding, which is GZIP and most significant bit first.
- §4.2 and §4.3: the JSON form ``{"bits", "lst"}`` with ``lst`` base64url without padding or
  multibase prefix, and the CBOR form with ``lst`` as a byte string.
- §5.1 ``statuslist+jwt``: header ``typ`` ``statuslist+jwt``; claims ``sub`` (the list's URI),
  ``iat``, ``exp``, ``ttl`` (seconds) and ``status_list``.
- §5.2 ``statuslist+cwt``: a COSE_Sign1 with protected ``typ`` (16)
  ``application/statuslist+cwt``; claims sub (2), iat (6), exp (4), ttl (65534) and
  status_list (65533).
- §6 Referenced Token: ``status.status_list.{idx, uri}`` (JWT) or claim 65535 (CWT).
- §7.1 Status Types: 0 VALID, 1 INVALID, 2 SUSPENDED.
- §8.3 Validation Rules: ``typ``, signature, ``sub`` equal to the referenced URI, ``exp``.

Signing takes any :class:`~vc_core.keys.Signer` (ES256 with a P-256 key); verification takes
the public key and only ever accepts that key's own algorithm.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cbor2

from vc_core.codecs import b64url_decode, b64url_encode
from vc_core.errors import CodecError, StatusError
from vc_core.keys import AnyPublicKey, Signer
from vc_core.status._deflate import COMPRESSION_LEVEL, ZLIB, deflate, inflate
from vc_core.status._jose import (
    cose_sign1,
    cose_sign1_open,
    cose_sign1_verify,
    jws_open,
    jws_sign,
    jws_verify,
)
from vc_core.status.bits import MAX_LIST_BYTES, TOKEN_BITS, PackedStatusList

__all__ = [
    "CWT_TYP",
    "DEFAULT_MAX_BYTES",
    "INVALID",
    "JWT_TYP",
    "SUSPENDED",
    "VALID",
    "StatusListToken",
    "decode_lst",
    "encode_lst",
    "read_status_list_cwt",
    "read_status_list_jwt",
    "referenced_status",
    "sign_status_list_cwt",
    "sign_status_list_jwt",
    "status_list_from_cbor",
    "status_list_from_json",
    "status_list_to_cbor",
    "status_list_to_json",
    "verify_status_list_cwt",
    "verify_status_list_jwt",
]

JWT_TYP = "statuslist+jwt"
CWT_TYP = "application/statuslist+cwt"
#: §7.1 Status Types.
VALID, INVALID, SUSPENDED = 0, 1, 2
#: The largest expanded list accepted: 16 MiB.
DEFAULT_MAX_BYTES = MAX_LIST_BYTES

_CWT_ISS, _CWT_SUB, _CWT_EXP, _CWT_IAT = 1, 2, 4, 6
_CWT_TTL, _CWT_STATUS_LIST, _CWT_STATUS = 65534, 65533, 65535


def _malformed(why: str) -> StatusError:
    return StatusError("status.list_malformed", why)


def encode_lst(packed: PackedStatusList, *, level: int = COMPRESSION_LEVEL) -> bytes:
    """§4.1: the ZLIB-compressed bytes of the list in the IETF (lsb) layout."""
    if packed.order != "lsb":
        packed = packed.reordered("lsb")
    return deflate(packed.to_bytes(), ZLIB, level)


def decode_lst(
    compressed: bytes, bits: int, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> PackedStatusList:
    """§4.1: inflate ``lst`` into a list of ``bits``-wide entries."""
    if bits not in TOKEN_BITS:
        raise StatusError("status.bits_unsupported", f"bits must be 1, 2, 4 or 8, not {bits!r}")
    return PackedStatusList.from_bytes(inflate(compressed, ZLIB, max_bytes), bits, order="lsb")


def _bits_of(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _malformed("bits must be an integer")
    if value not in TOKEN_BITS:
        raise StatusError("status.bits_unsupported", f"bits must be 1, 2, 4 or 8, not {value}")
    return value


def status_list_to_json(
    packed: PackedStatusList, *, aggregation_uri: str | None = None
) -> dict[str, Any]:
    """§4.2: the JSON Status List object."""
    obj: dict[str, Any] = {"bits": packed.bits, "lst": b64url_encode(encode_lst(packed))}
    if aggregation_uri is not None:
        obj["aggregation_uri"] = aggregation_uri
    return obj


def status_list_from_json(obj: Any, *, max_bytes: int = DEFAULT_MAX_BYTES) -> PackedStatusList:
    """§4.2: a list from its JSON object."""
    if not isinstance(obj, dict):
        raise _malformed("a status_list is a JSON object")
    bits = _bits_of(obj.get("bits"))
    lst = obj.get("lst")
    if not isinstance(lst, str):
        raise _malformed("lst must be a base64url string")
    try:
        compressed = b64url_decode(lst)
    except CodecError as exc:
        raise _malformed("lst is not base64url without padding") from exc
    return decode_lst(compressed, bits, max_bytes=max_bytes)


def status_list_to_cbor(packed: PackedStatusList) -> dict[str, Any]:
    """§4.3: the CBOR Status List map (encode it with ``cbor2.dumps``)."""
    return {"bits": packed.bits, "lst": encode_lst(packed)}


def status_list_from_cbor(obj: Any, *, max_bytes: int = DEFAULT_MAX_BYTES) -> PackedStatusList:
    """§4.3: a list from its CBOR map (already decoded) or its CBOR bytes."""
    if isinstance(obj, bytes):
        try:
            obj = cbor2.loads(obj)
        except (cbor2.CBORDecodeError, ValueError, TypeError, EOFError) as exc:
            raise _malformed("the status list is not CBOR") from exc
    if not isinstance(obj, Mapping):
        raise _malformed("a CBOR status_list is a map")
    bits = _bits_of(obj.get("bits"))
    lst = obj.get("lst")
    if not isinstance(lst, bytes):
        raise _malformed("lst must be a byte string in CBOR")
    return decode_lst(lst, bits, max_bytes=max_bytes)


@dataclass(frozen=True)
class StatusListToken:
    """The claims of a Status List Token (§5), in either form."""

    subject: str
    issued_at: int
    status_list: PackedStatusList
    expires_at: int | None = None
    ttl: int | None = None
    issuer: str | None = None

    def check_time(self, now: int, *, leeway: int = 60) -> None:
        """§8.3 step 3: refuse an expired token, or one issued in the future."""
        if self.expires_at is not None and now >= self.expires_at + leeway:
            raise StatusError("status.list_expired", "the Status List Token has expired (exp)")
        if self.issued_at > now + leeway:
            raise StatusError("status.list_expired", "the Status List Token's iat is in the future")

    def check_subject(self, uri: str) -> None:
        """§8.3 step 2: ``sub`` must be the URI the Referenced Token names."""
        if self.subject != uri:
            raise StatusError(
                "status.list_malformed", f"sub {self.subject!r} is not the referenced URI {uri!r}"
            )


def _int_claim(value: Any, name: str, *, required: bool) -> int | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _malformed(f"{name} must be an integer")
    return value


def sign_status_list_jwt(token: StatusListToken, signer: Signer, *, kid: str | None = None) -> str:
    """§5.1: a signed ``statuslist+jwt``."""
    header: dict[str, Any] = {"typ": JWT_TYP}
    if kid is not None:
        header["kid"] = kid
    claims: dict[str, Any] = {"sub": token.subject, "iat": token.issued_at}
    if token.issuer is not None:
        claims["iss"] = token.issuer
    if token.expires_at is not None:
        claims["exp"] = token.expires_at
    if token.ttl is not None:
        claims["ttl"] = token.ttl
    claims["status_list"] = status_list_to_json(token.status_list)
    return jws_sign(header, claims, signer)


def _token_from_jwt_claims(
    header: dict[str, Any], claims: dict[str, Any], max_bytes: int
) -> StatusListToken:
    if header.get("typ") != JWT_TYP:
        raise _malformed(f"typ must be {JWT_TYP!r}")
    subject = claims.get("sub")
    if not isinstance(subject, str):
        raise _malformed("sub must be the status list's URI")
    issuer = claims.get("iss")
    issued_at = _int_claim(claims.get("iat"), "iat", required=True)
    assert issued_at is not None
    return StatusListToken(
        subject=subject,
        issued_at=issued_at,
        status_list=status_list_from_json(claims.get("status_list"), max_bytes=max_bytes),
        expires_at=_int_claim(claims.get("exp"), "exp", required=False),
        ttl=_int_claim(claims.get("ttl"), "ttl", required=False),
        issuer=issuer if isinstance(issuer, str) else None,
    )


def read_status_list_jwt(
    jwt: str, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[dict[str, Any], StatusListToken]:
    """Decode a ``statuslist+jwt`` WITHOUT verifying it (for inspection only)."""
    header, claims, _input, _signature = jws_open(jwt)
    return header, _token_from_jwt_claims(header, claims, max_bytes)


def verify_status_list_jwt(
    jwt: str,
    key: AnyPublicKey,
    *,
    now: int,
    expected_subject: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> StatusListToken:
    """§8.3: verify the signature with ``key``, then ``typ``, ``sub`` and the times."""
    header, claims = jws_verify(jwt, key)
    token = _token_from_jwt_claims(header, claims, max_bytes)
    if expected_subject is not None:
        token.check_subject(expected_subject)
    token.check_time(now)
    return token


def sign_status_list_cwt(
    token: StatusListToken, signer: Signer, *, kid: bytes | None = None
) -> bytes:
    """§5.2: a signed ``statuslist+cwt`` (a tagged COSE_Sign1)."""
    claims: dict[int, Any] = {}
    if token.issuer is not None:
        claims[_CWT_ISS] = token.issuer
    claims[_CWT_SUB] = token.subject
    claims[_CWT_IAT] = token.issued_at
    if token.expires_at is not None:
        claims[_CWT_EXP] = token.expires_at
    if token.ttl is not None:
        claims[_CWT_TTL] = token.ttl
    claims[_CWT_STATUS_LIST] = status_list_to_cbor(token.status_list)
    return cose_sign1(cbor2.dumps(claims), signer, typ=CWT_TYP, kid=kid)


def _token_from_cwt(protected: dict[Any, Any], payload: bytes, max_bytes: int) -> StatusListToken:
    if protected.get(16) != CWT_TYP:
        raise _malformed(f"the protected typ (16) must be {CWT_TYP!r}")
    try:
        claims = cbor2.loads(payload)
    except (cbor2.CBORDecodeError, ValueError, TypeError, EOFError) as exc:
        raise _malformed("the CWT claims are not CBOR") from exc
    if not isinstance(claims, Mapping):
        raise _malformed("the CWT claims are not a map")
    subject = claims.get(_CWT_SUB)
    if not isinstance(subject, str):
        raise _malformed("sub (2) must be the status list's URI")
    issued_at = _int_claim(claims.get(_CWT_IAT), "iat (6)", required=True)
    assert issued_at is not None
    issuer = claims.get(_CWT_ISS)
    return StatusListToken(
        subject=subject,
        issued_at=issued_at,
        status_list=status_list_from_cbor(claims.get(_CWT_STATUS_LIST), max_bytes=max_bytes),
        expires_at=_int_claim(claims.get(_CWT_EXP), "exp (4)", required=False),
        ttl=_int_claim(claims.get(_CWT_TTL), "ttl (65534)", required=False),
        issuer=issuer if isinstance(issuer, str) else None,
    )


def read_status_list_cwt(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[dict[Any, Any], dict[Any, Any], StatusListToken]:
    """Decode a ``statuslist+cwt`` WITHOUT verifying it: protected, unprotected, claims."""
    protected, unprotected, payload, _signature, _tbs = cose_sign1_open(data)
    return protected, unprotected, _token_from_cwt(protected, payload, max_bytes)


def verify_status_list_cwt(
    data: bytes,
    key: AnyPublicKey,
    *,
    now: int,
    expected_subject: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> StatusListToken:
    """§8.3 for CWTs: verify the COSE_Sign1 with ``key``, then ``typ``, ``sub`` and the times."""
    protected, _unprotected, payload = cose_sign1_verify(data, key)
    token = _token_from_cwt(protected, payload, max_bytes)
    if expected_subject is not None:
        token.check_subject(expected_subject)
    token.check_time(now)
    return token


def referenced_status(claims: Mapping[Any, Any]) -> tuple[int, str]:
    """§6: the ``(idx, uri)`` a Referenced Token points to, from JWT or CWT claims."""
    status = claims.get("status", claims.get(_CWT_STATUS))
    entry = status.get("status_list") if isinstance(status, Mapping) else None
    if not isinstance(entry, Mapping):
        raise _malformed("the token has no status.status_list claim")
    idx, uri = entry.get("idx"), entry.get("uri")
    if isinstance(idx, bool) or not isinstance(idx, int) or idx < 0:
        raise _malformed("status_list.idx must be a non-negative integer")
    if not isinstance(uri, str) or not uri:
        raise _malformed("status_list.uri must be a URI")
    return idx, uri
