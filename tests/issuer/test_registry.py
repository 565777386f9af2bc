"""The status registry on SQLite and PostgreSQL: allocation, changes, schedules, audit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TypedDict

import pytest
from sqlalchemy import text, update

from issuer.status import ReasonCode, RegistryConfig, StatusRegistry
from issuer.status.models import ListRow
from vc_core.errors import StatusError
from vc_core.status import MIN_ENTRIES

ISSUER = "did:key:zDnaeBoardOfNursing"
BASE = "https://status.example.jp/kangoshi"
T0 = datetime(2025, 4, 1, 0, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def registry(db_url: str, clock: Clock) -> Iterator[StatusRegistry]:
    config = RegistryConfig(base_url=BASE, purposes=("revocation", "suspension", "message"))
    opened = StatusRegistry.open(db_url, config, now=clock)
    yield opened
    opened.close()


class Why(TypedDict):
    reason: str
    legal_basis: str
    actor: str


def _why(registry: StatusRegistry, reason: str = "test") -> Why:
    return {"reason": reason, "legal_basis": "保健師助産師看護師法第14条", "actor": "tester"}


def test_allocation_gives_one_random_entry_per_purpose(registry: StatusRegistry) -> None:
    entries = registry.allocate("urn:uuid:c1", issuer=ISSUER, subject_id="kangoshi:1")
    assert [e.status_purpose for e in entries] == ["revocation", "suspension", "message"]
    for entry in entries:
        assert entry.status_list_credential.startswith(BASE + "/")
        assert 0 <= entry.status_list_index < MIN_ENTRIES
        assert entry.id == f"{entry.status_list_credential}#{entry.status_list_index}"
    message = entries[2].to_json()
    assert message["statusSize"] == 4
    assert len(message["statusMessage"]) == 16
    assert message["statusMessage"][1] == {"status": "0x1", "message": "suspended: 業務停止"}
    # Three lists, one per purpose, and every entry is valid.
    assert len({e.status_list_credential for e in entries}) == 3
    assert registry.status("urn:uuid:c1") == {"revocation": 0, "suspension": 0, "message": 0}
    # Allocation is idempotent per credential: a retried issuance burns no index.
    assert registry.allocate("urn:uuid:c1", issuer=ISSUER) == entries
    assert registry.entries("urn:uuid:c1") == entries


def test_indexes_are_distinct_and_not_in_issuance_order(registry: StatusRegistry) -> None:
    indexes = [
        registry.allocate(f"urn:uuid:{n}", issuer=ISSUER, purposes=["revocation"])[0]
        for n in range(300)
    ]
    values = [e.status_list_index for e in indexes]
    assert len(set(values)) == 300
    # Random positions: neither sorted nor clustered at the start of the list.
    assert values != sorted(values)
    assert max(values) > MIN_ENTRIES // 2
    (info,) = registry.lists(issuer=ISSUER)
    assert info.allocated == 300


def test_a_full_list_is_followed_by_a_new_one(registry: StatusRegistry) -> None:
    first = registry.allocate("urn:uuid:a", issuer=ISSUER, purposes=["revocation"])[0]
    # Fast-forward the counter to two short of full instead of allocating 131,070 times.
    with registry.engine.begin() as connection:
        connection.execute(update(ListRow).values(allocated=ListRow.size - 2))
    more = [
        registry.allocate(f"urn:uuid:b{n}", issuer=ISSUER, purposes=["revocation"])[0]
        for n in range(3)
    ]
    assert more[0].status_list_credential == first.status_list_credential
    assert more[1].status_list_credential == first.status_list_credential
    assert more[2].status_list_credential != first.status_list_credential
    infos = registry.lists(issuer=ISSUER)
    assert [(i.allocated, i.size) for i in infos] == [(MIN_ENTRIES, MIN_ENTRIES), (1, MIN_ENTRIES)]
    # The last two counters of the first list still map to fresh indexes.
    assert len({first.status_list_index, more[0].status_list_index, more[1].status_list_index}) == 3


def test_revocation_sets_the_bit_and_the_reason_and_is_irreversible(
    registry: StatusRegistry, clock: Clock
) -> None:
    registry.allocate("urn:uuid:c1", issuer=ISSUER)
    version = registry.lists()[0].version
    changes = registry.revoke(
        credential_id="urn:uuid:c1", code=ReasonCode.DECEASED, **_why(registry, reason="死亡届")
    )
    assert {(c.purpose, c.old_value, c.new_value) for c in changes} == {
        ("revocation", 0, 1),
        ("message", 0, 4),
    }
    assert registry.status("urn:uuid:c1") == {"revocation": 1, "suspension": 0, "message": 4}
    assert registry.lists()[0].version == version + 1
    # Revoking again changes nothing; reinstating or suspending is refused.
    assert registry.revoke(credential_id="urn:uuid:c1", **_why(registry)) == ()
    for action in (registry.reinstate, registry.suspend):
        with pytest.raises(StatusError) as caught:
            action(credential_id="urn:uuid:c1", **_why(registry))
        assert caught.value.code == "status.revocation_irreversible"
    with pytest.raises(StatusError) as caught:
        registry.revoke(credential_id="urn:uuid:c1", code=ReasonCode.SUSPENDED, **_why(registry))
    assert caught.value.code == "status.message_code_unknown"
    audit = [a for a in registry.audit_log(credential_id="urn:uuid:c1") if a.action == "revoke"]
    assert {(a.purpose, a.new_value, a.reason, a.actor) for a in audit} == {
        ("revocation", 1, "死亡届", "tester"),
        ("message", 4, "死亡届", "tester"),
    }
    assert all(a.legal_basis == "保健師助産師看護師法第14条" and a.at == clock.now for a in audit)


def test_suspension_now_then_reinstatement(registry: StatusRegistry, clock: Clock) -> None:
    registry.allocate("urn:uuid:c1", issuer=ISSUER)
    _schedule, changes = registry.suspend(
        credential_id="urn:uuid:c1", code=ReasonCode.NAME_USE_SUSPENDED, **_why(registry)
    )
    assert {(c.purpose, c.new_value) for c in changes} == {("suspension", 1), ("message", 2)}
    clock.advance(days=3)
    changes = registry.reinstate(credential_id="urn:uuid:c1", **_why(registry, reason="執行停止"))
    assert {(c.purpose, c.new_value) for c in changes} == {("suspension", 0), ("message", 0)}
    assert registry.status("urn:uuid:c1") == {"revocation": 0, "suspension": 0, "message": 0}
    # The schedule now ends at the reinstatement, so a later tick does not resuspend.
    (schedule,) = registry.schedules(credential_id="urn:uuid:c1")
    assert schedule.ends_at == clock.now
    clock.advance(days=1)
    assert registry.tick().changes == ()


def test_scheduled_suspension_starts_and_ends_on_its_dates(
    registry: StatusRegistry, clock: Clock
) -> None:
    registry.allocate("urn:uuid:c1", issuer=ISSUER)
    start, end = T0 + timedelta(days=10), T0 + timedelta(days=100)
    schedule, changes = registry.suspend(
        credential_id="urn:uuid:c1", starts_at=start, ends_at=end, **_why(registry)
    )
    assert changes == ()
    assert registry.tick().changes == ()
    clock.now = start - timedelta(seconds=1)
    assert registry.tick().changes == ()
    assert registry.status("urn:uuid:c1")["suspension"] == 0
    clock.now = start
    report = registry.tick()
    assert report.schedules == (schedule.id,)
    assert {(c.purpose, c.new_value) for c in report.changes} == {("suspension", 1), ("message", 1)}
    # Idempotent: the same tick again changes nothing and writes no audit line.
    audit_lines = len(registry.audit_log())
    assert registry.tick() == type(report)((), ())
    assert len(registry.audit_log()) == audit_lines
    clock.now = end
    report = registry.tick()
    assert {(c.purpose, c.new_value) for c in report.changes} == {("suspension", 0), ("message", 0)}
    assert registry.status("urn:uuid:c1") == {"revocation": 0, "suspension": 0, "message": 0}
    ticks = [a for a in registry.audit_log(credential_id="urn:uuid:c1") if a.action == "tick"]
    assert {a.schedule_id for a in ticks} == {schedule.id}
    assert {a.at for a in ticks} == {start, end}


def test_a_missed_tick_converges(registry: StatusRegistry, clock: Clock) -> None:
    registry.allocate("urn:uuid:c1", issuer=ISSUER)
    registry.suspend(
        credential_id="urn:uuid:c1",
        starts_at=T0 + timedelta(days=1),
        ends_at=T0 + timedelta(days=2),
        **_why(registry),
    )
    # No tick ran during the suspension: the bit never needs to go up and down again.
    clock.advance(days=5)
    report = registry.tick()
    assert len(report.schedules) == 1
    assert report.changes == ()
    assert registry.status("urn:uuid:c1")["suspension"] == 0


def test_overlapping_suspensions_keep_the_bit_until_the_last_ends(
    registry: StatusRegistry, clock: Clock
) -> None:
    registry.allocate("urn:uuid:c1", issuer=ISSUER)
    for days in (10, 20):
        registry.suspend(
            credential_id="urn:uuid:c1", ends_at=T0 + timedelta(days=days), **_why(registry)
        )
    clock.advance(days=10)
    assert registry.tick().changes == ()
    assert registry.status("urn:uuid:c1")["suspension"] == 1
    clock.advance(days=10)
    assert {c.new_value for c in registry.tick().changes} == {0}


def test_subject_actions_reach_every_instance(registry: StatusRegistry, clock: Clock) -> None:
    registry.allocate("urn:uuid:old", issuer=ISSUER, subject_id="kangoshi:7")
    registry.allocate("urn:uuid:new", issuer=ISSUER, subject_id="kangoshi:7")
    registry.suspend(subject_id="kangoshi:7", ends_at=T0 + timedelta(days=30), **_why(registry))
    assert registry.status("urn:uuid:old")["suspension"] == 1
    assert registry.status("urn:uuid:new")["suspension"] == 1
    # An instance issued during the suspension (a re-download) starts suspended.
    registry.allocate("urn:uuid:third", issuer=ISSUER, subject_id="kangoshi:7")
    assert registry.status("urn:uuid:third")["suspension"] == 1
    clock.advance(days=30)
    assert len(registry.tick().changes) == 6
    registry.revoke(subject_id="kangoshi:7", **_why(registry, reason="免許取消"))
    assert {registry.status(c)["revocation"] for c in ("urn:uuid:old", "urn:uuid:new")} == {1}


def test_unknown_targets_and_bad_schedules_are_refused(registry: StatusRegistry) -> None:
    registry.allocate("urn:uuid:c1", issuer=ISSUER, purposes=["revocation"])
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: registry.revoke(credential_id="urn:uuid:nope", **_why(registry)),
         "status.credential_unknown"),
        (lambda: registry.suspend(credential_id="urn:uuid:c1", **_why(registry)),
         "status.purpose_not_enabled"),
        (lambda: registry.status("urn:uuid:nope"), "status.credential_unknown"),
        (lambda: registry.allocate("urn:uuid:x", issuer=ISSUER, purposes=["bogus"]),
         "status.purpose_not_enabled"),
    ]  # fmt: skip
    for action, code in cases:
        with pytest.raises(StatusError) as caught:
            action()
        assert caught.value.code == code
    registry.allocate("urn:uuid:c2", issuer=ISSUER)
    with pytest.raises(StatusError) as caught:
        registry.suspend(credential_id="urn:uuid:c2", ends_at=T0, **_why(registry))
    assert caught.value.code == "status.schedule_invalid"


def test_the_audit_log_and_allocations_are_append_only_in_the_database(
    registry: StatusRegistry,
) -> None:
    entries = registry.allocate("urn:uuid:c1", issuer=ISSUER)
    registry.revoke(credential_id="urn:uuid:c1", **_why(registry))
    before = registry.audit_log()
    statements = (
        "UPDATE status_audit SET actor = 'mallory'",
        "DELETE FROM status_audit",
        "UPDATE status_entries SET credential_id = 'urn:uuid:other'",
        "DELETE FROM status_entries",
    )
    for statement in statements:
        with pytest.raises(Exception, match="append-only"), registry.engine.begin() as connection:
            connection.execute(text(statement))
    assert registry.audit_log() == before
    assert registry.entries("urn:uuid:c1") == entries


def test_snapshot_reflects_changes(registry: StatusRegistry) -> None:
    entry = registry.allocate("urn:uuid:c1", issuer=ISSUER, purposes=["revocation"])[0]
    registry.revoke(credential_id="urn:uuid:c1", **_why(registry))
    snapshot = registry.snapshot(entry.status_list_credential)
    assert snapshot.packed.non_zero() == {entry.status_list_index: 1}
    assert (snapshot.info.purpose, snapshot.info.version) == ("revocation", 1)


def test_a_configuration_must_publish_full_size_lists_over_https() -> None:
    for kwargs, code in (
        ({"base_url": "http://status.example.jp/l"}, "status.url_not_allowed"),
        ({"base_url": BASE, "list_size": 1024}, "status.list_too_short"),
        ({"base_url": BASE, "purposes": ("revocation", "bogus")}, "status.purpose_not_enabled"),
    ):
        with pytest.raises(StatusError) as caught:
            RegistryConfig(**kwargs)
        assert caught.value.code == code
    assert RegistryConfig(base_url="http://127.0.0.1:8080/lists").base_url.startswith("http:")


def test_a_batch_allocates_across_a_full_list_in_one_transaction(
    registry: StatusRegistry,
) -> None:
    registry.allocate("urn:uuid:first", issuer=ISSUER, purposes=["revocation"])
    with registry.engine.begin() as connection:
        connection.execute(update(ListRow).values(allocated=ListRow.size - 5))
    batch: list[tuple[str, str | None]] = [(f"urn:uuid:b{n}", f"kangoshi:{n}") for n in range(10)]
    batch.append(("urn:uuid:first", None))  # Already has its entry: returned, not re-allocated.
    allocated = registry.allocate_many(batch, issuer=ISSUER, purposes=["revocation"])
    assert len(allocated) == 11
    urls = Counter(entries[0].status_list_credential for entries in allocated.values())
    assert sorted(urls.values()) == [5, 6]
    positions = {(e[0].status_list_credential, e[0].status_list_index) for e in allocated.values()}
    assert len(positions) == 11
    assert [i.allocated for i in registry.lists(issuer=ISSUER)] == [MIN_ENTRIES, 5]
    assert registry.allocate_many(batch, issuer=ISSUER, purposes=["revocation"]) == allocated
