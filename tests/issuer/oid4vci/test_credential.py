"""The credential endpoint: key proofs, c_nonces, batches, DPoP-bound tokens, refusals."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from jwcrypto import jwk

from issuer.store import BoardEvent
from tests.issuer.oid4vci.conftest import (
    ISSUER,
    LDP,
    SD_JWT,
    SUBJECT,
    Setup,
    access_token,
    ask,
)
from tests.issuer.oid4vci.test_token import error_of
from tests.issuer.oid4vci.wallet import Wallet, new_key, public
from vc_core.jose.jws import parse_jws
from vc_core.sdjwt import parse_sd_jwt


def fresh(setup: Setup, wallet: Wallet) -> str:
    return wallet.c_nonce(setup.url("nonce"))


def test_a_used_c_nonce_is_invalid_nonce_and_a_fresh_one_works(setup: Setup) -> None:
    wallet = setup.wallet()
    token = access_token(setup, wallet)
    nonce = fresh(setup, wallet)
    key = new_key()
    first = ask(setup, wallet, token, [wallet.key_proof(key, audience=ISSUER, nonce=nonce)])
    assert first.status_code == 200, first.text
    other = new_key()
    token2 = access_token(setup, wallet)
    again = ask(setup, wallet, token2, [wallet.key_proof(other, audience=ISSUER, nonce=nonce)])
    assert (again.status_code, error_of(again)) == (400, "invalid_nonce")
    unknown = ask(setup, wallet, token2, [wallet.key_proof(other, audience=ISSUER, nonce="x")])
    assert error_of(unknown) == "invalid_nonce"
    retry = ask(
        setup,
        wallet,
        token2,
        [wallet.key_proof(other, audience=ISSUER, nonce=fresh(setup, wallet))],
    )
    assert retry.status_code == 200, retry.text


def test_key_proofs_that_do_not_hold_are_invalid_proof(setup: Setup) -> None:
    wallet = setup.wallet()
    token = access_token(setup, wallet)
    key, stranger = new_key(), new_key()
    nonce = fresh(setup, wallet)
    good = wallet.key_proof(key, audience=ISSUER, nonce=nonce)
    head, body, _signature = good.split(".")
    forged = wallet.key_proof(stranger, audience=ISSUER, nonce=nonce).split(".")[2]
    bad_proofs = {
        "signature": f"{head}.{body}.{forged}",
        "audience": wallet.key_proof(key, audience="https://other.example", nonce=nonce),
        "stale": wallet.key_proof(key, audience=ISSUER, nonce=nonce, iat=int(wallet.iat()) - 3600),
        "kid only": wallet.key_proof(key, audience=ISSUER, nonce=nonce, header={"kid": "k1"}),
        "private jwk": wallet.key_proof(
            key, audience=ISSUER, nonce=nonce, header={"jwk": key.export_private(as_dict=True)}
        ),
        "ES384": wallet.key_proof(
            jwk.JWK.generate(kty="EC", crv="P-384"), audience=ISSUER, nonce=nonce, alg="ES384"
        ),
    }
    for name, proof in bad_proofs.items():
        response = ask(setup, wallet, token, [proof])
        assert (response.status_code, error_of(response)) == (400, "invalid_proof"), name
    # A refused proof used no c_nonce and issued nothing.
    assert ask(setup, wallet, token, [good]).status_code == 200
    assert len(setup.board.store.credentials_of(SUBJECT)) == 1


def test_a_batch_refuses_one_key_twice_and_more_than_its_size(setup: Setup) -> None:
    wallet = setup.wallet()
    token = access_token(setup, wallet)
    key = new_key()
    nonce = fresh(setup, wallet)
    twice = [wallet.key_proof(key, audience=ISSUER, nonce=nonce) for _ in range(2)]
    response = ask(setup, wallet, token, twice)
    assert error_of(response) == "invalid_proof"
    size = setup.board.settings.oid4vci_batch_size
    many = [wallet.key_proof(new_key(), audience=ISSUER, nonce=nonce) for _ in range(size + 1)]
    assert error_of(ask(setup, wallet, token, many)) == "invalid_proof"
    assert setup.board.store.credentials_of(SUBJECT) == ()


def test_configurations_outside_the_catalogue_or_the_grant_are_refused(setup: Setup) -> None:
    wallet = setup.wallet()
    token = access_token(setup, wallet, SD_JWT)
    proof = wallet.key_proof(new_key(), audience=ISSUER, nonce=fresh(setup, wallet))
    for configuration in ("nope_dc_sd_jwt", "kangoshi_mso_mdoc", LDP, "ishi_dc_sd_jwt"):
        response = ask(setup, wallet, token, [proof], configuration)
        assert error_of(response) == "unknown_credential_configuration", configuration
    shapes = [
        {"credential_identifier": "x", "proofs": {"jwt": [proof]}},
        {"credential_configuration_id": SD_JWT, "proof": {"proof_type": "jwt", "jwt": proof}},
        {"credential_configuration_id": SD_JWT},
        [],
    ]
    for body in shapes:
        response = wallet.post(setup.url("credential"), access_token=token, json=body)
        assert error_of(response) in {"invalid_credential_request", "invalid_proof"}, body


def test_the_access_token_is_bound_to_its_dpop_key_and_expires(setup: Setup) -> None:
    wallet = setup.wallet()
    token = access_token(setup, wallet)
    proof = wallet.key_proof(new_key(), audience=ISSUER, nonce=fresh(setup, wallet))
    body = {"credential_configuration_id": SD_JWT, "proofs": {"jwt": [proof]}}
    thief = setup.wallet()
    stolen = thief.post(setup.url("credential"), access_token=token, json=body)
    assert stolen.status_code == 401
    assert stolen.headers["WWW-Authenticate"].startswith('DPoP error="invalid_token"')
    bearer = setup.client.post(
        setup.url("credential"), json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert (bearer.status_code, error_of(bearer)) == (401, "invalid_token")
    setup.clock.advance(timedelta(seconds=setup.board.settings.oid4vci_token_ttl + 1))
    wallet.now = setup.clock().timestamp()
    late = wallet.post(setup.url("credential"), access_token=token, json=body)
    assert (late.status_code, error_of(late)) == (401, "invalid_token")


def test_the_resource_asks_for_its_dpop_nonce_with_a_challenge(setup: Setup) -> None:
    wallet = setup.wallet()
    token = access_token(setup, wallet)
    wallet.dpop_nonce = "not-ours"
    proof = wallet.key_proof(new_key(), audience=ISSUER, nonce=fresh(setup, wallet))
    body = {"credential_configuration_id": SD_JWT, "proofs": {"jwt": [proof]}}
    first = wallet.post(setup.url("credential"), access_token=token, json=body, retry=False)
    assert first.status_code == 401
    assert 'error="use_dpop_nonce"' in first.headers["WWW-Authenticate"]
    second = wallet.post(setup.url("credential"), access_token=token, json=body, retry=False)
    assert second.status_code == 200, second.text


def card_certificate(key: rsa.RSAPrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "card holder")])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=1000))
        .sign(key, hashes.SHA256())
    )


def test_card_keys_sign_rs256_as_jwk_or_as_the_certificate(setup: Setup) -> None:
    wallet = setup.wallet()
    token = access_token(setup, wallet)
    as_jwk = new_key("RSA")
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = card_certificate(private)
    as_x5c = jwk.JWK.from_pyca(private)
    x5c = [base64.b64encode(certificate.public_bytes(Encoding.DER)).decode()]
    nonce = fresh(setup, wallet)
    proofs = [
        wallet.key_proof(as_jwk, audience=ISSUER, nonce=nonce, alg="RS256"),
        wallet.key_proof(as_x5c, audience=ISSUER, nonce=nonce, alg="RS256", header={"x5c": x5c}),
    ]
    response = ask(setup, wallet, token, proofs)
    assert response.status_code == 200, response.text
    first, second = (
        parse_jws(parse_sd_jwt(c["credential"]).jwt).payload["cnf"]
        for c in response.json()["credentials"]
    )
    assert first == {"jwk": {k: public(as_jwk)[k] for k in ("kty", "e", "n")}}
    assert set(second) == {"jwk", "x5t#S256"}
    modes = {c.holder_mode for c in setup.board.store.credentials_of(SUBJECT)}
    assert modes == {"card"}


def test_a_record_that_is_no_longer_issuable_is_denied(setup: Setup) -> None:
    wallet = setup.wallet()
    token = access_token(setup, wallet)
    setup.board.store.set_standing(
        SUBJECT, "revoked", BoardEvent("record.revoked", "board", subject_id=SUBJECT)
    )
    proof = wallet.key_proof(new_key(), audience=ISSUER, nonce=fresh(setup, wallet))
    response = ask(setup, wallet, token, [proof])
    assert error_of(response) == "credential_request_denied"


def test_a_repeated_request_returns_the_same_credentials_to_the_same_keys_only(
    setup: Setup,
) -> None:
    wallet = setup.wallet()
    token = access_token(setup, wallet)
    key = new_key()
    first = ask(
        setup, wallet, token, [wallet.key_proof(key, audience=ISSUER, nonce=fresh(setup, wallet))]
    )
    again = ask(
        setup, wallet, token, [wallet.key_proof(key, audience=ISSUER, nonce=fresh(setup, wallet))]
    )
    assert first.json()["credentials"] == again.json()["credentials"]
    assert len(setup.board.store.credentials_of(SUBJECT)) == 1
    other = ask(
        setup,
        wallet,
        token,
        [wallet.key_proof(new_key(), audience=ISSUER, nonce=fresh(setup, wallet))],
    )
    assert error_of(other) == "invalid_credential_request"


def test_notifications_name_a_response_of_the_same_grant(setup: Setup) -> None:
    wallet = setup.wallet()
    token = access_token(setup, wallet)
    proof = wallet.key_proof(new_key(), audience=ISSUER, nonce=fresh(setup, wallet))
    notification_id = ask(setup, wallet, token, [proof]).json()["notification_id"]
    url = setup.url("notification")
    other = access_token(setup, wallet)
    for body, error in (
        ({"notification_id": notification_id, "event": "credential_deleted"}, None),
        ({"notification_id": "unknown", "event": "credential_failure"}, "invalid_notification_id"),
        (
            {"notification_id": notification_id, "event": "credential_lost"},
            "invalid_notification_request",
        ),
    ):
        response = wallet.post(url, access_token=token, json=body)
        if error is None:
            assert response.status_code == 204, response.text
        else:
            assert error_of(response) == error
    foreign = wallet.post(
        url,
        access_token=other,
        json={"notification_id": notification_id, "event": "credential_accepted"},
    )
    assert error_of(foreign) == "invalid_notification_id"
    actions = [e.action for e in setup.board.store.iter_events(subject_id=SUBJECT)]
    assert actions.count("oid4vci.credential_deleted") == 1
    assert "oid4vci.credential_accepted" not in actions
