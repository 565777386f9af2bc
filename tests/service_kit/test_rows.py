"""insert_rows and among: the same rows and answers on SQLite (INSERT, IN) and on PostgreSQL
(COPY, = ANY), with the columns' own types, and a COPY's failure reported as an INSERT's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from issuer.status.models import UTCDateTime
from service_kit.db import among, create_engine, insert_rows, transact
from vc_core.errors import StorageError


class _Base(DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "kit_rows"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    note: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    count: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    data: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = create_engine(db_url)
    _Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


JST = timezone(timedelta(hours=9))
ROWS: list[dict[str, Any]] = [
    {
        "name": f"n{i}",
        "note": "tab\there, newline\nhere, back\\slash, 看護師" if i % 2 else None,
        "count": i if i % 3 else None,
        "data": bytes(range(i % 7)) if i % 2 else None,
        "at": datetime(2026, 4, 1, 9, i % 60, tzinfo=JST),
    }
    for i in range(300)
]


def test_rows_go_in_with_their_types_and_are_found_among_many(engine: sa.Engine) -> None:
    transact(engine, lambda s: insert_rows(s, _Row, ROWS))

    def read(session: Session) -> list[tuple[object, ...]]:
        names = [f"n{i}" for i in range(0, 300, 2)] + ["absent"]
        query = sa.select(_Row.name, _Row.note, _Row.count, _Row.data, _Row.at)
        return [tuple(r) for r in session.execute(query.where(among(session, _Row.name, names)))]

    found = sorted(transact(engine, read), key=lambda r: int(str(r[0])[1:]))
    expected = [
        (r["name"], r["note"], r["count"], r["data"], r["at"].astimezone(UTC)) for r in ROWS[::2]
    ]
    assert found == expected
    assert transact(engine, lambda s: s.scalar(sa.select(sa.func.count()).select_from(_Row))) == 300


def test_a_row_that_breaks_a_constraint_fails_the_transaction_as_storage_failed(
    engine: sa.Engine,
) -> None:
    transact(engine, lambda s: insert_rows(s, _Row, ROWS[:2]))
    with pytest.raises(StorageError) as raised:
        transact(engine, lambda s: insert_rows(s, _Row, ROWS[1:3]))  # n1 is there already.
    assert raised.value.code == "storage.failed"
    # Nothing of the failed transaction stayed.
    assert transact(engine, lambda s: s.scalar(sa.select(sa.func.count()).select_from(_Row))) == 2


def test_rows_must_name_the_same_columns(engine: sa.Engine) -> None:
    uneven = [ROWS[0], {"name": "x", "at": ROWS[0]["at"]}]
    with pytest.raises(ValueError, match="same columns"):
        transact(engine, lambda s: insert_rows(s, _Row, uneven))
    transact(engine, lambda s: insert_rows(s, _Row, []))  # Nothing to insert: nothing done.
