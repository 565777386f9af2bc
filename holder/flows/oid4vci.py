"""Receiving credentials over OpenID4VCI 1.0: the pre-authorized code flow, as a wallet runs it.

A nurse's board hands her a credential offer (a QR code or an ``openid-credential-offer://``
link) and, on another channel, a transaction code. :func:`receive` takes both and, through an
HTTP client the caller injects (``httpx.Client`` in the CLI, the apps' ``TestClient`` in
tests), runs the steps of OpenID4VCI 1.0 §3.5:

1. the offer (by value, or fetched by its ``credential_offer_uri``) and the issuer's metadata
   (``/.well-known/openid-credential-issuer`` between its host and its path, §12.2.2, naming
   the very issuer of the offer), then the authorization server's (RFC 8414 §3.1, naming that
   server): the issuer itself, or the one its ``authorization_servers`` lists — the one the
   offer's grant names, if it names one (§4.1.1), else the first;
2. the token (§6): the pre-authorized code and the transaction code; when the server offers
   DPoP (RFC 9449), under DPoP with a key made for this exchange — the token must then be a
   DPoP token, and a request is retried once with the server's ``DPoP-Nonce`` when it answers
   ``use_dpop_nonce`` — else a bearer token;
3. a ``c_nonce`` from the nonce endpoint (§7);
4. one credential request per offered configuration (§8), each with a key proof
   (``openid4vci-proof+jwt``, ``aud`` the issuer, ``nonce`` the c_nonce) signed by a **new
   ES256 wallet key** for that credential (the HAIP path: no two credentials share a key); an
   ``invalid_nonce`` answer is retried once with a fresh c_nonce.

What comes back is checked before anything is kept (:func:`holder.receive.examine`): a form
the wallet knows, the issuer's signature — checked on this machine, or, for an issuer that is a
URL and names its key by a plain ``kid``, with the key of its JWT VC Issuer Metadata
(draft-ietf-oauth-sd-jwt-vc §5) fetched over https — and a holder binding that names the very
key the wallet made for it. A credential bound to another
key is refused (``wallet.key_mismatch``). The wallet's keys never leave this process except
inside the encrypted store. The transaction code is never logged or kept.

**Card mode** (``card``: a :class:`~jpki_bridge.signer.CardSigner` on the My Number Card's
user-authentication key, ARCHITECTURE.md "Binding to the holder's JPKI certificate"): the
credentials are bound to the card's key instead of new wallet keys.

- Before the offer's single-use code is spent, the card's PIN is verified
  (:meth:`~jpki_bridge.signer.CardSigner.unlock`), once: a wrong PIN stops there, with one try
  spent and nothing redeemed, enrolled or received.
- After the token, when the issuer's metadata names its enrolment endpoints (the shikaku
  extension ``shikaku_enrolment_challenge_endpoint`` and ``shikaku_enrolment_endpoint``,
  :mod:`issuer.oid4vci.service`), the wallet asks for a challenge under its access token,
  checks that it is for the issuer's own origin and an enrolment purpose (so a board cannot
  have the card sign for anyone else), has the card sign it
  (:func:`jpki_bridge.binding.create_proof`, card mode) and sends the proof: the board enrols
  the card's key for the grant's subject.
- Each key proof is ``{"typ": "openid4vci-proof+jwt", "alg": "RS256", "x5c": [auth
  certificate, its CA]}`` signed on the card over the c_nonce, and each credential must name
  the card's key (and, where ``cnf`` carries it, the certificate's ``x5t#S256``).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol
from urllib.parse import parse_qs, urlsplit

from holder.present import x5c_of
from holder.receive import Received, examine
from jpki_bridge.binding import create_proof
from jpki_bridge.certs import CertKind, x5t_s256
from jpki_bridge.challenge import canonical_origin
from jpki_bridge.signer import CardSigner
from vc_core.codecs import b64url_encode
from vc_core.errors import ShikakuError, WalletError
from vc_core.jose.jws import sign_jws
from vc_core.keys import Signer, SoftwareKey, generate_key, jwk_thumbprint, public_jwk

__all__ = [
    "ENROLMENT",
    "ENROLMENT_CHALLENGE",
    "HttpClient",
    "Offer",
    "ReceivedCredential",
    "parse_offer",
    "receive",
    "secure_url",
    "well_known",
]

PRE_AUTHORIZED: Final = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
#: The issuer metadata's enrolment endpoints (a shikaku extension; see the module).
ENROLMENT_CHALLENGE: Final = "shikaku_enrolment_challenge_endpoint"
ENROLMENT: Final = "shikaku_enrolment_endpoint"
_ENROLMENT_PURPOSE: Final = "enrol-"
_OFFER_SCHEMES: Final = ("openid-credential-offer://", "https://", "http://")


class HttpClient(Protocol):
    """What the flow needs of an HTTP client: ``get`` and ``post`` as ``httpx.Client`` has
    them (``TestClient`` too)."""

    @property
    def get(self) -> Callable[..., Any]: ...

    @property
    def post(self) -> Callable[..., Any]: ...


@dataclass(frozen=True)
class Offer:
    """A credential offer: who offers, which configurations, the pre-authorized code, and
    whether a transaction code is needed (and its shape, to prompt for it)."""

    credential_issuer: str
    configuration_ids: tuple[str, ...]
    pre_authorized_code: str
    tx_code: Mapping[str, Any] | None
    authorization_server: str | None = None

    def __repr__(self) -> str:  # The code is a bearer secret: never shown.
        return f"Offer({self.credential_issuer}, {list(self.configuration_ids)})"


@dataclass(frozen=True, repr=False)
class ReceivedCredential:
    """One credential the wallet received and checked, with the key it is bound to: a new
    wallet key (``holder_mode`` ``"wallet"``), or the My Number Card's (``"card"``, ``key``
    None: the key never leaves the card)."""

    received: Received
    key: SoftwareKey | None
    configuration_id: str
    holder_mode: Literal["wallet", "card"] = "wallet"


def parse_offer(text: str, client: HttpClient) -> Offer:
    """An offer from the text of its QR code or link (by value or by reference)."""
    text = text.strip()
    if not text.startswith(_OFFER_SCHEMES):
        raise WalletError("wallet.offer_invalid", "not a credential offer link")
    query = parse_qs(urlsplit(text).query)
    if "credential_offer" in query:
        offer = _json_object(query["credential_offer"][0], "the offer")
    elif "credential_offer_uri" in query:
        uri = query["credential_offer_uri"][0]
        if not secure_url(uri):
            raise WalletError("wallet.offer_invalid", "an offer is fetched over https only")
        offer = _json_of(client.get(uri), "the offer")
    else:
        raise WalletError("wallet.offer_invalid", "the link carries no credential offer")
    grants = offer.get("grants")
    grant = grants.get(PRE_AUTHORIZED) if isinstance(grants, Mapping) else None
    issuer, ids = offer.get("credential_issuer"), offer.get("credential_configuration_ids")
    if (
        not isinstance(issuer, str)
        or not isinstance(ids, list)
        or not ids
        or not all(isinstance(i, str) for i in ids)
        or not isinstance(grant, Mapping)
        or not isinstance(grant.get("pre-authorized_code"), str)
    ):
        raise WalletError("wallet.offer_invalid", "the offer is not a pre-authorized code offer")
    tx_code, server = grant.get("tx_code"), grant.get("authorization_server")
    return Offer(
        issuer,
        tuple(ids),
        grant["pre-authorized_code"],
        tx_code if isinstance(tx_code, Mapping) else None,
        server if isinstance(server, str) else None,
    )


def receive(
    offer: Offer,
    client: HttpClient,
    *,
    tx_code: str | None,
    make_key: Callable[[], SoftwareKey] = lambda: generate_key("p256"),
    now: Callable[[], float] = time.time,
    card: CardSigner | None = None,
) -> list[ReceivedCredential]:
    """Run the flow (see the module) and return what was received and checked.

    ``card`` (its auth key and PIN, :func:`holder.card.card_signer`) selects card mode; the
    caller opens the card session around the call and closes it after.
    """
    if offer.tx_code is not None and not tx_code:
        raise WalletError("wallet.offer_invalid", "this offer needs its transaction code")
    if card is not None:
        if card.key is not CertKind.AUTH:
            raise WalletError("wallet.offer_invalid", "card mode binds the card's auth key")
        card.unlock()  # A wrong PIN spends no code (see the module).
    session = _Session.start(offer, client, tx_code=tx_code, now=now)
    received = []
    if card is not None:
        _enrol_card(session, card)
        header: dict[str, Any] = {"typ": "openid4vci-proof+jwt", "x5c": x5c_of(card.chain)}
        for configuration in offer.configuration_ids:
            checked = session.credential(configuration, header, card)
            _check_card_bound(checked, card)
            received.append(ReceivedCredential(checked, None, configuration, "card"))
        return received
    for configuration in offer.configuration_ids:
        key = make_key()
        header = {"typ": "openid4vci-proof+jwt", "jwk": public_jwk(key.public_key)}
        checked = session.credential(configuration, header, key)
        _check_bound(checked, key)
        received.append(ReceivedCredential(checked, key, configuration))
    return received


@dataclass(frozen=True)
class _Session:
    """One redeemed offer: the issuer's metadata and endpoints, the exchange, the token."""

    offer: Offer
    client: HttpClient
    exchange: _Exchange
    metadata: Mapping[str, Any]
    nonce_url: str
    credential_url: str
    access_token: str
    now: Callable[[], float]

    @classmethod
    def start(
        cls, offer: Offer, client: HttpClient, *, tx_code: str | None, now: Callable[[], float]
    ) -> _Session:
        """Steps 1 and 2: the metadata, and the code (with ``tx_code``) for an access token."""
        metadata = _json_of(
            client.get(well_known(offer.credential_issuer, "openid-credential-issuer")),
            "metadata",
        )
        if metadata.get("credential_issuer") != offer.credential_issuer:
            raise WalletError("wallet.offer_invalid", "the issuer's metadata names another issuer")
        server_id = _authorization_server(offer, metadata)
        server = _json_of(
            client.get(well_known(server_id, "oauth-authorization-server")),
            "the server's metadata",
        )
        if server.get("issuer") != server_id:
            raise WalletError("wallet.offer_invalid", "the server's metadata names another server")
        # DPoP when the server offers it with an algorithm the wallet signs (RFC 9449 §5.1).
        offered = server.get("dpop_signing_alg_values_supported")
        dpop = isinstance(offered, list) and "ES256" in offered
        exchange = _Exchange(client, generate_key("p256") if dpop else None, now)
        token_url, nonce_url, credential_url = (
            server.get("token_endpoint"),
            metadata.get("nonce_endpoint"),
            metadata.get("credential_endpoint"),
        )
        if not (
            isinstance(token_url, str)
            and isinstance(nonce_url, str)
            and isinstance(credential_url, str)
        ):
            raise WalletError("wallet.offer_invalid", "the issuer's metadata names no endpoints")
        form = {"grant_type": PRE_AUTHORIZED, "pre-authorized_code": offer.pre_authorized_code}
        if tx_code:
            form["tx_code"] = tx_code
        token = _json_of(exchange.post(token_url, data=form), "the token")
        access = token.get("access_token")
        if not isinstance(access, str):
            raise WalletError("wallet.offer_refused", "the issuer gave no access token")
        # A token asked for under DPoP must be bound to its key; without DPoP it is a bearer
        # token (RFC 9449 §5, RFC 6749 §7.1).
        kind = str(token.get("token_type", "")).lower()
        if kind != ("dpop" if dpop else "bearer"):
            raise WalletError("wallet.offer_refused", f"the token is of type {kind[:20]!r}")
        return cls(offer, client, exchange, metadata, nonce_url, credential_url, access, now)

    def post(self, url: str, what: str, **kwargs: Any) -> dict[str, Any]:
        """A protected resource under the access token, its JSON answer or the refusal."""
        return _json_of(self.exchange.post(url, access_token=self.access_token, **kwargs), what)

    def credential(self, configuration: str, header: Mapping[str, Any], signer: Signer) -> Received:
        """Steps 3 and 4: a c_nonce, the key proof ``signer`` signs, the credential, checked."""
        for attempt in (1, 2):
            answer = self.exchange.remember(self.client.post(self.nonce_url))
            c_nonce = _json_of(answer, "the nonce").get("c_nonce")
            claims = {"aud": self.offer.credential_issuer, "iat": int(self.now()), "nonce": c_nonce}
            proof = sign_jws(header, claims, signer)
            body = {"credential_configuration_id": configuration, "proofs": {"jwt": [proof]}}
            response = self.exchange.post(
                self.credential_url, json=body, access_token=self.access_token
            )
            if attempt == 1 and _error_of(response) == "invalid_nonce":
                continue
            break
        items = _json_of(response, "the credential").get("credentials")
        if not isinstance(items, list) or len(items) != 1:
            raise WalletError("wallet.offer_refused", "the issuer sent no single credential")
        credential = items[0].get("credential") if isinstance(items[0], Mapping) else None
        text = credential if isinstance(credential, str) else json.dumps(credential)
        return examine(text, issuer_metadata=lambda iss: _jwt_vc_issuer(self.client, iss))


def _enrol_card(session: _Session, card: CardSigner) -> None:
    """Enrol the card's key with the issuer, when it enrols (see the module)."""
    challenge_url = session.metadata.get(ENROLMENT_CHALLENGE)
    enrol_url = session.metadata.get(ENROLMENT)
    if not isinstance(challenge_url, str) or not isinstance(enrol_url, str):
        return  # This issuer takes card keys without enrolment (a development board).
    challenge = session.post(challenge_url, "the enrolment")
    nonce, audience, purpose = (challenge.get(k) for k in ("nonce", "audience", "purpose"))
    if not all(isinstance(v, str) for v in (nonce, audience, purpose)):
        raise WalletError("wallet.offer_refused", "the issuer's enrolment challenge is malformed")
    try:
        own = canonical_origin(session.offer.credential_issuer) == canonical_origin(str(audience))
    except ShikakuError:
        own = False
    if not own or not str(purpose).startswith(_ENROLMENT_PURPOSE):
        raise WalletError(
            "wallet.offer_refused",
            "the issuer asked the card to sign for another origin or purpose: refused",
        )
    proof = create_proof(
        card,
        card.chain,
        key=CertKind.AUTH,
        nonce=str(nonce),
        audience=str(audience),
        purpose=str(purpose),
    )
    session.post(enrol_url, "the enrolment", json={"mode": "card", "proof": proof.to_json()})


_LOOPBACK: Final = ("127.0.0.1", "localhost", "::1")


def secure_url(url: str) -> bool:
    """Over https, or over http to this very machine only."""
    return url.startswith("https://") or (
        url.startswith("http://") and urlsplit(url).hostname in _LOOPBACK
    )


def _jwt_vc_issuer(client: HttpClient, issuer: str) -> Mapping[str, Any] | None:
    """The JWT VC Issuer Metadata of ``issuer`` (draft-ietf-oauth-sd-jwt-vc §5), its
    ``jwks_uri`` read when it carries no ``jwks``; None when it cannot be had securely (the
    signature check is then reported as not made)."""
    if not secure_url(issuer):
        return None
    metadata = _json_or_none(client.get(well_known(issuer, "jwt-vc-issuer")))
    uri = metadata.get("jwks_uri") if metadata is not None else None
    if metadata is not None and "jwks" not in metadata and isinstance(uri, str):
        jwks = _json_or_none(client.get(uri)) if secure_url(uri) else None
        metadata = None if jwks is None else {**metadata, "jwks": jwks}
    return metadata


def _json_or_none(response: Any) -> dict[str, Any] | None:
    try:
        return _json_of(response, "metadata")
    except WalletError:
        return None


def well_known(identifier: str, name: str) -> str:
    """Where the metadata of ``identifier`` is: ``/.well-known/<name>`` between its host and its
    path (RFC 8414 §3.1, OpenID4VCI 1.0 §12.2.2)."""
    parts = urlsplit(identifier)
    return f"{parts.scheme}://{parts.netloc}/.well-known/{name}{parts.path.rstrip('/')}"


def _authorization_server(offer: Offer, metadata: Mapping[str, Any]) -> str:
    """The authorization server of the pre-authorized code: the credential issuer itself, or
    one its metadata lists in ``authorization_servers`` — the one the offer names when it
    names one (OpenID4VCI 1.0 §4.1.1, §12.2.4)."""
    listed = metadata.get("authorization_servers")
    if listed is None:
        return offer.credential_issuer
    if not isinstance(listed, list) or not listed or not all(isinstance(s, str) for s in listed):
        raise WalletError("wallet.offer_invalid", "authorization_servers is not a list of URLs")
    if offer.authorization_server is None:
        return str(listed[0])
    if offer.authorization_server not in listed:
        raise WalletError("wallet.offer_invalid", "the offer names a server the issuer does not")
    return offer.authorization_server


class _Exchange:
    """DPoP (RFC 9449) for one exchange: the key, and the nonce the server last gave; without
    a key, a bearer token and no proofs."""

    def __init__(
        self, client: HttpClient, key: SoftwareKey | None, now: Callable[[], float]
    ) -> None:
        self.client, self.key, self.now = client, key, now
        self.nonce: str | None = None

    def remember(self, response: Any) -> Any:
        nonce = response.headers.get("DPoP-Nonce")
        if nonce:
            self.nonce = nonce
        return response

    def proof(self, key: SoftwareKey, url: str, access_token: str | None) -> str:
        claims: dict[str, Any] = {
            "jti": secrets.token_urlsafe(16),
            "htm": "POST",
            "htu": url,
            "iat": int(self.now()),
        }
        if self.nonce is not None:
            claims["nonce"] = self.nonce
        if access_token is not None:
            digest = hashlib.sha256(access_token.encode()).digest()
            claims["ath"] = b64url_encode(digest)
        header = {"typ": "dpop+jwt", "jwk": public_jwk(key.public_key)}
        return sign_jws(header, claims, key)

    def post(self, url: str, *, access_token: str | None = None, **kwargs: Any) -> Any:
        if self.key is None:
            bearer = {} if access_token is None else {"Authorization": f"Bearer {access_token}"}
            return self.client.post(url, headers=bearer, **kwargs)
        response = None
        for _ in (1, 2):
            headers = {"DPoP": self.proof(self.key, url, access_token)}
            if access_token is not None:
                headers["Authorization"] = f"DPoP {access_token}"
            response = self.remember(self.client.post(url, headers=headers, **kwargs))
            if _error_of(response) != "use_dpop_nonce":
                break
        return response


def _error_of(response: Any) -> str | None:
    """The OAuth ``error`` of a refusal, or a problem document's ``code``."""
    if response.status_code < 400:
        return None
    challenge = response.headers.get("WWW-Authenticate", "")
    if "use_dpop_nonce" in challenge:
        return "use_dpop_nonce"
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, Mapping):
        return None
    error = body.get("error", body.get("code"))
    return error if isinstance(error, str) else None


def _json_of(response: Any, what: str) -> dict[str, Any]:
    if response.status_code >= 400:
        error = _error_of(response) or f"HTTP {response.status_code}"
        raise WalletError("wallet.offer_refused", f"the issuer refused {what}: {error}")
    try:
        value = response.json()
    except ValueError:
        raise WalletError("wallet.offer_refused", f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise WalletError("wallet.offer_refused", f"{what} is not a JSON object")
    return value


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise WalletError("wallet.offer_invalid", f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise WalletError("wallet.offer_invalid", f"{what} is not a JSON object")
    return value


def _check_bound(checked: Received, key: SoftwareKey) -> None:
    """The credential must name the key the wallet made for it (cnf, or a did:jwk subject)."""
    thumbprint = jwk_thumbprint(public_jwk(key.public_key))
    if checked.binding.thumbprint != thumbprint:
        raise WalletError(
            "wallet.key_mismatch",
            "the issuer bound the credential to a key this wallet did not make",
        )


def _check_card_bound(checked: Received, card: CardSigner) -> None:
    """The credential must name the card's key, and its certificate where ``cnf`` says one."""
    thumbprint = jwk_thumbprint(public_jwk(card.public_key))
    certificate = checked.binding.certificate
    if checked.binding.thumbprint != thumbprint or (
        certificate is not None and certificate != x5t_s256(card.certificate)
    ):
        raise WalletError(
            "wallet.key_mismatch",
            "the issuer bound the credential to a key that is not this card's",
        )
