"""OpenID4VP 1.0 end to end through the real app: request, presentation, verdict, refusals.

A holder answers the employer's transaction with a ``dc+sd-jwt`` (or a Data Integrity
presentation for ``ldp_vc``) over the request's nonce, with the full client_id as audience;
``direct_post`` and ``direct_post.jwt`` both verify and the page holding the read secret sees
the verdict with the requested claims only. Each attack is refused with its own code: a
replayed response, a presentation replayed into another transaction, a tampered disclosure,
another holder's key, a wrong nonce or audience, fewer claims than asked for, an expired
transaction, a response encrypted to another key.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from holder.wallet import Wallet
from tests.verifier.oid4vp.conftest import EMPLOYER, ask, present, respond, verdict
from tests.verifier.world import AUDIENCE, WHY, World, make_world
from vc_core.codecs import b64url_decode, b64url_encode
from vc_core.keys import generate_key


@pytest.mark.parametrize("mode", ["direct_post", "direct_post.jwt"])
def test_a_presented_sd_jwt_verifies_and_the_page_reads_its_verdict(
    client: TestClient, world: World, mode: str
) -> None:
    asked = ask(client, response_mode=mode)
    sd_jwt, _ = world.sd_jwt()
    answer = respond(client, asked, present(world, asked, sd_jwt))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {}
    body = verdict(client, asked)
    assert body["status"] == "done"
    result = body["verdict"]
    assert result["verified"] is True, result
    assert result["format"] == "dc+sd-jwt"
    checks = {c["check"]: c["outcome"] for c in result["checks"]}
    assert checks["nonce"] == checks["holder_binding"] == checks["dcql"] == "passed"
    assert checks["status"] == checks["issuer_trust"] == "passed"
    assert result["subject"]["licenseNumber"]
    assert result["qualification"]["id"] == "kangoshi"


def test_both_enc_values_are_accepted(client: TestClient, world: World) -> None:
    asked = ask(client)
    metadata = asked.request["client_metadata"]
    assert metadata["encrypted_response_enc_values_supported"] == ["A128GCM", "A256GCM"]
    sd_jwt, _ = world.sd_jwt()
    answer = respond(client, asked, present(world, asked, sd_jwt), enc="A256GCM")
    assert answer.status_code == 200, answer.text


def test_claims_not_asked_for_are_not_shown(client: TestClient, world: World) -> None:
    asked = ask(client, response_mode="direct_post")
    sd_jwt, _ = world.sd_jwt()
    extra = [*EMPLOYER, "/dateOfBirth"]
    assert respond(client, asked, present(world, asked, sd_jwt, disclose=extra)).status_code == 200
    result = verdict(client, asked)["verdict"]
    assert result["verified"] is True
    assert "dateOfBirth" not in result["subject"]
    assert "dateOfBirth" not in result["credential"]
    assert "dateOfBirth" not in json.dumps(result)


def test_qualification_only_shows_no_register_field(client: TestClient, world: World) -> None:
    asked = ask(client, profile="qualification-only", response_mode="direct_post")
    assert "claims" not in asked.request["dcql_query"]["credentials"][0]
    sd_jwt, _ = world.sd_jwt()
    assert respond(client, asked, present(world, asked, sd_jwt)).status_code == 200
    result = verdict(client, asked)["verdict"]
    assert result["verified"] is True
    assert "licenseNumber" not in json.dumps(result)
    assert result["qualification"]["id"] == "kangoshi"


def test_a_replayed_response_is_refused(client: TestClient, world: World) -> None:
    asked = ask(client, response_mode="direct_post")
    sd_jwt, _ = world.sd_jwt()
    presentation = present(world, asked, sd_jwt)
    assert respond(client, asked, presentation).status_code == 200
    again = respond(client, asked, presentation)
    assert again.status_code == 409
    assert again.json()["code"] == "oid4vp.transaction_answered"
    assert again.json()["error"] == "invalid_request"
    assert verdict(client, asked)["verdict"]["verified"] is True  # the first answer stands


def test_a_presentation_replayed_into_another_transaction_is_refused(
    client: TestClient, world: World
) -> None:
    first = ask(client, response_mode="direct_post")
    sd_jwt, _ = world.sd_jwt()
    presentation = present(world, first, sd_jwt)
    assert respond(client, first, presentation).status_code == 200
    second = ask(client, response_mode="direct_post")
    answer = respond(client, second, presentation)
    assert answer.status_code == 400
    assert answer.json()["code"] == "kb.nonce_mismatch"
    assert verdict(client, second)["verdict"]["verified"] is False


def test_a_tampered_disclosure_is_refused(client: TestClient, world: World) -> None:
    asked = ask(client)
    sd_jwt, _ = world.sd_jwt()
    parts = present(world, asked, sd_jwt).split("~")
    salt, name, value = json.loads(b64url_decode(parts[1]))
    parts[1] = b64url_encode(json.dumps([salt, name, "9999999"]).encode())
    assert value != "9999999"
    answer = respond(client, asked, "~".join(parts))
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"].startswith(("sdjwt.", "kb."))
    result = verdict(client, asked)["verdict"]
    assert result["verified"] is False
    assert "9999999" not in json.dumps(result)


def test_another_holders_key_is_refused(client: TestClient, world: World) -> None:
    asked = ask(client)
    sd_jwt, _ = world.sd_jwt()
    answer = respond(client, asked, present(world, asked, sd_jwt, signer=generate_key("p256")))
    assert answer.status_code == 400
    assert answer.json()["code"] == "kb.signature_invalid"


@pytest.mark.parametrize(
    ("field", "code"), [("nonce", "kb.nonce_mismatch"), ("audience", "kb.audience_mismatch")]
)
def test_a_wrong_nonce_or_audience_is_refused(
    client: TestClient, world: World, field: str, code: str
) -> None:
    asked = ask(client)
    sd_jwt, _ = world.sd_jwt()
    nonce, audience = None, None
    if field == "nonce":
        nonce = "not-the-transactions-nonce"
    else:
        audience = asked.request["client_id"].split(":", 1)[1]  # the host, without its prefix
    answer = respond(client, asked, present(world, asked, sd_jwt, nonce=nonce, audience=audience))
    assert answer.status_code == 400
    assert answer.json()["code"] == code


def test_fewer_claims_than_the_employer_profile_asks_for_are_refused(
    client: TestClient, world: World
) -> None:
    asked = ask(client)
    sd_jwt, _ = world.sd_jwt()
    answer = respond(client, asked, present(world, asked, sd_jwt, disclose=["/licenseNumber"]))
    assert answer.status_code == 400
    assert answer.json()["code"] == "oid4vp.claims_missing"
    result = verdict(client, asked)["verdict"]
    assert result["verified"] is False
    assert {c["check"]: c.get("code") for c in result["checks"]}["dcql"] == (
        "oid4vp.claims_missing"
    )


def test_an_expired_transaction_is_refused(client: TestClient, world: World) -> None:
    asked = ask(client, response_mode="direct_post")
    sd_jwt, _ = world.sd_jwt()
    presentation = present(world, asked, sd_jwt)
    world.clock.advance(timedelta(minutes=6))
    answer = respond(client, asked, presentation)
    assert answer.status_code == 410
    assert answer.json()["code"] == "oid4vp.transaction_expired"
    assert client.get(asked.created["request_uri"].split("example.jp", 1)[1]).status_code == 409


def test_a_response_to_another_key_does_not_decrypt(client: TestClient, world: World) -> None:
    asked = ask(client)
    other = ask(client)
    sd_jwt, _ = world.sd_jwt()
    presentation = present(world, asked, sd_jwt)
    # Encrypted to the other transaction's key, but naming this one's kid.
    key = other.request["client_metadata"]["jwks"]["keys"][0]
    own = asked.request["client_metadata"]["jwks"]["keys"][0]
    other.request["client_metadata"]["jwks"]["keys"][0] = {**key, "kid": own["kid"]}
    other.request["state"] = asked.request["state"]
    other.request["dcql_query"] = asked.request["dcql_query"]
    answer = respond(client, other, presentation)
    assert answer.status_code == 400
    assert answer.json()["code"] == "oid4vp.decryption_failed"
    # Nothing was consumed: the real answer still verifies.
    assert respond(client, asked, presentation).status_code == 200


def test_a_plain_response_to_an_encrypted_transaction_is_refused(
    client: TestClient, world: World
) -> None:
    asked = ask(client)
    sd_jwt, _ = world.sd_jwt()
    vp_token = {asked.query_id: [present(world, asked, sd_jwt)]}
    answer = client.post(
        "/oid4vp/response",
        data={"vp_token": json.dumps(vp_token), "state": asked.request["state"]},
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "oid4vp.response_invalid"


def test_the_verdict_is_for_the_page_that_holds_the_secret(
    client: TestClient, world: World
) -> None:
    asked = ask(client)
    path = f"/oid4vp/transactions/{asked.id}"
    assert client.get(path).json()["code"] == "oid4vp.secret_invalid"
    other = ask(client)
    wrong = client.get(path, headers={"Authorization": f"Bearer {other.created['secret']}"})
    assert wrong.status_code == 403
    assert verdict(client, asked)["status"] == "pending"
    unknown = client.get("/oid4vp/transactions/nope", headers={"Authorization": "Bearer x"})
    assert unknown.status_code == 404


@pytest.mark.parametrize("mode", ["direct_post", "direct_post.jwt"])
def test_a_wallet_error_is_recorded(client: TestClient, mode: str) -> None:
    asked = ask(client, response_mode=mode)
    answer = client.post(
        "/oid4vp/response", data={"error": "access_denied", "state": asked.request["state"]}
    )
    assert answer.status_code == 200
    result = verdict(client, asked)["verdict"]
    assert result["verified"] is False
    assert result["checks"][0]["code"] == "oid4vp.wallet_error"


def test_malformed_responses_are_problems_not_500s(client: TestClient) -> None:
    for body in ({}, {"state": "x"}, {"response": "a.b.c"}, {"response": "e30..a.b.c"}):
        answer = client.post("/oid4vp/response", data=body)
        assert 400 <= answer.status_code < 500, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
    as_json = client.post("/oid4vp/response", json={"vp_token": {}})
    assert as_json.status_code == 415


def test_an_ldp_vc_is_presented_as_a_data_integrity_presentation(
    client: TestClient, world: World
) -> None:
    asked = ask(client, formats=["ldp_vc"], response_mode="direct_post")
    entry = asked.request["dcql_query"]["credentials"][0]
    assert entry["format"] == "ldp_vc"
    assert ["credentialSubject", "licenseNumber"] in [c["path"] for c in entry["claims"]]
    derived = Wallet(clock=world.clock).derive(world.signed("ecdsa-sd-2023"), request="employer")
    vp = world.vp(
        derived.credential, nonce=asked.request["nonce"], domain=asked.request["client_id"]
    )
    answer = respond(client, asked, vp)
    assert answer.status_code == 200, answer.text
    result = verdict(client, asked)["verdict"]
    assert result["verified"] is True
    assert result["format"] == "ldp_vp"


def test_a_revoked_credential_is_refused_with_its_status(client: TestClient, world: World) -> None:
    asked = ask(client)
    sd_jwt, credential_id = world.sd_jwt()
    world.registry.revoke(credential_id=credential_id, **WHY)
    world.publisher.publish_all()
    answer = respond(client, asked, present(world, asked, sd_jwt))
    assert answer.status_code == 400
    assert answer.json()["code"] == "status.revoked"
    result = verdict(client, asked)["verdict"]
    assert result["verified"] is False
    assert result["status"]["state"] == "revoked"


def test_a_credential_of_an_untrusted_issuer_is_refused(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    (tmp_path / "stranger").mkdir()
    stranger = make_world(tmp_path / "stranger")
    stranger.holder = world.holder
    asked = ask(client, response_mode="direct_post")
    sd_jwt, _ = stranger.sd_jwt(status=False)
    answer = respond(client, asked, present(world, asked, sd_jwt))
    assert answer.status_code == 400
    assert answer.json()["code"] == "trust.issuer_unknown"
    stranger.registry.close()


@pytest.mark.parametrize("formats", [["dc+sd-jwt"], ["ldp_vc"]])
def test_a_credential_of_another_qualification_does_not_answer_the_query(
    client: TestClient, world: World, formats: list[str]
) -> None:
    # The employer asks for 准看護師; the holder answers with a (valid, trusted) 看護師.
    asked = ask(client, qualification="jun-kangoshi", formats=formats, response_mode="direct_post")
    if formats == ["dc+sd-jwt"]:
        sd_jwt, _ = world.sd_jwt()
        presentation: object = present(world, asked, sd_jwt)
    else:
        derived = Wallet(clock=world.clock).derive(
            world.signed("ecdsa-sd-2023"), request="employer"
        )
        presentation = world.vp(
            derived.credential, nonce=asked.request["nonce"], domain=asked.request["client_id"]
        )
    answer = respond(client, asked, presentation)
    assert answer.status_code == 400
    assert answer.json()["code"] == "oid4vp.query_unsatisfied"
    assert verdict(client, asked)["verdict"]["verified"] is False


def test_the_ldp_query_names_the_types_as_iris(client: TestClient) -> None:
    asked = ask(client, formats=["ldp_vc"])
    (types,) = asked.request["dcql_query"]["credentials"][0]["meta"]["type_values"]
    assert "https://www.w3.org/2018/credentials#VerifiableCredential" in types
    assert all(t.startswith("https://") for t in types)


def test_same_device_the_wallet_returns_the_browser_with_a_response_code(
    client: TestClient, world: World
) -> None:
    asked = ask(client, return_path="/employer/check?lang=ja")
    sd_jwt, _ = world.sd_jwt()
    answer = respond(client, asked, present(world, asked, sd_jwt))
    assert answer.status_code == 200, answer.text
    back = answer.json()["redirect_uri"]
    prefix = f"{AUDIENCE}/employer/check?lang=ja#response_code="
    assert back.startswith(prefix)
    code = back.removeprefix(prefix)
    path = f"/oid4vp/transactions/{asked.id}"
    bearer = {"Authorization": f"Bearer {asked.created['secret']}"}
    # Whoever started the transaction cannot read the verdict without the browser's code.
    assert client.get(path, headers=bearer).json()["code"] == "oid4vp.secret_invalid"
    wrong = client.get(path, headers=bearer, params={"response_code": "guess"})
    assert wrong.status_code == 403
    read = client.get(path, headers=bearer, params={"response_code": code})
    assert read.status_code == 200
    assert read.json()["verdict"]["verified"] is True


def test_a_refused_same_device_response_still_sends_the_browser_back(
    client: TestClient, world: World
) -> None:
    asked = ask(client, return_path="/employer/check")
    sd_jwt, _ = world.sd_jwt()
    answer = respond(client, asked, present(world, asked, sd_jwt, signer=generate_key("p256")))
    assert answer.status_code == 400
    assert answer.json()["redirect_uri"].startswith(f"{AUDIENCE}/employer/check#response_code=")


@pytest.mark.parametrize(
    "path", ["//evil.example/x", "https://evil.example/", "relative", "/a\\b", "/a#b", "/a b"]
)
def test_a_return_path_is_never_an_open_redirect(client: TestClient, path: str) -> None:
    answer = client.post(
        "/oid4vp/transactions", json={"qualification": "kangoshi", "return_path": path}
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "request.invalid"
