"""Keys: software signing keys, public keys for verification, and the ``Signer`` protocol.

A :class:`Signer` is anything that can sign bytes and tell its public key and
JOSE algorithm name. Software keys implement it here; the My Number Card
implements it in ``jpki_bridge`` (RS256, the card pads PKCS#1 v1.5), so a
cryptosuite never knows whether a signature came from a file or a card.

ECDSA signatures use RFC 6979 deterministic nonces. Signatures use the
encodings Data Integrity and JOSE share: ECDSA as the
fixed-size ``r || s`` (IEEE P1363) form, Ed25519 as its 64 bytes, RSA as the
modulus-sized integer. Verification raises :class:`~vc_core.errors.ProofError`
(``proof.invalid_signature``); it never returns ``False``.

Private keys are stored as JSON Web Keys (RFC 7517) in files created with mode
0600 — never world-readable, not even for a moment.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from vc_core.codecs import b64url_decode, b64url_encode
from vc_core.errors import CodecError, InputError, KeyMaterialError, ProofError
from vc_core.jsonio import DEFAULT_LIMITS, read_json

__all__ = [
    "KEY_FILE_LIMITS",
    "AnyPublicKey",
    "KeyType",
    "Signer",
    "SoftwareKey",
    "generate_key",
    "jwk_thumbprint",
    "load_key",
    "public_jwk",
    "public_key_from_jwk",
    "verify_signature",
    "write_key_file",
]

KeyType = Literal["p256", "p384", "ed25519"]
AnyPublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey

#: A JWK file is well under 1 KB (an RSA-4096 JWK about 3.5 KB); larger is not a key file.
KEY_FILE_LIMITS = DEFAULT_LIMITS.with_max_bytes(64 * 1024)
_EC = {"P-256": (ec.SECP256R1, hashes.SHA256, 32), "P-384": (ec.SECP384R1, hashes.SHA384, 48)}
_EC_BY_NAME = {"secp256r1": "P-256", "secp384r1": "P-384"}


@runtime_checkable
class Signer(Protocol):
    """Signs bytes with a private key it may never reveal (a file key, an HSM, a card)."""

    @property
    def algorithm(self) -> str:
        """The JOSE algorithm name: ``ES256``, ``ES384``, ``EdDSA`` or ``RS256``."""
        ...

    @property
    def public_key(self) -> AnyPublicKey:
        """The public key that verifies this signer's signatures."""
        ...

    def sign(self, data: bytes) -> bytes:
        """Sign ``data`` (the message, not a digest) and return the raw signature."""
        ...


@dataclass(frozen=True, repr=False)
class SoftwareKey:
    """A P-256, P-384 or Ed25519 private key held in memory; a :class:`Signer`."""

    private_key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey

    def __repr__(self) -> str:
        return f"SoftwareKey({self.algorithm}, {jwk_thumbprint(public_jwk(self.public_key))})"

    @property
    def algorithm(self) -> str:
        return self._algorithm

    @cached_property
    def _algorithm(self) -> str:
        if isinstance(self.private_key, ed25519.Ed25519PrivateKey):
            return "EdDSA"
        return "ES256" if _curve(self.private_key.public_key()) == "P-256" else "ES384"

    @cached_property
    def _ecdsa(self) -> tuple[ec.ECDSA, int]:
        """The signature algorithm and the size of ``r`` and ``s`` of an EC key, made once
        (a bulk issuance signs a million times with one key)."""
        assert isinstance(self.private_key, ec.EllipticCurvePrivateKey)
        _cls, hash_cls, size = _EC[_curve(self.private_key.public_key())]
        # RFC 6979 deterministic nonces: no dependence on the RNG at signing
        # time, and the W3C test vectors' signatures are reproduced exactly.
        return ec.ECDSA(hash_cls(), deterministic_signing=True), size

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey:
        return self.private_key.public_key()

    def sign(self, data: bytes) -> bytes:
        if isinstance(self.private_key, ed25519.Ed25519PrivateKey):
            return self.private_key.sign(data)
        algorithm, size = self._ecdsa
        der = self.private_key.sign(data, algorithm)
        r, s = decode_dss_signature(der)
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    def private_jwk(self) -> dict[str, str]:
        """The private key as a JWK (contains ``d``: handle as a secret)."""
        jwk = public_jwk(self.public_key)
        if isinstance(self.private_key, ed25519.Ed25519PrivateKey):
            seed = self.private_key.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
            jwk["d"] = b64url_encode(seed)
        else:
            size = _EC[_curve(self.private_key.public_key())][2]
            jwk["d"] = b64url_encode(
                self.private_key.private_numbers().private_value.to_bytes(size)
            )
        return jwk

    def save(self, path: Path) -> None:
        """Write the private JWK to ``path``, created with mode 0600.

        Never overwrites: an existing ``path``, a missing folder or one that cannot be
        written is ``input.unwritable``.
        """
        write_key_file(path, json.dumps(self.private_jwk(), indent=2).encode() + b"\n")


def write_key_file(path: Path, data: bytes) -> None:
    """Create ``path`` with mode 0600 and write ``data`` (private key material) to it.

    Never overwrites: an existing ``path``, a missing folder or one that cannot be written is
    ``input.unwritable``.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputError(
            "input.unwritable", f"{path} already exists; shikaku never overwrites a key"
        ) from None
    except OSError as exc:
        raise InputError("input.unwritable", f"cannot create {path}: {exc.strerror}") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def generate_key(key_type: KeyType) -> SoftwareKey:
    """Generate a fresh software key from the operating system's CSPRNG."""
    if key_type == "ed25519":
        return SoftwareKey(ed25519.Ed25519PrivateKey.generate())
    curve = {"p256": "P-256", "p384": "P-384"}.get(key_type)
    if curve is None:
        raise KeyMaterialError("key.unsupported", f"unknown key type {key_type!r}")
    return SoftwareKey(ec.generate_private_key(_EC[curve][0]()))


def load_key(path: Path) -> SoftwareKey:
    """Read a private JWK file written by :meth:`SoftwareKey.save` (or any P-256/Ed25519 JWK).

    The file is read by the input boundary (:func:`vc_core.jsonio.read_json`): a missing file
    or one that is not strict JSON raises its ``input.*`` code.
    """
    return private_key_from_jwk(read_json(path, limits=KEY_FILE_LIMITS))


def private_key_from_jwk(jwk: Any) -> SoftwareKey:
    """A :class:`SoftwareKey` from a private JWK."""
    if not isinstance(jwk, dict) or "d" not in jwk:
        raise KeyMaterialError("key.private_missing")
    try:
        d = b64url_decode(jwk["d"])
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            key = SoftwareKey(ed25519.Ed25519PrivateKey.from_private_bytes(d))
        elif jwk.get("kty") == "EC" and jwk.get("crv") in _EC:
            curve_cls = _EC[jwk["crv"]][0]
            key = SoftwareKey(ec.derive_private_key(int.from_bytes(d, "big"), curve_cls()))
        else:
            raise KeyMaterialError("key.unsupported", "only P-256, P-384 and Ed25519 private JWKs")
    except (CodecError, ValueError, TypeError) as exc:
        raise KeyMaterialError("key.file_invalid") from exc
    if public_jwk(key.public_key) != {k: jwk[k] for k in ("kty", "crv", "x", "y") if k in jwk}:
        raise KeyMaterialError("key.file_invalid", "the JWK's public part does not match d")
    return key


def public_jwk(key: AnyPublicKey) -> dict[str, str]:
    """The public JWK of a key, members in RFC 7638 order."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
    if isinstance(key, ec.EllipticCurvePublicKey):
        curve = _curve(key)
        size = _EC[curve][2]
        numbers = key.public_numbers()
        return {
            "kty": "EC",
            "crv": curve,
            "x": b64url_encode(numbers.x.to_bytes(size, "big")),
            "y": b64url_encode(numbers.y.to_bytes(size, "big")),
        }
    if isinstance(key, rsa.RSAPublicKey):
        numbers_rsa = key.public_numbers()
        return {
            "kty": "RSA",
            "e": b64url_encode(numbers_rsa.e.to_bytes((numbers_rsa.e.bit_length() + 7) // 8)),
            "n": b64url_encode(numbers_rsa.n.to_bytes((numbers_rsa.n.bit_length() + 7) // 8)),
        }
    raise KeyMaterialError("key.unsupported")


def public_key_from_jwk(jwk: Any) -> AnyPublicKey:
    """A public key from a JWK (EC P-256/P-384, OKP Ed25519 or RSA); private members ignored."""
    if not isinstance(jwk, dict):
        raise KeyMaterialError("key.file_invalid", "a JWK must be a JSON object")
    try:
        kty = jwk.get("kty")
        if kty == "OKP" and jwk.get("crv") == "Ed25519":
            return ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
        if kty == "EC" and jwk.get("crv") in _EC:
            curve_cls, _h, size = _EC[jwk["crv"]]
            x, y = b64url_decode(jwk["x"]), b64url_decode(jwk["y"])
            if len(x) != size or len(y) != size:
                raise KeyMaterialError("key.file_invalid", "coordinate has the wrong length")
            return ec.EllipticCurvePublicNumbers(
                int.from_bytes(x, "big"), int.from_bytes(y, "big"), curve_cls()
            ).public_key()
        if kty == "RSA":
            n = int.from_bytes(b64url_decode(jwk["n"]), "big")
            e = int.from_bytes(b64url_decode(jwk["e"]), "big")
            return rsa.RSAPublicNumbers(e, n).public_key()
    except (KeyError, CodecError, ValueError, TypeError) as exc:
        raise KeyMaterialError("key.file_invalid") from exc
    raise KeyMaterialError("key.unsupported", f"unsupported JWK kty/crv {kty!r}")


def jwk_thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638 JWK SHA-256 thumbprint, base64url."""
    required = {
        "EC": ("crv", "kty", "x", "y"),
        "OKP": ("crv", "kty", "x"),
        "RSA": ("e", "kty", "n"),
    }
    members = required.get(jwk.get("kty", ""))
    if members is None:
        raise KeyMaterialError("key.unsupported")
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(canonical.encode())
    return b64url_encode(digest.finalize())


def verify_signature(key: AnyPublicKey, signature: bytes, data: bytes) -> None:
    """Verify a raw signature by ``key`` over ``data``; raise ``proof.invalid_signature``.

    ECDSA takes P1363 ``r || s`` with the hash the curve implies (P-256 → SHA-256,
    P-384 → SHA-384); RSA takes PKCS#1 v1.5 with SHA-256 (RS256).
    """
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
            return
        if isinstance(key, ec.EllipticCurvePublicKey):
            _cls, hash_cls, size = _EC[_curve(key)]
            if len(signature) != 2 * size:
                raise ProofError("proof.invalid_signature", "signature has the wrong length")
            r = int.from_bytes(signature[:size], "big")
            s = int.from_bytes(signature[size:], "big")
            key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hash_cls()))
            return
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
            return
    except InvalidSignature as exc:
        raise ProofError("proof.invalid_signature") from exc
    raise KeyMaterialError("key.unsupported")


def _curve(key: ec.EllipticCurvePublicKey) -> str:
    name = _EC_BY_NAME.get(key.curve.name)
    if name is None:
        raise KeyMaterialError("key.unsupported", f"curve {key.curve.name} is not supported")
    return name
