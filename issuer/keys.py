"""The board's signing keys: encrypted key files and PKCS#11 tokens, behind one ``Signer``.

A qualification board signs every credential and status list with one key, and that key is
the board's identity (its ``did:key``, or the key its ``did:web`` document names). Whatever
holds it, the rest of shikaku sees a :class:`vc_core.keys.Signer`: ``algorithm``,
``public_key`` and ``sign(message)``.

Encrypted key files (the default)
=================================

``shikaku issuer keygen`` writes a PKCS#8 PEM file encrypted with a passphrase
(``-----BEGIN ENCRYPTED PRIVATE KEY-----``; cryptography's ``BestAvailableEncryption``,
currently PBES2 with scrypt and AES-256-CBC), for a P-256 (ES256) or Ed25519 (EdDSA) key. The
file is created with mode 0600 and never overwrites anything (``input.unwritable``). The
passphrase comes from the ``signing_key_passphrase`` setting (a secret) or is asked for by
the CLI; it is never logged or shown. A wrong passphrase is ``key.passphrase_incorrect``, an
encrypted file without one ``key.passphrase_missing``. PKCS#8 cannot tell a wrong passphrase
from a damaged file, so the message says both.

The older private-JWK files (:meth:`vc_core.keys.SoftwareKey.save`) are still read, as is an
unencrypted PKCS#8 PEM: ``signing_key`` may name any of them; the content decides.

PKCS#11 (hardware security modules)
===================================

:class:`Pkcs11Signer` signs with a private key that never leaves a PKCS#11 token (an HSM, or
SoftHSM2 in tests), through python-pkcs11. The token is found by its label, the key by its
``CKA_LABEL`` (the public key object with the same label gives the public key).

- EC P-256: ``CKM_ECDSA`` over the SHA-256 digest of the message, which shikaku computes
  (``sign(data)`` takes the message, as every ``Signer`` does; many tokens, SoftHSM2 among
  them, offer no ``CKM_ECDSA_SHA256``). The token returns the raw ``r || s`` that JOSE and
  Data Integrity use.
- Ed25519: ``CKM_EDDSA`` (PKCS#11 3.0) over the message itself. SoftHSM2 2.6 supports it
  when built against OpenSSL 1.1.1 or later, as Debian's package is.

The user PIN is a secret: it logs in once, when the signer opens, and a wrong PIN is
``key.pkcs11_pin_incorrect`` with nothing retried — a token locks itself after a few wrong
PINs, so shikaku never spends a second try on its own. One session is kept open for the
signer's life and used under a lock (a PKCS#11 session serves one thread at a time);
:meth:`Pkcs11Signer.close` logs out.

Choosing
========

:func:`open_signer` reads :class:`~issuer.settings.IssuerSettings`: a PKCS#11 module when
``pkcs11_module`` is set, else the ``signing_key`` file, else — in ``development`` only — the
board's own key in its data directory, made on first start: an encrypted PEM
(``issuer-signing-key.pem``) when ``signing_key_passphrase`` is set, otherwise the plain JWK
file (``issuer-signing-key.jwk``, mode 0600) ``make demo`` has always used, because a
development board started on a bare machine has no passphrase to encrypt with. A board outside
development with neither refuses to start (``config.invalid``).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from pydantic import SecretStr

from vc_core.did import did_key_from_public_key
from vc_core.errors import ConfigError, InputError, KeyMaterialError
from vc_core.keys import (
    AnyPublicKey,
    KeyType,
    Signer,
    SoftwareKey,
    generate_key,
    jwk_thumbprint,
    load_key,
    public_jwk,
    write_key_file,
)

if TYPE_CHECKING:
    from issuer.settings import IssuerSettings

__all__ = [
    "BOARD_KEY_TYPES",
    "KeyInfo",
    "Pkcs11Signer",
    "is_encrypted",
    "key_info",
    "load_signing_key",
    "open_signer",
    "save_encrypted",
]

#: The key types a board signs with (the CLI's ``--type``).
BOARD_KEY_TYPES: Final[dict[str, KeyType]] = {"p256": "p256", "ed25519": "ed25519"}
#: A key file is a few hundred bytes; anything much larger is not one.
_MAX_KEY_FILE: Final = 64 * 1024
_ENCRYPTED_PEM: Final = b"-----BEGIN ENCRYPTED PRIVATE KEY-----"
_ED25519_OID_DER: Final = bytes.fromhex("06032b6570")  # OBJECT IDENTIFIER 1.3.101.112
_P256_OID_DER: Final = bytes.fromhex("06082a8648ce3d030107")  # OBJECT IDENTIFIER prime256v1


def _secret(value: str | SecretStr) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


# -- encrypted key files -------------------------------------------------------------------------


def save_encrypted(key: SoftwareKey, path: Path, passphrase: str | SecretStr) -> None:
    """Write ``key`` to ``path`` as PKCS#8 PEM encrypted with ``passphrase``, mode 0600.

    Never overwrites: an existing ``path`` (or a folder that cannot be written) is
    ``input.unwritable``. An empty passphrase is ``key.passphrase_missing``.
    """
    secret = _secret(passphrase)
    if not secret:
        raise KeyMaterialError("key.passphrase_missing", "an empty passphrase encrypts nothing")
    data = key.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(secret.encode("utf-8")),
    )
    write_key_file(path, data)


def _read_key_file(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(_MAX_KEY_FILE + 1)
    except FileNotFoundError:
        raise InputError("input.unreadable", f"{path} does not exist") from None
    except OSError as exc:
        raise InputError("input.unreadable", f"cannot read {path}: {exc.strerror}") from None
    if len(data) > _MAX_KEY_FILE:
        raise KeyMaterialError("key.file_invalid", f"{path} is too large to be a key file")
    return data


def is_encrypted(path: Path) -> bool:
    """Whether ``path`` is an encrypted PKCS#8 PEM key file (it needs a passphrase)."""
    return _read_key_file(path).lstrip().startswith(_ENCRYPTED_PEM)


def load_signing_key(
    path: Path, passphrase: str | SecretStr | Callable[[], str] | None = None
) -> SoftwareKey:
    """The key in ``path``: an encrypted or plain PKCS#8 PEM, or a private JWK file.

    ``passphrase`` may be a callable (the CLI's prompt): it is called once, and only when the
    file is encrypted. Errors: ``key.passphrase_missing``, ``key.passphrase_incorrect``,
    ``key.file_invalid``, ``key.unsupported`` and the ``input.*`` codes of reading the file.
    """
    data = _read_key_file(path)
    if not data.lstrip().startswith(b"-----BEGIN"):
        return load_key(path)
    password: bytes | None = None
    if data.lstrip().startswith(_ENCRYPTED_PEM):
        secret = passphrase() if callable(passphrase) else passphrase
        if secret is None or not _secret(secret):
            raise KeyMaterialError(
                "key.passphrase_missing", f"{path} is encrypted; its passphrase is needed"
            )
        password = _secret(secret).encode("utf-8")
    try:
        private = serialization.load_pem_private_key(data, password=password)
    except TypeError as exc:  # A passphrase for a plain file, or the reverse.
        raise KeyMaterialError("key.file_invalid", f"{path}: {exc}") from None
    except ValueError:
        if password is not None:
            raise KeyMaterialError(
                "key.passphrase_incorrect",
                f"cannot decrypt {path}: the passphrase is incorrect (or the file is damaged)",
            ) from None
        raise KeyMaterialError("key.file_invalid", f"{path} is not a PKCS#8 key") from None
    if isinstance(private, ed25519.Ed25519PrivateKey):
        return SoftwareKey(private)
    if isinstance(private, ec.EllipticCurvePrivateKey) and private.curve.name in (
        "secp256r1",
        "secp384r1",
    ):
        return SoftwareKey(private)
    raise KeyMaterialError("key.unsupported", "a board key is P-256, P-384 or Ed25519")


# -- PKCS#11 -------------------------------------------------------------------------------------


class Pkcs11Signer:
    """A private key on a PKCS#11 token; a :class:`~vc_core.keys.Signer` (see the module)."""

    def __init__(
        self, module_path: str | Path, token_label: str, key_label: str, pin: str | SecretStr
    ) -> None:
        # python-pkcs11 loads a C library: imported here, so the CLI starts without it.
        import pkcs11  # noqa: PLC0415
        from pkcs11 import exceptions as p11  # noqa: PLC0415

        self._token_label = token_label
        self._key_label = key_label
        self._lock = threading.Lock()
        try:
            library = pkcs11.lib(str(module_path))
            token = library.get_token(token_label=token_label)
        except (p11.NoSuchToken, p11.MultipleTokensReturned) as exc:
            raise KeyMaterialError(
                "key.pkcs11_unavailable", f"no single PKCS#11 token labelled {token_label!r}"
            ) from exc
        except (RuntimeError, OSError, p11.PKCS11Error) as exc:
            raise KeyMaterialError(
                "key.pkcs11_unavailable", f"cannot load the PKCS#11 module {module_path}"
            ) from exc
        try:
            # One login; a wrong PIN is reported, never tried again (see the module).
            self._session = token.open(user_pin=_secret(pin))
        except (p11.PinIncorrect, p11.PinInvalid, p11.PinLenRange) as exc:
            raise KeyMaterialError(
                "key.pkcs11_pin_incorrect",
                f"the token {token_label!r} refused the PIN; shikaku does not try again",
            ) from exc
        except p11.PinLocked as exc:
            raise KeyMaterialError(
                "key.pkcs11_pin_incorrect", f"the token {token_label!r} has locked its PIN"
            ) from exc
        except p11.PKCS11Error as exc:
            raise KeyMaterialError(
                "key.pkcs11_unavailable", f"cannot open a session on {token_label!r}"
            ) from exc
        try:
            self._private, self._public_key, self._algorithm = self._find_key()
        except BaseException:
            self._session.close()
            raise
        self._closed = False

    def _find_key(self) -> tuple[Any, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey, str]:
        from pkcs11 import Attribute, KeyType, ObjectClass  # noqa: PLC0415
        from pkcs11 import exceptions as p11  # noqa: PLC0415

        def one(object_class: Any) -> Any:
            try:
                return self._session.get_key(object_class=object_class, label=self._key_label)
            except (p11.NoSuchKey, p11.MultipleObjectsReturned) as exc:
                raise KeyMaterialError(
                    "key.pkcs11_unavailable",
                    f"no single {object_class.name.lower()} key labelled {self._key_label!r} "
                    f"on {self._token_label!r}",
                ) from exc

        private, public = one(ObjectClass.PRIVATE_KEY), one(ObjectClass.PUBLIC_KEY)
        params = bytes(public[Attribute.EC_PARAMS])
        point = _der_octet_string(bytes(public[Attribute.EC_POINT]))
        try:
            if private.key_type == KeyType.EC_EDWARDS and params == _ED25519_OID_DER:
                return private, ed25519.Ed25519PublicKey.from_public_bytes(point), "EdDSA"
            if private.key_type == KeyType.EC and params == _P256_OID_DER:
                key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
                return private, key, "ES256"
        except ValueError as exc:
            raise KeyMaterialError(
                "key.file_invalid", "the token's public key is malformed"
            ) from exc
        raise KeyMaterialError("key.unsupported", "a PKCS#11 board key is EC P-256 or Ed25519")

    def __repr__(self) -> str:
        return f"Pkcs11Signer({self._algorithm}, {self._token_label!r}/{self._key_label!r})"

    @property
    def algorithm(self) -> str:
        return self._algorithm

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey:
        return self._public_key

    def sign(self, data: bytes) -> bytes:
        """Sign the message ``data``: ES256 as raw ``r || s``, EdDSA as its 64 bytes."""
        from pkcs11 import Mechanism  # noqa: PLC0415
        from pkcs11 import exceptions as p11  # noqa: PLC0415

        with self._lock:
            if self._closed:
                raise KeyMaterialError("key.pkcs11_unavailable", "the PKCS#11 signer is closed")
            try:
                if self._algorithm == "EdDSA":
                    return bytes(self._private.sign(data, mechanism=Mechanism.EDDSA))
                digest = hashlib.sha256(data).digest()
                return bytes(self._private.sign(digest, mechanism=Mechanism.ECDSA))
            except p11.PKCS11Error as exc:
                raise KeyMaterialError(
                    "key.pkcs11_unavailable", f"the token refused to sign ({type(exc).__name__})"
                ) from exc

    def close(self) -> None:
        """Log out and close the session (idempotent)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._session.close()

    def __enter__(self) -> Pkcs11Signer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _der_octet_string(value: bytes) -> bytes:
    """The content of a DER OCTET STRING (``CKA_EC_POINT``); raw bytes pass through."""
    if len(value) >= 2 and value[0] == 0x04:
        length, start = value[1], 2
        if length & 0x80:
            count = length & 0x7F
            length, start = int.from_bytes(value[2 : 2 + count], "big"), 2 + count
        if start + length == len(value):
            return value[start:]
    return value


# -- choosing ------------------------------------------------------------------------------------


def open_signer(settings: IssuerSettings, *, passphrase: Callable[[], str] | None = None) -> Signer:
    """The board's signer as ``settings`` describe it (module docstring, "Choosing").

    ``passphrase`` asks for the key file's passphrase when the settings hold none (the CLI
    prompts once; nothing retries).
    """
    if settings.pkcs11_module is not None:
        missing = [
            name
            for name in ("pkcs11_token", "pkcs11_key_label", "pkcs11_pin")
            if getattr(settings, name) is None
        ]
        if missing:
            raise ConfigError(
                "config.invalid", f"pkcs11_module is set; {', '.join(missing)} must be set too"
            )
        assert settings.pkcs11_token is not None
        assert settings.pkcs11_key_label is not None
        assert settings.pkcs11_pin is not None
        return Pkcs11Signer(
            settings.pkcs11_module,
            settings.pkcs11_token,
            settings.pkcs11_key_label,
            settings.pkcs11_pin,
        )
    secret: str | SecretStr | Callable[[], str] | None = (
        settings.signing_key_passphrase or passphrase
    )
    if settings.signing_key is not None:
        return load_signing_key(settings.signing_key, secret)
    if settings.environment != "development":
        raise ConfigError(
            "config.invalid",
            "signing_key: a board outside development needs its signing key "
            "(a key file or a PKCS#11 token)",
        )
    return _development_key(settings)


def _development_key(settings: IssuerSettings) -> SoftwareKey:
    encrypted = settings.signing_key_passphrase
    path = settings.development_key_path
    if encrypted is not None:
        path = path.with_suffix(".pem")
    if path.is_file():
        return load_signing_key(path, encrypted)
    key = generate_key("p256")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if encrypted is not None:
            save_encrypted(key, path, encrypted)
        else:
            key.save(path)
    except InputError:  # Another process made it first: use that one.
        return load_signing_key(path, encrypted)
    return key


# -- what may be shown ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyInfo:
    """A signer's public facts: never private material."""

    algorithm: str
    public_jwk: dict[str, str]
    did_key: str
    thumbprint: str

    def to_json(self) -> dict[str, Any]:
        return {
            "algorithm": self.algorithm,
            "publicJwk": self.public_jwk,
            "didKey": self.did_key,
            "jwkThumbprint": self.thumbprint,
        }


def key_info(signer: Signer) -> KeyInfo:
    """The public JWK, ``did:key`` and RFC 7638 thumbprint of ``signer``'s key."""
    key: AnyPublicKey = signer.public_key
    jwk = public_jwk(key)
    return KeyInfo(signer.algorithm, jwk, did_key_from_public_key(key), jwk_thumbprint(jwk))
