"""The wallet believes a verifier's certificate only through a chain to one of its roots.

OpenID4VP 1.0 §5.9.3: with ``x509_san_dns`` and ``x509_hash`` "the Wallet MUST validate the
signature and the trust chain of the X.509 certificate". Anyone can sign a request with a
self-signed certificate saying "O=東京中央病院" for a host of their own; the wallet must refuse
it (``wallet.verifier_untrusted``) before the holder sees that name, and send nothing. The
verifiers here are httpx's mock transport answering with requests signed by certificates made
for each case: a root and an intermediate, a leaf that expired, a leaf for another host.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from holder.flows.oid4vp import Request, fetch_request
from holder.verifier_roots import VerifierRoots, load_roots, web_pki
from issuer.certificates import key_usage
from vc_core.errors import InputError, WalletError
from vc_core.jose.jws import sign_jws
from vc_core.keys import SoftwareKey
from verifier.oid4vp.identity import DEVELOPMENT_CERTIFICATE, development_identity, x509_hash

HOST = "hospital.example.jp"
NOW = datetime.now(UTC)


@dataclass(frozen=True)
class Issued:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate


def _name(common: str, organisation: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, common)]
    if organisation is not None:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    return x509.Name(parts)


def _ca(common: str, issuer: Issued | None = None) -> Issued:
    """A root (``issuer`` None) or an intermediate certificate authority."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(_name(common) if issuer is None else issuer.certificate.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=30))
        .not_valid_after(NOW + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )
    signer = key if issuer is None else issuer.key
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    return Issued(key, builder.sign(signer, hashes.SHA256()))


def _leaf(
    issuer: Issued | None,
    host: str = HOST,
    *,
    not_after: datetime = NOW + timedelta(days=90),
    organisation: str = "東京中央病院",
) -> Issued:
    """A request-signing certificate for ``host``, issued by ``issuer`` (None: self-signed)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(host, organisation)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject if issuer is None else issuer.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage(ca=False), critical=True)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    signer = key if issuer is None else issuer.key
    return Issued(key, builder.sign(signer, hashes.SHA256()))


@dataclass
class Verifier:
    """A verifier behind httpx's mock transport: it serves one signed request object and
    records every request the wallet makes."""

    signer: Issued
    chain: tuple[x509.Certificate, ...]
    client_id: str = f"x509_san_dns:{HOST}"
    response_uri: str = f"https://{HOST}/oid4vp/response"
    request_uri: str = f"https://{HOST}/oid4vp/requests/1"
    seen: list[httpx.Request] = field(default_factory=list)

    def link(self) -> str:
        return (
            f"openid4vp://?client_id={quote(self.client_id, safe='')}"
            f"&request_uri={quote(self.request_uri, safe='')}"
        )

    def signed(self) -> str:
        claims: dict[str, Any] = {
            "client_id": self.client_id,
            "response_uri": self.response_uri,
            "response_mode": "direct_post",
            "response_type": "vp_token",
            "nonce": "n-1",
            "dcql_query": {"credentials": []},
            "iat": int(time.time()),
            "exp": int(time.time()) + 300,
        }
        x5c = [
            base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
            for c in self.chain
        ]
        header = {"typ": "oauth-authz-req+jwt", "x5c": x5c}
        return sign_jws(header, claims, SoftwareKey(self.signer.key))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        return httpx.Response(200, text=self.signed())

    def fetch(self, roots: VerifierRoots) -> Request:
        with httpx.Client(transport=httpx.MockTransport(self.handle)) as client:
            return fetch_request(self.link(), client, roots=roots)


def _refused(verifier: Verifier, roots: VerifierRoots) -> WalletError:
    with pytest.raises(WalletError) as raised:
        verifier.fetch(roots)
    assert all(r.method == "GET" for r in verifier.seen)  # nothing was sent
    return raised.value


@pytest.fixture
def root() -> Iterator[Issued]:
    yield _ca("shikaku test verifier root")


def test_a_self_signed_certificate_not_among_the_roots_is_refused(root: Issued) -> None:
    """The attack: a certificate naming 東京中央病院 and the attacker's own host, signed by
    itself. The web PKI does not vouch for it, nor does another root the holder added."""
    forged = _leaf(None)
    error = _refused(
        Verifier(forged, (forged.certificate,)), VerifierRoots.default([root.certificate])
    )
    assert error.code == "wallet.verifier_untrusted"
    assert error.details["host"] == HOST and HOST in error.message


@pytest.mark.parametrize("prefix", ["x509_san_dns", "x509_hash"])
def test_a_chain_to_a_root_the_holder_added_is_accepted(root: Issued, prefix: str) -> None:
    intermediate = _ca("shikaku test verifier CA", root)
    leaf = _leaf(intermediate)
    verifier = Verifier(leaf, (leaf.certificate, intermediate.certificate))
    if prefix == "x509_hash":
        verifier.client_id = f"x509_hash:{x509_hash(leaf.certificate)}"
    request = verifier.fetch(VerifierRoots.default([root.certificate]))
    assert request.verifier_name == "東京中央病院"
    assert request.client_id == verifier.client_id


def test_x509_hash_pins_the_leaf_but_a_root_must_still_vouch_for_it(root: Issued) -> None:
    """§5.9.3 asks for the trust chain with ``x509_hash`` too: the hash says which
    certificate, not that anyone the holder trusts stands behind it."""
    forged = _leaf(None)
    verifier = Verifier(
        forged, (forged.certificate,), client_id=f"x509_hash:{x509_hash(forged.certificate)}"
    )
    assert _refused(verifier, VerifierRoots([root.certificate])).code == (
        "wallet.verifier_untrusted"
    )
    assert verifier.fetch(VerifierRoots((forged.certificate,))).verifier_name == "東京中央病院"


def test_a_chain_missing_its_intermediate_is_refused(root: Issued) -> None:
    intermediate = _ca("shikaku test verifier CA", root)
    leaf = _leaf(intermediate)
    error = _refused(Verifier(leaf, (leaf.certificate,)), VerifierRoots([root.certificate]))
    assert error.code == "wallet.verifier_untrusted"


def test_an_expired_certificate_is_refused(root: Issued) -> None:
    expired = _leaf(root, not_after=NOW - timedelta(hours=1))
    error = _refused(Verifier(expired, (expired.certificate,)), VerifierRoots([root.certificate]))
    assert error.code == "wallet.verifier_untrusted" and "not valid at" in error.message
    assert "東京中央病院" not in error.message  # the name it says is not repeated


def test_a_trusted_certificate_for_another_host_is_still_refused(root: Issued) -> None:
    """A chain the wallet trusts, but the answer would go elsewhere, or the client identifier
    names a host the certificate does not."""
    leaf = _leaf(root)
    elsewhere = Verifier(
        leaf, (leaf.certificate,), response_uri="https://attacker.example/oid4vp/response"
    )
    roots = VerifierRoots([root.certificate])
    assert _refused(elsewhere, roots).code == "wallet.verifier_mismatch"
    other = Verifier(
        leaf,
        (leaf.certificate,),
        client_id="x509_san_dns:attacker.example",
        response_uri="https://attacker.example/oid4vp/response",
    )
    assert _refused(other, roots).code == "wallet.verifier_mismatch"


@pytest.mark.parametrize("which", ["request_uri", "response_uri"])
def test_plain_http_is_refused_except_on_this_machine(root: Issued, which: str) -> None:
    leaf = _leaf(root)
    roots = VerifierRoots([root.certificate])
    verifier = Verifier(leaf, (leaf.certificate,))
    setattr(verifier, which, getattr(verifier, which).replace("https://", "http://"))
    error = _refused(verifier, roots)
    assert error.code == "wallet.request_invalid" and which in error.message
    if which == "request_uri":
        assert verifier.seen == []  # not even fetched
    local = _leaf(root, "localhost")
    loopback = Verifier(
        local,
        (local.certificate,),
        client_id="x509_san_dns:localhost",
        response_uri="http://localhost:8000/oid4vp/response",
        request_uri="http://127.0.0.1:8000/oid4vp/requests/1",
    )
    assert loopback.fetch(roots).response_uri.startswith("http://localhost")


def test_the_development_certificate_is_trusted_once_given(tmp_path: Path) -> None:
    """A shikaku verifier in development publishes its self-signed certificate alone (no
    key) next to its identity; given as a root, it pins that verifier."""
    identity = development_identity(tmp_path, HOST)
    published = tmp_path / DEVELOPMENT_CERTIFICATE
    assert b"PRIVATE KEY" not in published.read_bytes()
    signer = Issued(identity.key.private_key, identity.chain[0])  # type: ignore[arg-type]
    verifier = Verifier(signer, identity.chain)
    assert _refused(verifier, VerifierRoots.default()).code == "wallet.verifier_untrusted"
    assert verifier.fetch(VerifierRoots(load_roots([published]))).verifier_name == HOST


def test_roots_files_are_read_strictly(tmp_path: Path) -> None:
    assert len(web_pki()) > 50  # the web PKI: certifi's bundle, else the system's
    empty = tmp_path / "empty.pem"
    empty.write_text("not a certificate\n")
    for path in (empty, tmp_path / "missing.pem"):
        with pytest.raises(InputError) as raised:
            load_roots([path])
        assert raised.value.code == "input.unreadable"
    with pytest.raises(InputError):
        VerifierRoots(())
