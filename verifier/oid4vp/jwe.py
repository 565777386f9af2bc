"""``direct_post.jwt``: the wallet's response encrypted to a key of this transaction.

OpenID4VP 1.0 §8.3: the request's ``client_metadata.jwks`` holds one ephemeral P-256 key
(``use: enc``, ``alg: ECDH-ES``) made for this transaction alone, and
``encrypted_response_enc_values_supported`` lists ``A128GCM`` and ``A256GCM``; the wallet
answers with ``response=<JWE compact>``, whose plaintext is the authorization response as a
JSON object (``vp_token``, ``state``). HAIP requires exactly this: ECDH-ES key agreement in
direct mode (RFC 7518 §4.6: ephemeral-static ECDH, Concat KDF over ``enc``, ``apu``,
``apv``) and AES-GCM.

Decryption refuses, as ``oid4vp.decryption_failed``: another ``alg`` (no key wrapping, no
RSA, never ``dir``), an ``enc`` not offered, a compression ``zip`` (no decompression bombs),
an ``epk`` not on P-256, a non-empty encrypted key, and any tag that does not verify. The
transaction is found by the JWE's ``kid`` (:func:`key_id_of`) before anything is decrypted.
"""

from __future__ import annotations

from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vc_core.codecs import b64url_decode
from vc_core.errors import CodecError, InputError, KeyMaterialError, Oid4vpError
from vc_core.jose.jwe import ecdh_es_key
from vc_core.jose.jws import strict_json_loads
from vc_core.keys import SoftwareKey, generate_key, public_jwk, public_key_from_jwk

__all__ = ["ENC_VALUES", "decrypt", "encryption_jwk", "key_id_of", "new_encryption_key"]

ENC_VALUES: Final = ("A128GCM", "A256GCM")
_MAX_JWE: Final = 1024 * 1024


def new_encryption_key() -> SoftwareKey:
    """A fresh ephemeral P-256 key for one transaction."""
    return generate_key("p256")


def encryption_jwk(key: SoftwareKey, kid: str) -> dict[str, str]:
    """The public JWK a request's ``client_metadata.jwks`` carries."""
    return {**public_jwk(key.public_key), "use": "enc", "alg": "ECDH-ES", "kid": kid}


def _failed(message: str) -> Oid4vpError:
    return Oid4vpError("oid4vp.decryption_failed", message)


def _parts(compact: str) -> list[str]:
    if not isinstance(compact, str) or len(compact) > _MAX_JWE:
        raise _failed("the response is not a JWE of a size this verifier reads")
    parts = compact.split(".")
    if len(parts) != 5:
        raise _failed("a compact JWE has five dot-separated parts")
    return parts


def _header(part: str) -> dict[str, Any]:
    try:
        header = strict_json_loads(b64url_decode(part), where="the JWE header")
    except (CodecError, InputError) as exc:
        raise _failed(f"the JWE header is not base64url JSON ({exc})") from exc
    if not isinstance(header, dict):
        raise _failed("the JWE header is not a JSON object")
    return header


def key_id_of(compact: str) -> str:
    """The ``kid`` of the transaction key the JWE was encrypted to (unauthenticated: it only
    finds the key, whose tag check then authenticates everything)."""
    kid = _header(_parts(compact)[0]).get("kid")
    if not isinstance(kid, str) or not kid:
        raise _failed("the JWE header names no kid of this verifier's keys")
    return kid


def _b64(header: dict[str, Any], name: str) -> bytes:
    value = header.get(name, "")
    if not isinstance(value, str):
        raise _failed(f"the JWE header's {name} is not a string")
    try:
        return b64url_decode(value) if value else b""
    except CodecError as exc:
        raise _failed(f"the JWE header's {name} is not base64url") from exc


def decrypt(compact: str, key: SoftwareKey) -> dict[str, Any]:
    """The JSON object ``compact`` encrypts to ``key`` (see the module for what is refused)."""
    protected, encrypted_key, iv, ciphertext, tag = _parts(compact)
    header = _header(protected)
    if header.get("alg") != "ECDH-ES":
        raise _failed("only ECDH-ES (direct key agreement) is accepted")
    enc = header.get("enc")
    if enc not in ENC_VALUES:
        raise _failed(f"enc must be one of {', '.join(ENC_VALUES)}")
    if "zip" in header or "crit" in header:
        raise _failed("compressed or critical-extension JWEs are not accepted")
    if encrypted_key:
        raise _failed("ECDH-ES in direct mode has an empty encrypted key")
    epk = header.get("epk")
    try:
        ephemeral = public_key_from_jwk(epk)
    except KeyMaterialError as exc:
        raise _failed("the JWE's epk is not a public key") from exc
    private = key.private_key
    if (
        not isinstance(ephemeral, ec.EllipticCurvePublicKey)
        or not isinstance(private, ec.EllipticCurvePrivateKey)
        or ephemeral.curve.name != private.curve.name
    ):
        raise _failed("the JWE's epk is not a P-256 key")
    try:
        shared = private.exchange(ec.ECDH(), ephemeral)
        cek = ecdh_es_key(shared, str(enc), _b64(header, "apu"), _b64(header, "apv"))
        plaintext = AESGCM(cek).decrypt(
            b64url_decode(iv),
            b64url_decode(ciphertext) + b64url_decode(tag),
            protected.encode("ascii"),
        )
    except (InvalidTag, CodecError, ValueError) as exc:
        raise _failed("the JWE does not decrypt with this transaction's key") from exc
    try:
        document = strict_json_loads(plaintext, where="the decrypted response")
    except InputError as exc:
        raise _failed(f"the decrypted response is not JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise _failed("the decrypted response is not a JSON object")
    return document
