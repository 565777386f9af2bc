"""Issue 13, Done 1, the third-party half: shikaku's wallet receives from a third-party
OpenID4VCI 1.0 issuer and presents to a third-party OpenID4VP 1.0 verifier, over real HTTPS.

Both are the OpenWallet Foundation's oid4vc-ts libraries on Node.js (versions pinned in
``package.json``, installed at test time by :mod:`tests.interop.node`; without npm or the
registry the tests skip, saying why):

- ``oid4vci_issuer.mjs``: ``Openid4vciIssuer`` with ``@openid4vc/oauth2``'s authorization server
  (a separate issuer identifier with a path, named in ``authorization_servers``) and resource
  server: a pre-authorized code offer with a ``tx_code``, the token under DPoP, the nonce
  endpoint, the key proof checked by the library, a ``dc+sd-jwt`` signed by ``@sd-jwt/core``
  and bound to the proof's key, the issuer's keys as JWT VC Issuer Metadata;
- ``oid4vp_verifier.mjs``: ``Openid4vpVerifier``: a signed request object (``x509_san_dns``,
  the certificate in ``x5c``), a DCQL query, ``direct_post`` or ``direct_post.jwt``, the
  response parsed and validated by the library and the presentation verified by
  ``@sd-jwt/core`` (issuer signature, disclosures, KB-JWT with nonce and audience).

The wallet is driven the way a nurse drives it: ``shikaku wallet receive`` and ``shikaku
wallet present``, trusting the test CA through ``SSL_CERT_FILE`` as it would a board's own,
and the verifier's self-signed request-signing certificate as a verifier root
(``--verifier-roots``); without that root it refuses the verifier.
"""

from __future__ import annotations

import base64
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from holder.store import WalletStore
from tests.cli.test_wallet_cli import PASS, Wallet, ready, wallet
from tests.cli.test_wallet_present import _keep
from tests.interop.node import install, node_service
from tests.interop.test_oid4vci_wallet import Tls, make_tls
from tests.verifier.world import World, make_world
from vc_core.clock import FixedClock
from vc_core.keys import public_jwk
from vc_schemas.sd_jwt_vc import vct_for

__all__ = ["ready", "wallet"]

ISSUER, VERIFIER = "oid4vci_issuer.mjs", "oid4vp_verifier.mjs"
VCT = vct_for("kangoshi")
CLAIMS = {
    "licenseNumber": "2345678",
    "familyName": "山田",
    "givenName": "花子",
    "registeredDomicilePrefecture": "東京都",
}
SELECTIVE = ["familyName", "givenName", "registeredDomicilePrefecture"]
TX_CODE = "493021"
ASKED = ["licenseNumber", "familyName"]


@pytest.fixture(scope="module")
def programs() -> Path:
    return install(ISSUER, VERIFIER, "service.mjs")


@pytest.fixture
def tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tls:
    """The test CA and the services' certificate; the wallet trusts the CA."""
    made = make_tls(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(made.ca))
    return made


@contextmanager
def node_issuer(programs: Path, tls: Tls, **more: Any) -> Iterator[dict[str, Any]]:
    config = {
        "certificate": str(tls.certificate),
        "key": str(tls.key),
        "vct": VCT,
        "claims": CLAIMS,
        "sd": SELECTIVE,
        "tx_code": TX_CODE,
        **more,
    }
    log = tls.ca.parent / "issuer.log"
    with node_service(programs / ISSUER, config, ca=tls.ca, log=log) as started:
        yield started


@contextmanager
def node_verifier(programs: Path, tls: Tls, **more: Any) -> Iterator[dict[str, Any]]:
    x5c, key = request_certificate("localhost")
    config = {
        "certificate": str(tls.certificate),
        "key": str(tls.key),
        "request_x5c": x5c,
        "request_key": key,
        "host": "localhost",
        "response_mode": "direct_post",
        "vct": VCT,
        "claims": ASKED,
        **more,
    }
    log = tls.ca.parent / "verifier.log"
    root = tls.ca.parent / "verifier-request-root.pem"
    root.write_bytes(
        x509.load_der_x509_certificate(base64.b64decode(x5c[0])).public_bytes(
            serialization.Encoding.PEM
        )
    )
    with node_service(programs / VERIFIER, config, ca=tls.ca, log=log) as started:
        yield {**started, "request_root": str(root)}


def request_certificate(host: str) -> tuple[list[str], str]:
    """A self-signed certificate for the verifier's request objects (a DNS SAN ``host``,
    organisation "Interop Hospital") and its key (PKCS#8 PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Interop Hospital"),
            x509.NameAttribute(NameOID.COMMON_NAME, host),
        ]
    )
    start = datetime.now(UTC) - timedelta(hours=1)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return [base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()], pem


def observed(service: dict[str, Any], path: str, tls: Tls) -> Any:
    """What a Node service says it saw (its test endpoint)."""
    context = ssl.create_default_context(cafile=str(tls.ca))
    return httpx.get(service["base"] + path, verify=context).json()


def receive(ready: Wallet, offer: str, code: str = TX_CODE) -> Any:
    tx = ready.file("tx.txt", code + "\n")
    return ready(
        "wallet", "receive", offer, "--tx-code-file", str(tx), *ready.passphrase, "--lang", "en"
    )


# -- receiving from the third-party issuer -----------------------------------------------------


@pytest.mark.parametrize("handover", ["offer", "offer_by_reference"])
def test_the_wallet_receives_from_a_third_party_issuer(
    ready: Wallet, programs: Path, tls: Tls, handover: str
) -> None:
    with node_issuer(programs, tls) as issuer:
        run = receive(ready, issuer[handover])
        events = observed(issuer, "/test/events", tls)
    assert run.code == 0, run.text
    assert not [e for e in events if e["what"] in ("refused", "error")], events
    (token,) = [e for e in events if e["what"] == "token"]
    (issued,) = [e for e in events if e["what"] == "credential"]
    # The library's authorization server bound the token to the wallet's DPoP key, and its
    # resource server took the credential request under that key.
    assert token["token_type"] == "DPoP" and token["dpop_jwk"] is not None
    assert issued["scheme"] == "DPoP" and issued["dpop_jwk"] == token["dpop_jwk"]
    assert issued["proof_alg"] == "ES256"
    (stored,) = WalletStore.open(ready.path, PASS).credentials()
    assert stored.body == issued["credential"]
    assert stored.qualification == "kangoshi" and stored.issuer == issuer["base"]
    assert stored.key_id is not None
    key = WalletStore.open(ready.path, PASS).key(stored.key_id)
    assert public_jwk(key.public_key) == issued["holder_jwk"]  # the proof's key, new, kept
    assert issued["dpop_jwk"] != issued["holder_jwk"]
    # The signature was checked with the key of the issuer's JWT VC Issuer Metadata.
    assert "checked on this machine" in run.text
    assert f"{issuer['base']}#sd-jwt-1" in run.text


def test_from_an_issuer_that_offers_no_dpop_the_wallet_takes_a_bearer_token(
    ready: Wallet, programs: Path, tls: Tls
) -> None:
    """DPoP only when the server offers it (RFC 9449 §5.1): the library's authorization server
    without ``dpop_signing_alg_values_supported`` issues a bearer token, which its resource
    server alone accepts."""
    with node_issuer(programs, tls, dpop=False) as issuer:
        run = receive(ready, issuer["offer"])
        events = observed(issuer, "/test/events", tls)
    assert run.code == 0, run.text
    (token,) = [e for e in events if e["what"] == "token"]
    (issued,) = [e for e in events if e["what"] == "credential"]
    assert token["token_type"] == "Bearer" and token["dpop_jwk"] is None
    assert issued["scheme"] == "Bearer"
    (stored,) = WalletStore.open(ready.path, PASS).credentials()
    assert stored.body == issued["credential"]


def test_a_wrong_transaction_code_is_refused_by_the_third_party_issuer(
    ready: Wallet, programs: Path, tls: Tls
) -> None:
    with node_issuer(programs, tls) as issuer:
        run = receive(ready, issuer["offer"], code="000000")
        events = observed(issuer, "/test/events", tls)
    assert run.code == 14 and "wallet.offer_refused" in run.text
    refused = [e for e in events if e["what"] == "refused"]
    assert [e["route"] for e in refused] == ["POST /as/token"], events
    assert not [e for e in events if e["what"] == "credential"]
    assert WalletStore.open(ready.path, PASS).credentials() == ()


def test_a_credential_bound_to_another_key_is_not_kept(
    ready: Wallet, programs: Path, tls: Tls
) -> None:
    with node_issuer(programs, tls, wrong_cnf=True) as issuer:
        run = receive(ready, issuer["offer"])
    assert run.code == 2 and "wallet.key_mismatch" in run.text
    assert WalletStore.open(ready.path, PASS).credentials() == ()


# -- presenting to the third-party verifier ----------------------------------------------------


def present(ready: Wallet, verifier: dict[str, Any], *, trusted: bool = True) -> Any:
    """``shikaku wallet present``, the verifier's certificate given as a root if ``trusted``."""
    link = verifier["authorization_request"]
    roots = ("--verifier-roots", verifier["request_root"]) if trusted else ()
    return ready("wallet", "present", link, "--yes", *roots, *ready.passphrase, "--lang", "en")


@pytest.mark.parametrize(
    ("mode", "enc"),
    [("direct_post", None), ("direct_post.jwt", None), ("direct_post.jwt", ["A256GCM"])],
)
def test_a_credential_from_the_third_party_issuer_verifies_at_the_third_party_verifier(
    ready: Wallet, programs: Path, tls: Tls, mode: str, enc: list[str] | None
) -> None:
    with node_issuer(programs, tls) as issuer:
        assert receive(ready, issuer["offer"]).code == 0
        with node_verifier(programs, tls, response_mode=mode, enc_values=enc) as verifier:
            run = present(ready, verifier)
            seen = observed(verifier, "/test/result", tls)
    assert run.code == 0, run.text
    assert "Asked by: Interop Hospital" in run.text and "Shown." in run.text
    (result,) = seen["responses"]
    assert result["verified"] is True, result
    assert result["issuer"] == issuer["base"] and result["vct"] == VCT
    assert result["disclosed"] == {"licenseNumber": "2345678", "familyName": "山田"}
    # Only what was asked left the wallet: the given name and 本籍 stayed.
    assert "givenName" not in result["claim_names"]
    assert "registeredDomicilePrefecture" not in result["claim_names"]
    assert result["kb_aud"] == verifier["client_id"] and result["kb_nonce_ok"] is True
    assert result["encrypted"] is (mode == "direct_post.jwt")
    if mode == "direct_post.jwt":
        header = result["jwe_header"]
        assert header["alg"] == "ECDH-ES" and header["kid"] == "enc-1"
        assert header["enc"] == (enc[0] if enc else "A128GCM")


def test_a_credential_from_our_board_verifies_at_the_third_party_verifier(
    ready: Wallet, programs: Path, tls: Tls, tmp_path: Path
) -> None:
    (tmp_path / "world").mkdir()
    world: World = make_world(tmp_path / "world", clock=FixedClock(datetime.now(UTC)))
    try:
        _keep(ready, world)
        pinned = {world.issuer: public_jwk(world.key.public_key)}
        with node_verifier(
            programs, tls, response_mode="direct_post.jwt", pinned_issuer_keys=pinned
        ) as verifier:
            run = present(ready, verifier)
            seen = observed(verifier, "/test/result", tls)
    finally:
        world.registry.close()
    assert run.code == 0, run.text
    (result,) = seen["responses"]
    assert result["verified"] is True, result
    assert result["issuer"] == world.issuer
    assert set(result["disclosed"]) == set(ASKED) and all(result["disclosed"].values())


def test_a_verifier_whose_certificate_is_not_for_its_response_uri_gets_nothing(
    ready: Wallet, programs: Path, tls: Tls
) -> None:
    """The third-party library signs, as it is told, a request whose client_id is
    ``x509_san_dns:localhost`` but whose response goes to 127.0.0.1: the wallet refuses it
    before asking the holder anything (OpenID4VP 1.0 §5.9.3)."""
    with node_issuer(programs, tls) as issuer:
        assert receive(ready, issuer["offer"]).code == 0
        with node_verifier(programs, tls, response_host="127.0.0.1") as verifier:
            run = present(ready, verifier)
            seen = observed(verifier, "/test/result", tls)
    assert run.code == 11 and "wallet.verifier_mismatch" in run.text
    assert seen["request_fetches"] == 1 and seen["responses"] == []


def test_a_verifier_the_wallet_has_no_root_for_gets_nothing(
    ready: Wallet, programs: Path, tls: Tls
) -> None:
    """The third-party verifier's certificate is self-signed: unless the holder gives it as a
    root, the wallet does not believe the name in it (OpenID4VP 1.0 §5.9.3, trust chain)."""
    with node_issuer(programs, tls) as issuer:
        assert receive(ready, issuer["offer"]).code == 0
        with node_verifier(programs, tls) as verifier:
            run = present(ready, verifier, trusted=False)
            seen = observed(verifier, "/test/result", tls)
    assert run.code == 11 and "wallet.verifier_untrusted" in run.text, run.text
    assert "Interop Hospital" not in run.text and "localhost" in run.text
    assert seen["request_fetches"] == 1 and seen["responses"] == []


def test_the_third_party_verifier_refuses_a_tampered_presentation(
    ready: Wallet, programs: Path, tls: Tls
) -> None:
    """The verifier's library does check: a disclosure changed after the wallet's KB-JWT was
    made over the presentation fails its digest check, and the wallet reports the refusal."""
    with node_issuer(programs, tls) as issuer:
        assert receive(ready, issuer["offer"]).code == 0
        with node_verifier(programs, tls, tamper=True) as verifier:
            run = present(ready, verifier)
            seen = observed(verifier, "/test/result", tls)
    (result,) = seen["responses"]
    assert result["verified"] is False and result["error"], result
    assert run.code == 2 and "The verifier refused it" in run.text
