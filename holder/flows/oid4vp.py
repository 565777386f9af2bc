"""Presenting over OpenID4VP 1.0: the request checked, the matching credential chosen, only
what was asked disclosed, the answer sent.

An employer's page shows an ``openid4vp://`` link (or its QR code). :func:`fetch_request`
resolves it through an injected HTTP client and checks the signed request object before the
holder is asked anything:

- the ``request_uri`` and the ``response_uri`` are https (http only to this very machine:
  127.0.0.1, ::1, localhost), else ``wallet.request_invalid``;
- ``typ`` is ``oauth-authz-req+jwt``, the signature verifies with the leaf of its ``x5c``,
  and the object is within its ``iat``/``exp``;
- the client identifier matches that certificate: ``x509_san_dns:<host>`` — the leaf names
  the host as a DNS SAN and the ``response_uri`` is on that host (OpenID4VP 1.0 §5.9.3);
  ``x509_hash:<hash>`` — the base64url SHA-256 of the leaf's DER is the hash. The unsigned
  ``redirect_uri:`` prefix is refused: anyone can say anything in it;
- the ``x5c`` chain validates, at ``now``, to one of the wallet's verifier roots
  (:class:`holder.verifier_roots.VerifierRoots`), as §5.9.3 requires for both prefixes
  ("the Wallet MUST validate the signature and the trust chain"): pyca/cryptography's webpki
  path validation, as a TLS server certificate for the host with ``x509_san_dns`` and as a
  client certificate with ``x509_hash`` (the hash pins the leaf; the chain says who vouches
  for it). A leaf need not carry an authority key identifier (a self-signed certificate the
  holder added as a root pins itself) and may carry any extended key usage. No root, an
  expired certificate or a broken chain is ``wallet.verifier_untrusted``: anyone can make a
  certificate saying "O=東京中央病院" for a host of their own;
- the verifier's name shown to the holder is the certificate's subject (organisation, then
  common name), never a name the request claims for itself, and only once the chain is
  trusted.

:func:`match` picks the stored credential the DCQL query asks for (format and ``vct``), and
:func:`plan` says which claims would leave, marking those hidden by default (本籍, 性別, 国籍),
so the caller can ask the holder's consent. :func:`respond` signs the KB-JWT with the wallet
key over the request's nonce and the full ``client_id`` (its prefix included), and sends
``direct_post`` or ``direct_post.jwt`` (ECDH-ES to the request's key). Nothing is sent
before the caller calls :func:`respond`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    VerificationError,
)

from holder.flows.oid4vci import HttpClient, secure_url
from holder.present import present
from holder.store import StoredCredential
from holder.verifier_roots import VerifierRoots
from vc_core.codecs import b64url_encode
from vc_core.errors import ShikakuError, WalletError
from vc_core.jose.jwe import KEY_BITS, encrypt_ecdh_es
from vc_core.jose.jws import parse_jws, verify_jws
from vc_core.keys import Signer
from vc_core.sdjwt import parse_sd_jwt
from vc_core.sdjwt.present import disclosure_paths
from vc_schemas.policy import disclosure_policy
from vc_schemas.sd_jwt_vc import vct_for

__all__ = [
    "Plan",
    "Request",
    "check_identity",
    "check_trust",
    "fetch_request",
    "leaf_of",
    "match",
    "plan",
    "respond",
]

_TYP: Final = "oauth-authz-req+jwt"
_SKEW: Final = 60
_CA_POLICY: Final = ExtensionPolicy.webpki_defaults_ca()
#: The webpki end-entity profile, except that the authority key identifier may be absent (a
#: self-signed certificate a holder trusts as a root has none) and any extended key usage is
#: accepted (a request-signing certificate need not be a TLS one).
_EE_POLICY: Final = (
    ExtensionPolicy.webpki_defaults_ee()
    .may_be_present(x509.AuthorityKeyIdentifier, Criticality.AGNOSTIC, None)
    .may_be_present(x509.ExtendedKeyUsage, Criticality.AGNOSTIC, None)
)


@dataclass(frozen=True)
class Request:
    """A checked request object: who asks (as its certificate names them) and what for."""

    client_id: str
    verifier_name: str
    response_uri: str
    response_mode: str
    nonce: str
    state: str | None
    dcql_query: Mapping[str, Any]
    encryption_jwk: Mapping[str, Any] | None
    encryption_enc: str = "A128GCM"


@dataclass(frozen=True)
class Plan:
    """What would be disclosed from one stored credential for one DCQL credential query."""

    query_id: str
    credential: StoredCredential
    disclose: tuple[str, ...]  # JSON pointers of the claims that leave
    hidden_by_default: tuple[str, ...]  # of those, the ones the holder is warned about


def fetch_request(
    link: str,
    client: HttpClient,
    *,
    roots: VerifierRoots,
    now: Callable[[], float] = time.time,
) -> Request:
    """Resolve ``link`` (``openid4vp://…`` or the text of its QR code) and check the request
    object (see the module), its certificate chain against ``roots``;
    ``wallet.request_invalid``, ``wallet.verifier_mismatch`` or ``wallet.verifier_untrusted``.
    """
    query = parse_qs(urlsplit(link.strip()).query)
    request_uri = next(iter(query.get("request_uri", [])), None)
    named = next(iter(query.get("client_id", [])), None)
    if request_uri is None or named is None:
        raise WalletError("wallet.request_invalid", "the link names no signed request object")
    if not secure_url(request_uri):
        raise WalletError("wallet.request_invalid", "the request_uri is not https")
    answer = client.get(request_uri, headers={"Accept": "application/oauth-authz-req+jwt"})
    if answer.status_code != 200:
        raise WalletError(
            "wallet.request_invalid", f"the request object: HTTP {answer.status_code}"
        )
    try:
        jws = parse_jws(answer.text.strip())
    except ShikakuError as exc:
        raise WalletError("wallet.request_invalid", f"the request object: {exc.code}") from None
    if jws.header.get("typ") != _TYP:
        raise WalletError("wallet.request_invalid", f"the request object is not {_TYP}")
    leaf = leaf_of(jws.header.get("x5c"))
    try:
        verify_jws(jws, leaf.public_key())  # type: ignore[arg-type]
    except ShikakuError as exc:
        raise WalletError("wallet.request_invalid", f"its signature fails ({exc.code})") from None
    claims = jws.payload
    moment = now()
    iat, exp = claims.get("iat"), claims.get("exp")
    if (
        not isinstance(exp, int)
        or exp < moment - _SKEW
        or (isinstance(iat, int) and iat > moment + _SKEW)
    ):
        raise WalletError("wallet.request_invalid", "the request object is outside its time")
    client_id, response_uri = claims.get("client_id"), claims.get("response_uri")
    if client_id != named or not isinstance(client_id, str) or not isinstance(response_uri, str):
        raise WalletError("wallet.request_invalid", "the client_id or response_uri is missing")
    check_identity(client_id, response_uri, leaf)
    check_trust(
        client_id,
        jws.header["x5c"],
        roots,
        at=datetime.fromtimestamp(moment, UTC),
        host=urlsplit(response_uri).hostname or "?",
    )
    mode = claims.get("response_mode")
    if mode not in ("direct_post", "direct_post.jwt"):
        raise WalletError(
            "wallet.request_invalid", f"response_mode {str(mode)[:30]!r} is not offered"
        )
    metadata = claims.get("client_metadata") or {}
    keys = metadata.get("jwks", {}).get("keys", [])
    key = next((k for k in keys if isinstance(k, Mapping) and _for_ecdh_es(k)), None)
    if mode == "direct_post.jwt" and key is None:
        raise WalletError("wallet.request_invalid", "an encrypted answer needs the verifier's key")
    # The content encryption is one the verifier lists, A128GCM when it lists none
    # (OpenID4VP 1.0 §5.1, encrypted_response_enc_values_supported).
    offered = metadata.get("encrypted_response_enc_values_supported", ["A128GCM"])
    enc = next((e for e in offered if e in KEY_BITS), None) if isinstance(offered, list) else None
    if mode == "direct_post.jwt" and enc is None:
        raise WalletError("wallet.request_invalid", "the verifier offers no encryption we make")
    if not isinstance(claims.get("nonce"), str) or not isinstance(
        claims.get("dcql_query"), Mapping
    ):
        raise WalletError("wallet.request_invalid", "the request has no nonce or DCQL query")
    return Request(
        client_id=client_id,
        verifier_name=_name_of(leaf),
        response_uri=response_uri,
        response_mode=str(mode),
        nonce=claims["nonce"],
        state=claims.get("state") if isinstance(claims.get("state"), str) else None,
        dcql_query=claims["dcql_query"],
        encryption_jwk=key,
        encryption_enc=enc or "A128GCM",
    )


def match(request: Request, credentials: Sequence[StoredCredential]) -> Plan:
    """The first DCQL credential query a stored dc+sd-jwt answers, with what it discloses;
    ``wallet.no_match`` when none does."""
    for item in request.dcql_query.get("credentials", []):
        if not isinstance(item, Mapping) or item.get("format") != "dc+sd-jwt":
            continue
        wanted = set((item.get("meta") or {}).get("vct_values") or [])
        for credential in credentials:
            bound = credential.key_id is not None or credential.holder_mode == "card"
            if credential.format != "dc+sd-jwt" or not bound:
                continue
            if _vct_of(credential) in wanted:
                return plan(str(item.get("id")), item, credential)
    raise WalletError("wallet.no_match", "no credential in the wallet answers this request")


def plan(query_id: str, item: Mapping[str, Any], credential: StoredCredential) -> Plan:
    """The claims of DCQL credential query ``item`` as JSON pointers, and which of them are
    hidden from employers by default for this qualification."""
    pointers = []
    for claim in item.get("claims") or []:
        path = claim.get("path") if isinstance(claim, Mapping) else None
        if isinstance(path, list) and path and all(isinstance(p, str) for p in path):
            pointers.append("/" + "/".join(path))
    hidden: tuple[str, ...] = ()
    if credential.qualification is not None:
        policy = disclosure_policy(credential.qualification)
        hidden = tuple(p for p in policy.hidden_in([f"/credentialSubject{p}" for p in pointers]))
    return Plan(query_id, credential, tuple(pointers), hidden)


def respond(
    request: Request,
    chosen: Plan,
    key: Signer,
    client: HttpClient,
    *,
    chain: Sequence[x509.Certificate] = (),
    now: Callable[[], float] = time.time,
) -> Any:
    """Present ``chosen`` (a KB-JWT by ``key`` over the nonce and ``client_id``; on the My
    Number Card, with its ``chain`` in ``x5c``) and send it; the verifier's answer. The KB-JWT
    is signed before anything is sent: a card that refuses (a wrong PIN) sends nothing."""
    # A claim the query may ask for but this holder's register record lacks (no completed
    # training) is simply not there to disclose.
    claims = disclosure_paths(parse_sd_jwt(chosen.credential.body)).claims
    disclose = [p for p in chosen.disclose if p.lstrip("/").split("/")[0] in claims]
    presentation = present(
        chosen.credential.body,
        disclose=disclose,
        signer=key,
        nonce=request.nonce,
        audience=request.client_id,
        now=datetime.fromtimestamp(now(), UTC),
        chain=chain,
    )
    vp_token = {chosen.query_id: [presentation]}
    if request.response_mode == "direct_post.jwt":
        assert request.encryption_jwk is not None
        payload: dict[str, Any] = {"vp_token": vp_token}
        if request.state is not None:
            payload["state"] = request.state
        jwe = encrypt_ecdh_es(payload, request.encryption_jwk, enc=request.encryption_enc)
        form = {"response": jwe}
    else:
        form = {"vp_token": json.dumps(vp_token)}
        if request.state is not None:
            form["state"] = request.state
    return client.post(request.response_uri, data=form)


def leaf_of(chain: Any) -> x509.Certificate:
    """The leaf certificate of a JOSE ``x5c`` header."""
    if not isinstance(chain, list) or not chain or not isinstance(chain[0], str):
        raise WalletError("wallet.request_invalid", "the request object carries no x5c")
    try:
        return x509.load_der_x509_certificate(base64.b64decode(chain[0], validate=True))
    except ValueError:
        raise WalletError("wallet.request_invalid", "the x5c leaf is not a certificate") from None


def check_identity(client_id: str, response_uri: str, leaf: x509.Certificate) -> None:
    """The ``client_id`` names this certificate, and the response goes (over https) to its
    host."""
    if not secure_url(response_uri):
        raise WalletError("wallet.request_invalid", "the response_uri is not https")
    prefix, _, value = client_id.partition(":")
    host = urlsplit(response_uri).hostname
    if prefix == "x509_san_dns":
        try:
            san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            names = san.get_values_for_type(x509.DNSName)
        except x509.ExtensionNotFound:
            names = []
        if value not in names or host != value:
            raise WalletError(
                "wallet.verifier_mismatch",
                f"the certificate or the response URI is not for {value[:60]}",
            )
        return
    if prefix == "x509_hash":
        digest = b64url_encode(hashlib.sha256(leaf.public_bytes(Encoding.DER)).digest())
        if value != digest:
            raise WalletError("wallet.verifier_mismatch", "the certificate is not the one named")
        return
    raise WalletError("wallet.request_invalid", f"client_id prefix {prefix[:20]!r} is not accepted")


def check_trust(
    client_id: str, x5c: Sequence[str], roots: VerifierRoots, *, at: datetime, host: str
) -> x509.Certificate:
    """The leaf of ``x5c``, once its chain validates at ``at`` to one of ``roots`` (for the
    host of an ``x509_san_dns`` client identifier); ``wallet.verifier_untrusted`` if not,
    naming ``host`` (where the answer would go)."""
    chain = [leaf_of(x5c[i:]) for i in range(len(x5c))]
    prefix, _, value = client_id.partition(":")
    builder = (
        PolicyBuilder()
        .store(roots.store)
        .time(at)
        .extension_policies(ca_policy=_CA_POLICY, ee_policy=_EE_POLICY)
    )
    try:
        if prefix == "x509_san_dns":
            builder.build_server_verifier(x509.DNSName(value)).verify(chain[0], chain[1:])
        else:
            builder.build_client_verifier().verify(chain[0], chain[1:])
    except (VerificationError, ValueError) as exc:
        # pyca's reason, without the certificate it names: its subject is the very name the
        # wallet has just refused to believe.
        reason = str(exc).split(" (encountered", 1)[0].removeprefix("validation failed: ")
        raise WalletError(
            "wallet.verifier_untrusted",
            f"the certificate of {host[:80]} does not chain to a root this wallet trusts "
            f"({reason[:120]})",
            host=host[:80],
        ) from None
    return chain[0]


def _for_ecdh_es(jwk: Mapping[str, Any]) -> bool:
    """An EC key for ECDH-ES encryption (its ``alg`` and ``use``, when it says them)."""
    return (
        jwk.get("kty") == "EC"
        and jwk.get("alg", "ECDH-ES") == "ECDH-ES"
        and jwk.get("use", "enc") == "enc"
    )


def _name_of(leaf: x509.Certificate) -> str:
    for oid in (NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME):
        found = leaf.subject.get_attributes_for_oid(oid)
        if found:
            return str(found[0].value)
    return leaf.subject.rfc4514_string()


def _vct_of(credential: StoredCredential) -> str | None:
    """The ``vct`` of a stored credential, from the qualification read when it was kept."""
    return vct_for(credential.qualification) if credential.qualification else None
