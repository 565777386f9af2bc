"""Binding challenges over the nonce stores: issued once, consumed once, with the card's codes.

The stores are :mod:`service_kit.nonces` (in memory, SQLite, PostgreSQL); these tests hold
the binding protocol's view of them (:mod:`jpki_bridge.nonces`). The race between processes
is in ``tests/service_kit/test_nonces.py``.
"""

from __future__ import annotations

import datetime as dt

import pytest

from jpki_bridge.challenge import check_nonce
from jpki_bridge.nonces import consume_challenge, issue_challenge
from service_kit.nonces import NonceStore
from vc_core.errors import CardError

NOW = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)
ORIGIN = "https://verify.example.jp"


@pytest.fixture
def store(nonce_store: NonceStore) -> NonceStore:
    return nonce_store


def _code(store: NonceStore, nonce: str, *, now: dt.datetime, purpose: str = "issuance") -> str:
    with pytest.raises(CardError) as caught:
        consume_challenge(store, nonce, audience=ORIGIN, purpose=purpose, now=now)
    return caught.value.code


def test_issue_then_consume_once(store: NonceStore) -> None:
    challenge = issue_challenge(store, ORIGIN, "issuance", now=NOW)
    check_nonce(challenge.nonce)  # What the card signs: base64url of 32 random bytes.
    later = NOW + dt.timedelta(seconds=10)
    back = consume_challenge(store, challenge.nonce, audience=ORIGIN, purpose="issuance", now=later)
    assert back == challenge
    assert _code(store, challenge.nonce, now=later) == "card.nonce_reused"


def test_unknown_nonce(store: NonceStore) -> None:
    assert _code(store, "A" * 43, now=NOW) == "card.nonce_unknown"


def test_expired_challenge_is_used_up(store: NonceStore) -> None:
    challenge = issue_challenge(store, ORIGIN, "issuance", now=NOW, ttl=dt.timedelta(minutes=1))
    late = NOW + dt.timedelta(minutes=1, microseconds=1)
    assert _code(store, challenge.nonce, now=late) == "card.challenge_expired"
    assert _code(store, challenge.nonce, now=NOW) == "card.nonce_reused"


def test_a_challenge_for_another_origin_or_purpose_is_refused_and_used_up(
    store: NonceStore,
) -> None:
    elsewhere = issue_challenge(store, "https://phish.example.com", "issuance", now=NOW)
    assert _code(store, elsewhere.nonce, now=NOW) == "card.audience_mismatch"
    assert _code(store, elsewhere.nonce, now=NOW) == "card.nonce_reused"
    login = issue_challenge(store, ORIGIN, "login", now=NOW)
    assert _code(store, login.nonce, now=NOW) == "card.purpose_mismatch"
    assert _code(store, login.nonce, now=NOW, purpose="login") == "card.nonce_reused"


def test_purge_forgets_expired_challenges(store: NonceStore) -> None:
    old = issue_challenge(store, ORIGIN, "issuance", now=NOW - dt.timedelta(days=1))
    fresh = issue_challenge(store, ORIGIN, "issuance", now=NOW)
    assert store.purge(before=NOW) == 1
    assert _code(store, old.nonce, now=NOW) == "card.nonce_unknown"
    back = consume_challenge(store, fresh.nonce, audience=ORIGIN, purpose="issuance", now=NOW)
    assert back == fresh


def test_times_and_the_origin_round_trip_exactly(store: NonceStore) -> None:
    issued = dt.datetime(2026, 4, 1, 18, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    ttl = dt.timedelta(seconds=90)
    challenge = issue_challenge(
        store, "HTTPS://Verify.Example.JP:8443/", "presentation", now=issued, ttl=ttl
    )
    assert challenge.audience == "https://verify.example.jp:8443"
    assert (challenge.issued_at, challenge.expires_at) == (issued, issued + ttl)
    back = consume_challenge(
        store,
        challenge.nonce,
        audience="https://verify.example.jp:8443",
        purpose="presentation",
        now=issued,
    )
    assert back == challenge


def test_a_malformed_origin_or_purpose_issues_nothing(store: NonceStore) -> None:
    for audience, purpose in (("ftp://verify.example.jp", "issuance"), (ORIGIN, "Not A Token")):
        with pytest.raises(CardError) as caught:
            issue_challenge(store, audience, purpose, now=NOW)
        assert caught.value.code == "card.challenge_invalid"
    assert store.purge(before=NOW + dt.timedelta(days=365)) == 0
