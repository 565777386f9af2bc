"""Who the board signs as: its DID, its verification method, and the keys its did:web lists.

A board is either the did:key of its signing key (the default) or, with ``did_method =
"web"``, the did:web of its ``public_url`` host (did:web method spec §3.1: ``did:web:<host>``,
a port written ``%3A<port>``, a path as ``:``-separated segments). A did:web verification
method is ``<did>#<JWK thumbprint of the key>`` (RFC 7638), so each key keeps its own id
across rotations.

Key rotation: the board records each key it starts with in ``board_keys`` (revision
``i0004``). When a key is no longer among the current ones it is *retired*, not forgotten:
:meth:`KeyHistory.listed` keeps it in the did:web document until ``keep_until`` (the
``retired_key_days`` setting after retirement; never, without one), because credentials it
signed remain valid and their verifiers resolve it from that document.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import quote, urlsplit

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from issuer.status.models import UTCDateTime
from issuer.store import BoardStore
from issuer.store.models import Base
from vc_core.did import did_key_from_public_key
from vc_core.errors import ConfigError
from vc_core.keys import AnyPublicKey, Signer, jwk_thumbprint, public_jwk, public_key_from_jwk

__all__ = ["Identity", "KeyHistory", "KeyRow", "did_web_of", "identity_of"]


class KeyRow(Base):
    __tablename__ = "board_keys"

    verification_method: Mapped[str] = mapped_column(String(600), primary_key=True)
    did: Mapped[str] = mapped_column(String(500), index=True)
    public_jwk: Mapped[str] = mapped_column(Text)
    first_used: Mapped[datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    keep_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


@dataclass(frozen=True)
class Identity:
    """A DID and the verification method a key signs under for it."""

    did: str
    verification_method: str
    public_key: AnyPublicKey

    @property
    def is_web(self) -> bool:
        return self.did.startswith("did:web:")

    @property
    def fragment(self) -> str:
        return self.verification_method.partition("#")[2]


def did_web_of(public_url: str) -> str:
    """The did:web naming ``public_url``'s host (and port, and path)."""
    parts = urlsplit(public_url)
    if not parts.hostname:
        raise ConfigError("config.invalid", "public_url: a did:web board needs a host")
    host = parts.hostname + (f"%3A{parts.port}" if parts.port else "")
    segments = [quote(s, safe="") for s in parts.path.split("/") if s]
    return ":".join(["did:web", host, *segments])


def identity_of(signer: Signer, method: Literal["key", "web"], public_url: str) -> Identity:
    """The identity ``signer`` signs under for a board at ``public_url``."""
    key = signer.public_key
    if method == "key":
        did = did_key_from_public_key(key)
        return Identity(did, f"{did}#{did.removeprefix('did:key:')}", key)
    did = did_web_of(public_url)
    return Identity(did, f"{did}#{jwk_thumbprint(public_jwk(key))}", key)


class KeyHistory:
    """The ``board_keys`` table: record current did:web keys, list those still published."""

    def __init__(self, store: BoardStore) -> None:
        self.store = store

    def record(
        self, current: Sequence[Identity], now: datetime, retention: timedelta | None
    ) -> None:
        """Make ``current`` the did:web keys in use; retire any other key of their DIDs."""
        webs = [identity for identity in current if identity.is_web]
        if not webs:
            return
        in_use = {identity.verification_method for identity in webs}

        def work(session: Session) -> None:
            rows = {
                row.verification_method: row
                for row in session.scalars(
                    select(KeyRow).where(KeyRow.did.in_({i.did for i in webs})).with_for_update()
                )
            }
            for identity in webs:
                row = rows.get(identity.verification_method)
                if row is None:
                    session.add(
                        KeyRow(
                            verification_method=identity.verification_method,
                            did=identity.did,
                            public_jwk=json.dumps(public_jwk(identity.public_key)),
                            first_used=now,
                        )
                    )
                elif row.retired_at is not None:  # A key brought back into use.
                    row.retired_at = row.keep_until = None
            for method, row in rows.items():
                if method not in in_use and row.retired_at is None:
                    row.retired_at = now
                    row.keep_until = None if retention is None else now + retention

        # Every instance of a board records its keys as it starts: two starting together both
        # find no row and insert it; the second, run again, finds the first's.
        self.store.transact(work, retry_unique=True)

    def listed(self, did: str, now: datetime) -> list[tuple[str, AnyPublicKey]]:
        """``(fragment, key)`` of each key the did:web document lists: current, then retired
        ones whose credentials may still be valid, oldest first."""

        def work(session: Session) -> list[tuple[str, str, bool]]:
            query = select(KeyRow).where(KeyRow.did == did).order_by(KeyRow.first_used)
            return [
                (r.verification_method, r.public_jwk, r.retired_at is None)
                for r in session.scalars(query)
                if r.keep_until is None or r.keep_until > now
            ]

        rows = self.store.transact(work)
        ordered = [r for r in rows if r[2]] + [r for r in rows if not r[2]]
        return [
            (method.partition("#")[2], public_key_from_jwk(json.loads(jwk)))
            for method, jwk, _current in ordered
        ]
