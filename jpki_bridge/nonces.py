"""What the binding protocol needs from a nonce store: issue a challenge, consume it once.

A verifier (or an issuer enrolling a card) issues a :class:`~jpki_bridge.challenge.Challenge`
with :func:`issue_challenge`, which asks a :class:`NonceStore` for a fresh nonce bound to the
verifier's origin and the purpose; :func:`~jpki_bridge.binding.verify_proof` consumes it with
:func:`consume_challenge` when the card's proof comes back (JPKI.md, binding; ARCHITECTURE.md,
"Services and storage"). The store's ``nonce.*`` codes become the binding's own:

- a nonce never issued (or purged) → ``card.nonce_unknown``;
- a nonce already consumed → ``card.nonce_reused``;
- a nonce past its expiry → ``card.challenge_expired`` (and it is used up);
- a nonce issued for another origin or purpose → ``card.audience_mismatch`` or
  ``card.purpose_mismatch`` (used up as well).

The stores themselves, in memory and in SQL, are :mod:`service_kit.nonces`, beside the
databases the services own: jpki_bridge only names the protocol they satisfy, so it never
imports SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from jpki_bridge.challenge import Challenge, canonical_origin, check_purpose
from vc_core.errors import CardError, NonceError

__all__ = ["IssuedNonce", "NonceStore", "consume_challenge", "issue_challenge"]

_CARD_CODES = {
    "nonce.unknown": "card.nonce_unknown",
    "nonce.reused": "card.nonce_reused",
    "nonce.expired": "card.challenge_expired",
}


class IssuedNonce(Protocol):
    """A nonce as a store issued it."""

    @property
    def value(self) -> str: ...
    @property
    def audience(self) -> str: ...
    @property
    def purpose(self) -> str: ...
    @property
    def issued_at(self) -> dt.datetime: ...
    @property
    def expires_at(self) -> dt.datetime: ...


class NonceStore(Protocol):
    """The part of :class:`service_kit.nonces.NonceStore` the binding protocol uses."""

    def issue(
        self, *, audience: str, purpose: str, ttl: dt.timedelta, now: dt.datetime
    ) -> IssuedNonce: ...

    def consume(
        self, value: str, *, audience: str | None, purpose: str, now: dt.datetime
    ) -> IssuedNonce: ...


def issue_challenge(
    store: NonceStore,
    audience: str,
    purpose: str,
    *,
    now: dt.datetime,
    ttl: dt.timedelta = dt.timedelta(minutes=5),
) -> Challenge:
    """A fresh challenge for ``audience`` (an origin) and ``purpose``, kept in ``store``."""
    origin = canonical_origin(audience)
    nonce = store.issue(audience=origin, purpose=check_purpose(purpose), ttl=ttl, now=now)
    return _challenge(nonce)


def consume_challenge(
    store: NonceStore, nonce: str, *, audience: str, purpose: str, now: dt.datetime
) -> Challenge:
    """Use up the challenge of ``nonce``, issued for ``audience`` (an origin) and ``purpose``."""
    try:
        issued = store.consume(nonce, audience=audience, purpose=purpose, now=now)
    except NonceError as exc:
        if exc.code == "nonce.mismatch":
            field = exc.details.get("field")
            code = "card.purpose_mismatch" if field == "purpose" else "card.audience_mismatch"
            raise CardError(
                code, f"the nonce was issued for another {field or 'audience'}"
            ) from exc
        raise CardError(_CARD_CODES[exc.code], **exc.details) from exc
    return _challenge(issued)


def _challenge(nonce: IssuedNonce) -> Challenge:
    return Challenge(nonce.value, nonce.audience, nonce.purpose, nonce.issued_at, nonce.expires_at)
