"""The employer's OpenID4VP 1.0 verifier: transactions, request objects, responses, verdicts.

An :class:`Oid4vpService` sits on the :class:`~verifier.service.Verifier` (its policy, its
nonce store) and adds the OpenID4VP exchange around the one verification pipeline:

1. :meth:`~Oid4vpService.create` — the employer's page asks for a qualification under a
   request profile in some formats (:func:`verifier.oid4vp.dcql.build_query`). A transaction
   gets a nonce from the verifier's store (audience: the full ``client_id``; it expires with
   the transaction), a random ``state``, for ``direct_post.jwt`` an ephemeral P-256 key, and a
   read secret that only the page that created it holds (its hash is stored).
2. :meth:`~Oid4vpService.request_object` — the signed request the wallet fetches by
   ``request_uri`` (GET, or POST with a ``wallet_nonce`` it gets back).
3. :meth:`~Oid4vpService.respond` — the wallet's ``direct_post`` (``vp_token``, ``state``) or
   ``direct_post.jwt`` (``response``: a JWE to the transaction's key). The transaction is
   claimed once (a second response is ``oid4vp.transaction_answered``; after expiry
   ``oid4vp.transaction_expired``), the one presentation the DCQL query allows is verified
   by the pipeline with the transaction's nonce and ``client_id`` as audience (the nonce is
   consumed there, once: a presentation replayed into another transaction names another
   nonce and fails), and the DCQL query is held against what was disclosed (a ``dcql``
   check in the verdict). The verdict kept shows only the claims the query asked for.
4. :meth:`~Oid4vpService.read` — the verdict for the page holding the read secret.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Final, Literal

from service_kit.db import create_engine
from service_kit.migrate import upgrade
from vc_core.errors import Oid4vpError, RequestError, ShikakuError
from vc_core.formats import Format
from vc_core.jsonio import loads
from vc_core.keys import private_key_from_jwk
from vc_core.verdict import Check, Verdict
from verifier.oid4vp.dcql import Query, answer_of, build_query, check_disclosed, shown
from verifier.oid4vp.identity import ClientIdentity, Prefix
from verifier.oid4vp.jwe import ENC_VALUES, decrypt, encryption_jwk, key_id_of, new_encryption_key
from verifier.oid4vp.request import (
    authorization_uri,
    client_metadata,
    qr_svg,
    request_claims,
    sign_request,
)
from verifier.oid4vp.store import SqlTransactions, Transaction, new_secret
from verifier.policy import VerifyOptions
from verifier.result import VerificationResult
from verifier.service import Verifier
from verifier.trust_sql import TRUST_MIGRATIONS

__all__ = [
    "Created",
    "Oid4vpConfig",
    "Oid4vpService",
    "Response",
    "ResponseMode",
    "build_oid4vp",
]

ResponseMode = Literal["direct_post", "direct_post.jwt"]
_EXPECTED_FORM: Final = {"dc+sd-jwt": Format.DC_SD_JWT, "ldp_vc": Format.LDP_VP}
_MAX_ERROR: Final = 200
#: A path on this service (not ``//host``, no backslash, no fragment): never an open redirect.
_RETURN_PATH: Final = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~/!$&'()*+,;=:@%?]{0,500}")


@dataclass(frozen=True)
class Oid4vpConfig:
    """Where the service answers and how long its transactions live."""

    public_url: str
    """The service's origin as wallets reach it (``https://verifier.example.jp``)."""
    prefix: Prefix = "x509_san_dns"
    transaction_ttl: timedelta = timedelta(minutes=5)
    result_ttl: timedelta = timedelta(minutes=30)
    allow_redirect_uri: bool = False
    """The unsigned ``redirect_uri:`` prefix: development only."""

    @property
    def response_uri(self) -> str:
        return f"{self.public_url.rstrip('/')}/oid4vp/response"

    def request_uri(self, transaction_id: str) -> str:
        return f"{self.public_url.rstrip('/')}/oid4vp/requests/{transaction_id}"


@dataclass(frozen=True, repr=False)
class Created:
    """A new transaction as its creator sees it (the read secret is shown only here)."""

    transaction: Transaction
    secret: str
    authorization_request: str
    request_uri: str | None
    qr_svg: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.transaction.id,
            "secret": self.secret,
            "client_id": self.transaction.client_id,
            "response_mode": self.transaction.response_mode,
            "request_uri": self.request_uri,
            "authorization_request": self.authorization_request,
            "qr_svg": self.qr_svg,
            "expires": self.transaction.expires_at.isoformat(),
        }


@dataclass(frozen=True)
class Response:
    """What the response endpoint answers: the transaction and its kept verdict."""

    transaction_id: str
    verdict: Mapping[str, Any]
    code: str | None
    """The first failing check's code, None when verified."""
    redirect_uri: str | None = None
    """Same device: where the wallet sends the browser back (§8.2), with a response code."""


class Oid4vpService:
    """OpenID4VP transactions over one :class:`~verifier.service.Verifier` (see the module)."""

    def __init__(
        self,
        verifier: Verifier,
        identity: ClientIdentity,
        transactions: SqlTransactions,
        config: Oid4vpConfig,
        *,
        on_close: tuple[Callable[[], None], ...] = (),
    ) -> None:
        self.verifier = verifier
        self.identity = identity
        self.transactions = transactions
        self.config = config
        self._on_close = on_close

    def close(self) -> None:
        for close in self._on_close:
            close()

    def _now(self) -> Any:
        return self.verifier.policy.clock()

    def create(
        self,
        qualification: str,
        profile: str,
        *,
        formats: tuple[str, ...] = ("dc+sd-jwt",),
        response_mode: ResponseMode = "direct_post.jwt",
        prefix: Prefix | None = None,
        request_uri_method: Literal["get", "post"] | None = None,
        return_path: str | None = None,
    ) -> Created:
        """A new transaction and everything the employer's page shows the wallet.

        ``return_path`` (same device): a path on this service the wallet sends the browser
        back to once it answered, with a ``response_code`` the verdict is then read with.
        """
        if return_path is not None and not _RETURN_PATH.fullmatch(return_path):
            raise RequestError(
                "request.invalid", "return_path is an absolute path on this service ('/…')"
            )
        query = build_query(
            qualification, profile, formats, catalogue=self.verifier.policy.catalogue
        )
        prefix = prefix or self.config.prefix
        if prefix == "redirect_uri" and not self.config.allow_redirect_uri:
            raise Oid4vpError(
                "oid4vp.client_id_prefix", "the unsigned redirect_uri prefix is for development"
            )
        if prefix == "redirect_uri" and response_mode == "direct_post.jwt":
            raise Oid4vpError(
                "oid4vp.client_id_prefix", "an encrypted response needs a signed request"
            )
        client_id = self.identity.client_id(prefix, self.config.response_uri)
        now = self._now()
        self.transactions.purge(now=now)  # Verdicts past keep_until go as new ones come.
        nonce = self.verifier.challenge(client_id, ttl=self.config.transaction_ttl)
        transaction_id = new_secret()[:32]
        key = new_encryption_key() if response_mode == "direct_post.jwt" else None
        secret = new_secret()
        transaction = self.transactions.add(
            Transaction(
                id=transaction_id,
                state=new_secret(),
                nonce=nonce.value,
                client_id=client_id,
                response_mode=response_mode,
                qualification=query.qualification,
                profile=query.profile,
                formats=query.formats,
                enc_key=key.private_jwk() if key is not None else None,
                created_at=now,
                expires_at=nonce.expires_at,
                keep_until=nonce.expires_at + self.config.result_ttl,
                return_path=return_path,
            ),
            secret,
        )
        if prefix == "redirect_uri":
            uri = authorization_uri(client_id, by_value=self._claims(transaction, query))
            return Created(transaction, secret, uri, None, qr_svg(uri))
        request_uri = self.config.request_uri(transaction.id)
        uri = authorization_uri(
            client_id, request_uri=request_uri, request_uri_method=request_uri_method
        )
        return Created(transaction, secret, uri, request_uri, qr_svg(uri))

    def _claims(self, transaction: Transaction, query: Query) -> dict[str, Any]:
        jwk = None
        if transaction.enc_key is not None:
            key = private_key_from_jwk(transaction.enc_key)
            jwk = encryption_jwk(key, transaction.id)
        return request_claims(
            client_id=transaction.client_id,
            response_mode=transaction.response_mode,
            response_uri=self.config.response_uri,
            nonce=transaction.nonce,
            state=transaction.state,
            dcql_query=query.to_json(),
            metadata=client_metadata(
                transaction.formats, encryption_jwk=jwk, enc_values=ENC_VALUES
            ),
        )

    def _query(self, transaction: Transaction) -> Query:
        return build_query(
            transaction.qualification,
            transaction.profile,
            transaction.formats,
            catalogue=self.verifier.policy.catalogue,
        )

    def request_object(self, transaction_id: str, *, wallet_nonce: str | None = None) -> str:
        """The signed request object of a pending transaction."""
        now = self._now()
        transaction = self.transactions.get(transaction_id, now=now)
        if transaction.client_id.startswith("redirect_uri:"):
            raise Oid4vpError("oid4vp.client_id_prefix", "this request travels by value only")
        if transaction.answered_at is not None:
            raise Oid4vpError("oid4vp.transaction_answered")
        if transaction.expired(now):
            raise Oid4vpError("oid4vp.transaction_expired")
        claims = self._claims(transaction, self._query(transaction))
        return sign_request(
            self.identity,
            claims,
            now=now,
            lifetime=transaction.expires_at - now,
            wallet_nonce=wallet_nonce,
        )

    def respond(self, form: Mapping[str, str]) -> Response:
        """Handle a wallet's authorization response (see the module)."""
        now = self._now()
        if "response" in form:
            encrypted = form["response"]
            transaction = self.transactions.get(key_id_of(encrypted), now=now)
            if transaction.response_mode != "direct_post.jwt":
                raise Oid4vpError("oid4vp.response_invalid", "this transaction is not encrypted")
            if transaction.enc_key is None:
                raise Oid4vpError("oid4vp.transaction_answered")
            params: Mapping[str, Any] = decrypt(
                encrypted, private_key_from_jwk(transaction.enc_key)
            )
            state = params.get("state")
            if state is not None and state != transaction.state:
                raise Oid4vpError("oid4vp.response_invalid", "the response's state is another")
        else:
            state = form.get("state")
            if not isinstance(state, str) or not state:
                raise Oid4vpError("oid4vp.response_invalid", "the response has no state")
            transaction = self.transactions.by_state(state, now=now)
            # An error response carries no credential: it may come unencrypted in either mode.
            if transaction.response_mode != "direct_post" and "error" not in form:
                raise Oid4vpError(
                    "oid4vp.response_invalid", "this transaction requires an encrypted response"
                )
            params = form
        claimed = self.transactions.claim(transaction.id, now=now)
        if "error" in params:
            return self._finish(claimed, _wallet_error(params), None)
        try:
            vp_token = params.get("vp_token")
            if isinstance(vp_token, str):
                vp_token = loads(vp_token, where="vp_token")
            query = self._query(claimed)
            form_name, presentation = answer_of(query, vp_token)
        except ShikakuError as exc:
            return self._finish(claimed, _refused(exc), None)
        options = VerifyOptions(nonce=claimed.nonce, audience=claimed.client_id)
        result = self.verifier.verify(presentation, options)
        return self._finish(claimed, _with_dcql(query, form_name, result), query)

    def _finish(
        self, transaction: Transaction, result: VerificationResult, query: Query | None
    ) -> Response:
        verdict = result.to_json()
        if query is not None:
            verdict = shown(query, verdict)
        response_code, redirect_uri = None, None
        if transaction.return_path is not None:
            response_code = new_secret()
            redirect_uri = (
                f"{self.config.public_url.rstrip('/')}{transaction.return_path}"
                f"#response_code={response_code}"
            )
        self.transactions.finish(transaction.id, verdict, response_code=response_code)
        if result.verified:
            return Response(transaction.id, verdict, None, redirect_uri)
        failed = next((c.code for c in result.verdict.checks if c.ok is False and c.code), None)
        # Not verified with no failed check (nothing could run): could not verify.
        return Response(transaction.id, verdict, failed or "verify.check_unavailable", redirect_uri)

    def invitation(self, transaction_id: str, secret: str | None) -> tuple[str, str]:
        """The authorization request of a transaction still waiting for its wallet, and its
        QR code (SVG), for the page that created it (the holder of its read secret): the page
        shows them again each time it looks for the answer."""
        now = self._now()
        transaction = self.transactions.get(transaction_id, now=now)
        if not transaction.readable_with(secret):
            raise Oid4vpError("oid4vp.secret_invalid")
        if transaction.client_id.startswith("redirect_uri:"):
            uri = authorization_uri(
                transaction.client_id, by_value=self._claims(transaction, self._query(transaction))
            )
        else:
            uri = authorization_uri(
                transaction.client_id, request_uri=self.config.request_uri(transaction.id)
            )
        return uri, qr_svg(uri)

    def read(
        self, transaction_id: str, secret: str | None, response_code: str | None = None
    ) -> dict[str, Any]:
        """The transaction's state and verdict, for the holder of its read secret (and, in a
        same-device flow, of the response code the wallet's redirect carried)."""
        now = self._now()
        transaction = self.transactions.get(transaction_id, now=now)
        if not transaction.readable_with(secret, response_code):
            raise Oid4vpError("oid4vp.secret_invalid")
        out: dict[str, Any] = {
            "id": transaction.id,
            "status": transaction.status(now),
            "qualification": transaction.qualification,
            "profile": transaction.profile,
            "formats": list(transaction.formats),
            "response_mode": transaction.response_mode,
            "expires": transaction.expires_at.isoformat(),
        }
        if transaction.result is not None:
            out["verdict"] = transaction.result
        return out


def _with_dcql(query: Query, form: str, result: VerificationResult) -> VerificationResult:
    """The pipeline's result with a ``dcql`` check: right form, type and claims."""
    expected = _EXPECTED_FORM[form]
    if result.format is not None and result.format is not expected:
        error: ShikakuError | None = Oid4vpError(
            "oid4vp.query_unsatisfied", f"a {form} query was answered with a {result.format}"
        )
    elif not result.verified:
        return _append(result, Check("dcql", None, message="nothing verified to match"))
    else:
        credential = result.credential
        if form == "ldp_vc":
            credential = result.credentials[0].credential if result.credentials else None
        error = None
        try:
            check_disclosed(query, form, credential or {})
        except ShikakuError as exc:
            error = exc
    if error is None:
        return _append(result, Check("dcql", True))
    return replace(
        _append(result, Check("dcql", False, error.code, error.message)), credential=None
    )


def _append(result: VerificationResult, check: Check) -> VerificationResult:
    return replace(result, verdict=Verdict((*result.verdict.checks, check)))


def _refused(error: ShikakuError) -> VerificationResult:
    return VerificationResult(None, Verdict((Check("dcql", False, error.code, error.message),)))


def _wallet_error(params: Mapping[str, Any]) -> VerificationResult:
    error = str(params.get("error", ""))[:_MAX_ERROR]
    description = str(params.get("error_description", ""))[:_MAX_ERROR]
    message = f"the wallet answered {error}" + (f": {description}" if description else "")
    check = Check("wallet", False, "oid4vp.wallet_error", message, {"error": error})
    return VerificationResult(None, Verdict((check,)))


def build_oid4vp(
    verifier: Verifier, identity: ClientIdentity, config: Oid4vpConfig, *, database_url: str
) -> Oid4vpService:
    """The service over ``verifier``, its transactions in the verifier's database (migrated
    to :mod:`verifier.migrations` head, which holds the transactions table)."""
    engine = create_engine(database_url)
    upgrade(engine, TRUST_MIGRATIONS)
    return Oid4vpService(
        verifier, identity, SqlTransactions(engine), config, on_close=(engine.dispose,)
    )
