"""Binding challenges: nonce, audience (origin), purpose, expiry (see jpki_bridge.binding).

A :class:`Challenge` is what a verifier asks the card to sign. Its audience is
kept in canonical origin form (:func:`canonical_origin`), its nonce is
unpadded base64url of at least 16 random bytes, and its purpose a lower-case
token that cannot contain ``:``; :mod:`jpki_bridge.binding` defines the exact
bytes signed over them.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from vc_core.codecs import b64url_encode
from vc_core.errors import CardError

__all__ = ["Challenge", "canonical_origin", "check_nonce", "check_purpose"]

_PURPOSE = re.compile(r"[a-z0-9][a-z0-9.-]{0,63}")
_NONCE = re.compile(r"[A-Za-z0-9_-]{22,128}")
_DEFAULT_PORTS = {"https": 443, "http": 80}


def canonical_origin(url: str) -> str:
    """The canonical origin of ``url`` (see the module docstring); ``card.challenge_invalid``."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise CardError("card.challenge_invalid", "the audience is not a URL") from exc
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host:
        raise CardError("card.challenge_invalid", "the audience must be an http(s) origin")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise CardError("card.challenge_invalid", "the audience must be an origin, not a URL")
    if parts.path not in ("", "/"):
        raise CardError("card.challenge_invalid", "the audience must be an origin, without path")
    if ":" in host:
        host = f"[{host}]"
    suffix = "" if port is None or port == _DEFAULT_PORTS[scheme] else f":{port}"
    return f"{scheme}://{host}{suffix}"


def check_purpose(purpose: str) -> str:
    """Return ``purpose`` if it is a lower-case token; ``card.challenge_invalid`` otherwise."""
    if not isinstance(purpose, str) or _PURPOSE.fullmatch(purpose) is None:
        raise CardError("card.challenge_invalid", "the purpose is not a lower-case token")
    return purpose


def check_nonce(nonce: str) -> str:
    """Return ``nonce`` if it is base64url of 16 to 96 bytes; ``card.challenge_invalid``."""
    if not isinstance(nonce, str) or _NONCE.fullmatch(nonce) is None:
        raise CardError("card.challenge_invalid", "the nonce is not base64url of 16+ bytes")
    return nonce


@dataclass(frozen=True)
class Challenge:
    """What a verifier asks the card to sign: nonce, audience, purpose, validity."""

    nonce: str
    audience: str
    purpose: str
    issued_at: dt.datetime
    expires_at: dt.datetime

    def __post_init__(self) -> None:
        check_nonce(self.nonce)
        object.__setattr__(self, "audience", canonical_origin(self.audience))
        check_purpose(self.purpose)
        if self.issued_at.tzinfo is None or self.expires_at.tzinfo is None:
            raise CardError("card.challenge_invalid", "challenge times must be timezone-aware")
        if self.expires_at <= self.issued_at:
            raise CardError("card.challenge_invalid", "the challenge expires before it is issued")

    @classmethod
    def new(
        cls,
        audience: str,
        purpose: str,
        *,
        now: dt.datetime,
        ttl: dt.timedelta = dt.timedelta(minutes=5),
        random: Callable[[int], bytes] = secrets.token_bytes,
    ) -> Challenge:
        """A fresh challenge with a 32-byte random nonce."""
        return cls(b64url_encode(random(32)), audience, purpose, now, now + ttl)

    def to_json(self) -> dict[str, str]:
        """The challenge as the verifier sends it to the holder."""
        return {
            "nonce": self.nonce,
            "audience": self.audience,
            "purpose": self.purpose,
            "issued_at": self.issued_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
        }
