"""Publishing: signed W3C credentials and status list tokens, ETags, regeneration."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TypedDict

import pytest

from issuer.status import RegistryConfig, StatusRegistry
from issuer.status.publish import PublisherConfig, StatusPublisher
from vc_core import di
from vc_core.did import did_key_from_public_key
from vc_core.errors import StatusError
from vc_core.jsonld.loader import default_loader
from vc_core.keys import SoftwareKey, generate_key
from vc_core.status import parse_status_list_credential, verify_status_list_jwt

T0 = datetime(2025, 4, 1, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def key() -> SoftwareKey:
    return generate_key("p256")


@pytest.fixture
def registry(db_url: str, clock: Clock) -> Iterator[StatusRegistry]:
    config = RegistryConfig(
        base_url="https://status.example.jp/ishi", purposes=("revocation", "suspension", "message")
    )
    opened = StatusRegistry.open(db_url, config, now=clock)
    yield opened
    opened.close()


@pytest.fixture
def publisher(registry: StatusRegistry, key: SoftwareKey) -> StatusPublisher:
    return StatusPublisher(registry, signer=key)


class Why(TypedDict):
    reason: str
    legal_basis: str
    actor: str


def _why() -> Why:
    return {"reason": "医道審議会答申", "legal_basis": "医師法第7条第1項", "actor": "mhlw"}


def test_the_w3c_list_is_a_signed_credential_of_the_issuer(
    registry: StatusRegistry, publisher: StatusPublisher, key: SoftwareKey
) -> None:
    entries = registry.allocate("urn:uuid:c1", issuer=publisher.issuer)
    registry.revoke(credential_id="urn:uuid:c1", **_why())
    revocation = entries[0]
    publication = publisher.get(revocation.status_list_credential)
    document = json.loads(publication.body)
    (proof,) = di.verify(document, loader=default_loader(), now=lambda: T0)
    assert proof.verification_method.controller == did_key_from_public_key(key.public_key)
    parsed = parse_status_list_credential(document)
    assert parsed.issuer == publisher.issuer == did_key_from_public_key(key.public_key)
    assert parsed.id == revocation.status_list_credential
    assert parsed.status_purposes == ("revocation",)
    assert (parsed.valid_from, parsed.valid_until) == (T0, T0 + timedelta(days=1))
    assert parsed.ttl_ms == 300_000
    assert parsed.decode().non_zero() == {revocation.status_list_index: 1}
    assert publication.media_type == "application/vc"


def test_token_forms_carry_invalid_and_suspended(
    registry: StatusRegistry, publisher: StatusPublisher, key: SoftwareKey
) -> None:
    revocation, suspension, message = registry.allocate("urn:uuid:c1", issuer=publisher.issuer)
    registry.allocate("urn:uuid:c2", issuer=publisher.issuer)
    registry.revoke(credential_id="urn:uuid:c2", **_why())
    registry.suspend(credential_id="urn:uuid:c1", **_why())
    for entry, expected in ((suspension, 2), (revocation, 0)):
        publication = publisher.for_accept(
            entry.status_list_credential, "application/statuslist+jwt"
        )
        assert publication.media_type == "application/statuslist+jwt"
        token = verify_status_list_jwt(
            publication.body.decode(),
            key.public_key,
            now=int(T0.timestamp()),
            expected_subject=entry.status_list_credential,
        )
        assert token.issuer == publisher.issuer
        assert token.ttl == 300
        assert token.status_list.get(entry.status_list_index) == expected
    revoked = registry.entries("urn:uuid:c2")[0]
    token = verify_status_list_jwt(
        publisher.get(revoked.status_list_credential, "jwt").body.decode(),
        key.public_key,
        now=int(T0.timestamp()),
    )
    assert token.status_list.non_zero() == {revoked.status_list_index: 1}
    # Reason codes mean nothing to a token reader, so a message list has no token form.
    with pytest.raises(StatusError) as caught:
        publisher.get(message.status_list_credential, "jwt")
    assert caught.value.code == "status.list_unreachable"


def test_a_change_makes_a_new_version_with_a_new_etag(
    registry: StatusRegistry, publisher: StatusPublisher, clock: Clock
) -> None:
    (entry,) = registry.allocate("urn:uuid:c1", issuer=publisher.issuer, purposes=["revocation"])
    url = entry.status_list_credential
    first = publisher.get(url)
    assert publisher.get(url) == first  # Served from storage while nothing changed.
    assert first.matches(first.etag)
    assert first.headers(T0)["Cache-Control"] == "public, max-age=300"
    clock.now += timedelta(minutes=1)
    changes = registry.revoke(credential_id="urn:uuid:c1", **_why())
    second = publisher.get(url)
    assert second.version == first.version + 1
    assert second.etag != first.etag
    assert not second.matches(first.etag)
    assert second.valid_from == clock.now
    # Eager regeneration after a change gives the same version.
    assert [p.version for p in publisher.publish_changes(changes)] == [second.version] * 2


def test_lists_are_resigned_before_they_expire(
    registry: StatusRegistry, publisher: StatusPublisher, clock: Clock
) -> None:
    registry.allocate("urn:uuid:c1", issuer=publisher.issuer)
    # Three lists; two have a token form too, and the suspension list its dispositions.
    assert len(publisher.publish_due()) == 6
    assert publisher.publish_due() == []
    clock.now += timedelta(hours=19)
    republished = publisher.publish_due()
    assert {p.valid_until for p in republished} == {clock.now + timedelta(days=1)}
    # max-age never runs past validUntil.
    late = republished[0]
    assert late.headers(late.valid_until - timedelta(seconds=30))["Cache-Control"].endswith("=30")


def test_a_publisher_signs_only_its_own_issuers_lists(registry: StatusRegistry) -> None:
    board = StatusPublisher(registry, signer=generate_key("p256"))
    other = StatusPublisher(registry, signer=generate_key("p256"))
    (entry,) = registry.allocate("urn:uuid:c1", issuer=board.issuer, purposes=["revocation"])
    with pytest.raises(StatusError) as caught:
        other.publish(entry.status_list_credential)
    assert caught.value.code == "status.issuer_mismatch"
    with pytest.raises(StatusError) as caught:
        StatusPublisher(
            registry,
            signer=generate_key("p256"),
            issuer="did:web:board.example.jp",
            verification_method="did:web:other.example.jp#key-1",
            config=PublisherConfig(),
        )
    assert caught.value.code == "status.issuer_mismatch"
