"""Done-when 3: revoked, suspended and message-coded credentials check as such; a list signed
by another issuer, an oversized or malformed list, and a timeout each fail with their own code.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from issuer.status.publish import StatusPublisher
from tests.verifier.conftest import BASE, T0, Board, Clock, Web
from tests.verifier.world import WHY
from vc_core import di
from vc_core.jsonld.loader import default_loader
from vc_core.keys import generate_key
from vc_core.status.bitstring import VALID_FROM_LEEWAY
from vc_core.verdict import Check
from verifier.status import FetchPolicy, StatusChecker

CheckerFactory = Callable[..., StatusChecker]


def _by_name(checks: tuple[Check, ...]) -> dict[str, Check]:
    return {check.name: check for check in checks}


def _outcome(checks: tuple[Check, ...]) -> dict[str, tuple[bool | None, str | None]]:
    return {check.name: (check.ok, check.code) for check in checks}


ALL_VALID = {
    "status.revocation": (True, None),
    "status.suspension": (True, None),
    "status.message": (True, None),
}


def test_a_valid_credential_passes_every_status_check(board: Board, checker: StatusChecker) -> None:
    credential = board.issue("urn:uuid:valid")
    checks = checker.check(credential)
    assert _outcome(checks) == ALL_VALID
    message = _by_name(checks)["status.message"]
    assert message.details["status"] == 0
    assert message.details["message"] == "valid (有効)"


def test_a_revoked_credential_checks_as_revoked(board: Board, checker: StatusChecker) -> None:
    credential = board.issue("urn:uuid:revoked")
    board.registry.revoke(credential_id="urn:uuid:revoked", **WHY)
    checks = _by_name(checker.check(credential))
    assert (checks["status.revocation"].ok, checks["status.revocation"].code) == (
        False,
        "status.revoked",
    )
    assert checks["status.suspension"].ok is True
    assert checks["status.message"].code == "status.message_set"
    assert checks["status.message"].details["status"] == 3
    assert checks["status.message"].message == "revoked: 免許取消/登録取消"


def test_a_scheduled_suspension_checks_suspended_then_valid_on_its_end_date(
    board: Board, checker: StatusChecker, clock: Clock
) -> None:
    credential = board.issue("urn:uuid:suspended", subject_id="kangoshi:42")
    start, end = T0 + timedelta(days=7), T0 + timedelta(days=37)
    board.registry.suspend(subject_id="kangoshi:42", starts_at=start, ends_at=end, **WHY)
    assert _outcome(checker.check(credential)) == ALL_VALID
    clock.now = start
    board.registry.tick()
    during = _by_name(checker.check(credential))
    assert (during["status.suspension"].ok, during["status.suspension"].code) == (
        False,
        "status.suspended",
    )
    assert during["status.message"].message == "suspended: 業務停止"
    assert during["status.revocation"].ok is True
    clock.now = end
    board.registry.tick()
    assert _outcome(checker.check(credential)) == ALL_VALID


def test_a_message_code_reaches_the_verifier(board: Board, checker: StatusChecker) -> None:
    credential = board.issue("urn:uuid:name-use")
    board.registry.suspend(credential_id="urn:uuid:name-use", code=2, **WHY)
    message = _by_name(checker.check(credential))["status.message"]
    assert (message.ok, message.code) == (False, "status.message_set")
    assert message.details == {
        "statusListCredential": credential["credentialStatus"][2]["statusListCredential"],
        "statusListIndex": int(credential["credentialStatus"][2]["statusListIndex"]),
        "status": 2,
        "message": "suspended: 名称使用停止",
    }


# -- A list from someone else ---------------------------------------------------------------------


@pytest.fixture
def impostor(board: Board) -> StatusPublisher:
    """Another board, with its own key and lists, on the same registry and host."""
    return StatusPublisher(board.registry, signer=generate_key("p256"))


def test_a_list_of_another_issuer_is_refused(
    board: Board, impostor: StatusPublisher, checker: StatusChecker, web: Web
) -> None:
    credential = board.issue("urn:uuid:c1", purposes=["revocation"])
    (theirs,) = board.registry.allocate(
        "urn:uuid:x", issuer=impostor.issuer, purposes=["revocation"]
    )
    # The entry is redirected to the other board's (valid, all-zero) list.
    credential["credentialStatus"][0]["statusListCredential"] = theirs.status_list_credential
    web.overrides[theirs.status_list_credential] = lambda request: httpx.Response(
        200, content=impostor.get(theirs.status_list_credential).body
    )
    check = checker.check(credential)[0]
    assert (check.ok, check.code) == (False, "status.issuer_mismatch")


def test_a_list_naming_the_issuer_but_signed_by_another_key_is_refused(
    board: Board, impostor: StatusPublisher, checker: StatusChecker, web: Web
) -> None:
    credential = board.issue("urn:uuid:c1", purposes=["revocation"])
    board.registry.revoke(credential_id="urn:uuid:c1", **WHY)
    url = credential["credentialStatus"][0]["statusListCredential"]
    genuine = json.loads(board.publisher.get(url).body)
    # The forger clears every bit and signs with their own key, keeping the board as issuer.
    forged = {k: v for k, v in genuine.items() if k != "proof"}
    forged["credentialSubject"] = {
        **genuine["credentialSubject"],
        "encodedList": "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA",
    }
    signed = di.sign(
        forged, suite="ecdsa-rdfc-2019", signer=impostor.signer, loader=default_loader()
    )
    web.overrides[url] = lambda request: httpx.Response(200, content=json.dumps(signed).encode())
    check = checker.check(credential)[0]
    assert (check.ok, check.code) == (False, "status.issuer_mismatch")


def test_a_tampered_list_fails_its_proof(board: Board, checker: StatusChecker, web: Web) -> None:
    credential = board.issue("urn:uuid:c1", purposes=["revocation"])
    board.registry.revoke(credential_id="urn:uuid:c1", **WHY)
    url = credential["credentialStatus"][0]["statusListCredential"]
    document = json.loads(board.publisher.get(url).body)
    document["credentialSubject"]["encodedList"] = (
        "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
    )
    web.overrides[url] = lambda request: httpx.Response(200, content=json.dumps(document).encode())
    check = checker.check(credential)[0]
    assert (check.ok, check.code) == (False, "status.proof_invalid")


def test_one_list_of_the_issuer_cannot_stand_in_for_another(
    board: Board, checker: StatusChecker, web: Web
) -> None:
    first = board.issue("urn:uuid:c1", purposes=["revocation"])
    url = first["credentialStatus"][0]["statusListCredential"]
    other_url = BASE + "/elsewhere"
    web.overrides[other_url] = lambda request: httpx.Response(
        200, content=board.publisher.get(url).body
    )
    first["credentialStatus"][0]["statusListCredential"] = other_url
    check = checker.check(first)[0]
    assert (check.ok, check.code) == (False, "status.list_malformed")


def test_an_entry_pointing_at_a_list_of_another_purpose_is_refused(
    board: Board, checker: StatusChecker
) -> None:
    credential = board.issue("urn:uuid:c1", purposes=["revocation", "suspension"])
    revocation, suspension = credential["credentialStatus"]
    suspension["statusListCredential"] = revocation["statusListCredential"]
    checks = _by_name(checker.check(credential))
    assert checks["status.suspension"].code == "status.purpose_mismatch"


# -- Broken and hostile servers -----------------------------------------------------------------


def _list_url(board: Board) -> tuple[dict[str, Any], str]:
    credential = board.issue("urn:uuid:c1", purposes=["revocation"])
    return credential, credential["credentialStatus"][0]["statusListCredential"]


def _code(checker: StatusChecker, credential: dict[str, Any]) -> str | None:
    (check,) = checker.check(credential)
    assert check.ok is False
    return check.code


def test_an_oversized_list_is_refused_before_it_is_read(
    board: Board, make_checker: CheckerFactory, web: Web
) -> None:
    credential, url = _list_url(board)
    checker = make_checker(FetchPolicy(allow=(BASE + "/",), max_bytes=300))
    assert _code(checker, credential) == "status.list_too_large"

    def endless(request: httpx.Request) -> httpx.Response:
        # No Content-Length: the size limit must hold while streaming.
        def chunks() -> Iterator[bytes]:
            while True:
                yield b" " * 512

        return httpx.Response(200, content=chunks())

    web.overrides[url] = endless
    assert _code(checker, credential) == "status.list_too_large"


@pytest.mark.parametrize(
    "body",
    [b"<html>not json</html>", b'{"type": ["VerifiableCredential"]}', b"[1, 2, 3]"],
)
def test_a_malformed_list_is_refused(
    board: Board, checker: StatusChecker, web: Web, body: bytes
) -> None:
    credential, url = _list_url(board)
    web.overrides[url] = lambda request: httpx.Response(200, content=body)
    assert _code(checker, credential) == "status.list_malformed"


def test_a_timeout_fails_with_its_own_code(
    board: Board, make_checker: CheckerFactory, web: Web
) -> None:
    credential, url = _list_url(board)

    def hangs(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    web.overrides[url] = hangs
    assert _code(make_checker(), credential) == "status.list_timeout"

    def trickles(request: httpx.Request) -> httpx.Response:
        # Each byte arrives in time for a read timeout, but the whole takes too long.
        def chunks() -> Iterator[bytes]:
            for _ in range(100):
                time.sleep(0.02)
                yield b" "

        return httpx.Response(200, content=chunks())

    web.overrides[url] = trickles
    slow_policy = FetchPolicy(allow=(BASE + "/",), timeout=0.05)
    assert _code(make_checker(slow_policy), credential) == "status.list_timeout"


@pytest.mark.parametrize(
    ("response", "code"),
    [
        (httpx.Response(404), "status.list_unreachable"),
        (httpx.Response(302, headers={"Location": "https://evil.example/list"}),
         "status.list_unreachable"),
        (None, "status.list_unreachable"),
    ],
)  # fmt: skip
def test_unreachable_lists_fail_closed(
    board: Board, checker: StatusChecker, web: Web, response: httpx.Response | None, code: str
) -> None:
    credential, url = _list_url(board)

    def answer(request: httpx.Request) -> httpx.Response:
        if response is None:
            raise httpx.ConnectError("connection refused", request=request)
        return response

    web.overrides[url] = answer
    assert _code(checker, credential) == code


def test_urls_off_the_allowlist_or_not_https_are_not_fetched(
    board: Board, make_checker: CheckerFactory, web: Web
) -> None:
    credential, url = _list_url(board)
    checker = make_checker(FetchPolicy(allow=("https://other.example.jp/",)))
    assert _code(checker, credential) == "status.url_not_allowed"
    credential["credentialStatus"][0]["statusListCredential"] = url.replace("https:", "http:")
    assert _code(make_checker(), credential) == "status.url_not_allowed"
    assert web.requests == []


# -- Caching ------------------------------------------------------------------------------------


def test_the_cache_honours_ttl_and_revalidates_with_the_etag(
    board: Board, checker: StatusChecker, web: Web, clock: Clock
) -> None:
    credential = board.issue("urn:uuid:c1", purposes=["revocation"])
    assert checker.check(credential)[0].ok is True
    assert checker.check(credential)[0].ok is True
    assert len(web.requests) == 1  # The second check came from the cache.
    # The board revokes; within the list's ttl (5 minutes) the verifier may still say valid.
    board.registry.revoke(credential_id="urn:uuid:c1", **WHY)
    clock.now += timedelta(minutes=4)
    assert checker.check(credential)[0].ok is True
    assert len(web.requests) == 1
    # Past the ttl it asks again, conditionally; the list changed, so it gets the new one.
    clock.now += timedelta(minutes=2)
    assert checker.check(credential)[0].code == "status.revoked"
    assert len(web.requests) == 2
    assert web.requests[1].headers["If-None-Match"]
    # Past the ttl again with no change: a 304, and the cached list stays in use.
    clock.now += timedelta(minutes=6)
    assert checker.check(credential)[0].code == "status.revoked"
    assert len(web.requests) == 3


def test_http_no_store_and_valid_until_limit_the_cache(
    board: Board, checker: StatusChecker, web: Web, clock: Clock
) -> None:
    credential, url = _list_url(board)
    body = board.publisher.get(url).body
    web.overrides[url] = lambda request: httpx.Response(
        200, headers={"Cache-Control": "no-store"}, content=body
    )
    checker.check(credential)
    checker.check(credential)
    assert len(web.requests) == 2
    # A list past its validUntil is refused, even when a server keeps serving it.
    del web.overrides[url]
    web.overrides[url] = lambda request: httpx.Response(
        200, headers={"Cache-Control": "max-age=999999"}, content=body
    )
    clock.now += timedelta(days=2)
    assert _code(checker, credential) == "status.list_expired"


def test_a_list_signed_a_moment_ahead_of_the_verifiers_clock_is_used(
    board: Board, checker: StatusChecker, web: Web, clock: Clock
) -> None:
    """A board signs a list when it is first asked for, often while the verification that
    asked is under way (or on a machine whose clock runs a little ahead): its validFrom may
    lie past the verifier's now. Within VALID_FROM_LEEWAY the list is used; further ahead it
    is refused."""
    credential, url = _list_url(board)
    body = board.publisher.get(url).body
    web.overrides[url] = lambda request: httpx.Response(
        200, headers={"Cache-Control": "no-store"}, content=body
    )
    clock.now -= timedelta(seconds=1)
    assert checker.check(credential)[0].ok is True
    clock.now -= VALID_FROM_LEEWAY
    assert _code(checker, credential) == "status.list_expired"


# -- IETF Referenced Tokens ---------------------------------------------------------------------


def test_a_referenced_token_checks_against_its_status_list_token(
    board: Board, checker: StatusChecker
) -> None:
    board.issue("urn:uuid:c1", purposes=["revocation", "suspension"])
    board.registry.suspend(credential_id="urn:uuid:c1", **WHY)
    _revocation, suspension = board.registry.entries("urn:uuid:c1")
    claims = {
        "status": {
            "status_list": {
                "idx": suspension.status_list_index,
                "uri": suspension.status_list_credential,
            }
        }
    }
    key = board.publisher.signer.public_key
    check = checker.check_token(claims, key=key, issuer=board.issuer)
    assert (check.ok, check.code, check.details["status"]) == (False, "status.suspended", 2)
    # A caller trusting another key gets no answer from the list cached under this one.
    wrong_key = checker.check_token(claims, key=generate_key("p256").public_key)
    assert (wrong_key.ok, wrong_key.code) == (False, "status.proof_invalid")
    assert checker.check_token({"status": {}}, key=key).code == "status.list_malformed"
