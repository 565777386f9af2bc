"""What an employer's verifier sees of a lifecycle order: the board's own publisher serves its
lists (over httpx.MockTransport), the verifier pipeline checks a credential the board issued.
業務停止中 with its dates, legal basis and reason while the suspension lasts; valid again after
the scheduler lifts it; revoked for good after a revocation."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from issuer.board import Board
from issuer.lifecycle import Lifecycle, LifecycleScheduler, jst_moment
from service_kit.nonces import InMemoryNonceStore
from tests.issuer.lifecycle.conftest import ACTOR, BASIS, SUBJECT, first_issue
from tests.verifier.world import handler
from vc_core.clock import FixedClock
from verifier.pipeline import verify
from verifier.policy import VerifierPolicy, VerifyOptions
from verifier.result import VerificationResult
from verifier.status import FetchPolicy, StatusChecker, StatusListFetcher
from verifier.trust import TrustedIssuer, TrustRegistry

CHECKS = VerifyOptions.of(checks=["proof", "issuer_trust", "validity", "status"])


@pytest.fixture
def policy(board: Board, clock: FixedClock) -> VerifierPolicy:
    fetcher = StatusListFetcher(
        FetchPolicy(allow=(board.settings.status_base_url + "/",)),
        transport=handler(board.publisher, board.registry),
        now=clock,
    )
    trust = TrustRegistry(
        [
            TrustedIssuer(
                id=board.did,
                name_ja="厚生労働大臣",
                name_en="Minister of Health, Labour and Welfare",
                qualifications=frozenset({"kangoshi"}),
            )
        ]
    )
    return VerifierPolicy(
        clock=clock,
        trust=trust,
        status=StatusChecker(fetcher, now=clock),
        nonces=InMemoryNonceStore(),
    )


def _check(credential: dict[str, Any], policy: VerifierPolicy) -> VerificationResult:
    assert policy.status is not None
    policy.status.cache.clear()  # A verifier sees a change once its cached copy expires.
    return verify(credential, policy, CHECKS)


def test_the_verifier_sees_a_scheduled_suspension_then_valid_again(
    board: Board, lifecycle: Lifecycle, clock: FixedClock, policy: VerifierPolicy
) -> None:
    credential = json.loads(first_issue(board, form="ecdsa-rdfc-2019").body)
    assert _check(credential, policy).verified
    lifecycle.suspend(
        SUBJECT,
        starts=date(2026, 7, 1),
        ends=date(2026, 10, 1),
        legal_basis=BASIS,
        actor=ACTOR,
        order_id="mhlw-2026-0001",
    )
    scheduler = LifecycleScheduler(board)
    assert _check(credential, policy).verified  # Not begun.
    clock.set(jst_moment(date(2026, 7, 1)))
    scheduler.run_once()
    result = _check(credential, policy)
    assert not result.verified
    assert result.status is not None and result.status.state == "suspended"
    assert (result.status.since, result.status.until) == ("2026-07-01", "2026-10-01")
    assert result.status.legal_basis == BASIS
    assert result.status.reason is not None and "業務停止" in result.status.reason
    clock.set(jst_moment(date(2026, 10, 1)))
    scheduler.run_once()
    after = _check(credential, policy)
    assert after.verified and after.status is not None and after.status.state == "valid"


def test_the_verifier_sees_a_revocation_and_the_superseded(
    board: Board, lifecycle: Lifecycle, policy: VerifierPolicy
) -> None:
    old = first_issue(board, form="ecdsa-rdfc-2019")
    renamed = lifecycle.rename(
        SUBJECT, {"family_name": "新姓"}, legal_basis=BASIS, actor=ACTOR, order_id="n-1"
    )
    [new] = renamed.issued
    superseded = _check(json.loads(old.body), policy)
    assert superseded.status is not None and superseded.status.state == "revoked"
    assert superseded.status.reason is not None and "再発行" in superseded.status.reason
    assert _check(json.loads(new.body), policy).verified
    lifecycle.revoke(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="r-1")
    revoked = _check(json.loads(new.body), policy)
    assert revoked.status is not None and revoked.status.state == "revoked"
    assert revoked.status.reason is not None and "免許取消" in revoked.status.reason
