"""Issuer binding: the key that signed must belong to the issuer the credential names.

A signature that verifies under a key the presenter chose proves nothing about the issuer
(issue 9, attack 1: a 看護師 credential naming ``did:web:registry.example`` signed with a fresh
did:key). :class:`IssuerKeys` resolves keys only from places the issuer controls:

Data Integrity (VC DI 1.0 §4.5 step "verificationMethod"; DID Core §5.3.1
"assertionMethod"), through :meth:`IssuerKeys.key_resolver` and
:meth:`IssuerKeys.check_binding`:

- did:key, did:jwk: resolved offline; the verification method's DID is the issuer's DID;
- did:web: the DID document pinned in the trust registry, else fetched over https
  (did:web method spec §3.2) under :class:`~verifier.fetch.FetchLimits` — an allowlist of
  hosts, a size limit, a deadline, no redirects, a bounded cache with the ``Cache-Control``
  lifetime; the method must be in the document and listed under ``assertionMethod``.

SD-JWT VC and VC-JOSE (draft-ietf-oauth-sd-jwt-vc §3.5, "Issuer-signed JWT Verification Key
Validation"), through :meth:`IssuerKeys.jose_issuer_key`, in this order:

- ``x5c`` in the header: the chain validates at the clock's time (pyca's webpki path
  validation, :class:`cryptography.x509.verification.PolicyBuilder`) to one of the issuer's
  ``x509_roots``, and the leaf names the issuer: a ``dNSName`` equal to the ``iss`` host or a
  ``uniformResourceIdentifier`` equal to ``iss``;
- a ``kid`` that is a DID URL: its DID is ``iss`` (or the W3C ``issuer``), as above;
- an https ``iss``: JWT VC Issuer Metadata (§5), pinned in the registry or fetched from
  ``{origin}/.well-known/jwt-vc-issuer{path}``, whose ``issuer`` is ``iss`` and whose ``jwks``
  holds the header's ``kid``.

A key of someone else is ``trust.key_mismatch``; keys that cannot be resolved (unreachable,
too large, malformed document) are ``trust.resolution_failed``; a URL that is not https or not
on the allowlist is ``trust.url_not_allowed``. The resolvers never return a key they could not
tie to the issuer, so the pipeline's signature check fails closed.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from vc_core.clock import Clock, system_clock
from vc_core.did import (
    KeyResolver,
    VerificationMethod,
    absolute_id,
    did_web_url,
    resolve_verification_method,
    verification_method_from_document,
)
from vc_core.errors import DidError, InputError, KeyMaterialError, TrustError
from vc_core.jose.jws import Jws, strict_json_loads
from vc_core.keys import AnyPublicKey, public_key_from_jwk
from vc_core.sdjwt.verify import IssuerKey, IssuerKeyResolver, issuer_of
from verifier.fetch import FetchFailure, FetchLimits, bounded_get, max_age
from verifier.trust import TrustedIssuer, TrustSource

__all__ = ["FetchLimits", "IssuerKeys"]

_OFFLINE = ("did:key:", "did:jwk:")
K = TypeVar("K")
V = TypeVar("V")
_DID_ACCEPT = "application/did+json, application/did+ld+json;q=0.9, application/json;q=0.8"
_METADATA_ACCEPT = "application/json"
#: The webpki end-entity profile, except that any extended key usage is accepted: an issuer's
#: signing certificate is not a TLS client or server certificate (HAIP uses its own EKUs).
_CA_POLICY = ExtensionPolicy.webpki_defaults_ca()
_EE_POLICY = ExtensionPolicy.webpki_defaults_ee().may_be_present(
    x509.ExtendedKeyUsage, Criticality.AGNOSTIC, None
)


@lru_cache(maxsize=1024)
def _offline(url: str) -> VerificationMethod:
    # did:key and did:jwk resolution is pure, so a URL always resolves to the same method.
    return resolve_verification_method(url)


class IssuerKeys:
    """Resolves issuers' keys from the trust registry, offline DIDs and bounded https fetches."""

    def __init__(
        self,
        registry: TrustSource,
        *,
        client: httpx.Client | None = None,
        policy: FetchLimits = FetchLimits(),  # noqa: B008 - a frozen, immutable default
        clock: Clock = system_clock,
    ) -> None:
        self._registry = registry
        self._client = client
        self._policy = policy
        self._clock = clock
        self._documents: _TimedCache[str, Mapping[str, Any]] = _TimedCache(policy.cache_entries)
        # Validated x5c chains: (issuer, its roots, the x5c) -> (valid from, the leaf's key).
        self._chains: _TimedCache[
            tuple[str, tuple[bytes, ...], tuple[str, ...]], tuple[datetime, AnyPublicKey]
        ] = _TimedCache(policy.cache_entries)

    # ---------------------------------------------------------------- Data Integrity

    def key_resolver(self) -> KeyResolver:
        """A :data:`~vc_core.did.KeyResolver` for :func:`vc_core.di.verify`."""
        return self.resolve

    def resolve(self, url: str) -> VerificationMethod:
        """The verification method ``url`` (did:key, did:jwk or did:web)."""
        did = url.partition("#")[0]
        try:
            if did.startswith(_OFFLINE):
                return _offline(url)
            if did.startswith("did:web:"):
                return verification_method_from_document(self.did_document(did), url)
        except DidError as exc:
            raise TrustError(
                "trust.resolution_failed", f"{url[:80]}: {exc.message}", cause=exc.code
            ) from exc
        raise TrustError("trust.resolution_failed", f"cannot resolve {did[:80]!r}")

    def check_binding(self, issuer_id: str, verification_method_id: str) -> None:
        """Raise ``trust.key_mismatch`` unless the method is one of ``issuer_id``'s own keys."""
        did = verification_method_id.partition("#")[0]
        if did != issuer_id:
            raise TrustError(
                "trust.key_mismatch",
                f"the key {verification_method_id[:80]} is not {issuer_id[:80]}'s",
                issuer=issuer_id[:200],
            )
        if did.startswith(_OFFLINE):
            try:
                _offline(verification_method_id)
            except DidError as exc:
                raise TrustError("trust.key_mismatch", exc.message) from exc
            return
        if not did.startswith("did:web:"):
            raise TrustError("trust.key_mismatch", f"{did[:80]} is not a DID shikaku can bind")
        document = self.did_document(did)
        assertion = document.get("assertionMethod", ())
        listed = {
            absolute_id(did, item.get("id") if isinstance(item, Mapping) else item)
            for item in (assertion if isinstance(assertion, list) else ())
        }
        if verification_method_id not in listed:
            raise TrustError(
                "trust.key_mismatch",
                f"{verification_method_id[:80]} is not an assertionMethod of {did[:80]}",
            )

    def did_document(self, did: str) -> Mapping[str, Any]:
        """The did:web document: the registry's pinned copy, else fetched within the limits."""
        issuer = self._known(did)
        if issuer is not None and issuer.did_document is not None:
            return issuer.did_document
        try:
            url = did_web_url(did)
        except DidError as exc:
            raise TrustError("trust.resolution_failed", exc.message) from exc
        document = self._fetch_json(url, _DID_ACCEPT)
        if document.get("id") != did:
            raise TrustError("trust.resolution_failed", f"{url} is not the document of {did}")
        return document

    # ---------------------------------------------------------------- JOSE

    def jose_issuer_key(self) -> IssuerKeyResolver:
        """An :data:`~vc_core.sdjwt.verify.IssuerKeyResolver` bound to the named issuer."""
        return self.jose_key

    def jose_key(self, jws: Jws) -> IssuerKey:
        """The issuer's key for a parsed issuer JWT; see the module for the three ways."""
        issuer = issuer_of(jws.payload)
        if issuer is None:
            raise TrustError("trust.resolution_failed", "the JWT names no issuer (iss)")
        kid = jws.header.get("kid")
        kid = kid if isinstance(kid, str) and kid else None
        if "x5c" in jws.header:
            return IssuerKey(self._x5c_key(issuer, jws.header["x5c"]), kid, issuer)
        if kid is not None and kid.startswith("did:"):
            self.check_binding(issuer, kid)
            return IssuerKey(self.resolve(kid).public_key, kid, issuer)
        if issuer.startswith(("https:", "http:")):
            return IssuerKey(self._metadata_key(issuer, kid), kid, issuer)
        raise TrustError(
            "trust.resolution_failed", f"no x5c and no DID kid name a key of {issuer[:80]}"
        )

    def _x5c_key(self, issuer_id: str, x5c: Any) -> AnyPublicKey:
        """The leaf key of an ``x5c`` chain validated to the issuer's roots and naming it.

        A validated chain is remembered (bounded) for as long as every certificate on its path
        is valid, so a busy verifier does not build the same path for every presentation.
        """
        roots = self._registry.lookup(issuer_id).x509_roots
        if not roots:
            raise TrustError("trust.key_mismatch", f"{issuer_id[:80]} has no trusted X.509 root")
        now = self._clock()
        remembered = (
            self._chains.get((issuer_id, roots, tuple(x5c)), now)
            if isinstance(x5c, list) and all(isinstance(c, str) for c in x5c)
            else None
        )
        if remembered is not None and remembered[0] <= now:
            return remembered[1]
        chain = _certificates(x5c)
        builder = (
            PolicyBuilder()
            .store(Store([x509.load_der_x509_certificate(der) for der in roots]))
            .time(now)
            .extension_policies(ca_policy=_CA_POLICY, ee_policy=_EE_POLICY)
        )
        try:
            verified = builder.build_client_verifier().verify(chain[0], chain[1:])
        except VerificationError as exc:
            raise TrustError(
                "trust.key_mismatch", f"the x5c chain is not trusted for {issuer_id[:80]}: {exc}"
            ) from exc
        if not _names_issuer(verified.subjects or [], issuer_id):
            raise TrustError("trust.key_mismatch", f"the x5c leaf does not name {issuer_id[:80]}")
        key = chain[0].public_key()
        if not isinstance(
            key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey
        ):
            raise TrustError("trust.key_mismatch", "the x5c leaf holds an unsupported key type")
        valid_from = max(c.not_valid_before_utc for c in verified.chain)
        valid_until = min(c.not_valid_after_utc for c in verified.chain)
        self._chains.put((issuer_id, roots, tuple(x5c)), (valid_from, key), valid_until)
        return key

    def _metadata_key(self, issuer_id: str, kid: str | None) -> AnyPublicKey:
        issuer = self._known(issuer_id)
        if issuer is not None and issuer.jwt_vc_issuer is not None:
            metadata = issuer.jwt_vc_issuer
        else:
            metadata = self._fetch_json(_metadata_url(issuer_id), _METADATA_ACCEPT)
        if metadata.get("issuer") != issuer_id:
            raise TrustError("trust.key_mismatch", f"the metadata is not {issuer_id[:80]}'s")
        jwks = metadata.get("jwks")
        if jwks is None and isinstance(metadata.get("jwks_uri"), str):
            jwks = self._fetch_json(metadata["jwks_uri"], "application/jwk-set+json")
        keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
        if not isinstance(keys, list):
            raise TrustError("trust.resolution_failed", f"{issuer_id[:80]}'s metadata has no jwks")
        if kid is None:
            raise TrustError("trust.resolution_failed", "the JWT has no kid to pick a metadata key")
        for jwk in keys:
            if isinstance(jwk, dict) and jwk.get("kid") == kid:
                try:
                    return public_key_from_jwk(jwk)
                except KeyMaterialError as exc:
                    raise TrustError("trust.resolution_failed", exc.message) from exc
        raise TrustError("trust.key_mismatch", f"{issuer_id[:80]}'s jwks holds no key {kid[:60]}")

    # ---------------------------------------------------------------- fetching

    def _known(self, issuer_id: str) -> TrustedIssuer | None:
        try:
            return self._registry.lookup(issuer_id)
        except TrustError as exc:
            if exc.code != "trust.issuer_unknown":
                raise
            return None

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise TrustError("trust.url_not_allowed", f"{url[:80]} is not an https URL")
        allowed = self._policy.allowed_hosts or self._registry.hosts()
        netloc = parts.netloc.lower()
        if netloc not in allowed and parts.hostname.lower() not in allowed:
            raise TrustError("trust.url_not_allowed", f"{netloc[:80]} is not an allowed host")

    def _fetch_json(self, url: str, accept: str) -> Mapping[str, Any]:
        self._check_url(url)
        now = self._clock()
        cached = self._documents.get(url, now)
        if cached is not None:
            return cached
        if self._client is None:
            raise TrustError("trust.resolution_failed", f"{url[:80]} needs a fetch; no client")
        download = bounded_get(
            self._client,
            url,
            accept=accept,
            max_bytes=self._policy.max_bytes,
            timeout=self._policy.timeout,
            fail=_fetch_failed,
        )
        try:
            document = strict_json_loads(download.body)
        except InputError as exc:
            raise TrustError("trust.resolution_failed", f"{url[:80]} is not JSON") from exc
        if not isinstance(document, dict):
            raise TrustError("trust.resolution_failed", f"{url[:80]} is not a JSON object")
        lifetime = max_age(download.cache_control)
        seconds = self._policy.default_cache_seconds if lifetime is None else lifetime
        seconds = min(seconds, self._policy.max_cache_seconds)
        if seconds > 0:
            self._documents.put(url, document, now + timedelta(seconds=seconds))
        return document


def _fetch_failed(failure: FetchFailure, message: str) -> TrustError:
    return TrustError("trust.resolution_failed", message, reason=failure.value)


def _metadata_url(issuer_id: str) -> str:
    """``{origin}/.well-known/jwt-vc-issuer{path}`` (draft-ietf-oauth-sd-jwt-vc §5.1)."""
    parts = urlsplit(issuer_id)
    if parts.scheme != "https" or parts.query or parts.fragment:
        raise TrustError("trust.url_not_allowed", f"{issuer_id[:80]} is not an https issuer")
    return f"https://{parts.netloc}/.well-known/jwt-vc-issuer{parts.path.rstrip('/')}"


def _certificates(x5c: Any) -> list[x509.Certificate]:
    """The ``x5c`` chain (RFC 7515 §4.1.6: standard base64 DER, leaf first), or a coded error."""
    if not isinstance(x5c, list) or not x5c or not all(isinstance(c, str) for c in x5c):
        raise TrustError("trust.key_mismatch", "x5c must be a non-empty array of strings")
    chain = []
    for index, text in enumerate(x5c):
        try:
            chain.append(x509.load_der_x509_certificate(base64.b64decode(text, validate=True)))
        except (binascii.Error, ValueError) as exc:
            raise TrustError(
                "trust.key_mismatch", f"x5c[{index}] is not a DER certificate"
            ) from exc
    return chain


def _names_issuer(subjects: list[x509.GeneralName], issuer_id: str) -> bool:
    """Whether a SAN names the issuer: a ``dNSName`` = the https ``iss`` host, a URI = ``iss``."""
    parts = urlsplit(issuer_id)
    host = parts.hostname if parts.scheme == "https" else None
    for name in subjects:
        if isinstance(name, x509.UniformResourceIdentifier) and name.value == issuer_id:
            return True
        if isinstance(name, x509.DNSName) and host and name.value.lower() == host.lower():
            return True
    return False


class _TimedCache(Generic[K, V]):
    """Values until their freshness ends; least recently used evicted first; thread-safe."""

    def __init__(self, capacity: int) -> None:
        self._capacity = max(0, capacity)
        self._entries: OrderedDict[K, tuple[datetime, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, now: datetime) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if now >= entry[0]:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: K, value: V, fresh_until: datetime) -> None:
        with self._lock:
            self._entries[key] = (fresh_until, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
