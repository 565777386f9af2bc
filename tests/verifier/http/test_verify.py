"""Issue 12: the employer's verifier over VC-API, end to end through the real app.

A presentation made over a challenge from ``POST /challenges`` verifies with exactly 200; the
same presentation again is 400 ``nonce.reused``; a challenge the service never issued is 400
``nonce.unknown``. ``options.checks: ["proof"]`` is the conformance view and says what it did
not look at. Bodies are VC-API's: ``verified``, ``checks``, ``warnings``, ``errors``, and
shikaku's whole report as ``result``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from tests.verifier.http.conftest import challenge, codes
from tests.verifier.world import AUDIENCE, T0, WHY, World

V2 = "https://www.w3.org/ns/credentials/v2"


def test_a_challenge_is_the_services_nonce_for_its_own_domain(client: TestClient) -> None:
    answer = client.post("/challenges")
    assert answer.status_code == 201
    body = answer.json()
    assert set(body) == {"challenge", "domain", "expires"}
    assert body["domain"] == AUDIENCE
    assert body["expires"] == (T0 + timedelta(minutes=5)).isoformat()
    assert len(body["challenge"]) >= 43  # 32 random bytes, base64url
    assert client.post("/challenges").json()["challenge"] != body["challenge"]


def test_a_challenge_for_someone_elses_domain_is_refused(client: TestClient) -> None:
    answer = client.post("/challenges", json={"domain": "https://attacker.example"})
    assert answer.status_code == 400
    assert answer.json()["code"] == "request.invalid"
    assert answer.json()["fields"][0]["field"] == "domain"


def test_a_presented_credential_verifies_with_200(client: TestClient, world: World) -> None:
    nonce = challenge(client)
    presentation = world.vp(world.signed(), nonce=nonce)
    answer = client.post(
        "/presentations/verify",
        json={"verifiablePresentation": presentation, "options": {"challenge": nonce}},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["verified"] is True
    assert body["errors"] == [] and body["warnings"] == []
    assert {"proof", "issuer_trust", "status", "holder_binding", "nonce"} <= set(body["checks"])
    assert body["result"]["outcome"] == "verified"
    assert body["result"]["issuer"]["name"]["ja"] == "厚生労働大臣"
    assert body["result"]["qualification"]["name"]["ja"] == "看護師"
    assert body["result"]["status"]["state"] == "valid"
    assert body["result"]["holder"] == world.holder_did


def test_a_replayed_presentation_is_400_nonce_reused(client: TestClient, world: World) -> None:
    presentation = world.vp(world.signed(), nonce=challenge(client))
    request = {"verifiablePresentation": presentation}
    assert client.post("/presentations/verify", json=request).status_code == 200
    answer = client.post("/presentations/verify", json=request)
    assert answer.status_code == 400
    assert answer.json()["verified"] is False
    assert codes(answer) == ["nonce.reused"]
    assert answer.json()["errors"][0]["check"] == "nonce"


def test_a_made_up_challenge_is_400_nonce_unknown(client: TestClient, world: World) -> None:
    made_up = "a-challenge-the-holder-made-up"
    presentation = world.vp(world.signed(), nonce=made_up)
    answer = client.post(
        "/presentations/verify",
        json={"verifiablePresentation": presentation, "options": {"challenge": made_up}},
    )
    assert answer.status_code == 400
    assert codes(answer) == ["nonce.unknown"]


def test_a_presentation_for_another_domain_is_refused(client: TestClient, world: World) -> None:
    nonce = challenge(client)
    presentation = world.vp(world.signed(), nonce=nonce, domain="https://attacker.example")
    answer = client.post("/presentations/verify", json={"verifiablePresentation": presentation})
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["check"] == "holder_binding"


def test_a_challenge_given_in_options_must_be_the_one_signed(
    client: TestClient, world: World
) -> None:
    presentation = world.vp(world.signed(), nonce=challenge(client))
    answer = client.post(
        "/presentations/verify",
        json={"verifiablePresentation": presentation, "options": {"challenge": challenge(client)}},
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["check"] == "holder_binding"


def test_a_revoked_credential_is_400_with_its_status(client: TestClient, world: World) -> None:
    credential = world.signed()
    world.registry.revoke(credential_id=credential["id"], **WHY)
    presentation = world.vp(credential, nonce=challenge(client))
    answer = client.post("/presentations/verify", json={"verifiablePresentation": presentation})
    assert answer.status_code == 400
    assert codes(answer) == ["status.revoked"]
    assert answer.json()["result"]["status"]["state"] == "revoked"


def test_a_presented_sd_jwt_verifies_with_200(client: TestClient, world: World) -> None:
    sd_jwt, _ = world.sd_jwt()
    presented = world.present(sd_jwt, nonce=challenge(client))
    answer = client.post("/presentations/verify", json={"verifiablePresentation": presented})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["result"]["format"] == "dc+sd-jwt"
    assert body["result"]["subject"]["licenseNumber"] == "1234567"
    assert "dateOfBirth" not in body["result"]["subject"]
    answer = client.post("/presentations/verify", json={"verifiablePresentation": presented})
    assert codes(answer) == ["nonce.reused"]


def test_an_enveloped_sd_jwt_verifies_as_a_credential(client: TestClient, world: World) -> None:
    sd_jwt, _ = world.sd_jwt()
    presented = world.present(sd_jwt, nonce=challenge(client))
    envelope = {
        "@context": [V2],
        "type": "EnvelopedVerifiableCredential",
        "id": "data:application/dc+sd-jwt," + presented,
    }
    answer = client.post("/credentials/verify", json={"verifiableCredential": envelope})
    assert answer.status_code == 200, answer.text
    assert answer.json()["result"]["format"] == "dc+sd-jwt"


def test_an_envelope_that_lies_about_its_content_is_refused(
    client: TestClient, world: World
) -> None:
    sd_jwt, _ = world.sd_jwt()
    envelope = {
        "@context": [V2],
        "type": "EnvelopedVerifiableCredential",
        "id": "data:application/vc+jwt," + sd_jwt,
    }
    answer = client.post("/credentials/verify", json={"verifiableCredential": envelope})
    assert answer.status_code == 400
    assert answer.json()["code"] == "credential.malformed"
    assert answer.headers["content-type"] == "application/problem+json"


def test_a_bare_credential_is_refused_by_the_employer_policy(
    client: TestClient, world: World
) -> None:
    answer = client.post("/credentials/verify", json={"verifiableCredential": world.signed()})
    assert answer.status_code == 400
    assert codes(answer) == ["holder.binding_missing"]


def test_checks_proof_is_the_proof_only_view(client: TestClient, world: World) -> None:
    credential = world.signed()
    request = {"verifiableCredential": credential, "options": {"checks": ["proof"]}}
    answer = client.post("/credentials/verify", json=request)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["verified"] is True
    assert "proof" in body["checks"]
    not_requested = {w["check"] for w in body["warnings"]}
    assert {"status", "issuer_trust", "holder_binding", "nonce"} <= not_requested
    assert all(w["outcome"] == "not_requested" for w in body["warnings"])
    tampered = dict(credential, issuer={"id": "did:web:registry.example"})
    request = {"verifiableCredential": tampered, "options": {"checks": ["proof"]}}
    answer = client.post("/credentials/verify", json=request)
    assert answer.status_code == 400
    assert answer.json()["verified"] is False
    assert answer.json()["errors"][0]["check"] == "proof"


def test_a_presentation_sent_as_a_credential_is_misrouted(client: TestClient, world: World) -> None:
    presentation = world.vp(world.signed(), nonce=challenge(client))
    answer = client.post("/credentials/verify", json={"verifiableCredential": presentation})
    assert answer.status_code == 400
    assert answer.json()["code"] == "request.invalid"
    answer = client.post("/presentations/verify", json={"verifiablePresentation": world.signed()})
    assert answer.json()["code"] == "request.invalid"


def test_unreadable_input_inside_a_valid_request_is_could_not_verify(client: TestClient) -> None:
    answer = client.post("/credentials/verify", json={"verifiableCredential": "not.a.credential"})
    assert answer.status_code == 400
    body = answer.json()
    assert body["verified"] is False
    assert body["result"]["outcome"] == "error"
    assert body["errors"][0]["check"] == "format"
    assert body["errors"][0]["kind"] == "could_not_verify"


def test_a_context_the_jsonld_processor_fails_on_is_400_never_500(
    client: TestClient, world: World
) -> None:
    # A null @vocab where no vocabulary mapping is active makes pyld raise KeyError instead
    # of its own error (the W3C VC Data Model 2.0 suite's credential-type-unmapped-fail.json).
    credential = dict(world.signed())
    credential["@context"] = ["https://www.w3.org/ns/credentials/v2", {"@vocab": None}]
    credential["type"] = ["VerifiableCredential", "ExampleTestCredential"]
    request = {"verifiableCredential": credential, "options": {"checks": ["proof"]}}
    answer = client.post("/credentials/verify", json=request)
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["verified"] is False
    assert body["errors"][0]["code"] == "jsonld.invalid"


def test_logs_name_outcomes_and_codes_never_nonces_or_credentials(
    client: TestClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    nonce = challenge(client)
    presentation = world.vp(world.signed(), nonce=nonce)
    client.post("/presentations/verify", json={"verifiablePresentation": presentation})
    client.post("/presentations/verify", json={"verifiablePresentation": presentation})
    text = caplog.text
    assert "verified" in text and "nonce.reused" in text
    for secret in (nonce, "1234567", presentation["proof"]["proofValue"], world.holder_did):
        assert secret not in text
