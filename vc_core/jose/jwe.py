"""JWE with ECDH-ES in direct mode (RFC 7516, RFC 7518 §4.6) and AES-GCM: what OpenID4VP's
``direct_post.jwt`` uses (HAIP). :func:`ecdh_es_key` is the Concat KDF both sides derive the
content key with; :func:`encrypt_ecdh_es` is the wallet's side (the verifier decrypts in
:mod:`verifier.oid4vp.jwe`)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash

from vc_core.codecs import b64url_encode
from vc_core.errors import KeyMaterialError
from vc_core.keys import public_jwk, public_key_from_jwk

__all__ = ["KEY_BITS", "ecdh_es_key", "encrypt_ecdh_es"]

#: The content-encryption algorithms and their key sizes.
KEY_BITS: Final = {"A128GCM": 128, "A256GCM": 256}


def _length_prefixed(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def ecdh_es_key(shared: bytes, enc: str, apu: bytes = b"", apv: bytes = b"") -> bytes:
    """The content key of ECDH-ES in direct mode: Concat KDF (NIST SP 800-56A) over the
    shared secret, with ``enc`` as the algorithm id (RFC 7518 §4.6.2)."""
    bits = KEY_BITS[enc]
    other = (
        _length_prefixed(enc.encode("ascii"))
        + _length_prefixed(apu)
        + _length_prefixed(apv)
        + bits.to_bytes(4, "big")
    )
    return ConcatKDFHash(hashes.SHA256(), bits // 8, other).derive(shared)


def encrypt_ecdh_es(
    payload: Mapping[str, Any], recipient: Mapping[str, Any], *, enc: str = "A128GCM"
) -> str:
    """``payload`` (a JSON object) as a compact JWE to the P-256 public JWK ``recipient``,
    with a fresh ephemeral key; the recipient's ``kid`` goes in the header."""
    key = public_key_from_jwk(dict(recipient))
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise KeyMaterialError("key.unsupported", "ECDH-ES here needs a P-256 key")
    if enc not in KEY_BITS:
        raise KeyMaterialError("key.unsupported", f"enc {enc[:20]!r} is not offered")
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    header: dict[str, Any] = {
        "alg": "ECDH-ES",
        "enc": enc,
        "epk": public_jwk(ephemeral.public_key()),
    }
    if isinstance(recipient.get("kid"), str):
        header["kid"] = recipient["kid"]
    protected = b64url_encode(json.dumps(header, separators=(",", ":")).encode())
    cek = ecdh_es_key(ephemeral.exchange(ec.ECDH(), key), enc)
    iv = os.urandom(12)
    sealed = AESGCM(cek).encrypt(
        iv, json.dumps(dict(payload), separators=(",", ":")).encode(), protected.encode("ascii")
    )
    ciphertext, tag = sealed[:-16], sealed[-16:]
    return ".".join(
        (protected, "", b64url_encode(iv), b64url_encode(ciphertext), b64url_encode(tag))
    )
