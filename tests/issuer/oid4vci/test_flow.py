"""The whole pre-authorized code flow, in process, with a wallet written for the test."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

from jwcrypto import jwk

from holder.present import present
from issuer.oid4vci.service import day_of
from tests.issuer.oid4vci.conftest import CREDENTIAL_CHECKS, ISSUER, LDP, SD_JWT, SUBJECT, Setup
from tests.issuer.oid4vci.wallet import Wallet, new_key, public
from vc_core import di
from vc_core.did import did_jwk_from_public_key
from vc_core.jose.jws import parse_jws
from vc_core.keys import private_key_from_jwk, public_key_from_jwk
from vc_core.sdjwt import parse_sd_jwt
from vc_schemas.registry import loader as schemas_loader
from verifier.pipeline import verify
from verifier.policy import CheckName, VerifierPolicy, VerifyOptions


def receive(
    setup: Setup, configuration: str, keys: list[jwk.JWK], *, by_reference: bool = False
) -> tuple[Wallet, dict[str, Any], str]:
    """Offer, token, c_nonce, credential: the wallet's answer and its access token."""
    created = setup.service.create_offer(SUBJECT, [configuration])
    wallet = setup.wallet()
    issuer_metadata, server = wallet.metadata(ISSUER)
    offer = wallet.resolve(created.by_reference if by_reference else created.by_value)
    assert offer["credential_configuration_ids"] == [configuration]
    grant = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    assert grant["tx_code"]["length"] == 6
    assert created.tx_code is not None and created.tx_code not in json.dumps(offer)
    response = wallet.token(server["token_endpoint"], grant["pre-authorized_code"], created.tx_code)
    assert response.status_code == 200, response.text
    token = response.json()
    assert token["token_type"] == "DPoP" and response.headers["cache-control"] == "no-store"
    c_nonce = wallet.c_nonce(issuer_metadata["nonce_endpoint"])
    proofs = [wallet.key_proof(key, audience=ISSUER, nonce=c_nonce) for key in keys]
    answer = wallet.post(
        issuer_metadata["credential_endpoint"],
        access_token=token["access_token"],
        json={"credential_configuration_id": configuration, "proofs": {"jwt": proofs}},
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    return wallet, answer.json(), token["access_token"]


def policy(setup: Setup) -> VerifierPolicy:
    return VerifierPolicy(clock=setup.clock).requiring(
        CREDENTIAL_CHECKS | {CheckName.HOLDER_BINDING}
    )


def test_a_batch_of_sd_jwts_each_bound_to_its_own_key_verifies(setup: Setup) -> None:
    keys = [new_key(), new_key(), new_key()]
    wallet, answer, access_token = receive(setup, SD_JWT, keys)
    credentials = [entry["credential"] for entry in answer["credentials"]]
    assert len(credentials) == 3 and len(set(credentials)) == 3
    stored = setup.board.store.credentials_of(SUBJECT)
    assert len(stored) == 3
    assert len({c.holder_key for c in stored}) == 3
    indexes = set()
    salts: set[str] = set()
    for key, credential in zip(keys, credentials, strict=True):
        sd_jwt = parse_sd_jwt(credential)
        claims = parse_jws(sd_jwt.jwt).payload
        assert claims["vct"] == "https://w3id.org/shikaku/jp-nq/vct/kangoshi"
        assert claims["cnf"]["jwk"] == {k: public(key)[k] for k in ("kty", "crv", "x", "y")}
        assert claims["iat"] == int(day_of(setup.clock()).timestamp())
        indexes.add(claims["status"]["status_list"]["idx"])
        salts.update(json.loads(_b64(d))[0] for d in sd_jwt.disclosures)
        signer = private_key_from_jwk(key.export_private(as_dict=True))
        nonce = "n-" + key.thumbprint()
        presented = present(
            credential,
            disclose=["/licenseNumber"],
            signer=signer,
            nonce=nonce,
            audience="https://hospital.example.jp",
            now=setup.clock(),
        )
        result = verify(
            presented,
            policy(setup),
            VerifyOptions(nonce=nonce, audience="https://hospital.example.jp"),
        )
        assert result.verified, result
    assert len(indexes) == 3
    assert len(salts) == sum(len(parse_sd_jwt(c).disclosures) for c in credentials)
    # The wallet accepts them: the event log says so, once per credential.
    response = wallet.post(
        f"{ISSUER}/oid4vci/notification",
        access_token=access_token,
        json={"notification_id": answer["notification_id"], "event": "credential_accepted"},
    )
    assert response.status_code == 204, response.text
    accepted = [
        e
        for e in setup.board.store.iter_events(subject_id=SUBJECT)
        if e.action == "oid4vci.credential_accepted"
    ]
    assert {e.credential_id for e in accepted} == {c.credential_id for c in stored}


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_an_ldp_vc_names_the_proof_key_as_its_subject_and_verifies(setup: Setup) -> None:
    key = new_key()
    _wallet, answer, _ = receive(setup, LDP, [key], by_reference=True)
    (entry,) = answer["credentials"]
    credential = entry["credential"]
    holder = public_key_from_jwk(public(key))
    assert credential["credentialSubject"]["id"] == did_jwk_from_public_key(holder)
    assert credential["proof"]["cryptosuite"] == "ecdsa-sd-2023"
    assert credential["validFrom"].startswith(day_of(setup.clock()).date().isoformat())
    # The holder checks the base proof, then derives what it shows an employer.
    di.verify_base(credential, loader=schemas_loader())
    derived = di.derive(
        credential, selective_pointers=["/credentialSubject/licenseNumber"], loader=schemas_loader()
    )
    result = verify(derived, VerifierPolicy(clock=setup.clock).requiring(CREDENTIAL_CHECKS))
    assert result.verified, [f"{c.name}:{c.ok}:{c.code}" for c in result.verdict.checks]


def test_the_offer_by_reference_is_served_only_while_the_grant_is_open(setup: Setup) -> None:
    created = setup.service.create_offer(SUBJECT, [SD_JWT], tx_code=False)
    assert "tx_code" not in json.dumps(created.offer)
    response = setup.client.get(created.offer_uri)
    assert response.status_code == 200 and response.json() == created.offer
    setup.clock.advance(timedelta(hours=1))
    gone = setup.client.get(created.offer_uri)
    assert gone.status_code == 404
    assert gone.headers["content-type"] == "application/problem+json"
