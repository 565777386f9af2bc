"""The holder's wallet store: credentials and wallet keys in one encrypted file.

A nurse keeps her 看護師 credential (and any others) here between receiving it from the board
and presenting it to an employer. The store is one file, readable only by her user (0600):

.. code-block:: json

    {"format": "shikaku-wallet", "version": 1,
     "kdf": {"name": "argon2id", "salt": "…", "iterations": 3, "lanes": 4, "memory": 65536},
     "check": "…", "nonce": "…", "ciphertext": "…"}

- The key is derived from the passphrase with Argon2id (RFC 9106; 64 MiB, 3 passes, 4 lanes by
  default) and encrypts the contents with AES-256-GCM under a fresh 96-bit nonce on every
  write. Everything but the ciphertext is GCM's associated data, so the KDF parameters cannot
  be weakened without the tag failing.
- ``check`` is an HMAC of a fixed label under the derived key. It tells a wrong passphrase
  (``wallet.passphrase_incorrect``) from a damaged file (``wallet.store_corrupt``): a wrong
  passphrase fails the check; a right passphrase over damaged ciphertext fails the tag. It
  lets no one test passphrases any faster than the ciphertext already does.
- The contents are the stored credentials (:class:`StoredCredential`: the credential exactly as
  received, its form, qualification, issuer and last known status) and the private JWKs of the
  wallet keys, one new ES256 key per credential (HAIP), named by their JWK thumbprint. A PIN
  is never stored: card-mode credentials name the card, not a key.

Changes are safe against crashes and against a second shikaku process: each change takes an
exclusive lock (``fcntl.flock`` on ``<file>.lock``; another process waiting longer than the
timeout gets ``wallet.store_busy``), re-reads the file, applies the change, and replaces the
file atomically (write a temporary file, ``fsync``, ``rename``). A failed or interrupted write
leaves the previous store whole; a wrong passphrase or a damaged file changes nothing.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Final, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from vc_core.clock import Clock, system_clock
from vc_core.errors import InputError, KeyMaterialError, WalletError
from vc_core.jsonio import Limits, loads
from vc_core.keys import SoftwareKey, jwk_thumbprint, private_key_from_jwk, public_jwk

__all__ = ["KdfParams", "StoredCredential", "WalletStore"]

T = TypeVar("T")

FORMAT: Final = "shikaku-wallet"
VERSION: Final = 1
_CHECK_LABEL: Final = b"shikaku-wallet passphrase check v1"
_MAX_FILE: Final = 64 * 1024 * 1024
_LIMITS: Final = Limits(max_items=100_000).with_max_bytes(_MAX_FILE)


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters. The defaults follow RFC 9106's second recommended option
    (64 MiB); a file asking for more than 1 GiB or 10 passes is refused as damaged, so a
    crafted file cannot make ``open`` exhaust the machine."""

    salt: bytes = field(default_factory=lambda: secrets.token_bytes(16))
    iterations: int = 3
    lanes: int = 4
    memory: int = 64 * 1024  # KiB

    def derive(self, passphrase: str) -> bytes:
        return Argon2id(
            salt=self.salt,
            length=32,
            iterations=self.iterations,
            lanes=self.lanes,
            memory_cost=self.memory,
        ).derive(passphrase.encode())

    def to_json(self) -> dict[str, Any]:
        return {
            "name": "argon2id",
            "salt": _b64(self.salt),
            "iterations": self.iterations,
            "lanes": self.lanes,
            "memory": self.memory,
        }

    @classmethod
    def of_json(cls, value: Any) -> KdfParams:
        if not isinstance(value, dict) or value.get("name") != "argon2id":
            raise _corrupt("the key derivation is not Argon2id")
        iterations, lanes, memory = (value.get(k) for k in ("iterations", "lanes", "memory"))
        if not all(
            isinstance(v, int) and not isinstance(v, bool) for v in (iterations, lanes, memory)
        ):
            raise _corrupt("the key derivation parameters are not integers")
        assert isinstance(iterations, int) and isinstance(lanes, int) and isinstance(memory, int)
        if not (1 <= iterations <= 10 and 1 <= lanes <= 16 and 8 * lanes <= memory <= 1024 * 1024):
            raise _corrupt("the key derivation parameters are out of range")
        salt = _unb64(value.get("salt"), "salt")
        if len(salt) < 16:
            raise _corrupt("the salt is too short")
        return cls(salt=salt, iterations=iterations, lanes=lanes, memory=memory)


@dataclass(frozen=True)
class StoredCredential:
    """One credential as the wallet keeps it.

    ``body`` is the credential exactly as received: a compact SD-JWT or JWT, or the JSON text
    of a Data Integrity credential. ``key_id`` names the wallet key it is bound to (its JWK
    thumbprint) in wallet mode; card-mode credentials have none (the card holds the key).
    ``status`` is the last status check, as the verifier reported it, with when.
    """

    id: str
    format: str
    body: str
    received_at: str
    qualification: str | None = None
    issuer: str | None = None
    issuer_name: str | None = None
    holder_mode: str | None = None
    key_id: str | None = None
    status: dict[str, Any] | None = None

    @property
    def digest(self) -> str:
        """SHA-256 of the body: the same credential imported twice is kept once."""
        return hashlib.sha256(self.body.encode()).hexdigest()


@dataclass
class _Contents:
    credentials: list[StoredCredential]
    keys: dict[str, dict[str, str]]

    def to_json(self) -> dict[str, Any]:
        return {"credentials": [asdict(c) for c in self.credentials], "keys": self.keys}

    @classmethod
    def of_json(cls, value: Any) -> _Contents:
        try:
            credentials = [StoredCredential(**item) for item in value["credentials"]]
            keys = {str(k): dict(v) for k, v in value["keys"].items()}
        except (KeyError, TypeError, AttributeError) as exc:
            raise _corrupt("the contents are not a wallet's") from exc
        return cls(credentials, keys)


class WalletStore:
    """An open wallet file (see the module). Reads see the file as it was last read or
    written by this object; every change re-reads it under the lock first."""

    def __init__(
        self,
        path: Path,
        key: bytes,
        params: KdfParams,
        contents: _Contents,
        *,
        clock: Clock = system_clock,
        timeout: float = 10.0,
    ) -> None:
        self.path = path
        self._key = key
        self._params = params
        self._contents = contents
        self._clock = clock
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"WalletStore({str(self.path)!r}, {len(self._contents.credentials)} credentials)"

    # -- opening ---------------------------------------------------------------------------------

    @classmethod
    def init(
        cls,
        path: Path,
        passphrase: str,
        *,
        params: KdfParams | None = None,
        clock: Clock = system_clock,
        timeout: float = 10.0,
    ) -> WalletStore:
        """Make a new, empty wallet at ``path``; an existing one is never overwritten."""
        if not passphrase:
            raise WalletError("wallet.passphrase_incorrect", "a wallet needs a passphrase")
        params = params or KdfParams()
        store = cls(
            path, params.derive(passphrase), params, _Contents([], {}), clock=clock, timeout=timeout
        )
        with store._locked():
            if path.exists():
                raise WalletError("wallet.store_exists", f"{path} already holds a wallet")
            store._write(store._contents)
        return store

    @classmethod
    def open(
        cls, path: Path, passphrase: str, *, clock: Clock = system_clock, timeout: float = 10.0
    ) -> WalletStore:
        """Open the wallet at ``path``: ``wallet.store_missing``, ``wallet.passphrase_incorrect``
        or ``wallet.store_corrupt`` when it cannot; nothing is written."""
        envelope = _read_envelope(path)
        params = KdfParams.of_json(envelope.get("kdf"))
        key = params.derive(passphrase)
        contents = _decrypt(envelope, key)
        return cls(path, key, params, contents, clock=clock, timeout=timeout)

    # -- reading ---------------------------------------------------------------------------------

    def credentials(self) -> tuple[StoredCredential, ...]:
        """Every stored credential, in the order received."""
        return tuple(self._contents.credentials)

    def credential(self, credential_id: str) -> StoredCredential:
        """One credential by its id (a unique prefix of at least 4 characters will do)."""
        matches = [
            c
            for c in self._contents.credentials
            if c.id == credential_id or (len(credential_id) >= 4 and c.id.startswith(credential_id))
        ]
        exact = [c for c in matches if c.id == credential_id]
        if exact or len(matches) == 1:
            return (exact or matches)[0]
        raise WalletError(
            "wallet.credential_unknown", f"no single credential with id {credential_id[:40]!r}"
        )

    def key(self, key_id: str) -> SoftwareKey:
        """The wallet key ``key_id`` (its JWK thumbprint)."""
        jwk = self._contents.keys.get(key_id)
        if jwk is None:
            raise KeyMaterialError("key.private_missing", f"the wallet holds no key {key_id[:16]}")
        return private_key_from_jwk(jwk)

    # -- changing --------------------------------------------------------------------------------

    def add(
        self,
        body: str,
        *,
        format: str,
        qualification: str | None = None,
        issuer: str | None = None,
        issuer_name: str | None = None,
        holder_mode: str | None = None,
        key: SoftwareKey | None = None,
    ) -> StoredCredential:
        """Store a credential (and its wallet key); the same body twice is stored once."""
        key_id = jwk_thumbprint(public_jwk(key.public_key)) if key is not None else None
        candidate = StoredCredential(
            id=secrets.token_hex(8),
            format=format,
            body=body,
            received_at=self._clock().isoformat(),
            qualification=qualification,
            issuer=issuer,
            issuer_name=issuer_name,
            holder_mode=holder_mode,
            key_id=key_id,
        )

        def change(contents: _Contents) -> StoredCredential:
            for existing in contents.credentials:
                if existing.digest == candidate.digest:
                    return existing
            if key is not None and key_id is not None:
                contents.keys[key_id] = key.private_jwk()
            contents.credentials.append(candidate)
            return candidate

        return self._change(change)

    def set_status(self, credential_id: str, status: dict[str, Any]) -> StoredCredential:
        """Record the last status check of a credential, with when it was made."""
        target = self.credential(credential_id).id
        checked = {**status, "checkedAt": self._clock().isoformat()}

        def change(contents: _Contents) -> StoredCredential:
            for i, existing in enumerate(contents.credentials):
                if existing.id == target:
                    contents.credentials[i] = replace(existing, status=checked)
                    return contents.credentials[i]
            raise WalletError("wallet.credential_unknown", f"no credential {target}")

        return self._change(change)

    def delete(self, credential_id: str) -> StoredCredential:
        """Remove a credential and the wallet key only it used."""
        target = self.credential(credential_id).id

        def change(contents: _Contents) -> StoredCredential:
            kept = [c for c in contents.credentials if c.id != target]
            gone = [c for c in contents.credentials if c.id == target]
            if not gone:
                raise WalletError("wallet.credential_unknown", f"no credential {target}")
            used = {c.key_id for c in kept}
            if gone[0].key_id is not None and gone[0].key_id not in used:
                contents.keys.pop(gone[0].key_id, None)
            contents.credentials[:] = kept
            return gone[0]

        return self._change(change)

    def export_to(self, path: Path, passphrase: str, *, params: KdfParams | None = None) -> int:
        """Write a backup: a new wallet file at ``path`` under its own passphrase holding
        everything this one holds. Never overwrites; returns the number of credentials."""
        backup = WalletStore.init(path, passphrase, params=params, clock=self._clock)
        with self._locked():
            contents = self._reload()
        backup._change(lambda target: _merge(target, contents))
        return len(contents.credentials)

    def import_from(self, path: Path, passphrase: str) -> int:
        """Merge a backup (or another wallet) into this one; returns how many were new."""
        source = WalletStore.open(path, passphrase, clock=self._clock)
        return self._change(lambda target: _merge(target, source._contents))

    # -- the file --------------------------------------------------------------------------------

    def _change(self, change: Callable[[_Contents], T]) -> T:
        with self._locked():
            contents = self._reload()
            result = change(contents)
            self._write(contents)
            self._contents = contents
            return result

    def _reload(self) -> _Contents:
        envelope = _read_envelope(self.path)
        if KdfParams.of_json(envelope.get("kdf")) != self._params:
            raise _corrupt("the wallet was replaced by another since it was opened")
        return _decrypt(envelope, self._key)

    def _write(self, contents: _Contents) -> None:
        header: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "kdf": self._params.to_json(),
            "check": _b64(_check(self._key)),
            "nonce": _b64(secrets.token_bytes(12)),
        }
        plaintext = json.dumps(contents.to_json(), ensure_ascii=False).encode()
        ciphertext = AESGCM(self._key).encrypt(
            _unb64(header["nonce"], "nonce"), plaintext, _aad(header)
        )
        data = json.dumps({**header, "ciphertext": _b64(ciphertext)}).encode()
        temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise InputError(
                "input.unwritable", f"cannot write {self.path}: {exc.strerror}"
            ) from None

    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(
                self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600
            )
        except OSError as exc:
            raise InputError(
                "input.unwritable", f"cannot lock {self.path}: {exc.strerror}"
            ) from None
        try:
            deadline = time.monotonic() + self._timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise WalletError(
                            "wallet.store_busy", f"another process holds {self.path}"
                        ) from None
                    time.sleep(0.05)
            yield
        finally:
            os.close(fd)  # Closing the descriptor releases the lock.


def _merge(target: _Contents, source: _Contents) -> int:
    known = {c.digest for c in target.credentials}
    added = 0
    for credential in source.credentials:
        if credential.digest in known:
            continue
        if credential.key_id is not None and credential.key_id in source.keys:
            target.keys[credential.key_id] = source.keys[credential.key_id]
        target.credentials.append(credential)
        known.add(credential.digest)
        added += 1
    return added


def _read_envelope(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise WalletError("wallet.store_missing", f"no wallet at {path}") from None
    except OSError as exc:
        raise InputError("input.unreadable", f"cannot read {path}: {exc.strerror}") from None
    if len(data) > _MAX_FILE:
        raise _corrupt("the file is larger than any wallet")
    try:
        envelope = loads(data, limits=_LIMITS)
    except InputError as exc:
        raise _corrupt("the file is not JSON") from exc
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise _corrupt("the file is not a shikaku wallet")
    if envelope.get("version") != VERSION:
        raise _corrupt(f"wallet version {envelope.get('version')!r} is not one this shikaku reads")
    return envelope


def _decrypt(envelope: dict[str, Any], key: bytes) -> _Contents:
    if not hmac.compare_digest(_check(key), _unb64(envelope.get("check"), "check")):
        raise WalletError("wallet.passphrase_incorrect", "the passphrase does not open this wallet")
    header = {k: v for k, v in envelope.items() if k != "ciphertext"}
    try:
        plaintext = AESGCM(key).decrypt(
            _unb64(envelope.get("nonce"), "nonce"),
            _unb64(envelope.get("ciphertext"), "ciphertext"),
            _aad(header),
        )
    except InvalidTag:
        raise _corrupt("the contents fail their integrity check") from None
    try:
        return _Contents.of_json(loads(plaintext, limits=_LIMITS))
    except InputError as exc:
        raise _corrupt("the contents are not JSON") from exc


def _check(key: bytes) -> bytes:
    return hmac.new(key, _CHECK_LABEL, hashlib.sha256).digest()


def _aad(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(value: Any, name: str) -> bytes:
    if not isinstance(value, str):
        raise _corrupt(f"the {name} is missing")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError:
        raise _corrupt(f"the {name} is not base64url") from None


def _corrupt(message: str) -> WalletError:
    return WalletError("wallet.store_corrupt", message)
