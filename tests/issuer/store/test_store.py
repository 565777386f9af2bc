"""The board's store: idempotent records and issuance, an append-only log, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

import issuer.bulk
import issuer.oid4vci.models  # noqa: F401  (its tables live in the board's database too)
from issuer.store import BoardEvent, BoardStore, IssuedInstance, subject_of
from issuer.store.db import VERSION_TABLE, downgrade, migrate
from issuer.store.models import Base
from service_kit.db import create_engine
from vc_core.clock import FixedClock
from vc_core.errors import BoardError, StorageError
from vc_schemas.record import RegisterRecord

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
RECORD = RegisterRecord(
    qualification_id="kangoshi",
    license_number="1234567",
    registration_date=date(2015, 4, 1),
    family_name="山田",
    given_name="花子",
    family_name_kana="ヤマダ",
    given_name_kana="ハナコ",
    date_of_birth=date(1990, 5, 20),
    sex="2",
    domicile_prefecture="13",
)
SUBJECT = subject_of("kangoshi", "1234567")


@pytest.fixture
def store(db_url: str) -> Iterator[BoardStore]:
    board = BoardStore.open(db_url, clock=FixedClock(NOW))
    yield board
    board.close()


def test_migrations_match_the_models_and_run_both_ways(db_url: str) -> None:
    engine = create_engine(db_url)
    migrate(engine)
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        assert compare_metadata(context, Base.metadata) == []
        if engine.dialect.name == "postgresql":
            # i0006: credential bodies stay in their row, uncompressed, up to a page.
            options = connection.scalar(
                text("SELECT reloptions FROM pg_class WHERE oid = 'issued_credentials'::regclass")
            )
            assert options == ["toast_tuple_target=8160"]
    downgrade(engine)
    assert set(inspect(engine).get_table_names()) <= {VERSION_TABLE}
    engine.dispose()


def test_a_record_is_new_then_unchanged_then_a_new_version(store: BoardStore) -> None:
    outcome, stored = store.put_record(RECORD, actor="import")
    assert (outcome, stored.version, stored.standing) == ("new", 1, "registered")
    assert stored.record == RECORD
    assert store.put_record(RECORD, actor="import")[0] == "unchanged"
    renamed = replace(RECORD, family_name="佐藤", family_name_kana="サトウ")
    outcome, stored = store.put_record(renamed, actor="import")
    assert (outcome, stored.version) == ("changed", 2)
    assert store.record(SUBJECT) == stored
    actions = [event.action for event in store.iter_events(subject_id=SUBJECT)]
    assert actions == ["record.new", "record.changed"]


def test_an_issuance_key_names_one_instance_however_often_it_is_stored(store: BoardStore) -> None:
    store.put_record(RECORD, actor="import")
    first = IssuedInstance(
        "urn:uuid:1", "bulk:kangoshi:1234567:1:dc+sd-jwt", SUBJECT, 1, "dc+sd-jwt", "a~", NOW
    )
    again = replace(first, credential_id="urn:uuid:2", body="b~")
    assert store.add_credential(first, actor="bulk") == first
    assert store.add_credential(again, actor="bulk") == first
    assert store.credentials_of(SUBJECT) == (first,)
    assert store.credential("urn:uuid:2") is None
    assert store.credential_by_key(first.issuance_key) == first


def test_standing_changes_are_logged_and_unknown_ones_refused(store: BoardStore) -> None:
    store.put_record(RECORD, actor="import")
    event = BoardEvent(
        "license.revoked",
        "board-officer",
        subject_id=SUBJECT,
        legal_basis="保健師助産師看護師法第14条",
        reason_code=3,
    )
    assert store.set_standing(SUBJECT, "revoked", event).standing == "revoked"
    assert store.events(subject_id=SUBJECT)[-1].legal_basis == "保健師助産師看護師法第14条"
    with pytest.raises(BoardError) as raised:
        store.set_standing(SUBJECT, "sleeping", event)
    assert raised.value.code == "board.event_invalid"
    with pytest.raises(BoardError) as raised:
        store.set_standing(subject_of("kangoshi", "9"), "revoked", event)
    assert raised.value.code == "board.record_unknown"


def test_the_event_log_refuses_update_and_delete(store: BoardStore) -> None:
    store.log(BoardEvent("record.new", "import", subject_id=SUBJECT))
    for statement in ("UPDATE board_events SET actor = 'x'", "DELETE FROM board_events"):

        def change(session: Session, sql: str = statement) -> None:
            session.execute(text(sql))

        with pytest.raises((SQLAlchemyError, StorageError)):
            store.transact(change)
    assert len(store.events()) == 1
