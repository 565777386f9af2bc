"""The trust registry as a table, for a verifier service (SQLite or PostgreSQL).

The table ``trusted_issuers`` holds one row per :class:`~verifier.trust.TrustedIssuer`, in the
JSON form of :meth:`~verifier.trust.TrustedIssuer.to_json` (lists and documents as JSON
columns, X.509 roots as base64 DER). :data:`TRUSTED_ISSUERS` describes it; the alembic
revisions in :mod:`verifier.migrations` create it (:meth:`SqlTrustRegistry.create`, through
:mod:`service_kit.migrate`, safe when several processes start at once). Every row is checked
again when read, so a hand-edited row cannot smuggle in an entry the file format would refuse.

Each call is one transaction through :func:`service_kit.db.transact`: transient failures are
retried, and what still fails is a ``storage.*`` error — the verifier could not consult its
registry, which the pipeline reports as "could not verify", never as a pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final, TypeVar

from sqlalchemy import JSON, Column, Engine, MetaData, String, Table, Text, delete, func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from service_kit import migrate
from service_kit.db import transact
from service_kit.migrate import Migrations
from vc_core.errors import TrustError
from verifier.trust import TrustedIssuer, TrustSource

__all__ = ["METADATA", "TRUSTED_ISSUERS", "TRUST_MIGRATIONS", "SqlTrustRegistry"]

METADATA = MetaData()

TRUSTED_ISSUERS = Table(
    "trusted_issuers",
    METADATA,
    Column("id", String(4096), primary_key=True),
    Column("name_ja", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("qualifications", JSON, nullable=False),
    Column("vcts", JSON, nullable=False),
    Column("did_document", JSON(none_as_null=True), nullable=True),
    Column("x509_roots", JSON, nullable=False),
    Column("jwt_vc_issuer", JSON(none_as_null=True), nullable=True),
)

#: The verifier's revisions and the version table where a database records them.
TRUST_MIGRATIONS: Final = Migrations("verifier.migrations", "shikaku_verifier_alembic_version")

T = TypeVar("T")


class SqlTrustRegistry(TrustSource):
    """The registry in the ``trusted_issuers`` table of ``engine``; it owns its transactions.

    ``engine`` comes from :func:`service_kit.db.create_engine` (SQLite needs its
    ``BEGIN IMMEDIATE`` for migrations and writes that queue instead of failing).
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self) -> None:
        """Bring the table up to date (idempotent; safe to run from several processes)."""
        migrate.upgrade(self._engine, TRUST_MIGRATIONS)

    def lookup(self, issuer_id: str) -> TrustedIssuer:
        query = select(TRUSTED_ISSUERS).where(TRUSTED_ISSUERS.c.id == issuer_id)
        row = self._read(lambda session: session.execute(query).mappings().first())
        if row is None:
            raise TrustError(
                "trust.issuer_unknown",
                f"{issuer_id[:80]} is not in the trust registry",
                issuer=issuer_id[:200],
            )
        return _issuer(row)

    def add(self, issuer: TrustedIssuer) -> None:
        """Add ``issuer``, replacing the entry with the same id, in one transaction."""
        row = issuer.to_json()

        def work(session: Session) -> None:
            session.execute(delete(TRUSTED_ISSUERS).where(TRUSTED_ISSUERS.c.id == issuer.id))
            session.execute(TRUSTED_ISSUERS.insert().values(**row))

        transact(self._engine, work)

    def remove(self, issuer_id: str) -> None:
        """Remove ``issuer_id``; ``trust.issuer_unknown`` if it was not there."""
        statement = delete(TRUSTED_ISSUERS).where(TRUSTED_ISSUERS.c.id == issuer_id)

        def work(session: Session) -> None:
            if session.execute(statement).rowcount == 0:  # type: ignore[attr-defined]
                raise TrustError("trust.issuer_unknown", f"{issuer_id[:80]} is not in the registry")

        transact(self._engine, work)

    def __iter__(self) -> Iterator[TrustedIssuer]:
        query = select(TRUSTED_ISSUERS).order_by(TRUSTED_ISSUERS.c.id)
        rows = self._read(lambda session: list(session.execute(query).mappings()))
        return iter([_issuer(row) for row in rows])

    def __len__(self) -> int:
        query = select(func.count()).select_from(TRUSTED_ISSUERS)
        return int(self._read(lambda session: session.execute(query).scalar_one()))

    def _read(self, work: Callable[[Session], T]) -> T:
        # A read commits nothing, so its commit need not wait for the disk.
        return transact(self._engine, work, durable=False)


def _issuer(row: RowMapping) -> TrustedIssuer:
    return TrustedIssuer.from_json({str(key): value for key, value in row.items()})
