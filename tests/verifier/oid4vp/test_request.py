"""The request a wallet receives: signed, naming the verifier's certificate, asking DCQL.

The request object's signature and ``x5c`` chain are checked with jwcrypto (not our JOSE
code); ``x509_san_dns:`` names the leaf's DNS SAN and the ``response_uri`` host, and
``x509_hash:`` is recomputed here from the DER with hashlib. The DCQL query is the catalogue's
request profile; the POSTed ``request_uri`` echoes the wallet's nonce; ``redirect_uri:`` is
unsigned and for development only; a production service without a certificate answers 503.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from jwcrypto import jwk, jws
from starlette.testclient import TestClient

from holder.wallet import Wallet
from tests.verifier.oid4vp.conftest import (
    EMPLOYER,
    ask,
    jwt_parts,
    leaf_of,
    present,
    respond,
    verdict,
    verifier_settings,
)
from tests.verifier.world import AUDIENCE, World, handler
from vc_core.errors import ConfigError
from vc_schemas.sd_jwt_vc import vct_for
from verifier.http import create_app
from verifier.oid4vp.identity import (
    ClientIdentity,
    development_identity,
    load_identity,
    x509_hash,
)

HOST = "hospital.example.jp"


def _verify_with_leaf(token: str, leaf: x509.Certificate) -> None:
    key = jwk.JWK.from_pem(
        leaf.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    checked = jws.JWS()
    checked.deserialize(token)
    checked.verify(key, alg="ES256")


def test_the_request_object_is_signed_by_the_certificate_it_names(client: TestClient) -> None:
    asked = ask(client)
    assert asked.header["typ"] == "oauth-authz-req+jwt"
    assert asked.header["alg"] == "ES256"
    leaf = leaf_of(asked.header)
    _verify_with_leaf(asked.token, leaf)
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == [HOST]
    request = asked.request
    assert request["client_id"] == f"x509_san_dns:{HOST}"
    assert urlsplit(request["response_uri"]).hostname == HOST
    assert request["response_uri"] == f"{AUDIENCE}/oid4vp/response"
    assert request["response_type"] == "vp_token"
    assert request["aud"] == "https://self-issued.me/v2"
    assert "presentation_definition" not in request and "vp_formats" not in request
    assert request["client_metadata"]["vp_formats_supported"]["dc+sd-jwt"]["kb-jwt_alg_values"]
    (key,) = request["client_metadata"]["jwks"]["keys"]
    assert (key["kty"], key["crv"], key["use"], key["alg"]) == ("EC", "P-256", "enc", "ECDH-ES")
    assert "d" not in key
    assert key["kid"] == asked.id


def test_x509_hash_is_the_sha256_of_the_leaf_der(client: TestClient) -> None:
    asked = ask(client, client_id_prefix="x509_hash")
    der = base64.b64decode(asked.header["x5c"][0])
    expected = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
    assert asked.request["client_id"] == f"x509_hash:{expected}"
    assert x509_hash(x509.load_der_x509_certificate(der)) == expected
    _verify_with_leaf(asked.token, leaf_of(asked.header))


def test_an_x509_hash_transaction_verifies_with_the_full_client_id_as_audience(
    client: TestClient, world: World
) -> None:
    asked = ask(client, client_id_prefix="x509_hash", response_mode="direct_post")
    sd_jwt, _ = world.sd_jwt()
    assert respond(client, asked, present(world, asked, sd_jwt)).status_code == 200
    assert verdict(client, asked)["verdict"]["verified"] is True


def test_each_transaction_has_its_own_nonce_state_and_key(client: TestClient) -> None:
    first, second = ask(client), ask(client)
    for name in ("nonce", "state"):
        assert first.request[name] != second.request[name]
        assert len(first.request[name]) >= 43
    keys = [a.request["client_metadata"]["jwks"]["keys"][0]["x"] for a in (first, second)]
    assert keys[0] != keys[1]
    assert first.created["secret"] != second.created["secret"]


def test_the_employer_profile_becomes_a_dcql_query(client: TestClient) -> None:
    asked = ask(client, formats=["dc+sd-jwt", "ldp_vc"])
    query = asked.request["dcql_query"]
    sd_jwt, ldp = query["credentials"]
    assert sd_jwt["format"] == "dc+sd-jwt"
    assert sd_jwt["meta"] == {"vct_values": [vct_for("kangoshi")]}
    paths = [c["path"] for c in sd_jwt["claims"]]
    assert [[p.lstrip("/")] for p in EMPLOYER] == [p for p in paths if p != ["completedTraining"]]
    assert ["dateOfBirth"] not in paths and ["registeredDomicilePrefecture"] not in paths
    assert ldp["format"] == "ldp_vc"
    assert ["credentialSubject", "licenseNumber"] in [c["path"] for c in ldp["claims"]]
    assert query["credential_sets"] == [
        {"options": [[sd_jwt["id"]], [ldp["id"]]], "required": True}
    ]
    if ["completedTraining"] in paths:
        full, required = sd_jwt["claim_sets"]
        assert "completedTraining" in full and "completedTraining" not in required


def test_unknown_qualifications_profiles_and_formats_are_refused(client: TestClient) -> None:
    for body, status, code in (
        ({"qualification": "wizard"}, 404, "schema.unknown_qualification"),
        ({"qualification": "kangoshi", "profile": "everything"}, 400, "request.invalid"),
        ({"qualification": "kangoshi", "formats": ["mso_mdoc"]}, 400, "request.invalid"),
        ({"qualification": "kangoshi", "formats": []}, 400, "request.invalid"),
    ):
        answer = client.post("/oid4vp/transactions", json=body)
        assert (answer.status_code, answer.json()["code"]) == (status, code), body


def test_the_request_uri_by_post_echoes_the_wallet_nonce(client: TestClient) -> None:
    asked = ask(client, request_uri_method="post")
    uri = urlsplit(asked.created["authorization_request"])
    assert uri.scheme == "openid4vp"
    params = parse_qs(uri.query)
    assert params["client_id"] == [f"x509_san_dns:{HOST}"]
    assert params["request_uri_method"] == ["post"]
    path = params["request_uri"][0].removeprefix(AUDIENCE)
    posted = client.post(
        path, data={"wallet_nonce": "wallet-chosen-nonce", "wallet_metadata": json.dumps({})}
    )
    assert posted.status_code == 200, posted.text
    header, request = jwt_parts(posted.text)
    assert request["wallet_nonce"] == "wallet-chosen-nonce"
    _verify_with_leaf(posted.text, leaf_of(header))
    assert "wallet_nonce" not in asked.request


def test_the_qr_code_is_an_svg_of_the_authorization_request(client: TestClient) -> None:
    asked = ask(client)
    svg = asked.created["qr_svg"]
    assert svg.startswith("<svg") and "xmlns" in svg and "<path" in svg


def test_redirect_uri_is_unsigned_by_value_and_verifies_in_development(
    client: TestClient, world: World
) -> None:
    created = client.post(
        "/oid4vp/transactions",
        json={
            "qualification": "kangoshi",
            "response_mode": "direct_post",
            "client_id_prefix": "redirect_uri",
        },
    ).json()
    assert created["request_uri"] is None
    params = {
        k: v[0] for k, v in parse_qs(urlsplit(created["authorization_request"]).query).items()
    }
    assert params["client_id"] == f"redirect_uri:{AUDIENCE}/oid4vp/response"
    assert params["response_uri"] == f"{AUDIENCE}/oid4vp/response"
    query = json.loads(params["dcql_query"])
    sd_jwt, _ = world.sd_jwt()
    presentation = _present(world, sd_jwt, params["nonce"], params["client_id"])
    vp_token = {query["credentials"][0]["id"]: [presentation]}
    answer = client.post(
        "/oid4vp/response", data={"vp_token": json.dumps(vp_token), "state": params["state"]}
    )
    assert answer.status_code == 200, answer.text
    fetched = client.get(f"/oid4vp/requests/{created['id']}")
    assert fetched.json()["code"] == "oid4vp.client_id_prefix"


def _present(world: World, sd_jwt: str, nonce: str, audience: str) -> str:
    return Wallet(signer=world.holder, clock=world.clock).present_sd_jwt(
        sd_jwt, disclose=EMPLOYER, nonce=nonce, audience=audience
    )


def _production(world: World, tmp_path: Path, **values: object) -> TestClient:
    settings = verifier_settings(world, tmp_path, environment="production", **values)
    app = create_app(
        settings, transport=handler(world.publisher, world.registry), clock=world.clock
    )
    return TestClient(app)


def test_production_without_a_certificate_answers_503_and_the_rest_works(
    world: World, tmp_path: Path
) -> None:
    with _production(world, tmp_path) as client:
        answer = client.post("/oid4vp/transactions", json={"qualification": "kangoshi"})
        assert answer.status_code == 503
        assert answer.json()["code"] == "oid4vp.not_configured"
        assert client.post("/challenges").status_code == 201


def test_production_with_a_configured_certificate(world: World, tmp_path: Path) -> None:
    made = development_identity(tmp_path / "operator", HOST)
    certificate, key = write_pem(made, tmp_path / "operator")
    with _production(
        world,
        tmp_path,
        oid4vp_certificate=certificate,
        oid4vp_key=key,
        oid4vp_client_id_prefix="x509_hash",
    ) as client:
        asked = ask(client, response_mode="direct_post")
        assert asked.request["client_id"] == f"x509_hash:{x509_hash(made.chain[0])}"
        sd_jwt, _ = world.sd_jwt()
        assert respond(client, asked, present(world, asked, sd_jwt)).status_code == 200
        refused = client.post(
            "/oid4vp/transactions",
            json={"qualification": "kangoshi", "client_id_prefix": "redirect_uri"},
        )
        assert refused.json()["code"] == "oid4vp.client_id_prefix"


def test_a_certificate_for_another_host_is_a_configuration_error(tmp_path: Path) -> None:
    other_certificate, other_key = write_pem(
        development_identity(tmp_path / "other", "other.example.jp"), tmp_path / "other"
    )
    with pytest.raises(ConfigError) as raised:
        load_identity(other_certificate, other_key, HOST)
    assert raised.value.code == "config.invalid"
    ours, _ = write_pem(development_identity(tmp_path / "ours", HOST), tmp_path / "ours")
    with pytest.raises(ConfigError):
        load_identity(ours, other_key, HOST)  # the key is not the certificate's


def test_the_development_identity_is_made_once_and_again_for_another_host(
    tmp_path: Path,
) -> None:
    first = development_identity(tmp_path, HOST)
    assert x509_hash(development_identity(tmp_path, HOST).chain[0]) == x509_hash(first.chain[0])
    other = development_identity(tmp_path, "other.example.jp")
    assert other.host == "other.example.jp"
    assert x509_hash(other.chain[0]) != x509_hash(first.chain[0])
    # The identity (key and certificate, the owner's alone) and the certificate for wallets.
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "development-certificate.pem",
        "development-identity.pem",
    ]
    assert tmp_path.joinpath("development-identity.pem").stat().st_mode & 0o077 == 0
    published = x509.load_pem_x509_certificates(
        tmp_path.joinpath("development-certificate.pem").read_bytes()
    )
    assert published == list(other.chain)  # the certificate now in use, and no key


def write_pem(identity: ClientIdentity, folder: Path) -> tuple[Path, Path]:
    """The identity as an operator configures it: a certificate file and a key file."""
    certificate, key = folder / "certificate.pem", folder / "key.pem"
    certificate.write_bytes(identity.chain[0].public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        identity.key.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certificate, key
