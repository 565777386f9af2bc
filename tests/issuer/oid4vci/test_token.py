"""The token endpoint: pre-authorized code, transaction code and DPoP (RFC 9449), refused well."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.issuer.oid4vci.conftest import SD_JWT, SUBJECT, Setup
from tests.issuer.oid4vci.wallet import PRE_AUTH, Wallet, new_key


def error_of(response: Any) -> str:
    """The OAuth error of a refusal (RFC 6749 §5.2 JSON, nothing else in it)."""
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error", "error_description"}
    error: str = body["error"]
    return error


def test_wrong_transaction_codes_are_counted_and_lock_the_grant(setup_db: Setup) -> None:
    setup = setup_db
    created = setup.service.create_offer(SUBJECT, [SD_JWT])
    assert created.tx_code is not None
    wrong = str((int(created.tx_code) + 1) % 10**6).zfill(6)
    wallet = setup.wallet()
    for _ in range(setup.board.settings.oid4vci_tx_code_attempts):
        response = wallet.token(setup.url("token"), created.pre_authorized_code, wrong)
        assert (response.status_code, error_of(response)) == (400, "invalid_grant"), response.text
    # The right code comes too late: the grant is locked.
    response = wallet.token(setup.url("token"), created.pre_authorized_code, created.tx_code)
    assert error_of(response) == "invalid_grant"
    assert "too many" in response.json()["error_description"]


def test_a_missing_or_unexpected_transaction_code_is_an_invalid_request(setup: Setup) -> None:
    wallet = setup.wallet()
    created = setup.service.create_offer(SUBJECT, [SD_JWT])
    response = wallet.token(setup.url("token"), created.pre_authorized_code, None)
    assert error_of(response) == "invalid_request"
    # Not counted as a wrong guess: the right code still works.
    good = wallet.token(setup.url("token"), created.pre_authorized_code, created.tx_code)
    assert good.status_code == 200
    plain = setup.service.create_offer(SUBJECT, [SD_JWT], tx_code=False)
    assert plain.tx_code is None
    response = wallet.token(setup.url("token"), plain.pre_authorized_code, "123456")
    assert error_of(response) == "invalid_request"


def test_a_code_is_used_once(setup_db: Setup) -> None:
    setup = setup_db
    created = setup.service.create_offer(SUBJECT, [SD_JWT])
    wallet = setup.wallet()
    first = wallet.token(setup.url("token"), created.pre_authorized_code, created.tx_code)
    assert first.status_code == 200
    again = setup.wallet().token(setup.url("token"), created.pre_authorized_code, created.tx_code)
    assert error_of(again) == "invalid_grant"
    assert "used before" in again.json()["error_description"]


def test_an_expired_or_unknown_code_is_an_invalid_grant(setup: Setup) -> None:
    created = setup.service.create_offer(SUBJECT, [SD_JWT])
    setup.clock.advance(timedelta(seconds=setup.board.settings.oid4vci_offer_ttl + 1))
    wallet = setup.wallet()
    response = wallet.token(setup.url("token"), created.pre_authorized_code, created.tx_code)
    assert error_of(response) == "invalid_grant"
    response = wallet.token(setup.url("token"), "not-a-code", created.tx_code)
    assert error_of(response) == "invalid_grant"


def test_without_the_server_nonce_the_wallet_is_told_to_retry_and_then_succeeds(
    setup: Setup,
) -> None:
    created = setup.service.create_offer(SUBJECT, [SD_JWT])
    wallet = setup.wallet()
    data = {
        "grant_type": PRE_AUTH,
        "pre-authorized_code": created.pre_authorized_code,
        "tx_code": created.tx_code,
    }
    first = wallet.post(setup.url("token"), data=data, retry=False)
    assert (first.status_code, error_of(first)) == (400, "use_dpop_nonce")
    assert wallet.dpop_nonce == first.headers["DPoP-Nonce"]
    # The refusal did not touch the grant: the retry with the nonce redeems it.
    second = wallet.post(setup.url("token"), data=data, retry=False)
    assert second.status_code == 200, second.text
    assert second.headers["DPoP-Nonce"]


def test_a_replayed_dpop_proof_is_refused(setup_db: Setup) -> None:
    setup = setup_db
    wallet = setup.wallet()
    wallet.dpop_nonce = setup.service.dpop_nonce()
    created = setup.service.create_offer(SUBJECT, [SD_JWT])
    proof = wallet.dpop("POST", setup.url("token"))
    data = {
        "grant_type": PRE_AUTH,
        "pre-authorized_code": "unknown",
        "tx_code": "000000",
    }
    first = setup.client.post(setup.url("token"), data=data, headers={"DPoP": proof})
    assert error_of(first) == "invalid_grant"
    data["pre-authorized_code"] = created.pre_authorized_code
    data["tx_code"] = created.tx_code or ""
    replay = setup.client.post(setup.url("token"), data=data, headers={"DPoP": proof})
    assert error_of(replay) == "invalid_dpop_proof"
    assert "used before" in replay.json()["error_description"]


def test_dpop_proofs_that_do_not_fit_the_request_are_refused(setup: Setup) -> None:
    created = setup.service.create_offer(SUBJECT, [SD_JWT])
    wallet = setup.wallet()
    wallet.dpop_nonce = setup.service.dpop_nonce()
    data = {
        "grant_type": PRE_AUTH,
        "pre-authorized_code": created.pre_authorized_code,
        "tx_code": created.tx_code or "",
    }
    url = setup.url("token")
    proofs = {
        "none": None,
        "htm": wallet.dpop("GET", url),
        "htu": wallet.dpop("POST", setup.url("credential")),
        "typ": wallet.dpop("POST", url, typ="JWT"),
        "rsa": wallet.dpop("POST", url, key=new_key("RSA"), alg="RS256"),
        "stale": _stale(wallet, url),
        "garbage": "a.b.c",
    }
    for name, proof in proofs.items():
        headers = {} if proof is None else {"DPoP": proof}
        response = setup.client.post(url, data=data, headers=headers)
        assert error_of(response) == "invalid_dpop_proof", name
    # None of those redeemed the code.
    good = wallet.token(url, created.pre_authorized_code, created.tx_code)
    assert good.status_code == 200


def _stale(wallet: Wallet, url: str) -> str:
    assert wallet.now is not None
    old = Wallet(wallet.client, wallet.dpop_key, wallet.dpop_nonce, wallet.now - 3600)
    return old.dpop("POST", url)


def test_other_grants_and_malformed_forms_are_refused(setup: Setup) -> None:
    wallet = setup.wallet()
    response = wallet.post(setup.url("token"), data={"grant_type": "authorization_code"})
    assert error_of(response) == "unsupported_grant_type"
    response = wallet.post(setup.url("token"), json={"grant_type": PRE_AUTH})
    assert error_of(response) == "invalid_request"
    response = wallet.post(
        setup.url("token"),
        content=f"grant_type={PRE_AUTH}&grant_type={PRE_AUTH}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert error_of(response) == "invalid_request"
