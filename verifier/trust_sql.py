"""The trust registry as a table, for a verifier service (SQLite or PostgreSQL).

The table ``trusted_issuers`` holds one row per :class:`~verifier.trust.TrustedIssuer`, in the
JSON form of :meth:`~verifier.trust.TrustedIssuer.to_json` (lists and documents as JSON
columns, X.509 roots as base64 DER). :data:`TRUSTED_ISSUERS` is its only definition, so the
migration that will create it (the storage kit's alembic revisions) can be written from it;
until then :meth:`SqlTrustRegistry.create` makes it. Every row is checked again when read, so
a hand-edited row cannot smuggle in an entry the file format would refuse. A database failure
is ``trust.storage_failed``: the verifier could not consult its registry, never a pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import JSON, Column, Engine, MetaData, String, Table, Text, delete, func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import SQLAlchemyError

from vc_core.errors import TrustError
from verifier.trust import TrustedIssuer, TrustSource

__all__ = ["METADATA", "TRUSTED_ISSUERS", "SqlTrustRegistry"]

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


class SqlTrustRegistry(TrustSource):
    """The registry in the ``trusted_issuers`` table of ``engine``; it owns its transactions."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self) -> None:
        """Create the table if it does not exist (until alembic migrations create it)."""
        with _storage("create the trusted_issuers table"):
            METADATA.create_all(self._engine, tables=[TRUSTED_ISSUERS])

    def lookup(self, issuer_id: str) -> TrustedIssuer:
        query = select(TRUSTED_ISSUERS).where(TRUSTED_ISSUERS.c.id == issuer_id)
        with _storage("read the trust registry"), self._engine.connect() as connection:
            row = connection.execute(query).mappings().first()
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
        with _storage("write the trust registry"), self._engine.begin() as connection:
            connection.execute(delete(TRUSTED_ISSUERS).where(TRUSTED_ISSUERS.c.id == issuer.id))
            connection.execute(TRUSTED_ISSUERS.insert().values(**row))

    def remove(self, issuer_id: str) -> None:
        """Remove ``issuer_id``; ``trust.issuer_unknown`` if it was not there."""
        statement = delete(TRUSTED_ISSUERS).where(TRUSTED_ISSUERS.c.id == issuer_id)
        with _storage("write the trust registry"), self._engine.begin() as connection:
            removed = connection.execute(statement).rowcount
        if removed == 0:
            raise TrustError("trust.issuer_unknown", f"{issuer_id[:80]} is not in the registry")

    def __iter__(self) -> Iterator[TrustedIssuer]:
        query = select(TRUSTED_ISSUERS).order_by(TRUSTED_ISSUERS.c.id)
        with _storage("read the trust registry"), self._engine.connect() as connection:
            rows = list(connection.execute(query).mappings())
        return iter([_issuer(row) for row in rows])

    def __len__(self) -> int:
        query = select(func.count()).select_from(TRUSTED_ISSUERS)
        with _storage("read the trust registry"), self._engine.connect() as connection:
            return int(connection.execute(query).scalar_one())


def _issuer(row: RowMapping) -> TrustedIssuer:
    return TrustedIssuer.from_json({str(key): value for key, value in row.items()})


@contextmanager
def _storage(doing: str) -> Iterator[None]:
    """Turn a SQLAlchemy failure into ``trust.storage_failed`` where it crosses into shikaku."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise TrustError(
            "trust.storage_failed", f"could not {doing}: {type(exc).__name__}"
        ) from exc
