"""Issue 10: registry actions without a reason, legal basis and actor, and allocations for an
empty id or a non-DID issuer, are refused with their own codes and change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from issuer.status import RegistryConfig, StatusRegistry
from vc_core.clock import FixedClock
from vc_core.errors import StatusError

ISSUER = "did:web:kangoshi.example.jp"
T0 = datetime(2025, 4, 1, 0, 0, tzinfo=UTC)
REASON, BASIS, ACTOR = "医道審議会答申", "保健師助産師看護師法第14条", "mhlw"
WHY = {"reason": REASON, "legal_basis": BASIS, "actor": ACTOR}


@pytest.fixture
def registry(sqlite_url: str) -> Iterator[StatusRegistry]:
    config = RegistryConfig(base_url="https://status.example.jp/kangoshi")
    opened = StatusRegistry.open(sqlite_url, config, now=FixedClock(T0))
    yield opened
    opened.close()


def _code(action: Any, **kwargs: Any) -> str:
    with pytest.raises(StatusError) as caught:
        action(**kwargs)
    return caught.value.code


@pytest.mark.parametrize("field", ["reason", "legal_basis", "actor"])
@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_an_action_without_its_cause_is_refused_and_changes_nothing(
    registry: StatusRegistry, field: str, blank: str
) -> None:
    registry.allocate("urn:uuid:c1", issuer=ISSUER, subject_id="kangoshi:1")
    before = registry.audit_log()
    why = {**WHY, field: blank}
    assert _code(registry.revoke, credential_id="urn:uuid:c1", **why) == "status.cause_invalid"
    assert _code(registry.suspend, subject_id="kangoshi:1", **why) == "status.cause_invalid"
    assert _code(registry.reinstate, credential_id="urn:uuid:c1", **why) == "status.cause_invalid"
    assert registry.status("urn:uuid:c1") == {"revocation": 0, "suspension": 0}
    assert registry.audit_log() == before
    assert registry.schedules() == ()


def test_an_actor_longer_than_the_audit_log_keeps_is_refused(registry: StatusRegistry) -> None:
    registry.allocate("urn:uuid:c1", issuer=ISSUER)
    why = {**WHY, "actor": "x" * 257}
    assert _code(registry.revoke, credential_id="urn:uuid:c1", **why) == "status.cause_invalid"
    assert registry.status("urn:uuid:c1")["revocation"] == 0


def test_a_complete_cause_is_recorded(registry: StatusRegistry) -> None:
    registry.allocate("urn:uuid:c1", issuer=ISSUER)
    until = T0 + timedelta(days=30)
    registry.suspend(
        credential_id="urn:uuid:c1", ends_at=until, reason=REASON, legal_basis=BASIS, actor=ACTOR
    )
    registry.revoke(credential_id="urn:uuid:c1", reason=REASON, legal_basis=BASIS, actor=ACTOR)
    last = registry.audit_log(credential_id="urn:uuid:c1")[-1]
    assert (last.action, last.reason, last.legal_basis, last.actor) == ("revoke", *WHY.values())


@pytest.mark.parametrize(
    "issuer",
    [
        "",
        "厚生労働省",
        "https://kangoshi.example.jp",
        "did:",
        "did:web:",
        "did:Web:kangoshi.example.jp",
        "did:web:kangoshi.example.jp#key-1",
        "did:web:kangoshi.example.jp/path",
        "did:web:kangoshi example",
        "did:key:" + "z" * 1100,
    ],
)
def test_an_issuer_that_is_not_a_did_is_refused(registry: StatusRegistry, issuer: str) -> None:
    assert _code(registry.allocate, credential_id="urn:uuid:c1", issuer=issuer) == (
        "status.issuer_invalid"
    )
    assert registry.lists() == ()


@pytest.mark.parametrize(
    "issuer",
    [
        "did:web:kangoshi.example.jp",
        "did:web:kangoshi.example.jp%3A8443:boards:nursing",
        "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169",
        "did:jwk:eyJrdHkiOiJFQyJ9",
    ],
)
def test_dids_of_every_method_are_accepted(registry: StatusRegistry, issuer: str) -> None:
    assert len(registry.allocate("urn:uuid:c1", issuer=issuer)) == 2


@pytest.mark.parametrize("credential_id", ["", "  ", "u" * 1025])
def test_an_empty_or_oversized_id_is_refused(registry: StatusRegistry, credential_id: str) -> None:
    assert (
        _code(registry.allocate, credential_id=credential_id, issuer=ISSUER) == "status.id_invalid"
    )
    assert (
        _code(
            registry.allocate_many,
            credentials=[("urn:uuid:ok", None), (credential_id, None)],
            issuer=ISSUER,
        )
        == "status.id_invalid"
    )
    assert (
        _code(
            registry.allocate, credential_id="urn:uuid:c2", issuer=ISSUER, subject_id=credential_id
        )
        == "status.id_invalid"
    )
    assert registry.lists() == ()  # Nothing, not even the valid credential of the batch.


def test_an_allocation_without_an_actor_is_refused(registry: StatusRegistry) -> None:
    assert _code(registry.allocate, credential_id="urn:uuid:c1", issuer=ISSUER, actor=" ") == (
        "status.cause_invalid"
    )
