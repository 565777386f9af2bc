"""The emulator's state directory: provisioning and PIN counters (JPKI.md, "PINs").

A real card keeps its PIN counters across power cycles, so the emulator keeps
them on disk. The directory holds::

    card.json       ATR, token label, PIN verifiers (salted PBKDF2), Kenhojo data (0600)
    counters.json   tries left per PIN, replaced atomically after every change
    auth.key.pem    the card's private keys (0600; a real card never reveals them)
    sign.key.pem
    auth.der        the certificates as the EFs hold them
    auth-ca.der
    sign.der
    sign-ca.der
    lock            held with ``flock`` while an emulator uses the directory

The PINs themselves are not stored, only verifiers. A PIN try is written to
disk *before* the PIN is compared, as a card decrements its counter first, so
killing the emulator mid-try never gives a try back.

The JSON files are read by :func:`vc_core.jsonio.read_json` with small limits, and a
counter must lie between 0 and the PIN's tries (a card's counter can neither go negative
nor exceed its maximum); anything else is ``card.emulator_state``.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from jpki_bridge.certs import CertKind, Sex
from jpki_bridge.kenhojo import BasicFour
from jpki_bridge.pin import PinKind
from jpki_bridge.pki import TestPki
from vc_core.errors import CardError, InputError
from vc_core.jsonio import DEFAULT_LIMITS, read_json

__all__ = ["DEFAULT_ATR", "DEFAULT_TOKEN_LABEL", "CardState"]


_PBKDF2_ROUNDS = 20_000
# card.json is about 1 KB; nothing in a state directory needs more than this.
_STATE_LIMITS = DEFAULT_LIMITS.with_max_bytes(64 * 1024)
_CERT_FILES = {
    CertKind.AUTH: ("auth.der", "auth-ca.der"),
    CertKind.SIGN: ("sign.der", "sign-ca.der"),
}


def _with_tck(atr: bytes) -> bytes:
    """Append the ATR check byte (XOR of T0 to the last historical byte)."""
    check = 0
    for byte in atr[1:]:
        check ^= byte
    return atr + bytes([check])


#: An ATR that is deliberately not in OpenSC's JPKI table, so drivers must
#: recognise the card by selecting the AID (T=1, historical bytes "SHIKAKU-EMU").
DEFAULT_ATR = _with_tck(bytes.fromhex("3B8B8001") + b"SHIKAKU-EMU")
#: The token label a physical card carries in EF 0006.
DEFAULT_TOKEN_LABEL = "JPKIAPICCTOKEN2"  # noqa: S105 (a label, not a secret)


@functools.lru_cache(maxsize=16)
def _card_key(pem: bytes) -> rsa.RSAPrivateKey:
    """Parse a card key, once per process for the same bytes.

    Loading an RSA key validates it (its primes are tested), which costs tens of
    milliseconds; the demo and the tests open the same card, or cards made from the same
    keys, many times over. The parsed key is immutable, so sharing it is safe.
    """
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("card keys are RSA")
    return key


class CardState:
    """An open state directory: the card's files, keys, PIN verifiers and counters."""

    def __init__(self, directory: Path) -> None:
        """Open ``directory`` and lock it; raise ``card.emulator_state`` if absent or in use."""
        self.directory = Path(directory)
        try:
            self._lock = open(self.directory / "lock", "a+b")  # noqa: SIM115 (held until close)
        except OSError as exc:
            raise CardError("card.emulator_state", f"no emulator state at {directory}") from exc
        try:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self._lock.close()
            raise CardError("card.emulator_state", f"{directory} is used by another card") from exc
        try:
            self._load()
        except (InputError, OSError, ValueError, KeyError, TypeError) as exc:
            self.close()
            message = f"cannot read emulator state {directory}"
            if isinstance(exc, InputError | TypeError):
                message += f" ({exc})"
            raise CardError("card.emulator_state", message) from exc

    def _load(self) -> None:
        card = read_json(self.directory / "card.json", limits=_STATE_LIMITS)
        self.atr = bytes.fromhex(card["atr"])
        self.token_label = str(card["token_label"])
        self._verifiers: dict[PinKind, dict[str, str]] = {
            kind: card["pins"][kind.value] for kind in PinKind
        }
        kenhojo = card["kenhojo"]
        self.basic_four = BasicFour(
            name=str(kenhojo["name"]),
            address=str(kenhojo["address"]),
            birth_date=_date(kenhojo["birth_date"]),
            sex=Sex(int(kenhojo["sex"])),
        )
        self.my_number = str(kenhojo["my_number"])
        self.certificates: dict[CertKind, tuple[bytes, bytes]] = {}
        self.keys: dict[CertKind, rsa.RSAPrivateKey] = {}
        for kind, (leaf, ca) in _CERT_FILES.items():
            self.certificates[kind] = (
                (self.directory / leaf).read_bytes(),
                (self.directory / ca).read_bytes(),
            )
            self.keys[kind] = _card_key((self.directory / f"{kind.value}.key.pem").read_bytes())
        counters = read_json(self.directory / "counters.json", limits=_STATE_LIMITS)
        self._counters = {kind: _counter(counters[kind.value], kind) for kind in PinKind}

    def close(self) -> None:
        """Release the directory lock (the counters are already on disk)."""
        if not self._lock.closed:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_UN)
            self._lock.close()

    def __enter__(self) -> CardState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def tries_left(self, kind: PinKind) -> int:
        """The PIN's counter: tries left before it blocks."""
        return self._counters[kind]

    def try_pin(self, kind: PinKind, candidate: bytes) -> bool:
        """Spend one try on ``candidate``; a match restores the counter. Both are persisted."""
        self._counters[kind] -= 1
        self._save_counters()
        verifier = self._verifiers[kind]
        digest = _pin_digest(candidate, bytes.fromhex(verifier["salt"]))
        if not hmac.compare_digest(digest.hex(), verifier["pbkdf2_sha256"]):
            return False
        self._counters[kind] = kind.max_tries
        self._save_counters()
        return True

    def _save_counters(self) -> None:
        data = json.dumps({kind.value: n for kind, n in self._counters.items()}).encode()
        path = self.directory / "counters.json"
        temporary = path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)

    @classmethod
    def provision(
        cls,
        directory: Path,
        pki: TestPki,
        *,
        atr: bytes | None = None,
        token_label: str = DEFAULT_TOKEN_LABEL,
        kenhojo_pin: str | None = None,
    ) -> None:
        """Write a fresh card for the test person of ``pki`` into a new or empty directory.

        The Kenhojo PIN defaults to the auth PIN, as most holders choose. A ``directory``
        that already holds a card, is a file or cannot be written is ``card.emulator_state``.
        """
        directory = Path(directory)
        try:
            cls._provision(
                directory, pki, atr=atr, token_label=token_label, kenhojo_pin=kenhojo_pin
            )
        except OSError as exc:
            raise CardError(
                "card.emulator_state", f"cannot write a card to {directory}: {exc.strerror}"
            ) from None

    @classmethod
    def _provision(
        cls,
        directory: Path,
        pki: TestPki,
        *,
        atr: bytes | None,
        token_label: str,
        kenhojo_pin: str | None,
    ) -> None:
        if (directory / "card.json").exists():
            raise CardError("card.emulator_state", f"{directory} already holds a card")
        directory.mkdir(parents=True, exist_ok=True)
        pins = {
            PinKind.AUTH: pki.auth_pin,
            PinKind.SIGN: pki.sign_pin,
            PinKind.KENHOJO: kenhojo_pin or pki.auth_pin,
        }
        verifiers: dict[str, Any] = {}
        for pin_kind, pin in pins.items():
            salt = secrets.token_bytes(16)
            verifiers[pin_kind.value] = {
                "salt": salt.hex(),
                "pbkdf2_sha256": _pin_digest(pin.encode("ascii"), salt).hex(),
            }
        person = pki.person
        card = {
            "version": 1,
            "atr": (atr or DEFAULT_ATR).hex().upper(),
            "token_label": token_label,
            "pins": verifiers,
            "kenhojo": {
                "name": person.name,
                "address": person.address,
                "birth_date": person.birth_date.isoformat(),
                "sex": int(person.sex),
                "my_number": person.my_number,
            },
        }
        _write(directory / "card.json", json.dumps(card, ensure_ascii=False).encode(), 0o600)
        for kind in CertKind:
            cert, key = pki.end_entity(kind)
            ca_cert, _ca_key = pki.ca(kind)
            leaf, ca = _CERT_FILES[kind]
            _write(directory / leaf, cert.public_bytes(serialization.Encoding.DER), 0o644)
            _write(directory / ca, ca_cert.public_bytes(serialization.Encoding.DER), 0o644)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            _write(directory / f"{kind.value}.key.pem", pem, 0o600)
        counters = {kind.value: kind.max_tries for kind in PinKind}
        _write(directory / "counters.json", json.dumps(counters).encode(), 0o600)


def _counter(value: Any, kind: PinKind) -> int:
    """A stored PIN counter: an integer from 0 (blocked) to the PIN's maximum tries."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= kind.max_tries:
        raise TypeError(f"the {kind.value} counter must be 0 to {kind.max_tries}")
    return value


def _pin_digest(pin: bytes, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", pin, salt, _PBKDF2_ROUNDS)


def _date(text: Any) -> dt.date:
    return dt.date.fromisoformat(str(text))


def _write(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
