"""Issue 9 (suspended, with its reason and dates in the result) and issue 12 (業務停止中 with its
dates and reason): a suspension list's signed dispositions document, from the board's
registry to the verifier's check details, and every way it can fail without hiding the bit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.verifier.conftest import Board, Clock, Web
from tests.verifier.world import WHY
from vc_core.errors import StatusError
from vc_core.jose.jws import parse_jws, sign_jws
from vc_core.keys import Signer, generate_key
from vc_core.verdict import Check
from vc_schemas.builder import JST
from verifier.status import StatusChecker

START = datetime(2026, 12, 1, tzinfo=JST)
END = datetime(2027, 3, 1, tzinfo=JST)
SUSPENDED = {
    "reason": "suspended: 業務停止",
    "legalBasis": "保健師助産師看護師法第14条",
    "from": "2026-12-01",
    "until": "2027-03-01",
}


def _entry(credential: dict[str, Any], purpose: str) -> tuple[str, int]:
    """The list URL and index of a credential's entry for ``purpose``."""
    for entry in credential["credentialStatus"]:
        if entry["statusPurpose"] == purpose:
            return entry["statusListCredential"], int(entry["statusListIndex"])
    raise AssertionError(f"no {purpose} entry")


def _suspension_check(checker: StatusChecker, credential: dict[str, Any]) -> Check:
    return next(c for c in checker.check(credential) if c.name == "status.suspension")


def _disposition(check: Check) -> dict[str, Any]:
    """The disposition fields a failing suspension check carries in its details."""
    assert "disposition" not in check.details  # Not "unavailable".
    return {key: check.details[key] for key in ("reason", "legalBasis", "from", "until")}


def _payload(board: Board, url: str) -> dict[str, Any]:
    return parse_jws(board.publisher.dispositions(url).body.decode()).payload


def _dispositions_requests(web: Web) -> list[httpx.Request]:
    return [r for r in web.requests if str(r.url).endswith(".dispositions")]


def _suspended_from_start(board: Board, clock: Clock) -> dict[str, Any]:
    credential = board.issue("urn:uuid:kangoshi-1", subject_id="kangoshi:42")
    board.registry.suspend(subject_id="kangoshi:42", starts_at=START, ends_at=END, **WHY)
    clock.now = START
    board.registry.tick()
    return credential


# -- The document and what the check shows --------------------------------------------------------


def test_a_scheduled_suspension_shows_its_reason_and_dates_while_it_lasts(
    board: Board, checker: StatusChecker, clock: Clock, web: Web
) -> None:
    credential = board.issue("urn:uuid:kangoshi-1", subject_id="kangoshi:42")
    board.registry.suspend(subject_id="kangoshi:42", starts_at=START, ends_at=END, **WHY)
    assert _suspension_check(checker, credential).ok is True
    assert _dispositions_requests(web) == []  # A clear bit needs no disposition.
    clock.now = START
    board.registry.tick()
    check = _suspension_check(checker, credential)
    assert (check.ok, check.code) == (False, "status.suspended")
    url, index = _entry(credential, "suspension")
    assert check.details == {
        "statusListCredential": url,
        "statusListIndex": index,
        "status": 1,
        **SUSPENDED,
    }
    payload = _payload(board, url)
    assert (payload["iss"], payload["sub"]) == (board.issuer, url)
    assert payload["exp"] - payload["iat"] == timedelta(days=1).total_seconds()
    assert payload["dispositions"] == [
        {
            "idx": index,
            "code": 1,
            "message": "suspended: 業務停止",
            "legalBasis": "保健師助産師看護師法第14条",
            "from": "2026-12-01",
            "until": "2027-03-01",
        }
    ]
    # The free-text reason and the actor are the board's own business.
    body = board.publisher.dispositions(url).body.decode()
    assert WHY["reason"] not in str(payload) and WHY["actor"] not in str(payload)
    assert parse_jws(body).header == {
        "alg": "ES256",
        "typ": "dispositions+jwt",
        "kid": board.publisher.verification_method,
    }


def test_on_its_end_date_the_index_leaves_the_document(
    board: Board, checker: StatusChecker, clock: Clock
) -> None:
    credential = _suspended_from_start(board, clock)
    other = board.issue("urn:uuid:kangoshi-2")
    board.registry.suspend(credential_id="urn:uuid:kangoshi-2", **WHY)
    url, index = _entry(credential, "suspension")
    _url, other_index = _entry(other, "suspension")
    listed = {item["idx"] for item in _payload(board, url)["dispositions"]}
    assert listed == {index, other_index}
    clock.now = END
    board.registry.tick()
    assert [item["idx"] for item in _payload(board, url)["dispositions"]] == [other_index]
    assert _suspension_check(checker, credential).ok is True


def test_an_open_ended_suspension_has_no_until(board: Board, checker: StatusChecker) -> None:
    credential = board.issue("urn:uuid:kangoshi-1")
    board.registry.suspend(credential_id="urn:uuid:kangoshi-1", code=2, **WHY)
    check = _suspension_check(checker, credential)
    assert check.code == "status.suspended"
    assert _disposition(check) == {
        "reason": "suspended: 名称使用停止",
        "legalBasis": "保健師助産師看護師法第14条",
        "from": "2025-04-01",
        "until": None,
    }


def test_overlapping_orders_last_until_the_later_end(
    board: Board, checker: StatusChecker, clock: Clock
) -> None:
    credential = _suspended_from_start(board, clock)
    later = END + timedelta(days=30)
    board.registry.suspend(
        credential_id="urn:uuid:kangoshi-1", starts_at=START, ends_at=later, **WHY
    )
    board.publisher.publish(_entry(credential, "suspension")[0])  # No bit moved: republish.
    disposition = _disposition(_suspension_check(checker, credential))
    assert (disposition["from"], disposition["until"]) == ("2026-12-01", "2027-03-31")


def test_revocation_and_message_lists_have_no_dispositions(
    board: Board, checker: StatusChecker, web: Web
) -> None:
    credential = board.issue("urn:uuid:kangoshi-1")
    board.registry.revoke(credential_id="urn:uuid:kangoshi-1", **WHY)
    for purpose in ("revocation", "message"):
        url, _index = _entry(credential, purpose)
        with pytest.raises(StatusError) as caught:
            board.publisher.dispositions(url)
        assert caught.value.code == "status.list_unreachable"
        with pytest.raises(StatusError) as caught:
            board.publisher.for_accept(url + ".dispositions", None)
        assert caught.value.code == "status.list_unreachable"
    checker.check(credential)
    assert _dispositions_requests(web) == []  # Only a set suspension bit asks for one.


# -- Refused documents: the bit still decides -----------------------------------------------------


def _forge(board: Board, url: str, signer: Signer, **claims: Any) -> bytes:
    """The genuine document's claims, changed by ``claims``, signed by ``signer``."""
    payload = {**_payload(board, url), **claims}
    header = {"typ": "dispositions+jwt", "kid": board.publisher.verification_method}
    return sign_jws(header, payload, signer).encode()


def _serve(web: Web, url: str, body: bytes) -> None:
    web.overrides[url + ".dispositions"] = lambda request: httpx.Response(200, content=body)


def _assert_unavailable(check: Check, code: str) -> None:
    assert (check.ok, check.code) == (False, "status.suspended")
    assert check.details["disposition"] == "unavailable"
    assert "reason" not in check.details and "until" not in check.details
    assert check.details["dispositionError"] == code


def test_a_document_signed_by_another_key_is_refused(
    board: Board, checker: StatusChecker, clock: Clock, web: Web
) -> None:
    credential = _suspended_from_start(board, clock)
    url, _index = _entry(credential, "suspension")
    _serve(web, url, _forge(board, url, generate_key("p256")))
    _assert_unavailable(_suspension_check(checker, credential), "status.disposition_invalid")


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "https://status.example.jp/kangoshi/another-list"},
        {"iss": "did:web:other-board.example.jp"},
        {"exp": 0},
        {"dispositions": [{"idx": 1, "code": 1}]},
    ],
    ids=["sub", "iss", "exp", "item"],
)
def test_a_document_with_tampered_claims_is_refused(
    board: Board, checker: StatusChecker, clock: Clock, web: Web, claims: dict[str, Any]
) -> None:
    credential = _suspended_from_start(board, clock)
    url, _index = _entry(credential, "suspension")
    _serve(web, url, _forge(board, url, board.publisher.signer, **claims))
    _assert_unavailable(_suspension_check(checker, credential), "status.disposition_invalid")


def test_a_document_without_the_entry_is_reported_missing(
    board: Board, checker: StatusChecker, clock: Clock, web: Web
) -> None:
    credential = _suspended_from_start(board, clock)
    url, _index = _entry(credential, "suspension")
    _serve(web, url, _forge(board, url, board.publisher.signer, dispositions=[]))
    _assert_unavailable(_suspension_check(checker, credential), "status.disposition_missing")


def test_an_unreachable_document_fails_closed(
    board: Board, checker: StatusChecker, clock: Clock, web: Web
) -> None:
    credential = _suspended_from_start(board, clock)
    url, _index = _entry(credential, "suspension")
    web.overrides[url + ".dispositions"] = lambda request: httpx.Response(503)
    _assert_unavailable(_suspension_check(checker, credential), "status.list_unreachable")


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_altered_character_never_changes_the_disposition(
    board: Board,
    make_checker: Callable[..., StatusChecker],
    clock: Clock,
    web: Web,
    data: st.DataObject,
) -> None:
    # The board outlives the examples: issuing again returns the same entries.
    credential = board.issue("urn:uuid:kangoshi-1")
    if board.registry.status("urn:uuid:kangoshi-1")["suspension"] == 0:
        board.registry.suspend(credential_id="urn:uuid:kangoshi-1", ends_at=END, **WHY)
    url, _index = _entry(credential, "suspension")
    body = bytearray(board.publisher.dispositions(url).body)
    position = data.draw(st.integers(0, len(body) - 1))
    replacement = data.draw(st.sampled_from(b"AQgw_-.0"))
    body[position] = replacement
    _serve(web, url, bytes(body))
    check = _suspension_check(make_checker(), credential)
    assert (check.ok, check.code) == (False, "status.suspended")
    genuine = {**SUSPENDED, "from": "2025-04-01", "until": "2027-03-01"}
    if check.details.get("disposition") != "unavailable":
        assert _disposition(check) == genuine


# -- Caching --------------------------------------------------------------------------------------


def test_the_document_is_cached_and_revalidated_when_the_bits_move_on(
    board: Board, checker: StatusChecker, clock: Clock, web: Web
) -> None:
    first = _suspended_from_start(board, clock)
    assert _disposition(_suspension_check(checker, first)) == SUSPENDED
    assert _disposition(_suspension_check(checker, first)) == SUSPENDED
    assert len(_dispositions_requests(web)) == 1  # The second came from the cache.
    second = board.issue("urn:uuid:kangoshi-2")
    board.registry.suspend(credential_id="urn:uuid:kangoshi-2", **WHY)
    checker.cache.clear()  # The verifier sees the new bits; its cached document predates them.
    disposition = _disposition(_suspension_check(checker, second))
    assert disposition == {**SUSPENDED, "until": None}
    requests = _dispositions_requests(web)
    assert len(requests) == 2
    assert requests[1].headers["If-None-Match"]
    assert requests[1].headers["Accept"] == "application/dispositions+jwt"
