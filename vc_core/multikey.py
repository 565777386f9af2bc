"""Multikey encodings of public and secret keys (Controlled Identifiers 1.0 §2.2.2).

A Multikey value is multibase base58btc (``z``) over a multicodec header
followed by the key bytes:

========================  ===========  =============================
key                       header       body
========================  ===========  =============================
P-256 public              ``0x8024``   33-byte compressed SEC1 point
P-384 public              ``0x8124``   49-byte compressed SEC1 point
Ed25519 public            ``0xed01``   32 bytes
P-256 secret              ``0x8626``   32-byte scalar
P-384 secret              ``0x8726``   48-byte scalar
Ed25519 secret            ``0x8026``   32-byte seed
========================  ===========  =============================
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from vc_core.codecs import multibase_decode, multibase_encode
from vc_core.errors import CodecError

__all__ = [
    "PublicKey",
    "decode_multikey_public",
    "decode_multikey_secret",
    "encode_multikey_public",
    "multikey_curve",
]

PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
Curve = Literal["P-256", "P-384", "Ed25519"]

_HEADERS: dict[bytes, tuple[Curve, int]] = {
    b"\x80\x24": ("P-256", 33),
    b"\x81\x24": ("P-384", 49),
    b"\xed\x01": ("Ed25519", 32),
}
_EC_CURVES: dict[str, ec.EllipticCurve] = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1()}


def multikey_curve(public_key_multibase: str) -> Curve:
    """The curve a Multikey public key is on, from its header alone."""
    raw = multibase_decode(public_key_multibase, expect="z")
    entry = _HEADERS.get(raw[:2])
    if entry is None:
        raise CodecError("codec.multikey_invalid")
    return entry[0]


def decode_multikey_public(public_key_multibase: str) -> PublicKey:
    """Decode a Multikey public key into a cryptography key object."""
    raw = multibase_decode(public_key_multibase, expect="z")
    entry = _HEADERS.get(raw[:2])
    if entry is None:
        raise CodecError("codec.multikey_invalid", "unknown Multikey header")
    curve, length = entry
    body = raw[2:]
    if len(body) != length:
        raise CodecError("codec.multikey_invalid", f"{curve} key must be {length} bytes")
    try:
        if curve == "Ed25519":
            return ed25519.Ed25519PublicKey.from_public_bytes(body)
        return ec.EllipticCurvePublicKey.from_encoded_point(_EC_CURVES[curve], body)
    except ValueError as exc:
        raise CodecError("codec.multikey_invalid", "not a point on the curve") from exc


def encode_multikey_public(key: PublicKey) -> str:
    """Encode a P-256, P-384 or Ed25519 public key as a Multikey."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return _multibase_z(b"\xed\x01" + raw)
    if isinstance(key, ec.EllipticCurvePublicKey):
        point = key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )
        for header, (curve, _length) in _HEADERS.items():
            if curve == _curve_name(key):
                return _multibase_z(header + point)
    raise CodecError("codec.multikey_invalid", "only P-256, P-384 and Ed25519 keys are Multikeys")


@lru_cache(maxsize=1024)
def _multibase_z(data: bytes) -> str:
    # A board signs thousands of credentials with one key: encode its did:key once.
    return multibase_encode(data)


def _curve_name(key: ec.EllipticCurvePublicKey) -> str:
    return {"secp256r1": "P-256", "secp384r1": "P-384"}.get(key.curve.name, key.curve.name)


_SECRET_HEADERS: dict[bytes, tuple[Curve, int]] = {
    b"\x86\x26": ("P-256", 32),
    b"\x87\x26": ("P-384", 48),
    b"\x80\x26": ("Ed25519", 32),
}


def decode_multikey_secret(
    secret_key_multibase: str,
) -> ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey:
    """Decode a Multikey secret key (as the W3C test vectors publish them)."""
    raw = multibase_decode(secret_key_multibase, expect="z")
    entry = _SECRET_HEADERS.get(raw[:2])
    if entry is None or len(raw) - 2 != entry[1]:
        raise CodecError("codec.multikey_invalid", "not a Multikey secret key")
    curve, _length = entry
    if curve == "Ed25519":
        return ed25519.Ed25519PrivateKey.from_private_bytes(raw[2:])
    return ec.derive_private_key(int.from_bytes(raw[2:], "big"), _EC_CURVES[curve])
