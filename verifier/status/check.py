"""Checking a credential's status: one named check per status entry, for the verdict.

W3C Bitstring Status List v1.0 §3.2 (Validate Algorithm), step by step, for each
``BitstringStatusListEntry`` of a credential:

- step 4: dereference ``statusListCredential`` (:mod:`verifier.status.fetch`, with the cache
  of :mod:`verifier.status.cache`) and verify every proof (:func:`vc_core.di.verify`); a failed
  proof is ``status.proof_invalid``. STANDARDS.md adds: the list must be issued *and signed*
  by the credential's issuer, else ``status.issuer_mismatch``; and the list's ``id`` must be the
  URL it was fetched from, so that one list of the issuer cannot stand in for another;
- step 5: the entry's purpose must be one of the list's (``status.purpose_mismatch``);
- steps 8–10: expand, check the length (``status.list_too_short``) and read the entry at
  ``statusListIndex × statusSize`` (``status.index_out_of_range``);
- steps 11–14: 0 passes; otherwise the check fails with ``status.revoked``,
  ``status.suspended`` or ``status.message_set``, with the value and the issuer's message.

The list's validity period is checked too (``status.list_expired``). A list that cannot be
fetched fails its check (``status.list_unreachable``, ``status.list_timeout``,
``status.list_too_large``, ``status.url_not_allowed``): the verifier fails closed.

:meth:`StatusChecker.check_token` does the same for an IETF Referenced Token
(draft-ietf-oauth-status-list §6 and §8.3) against its ``statuslist+jwt``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from vc_core import di
from vc_core.did import KeyResolver, VerificationMethod, resolve_verification_method
from vc_core.errors import CODES, InputError, ShikakuError, StatusError
from vc_core.jose.jws import parse_jws
from vc_core.jsonio import DEFAULT_LIMITS, loads
from vc_core.jsonld.loader import default_loader
from vc_core.jsonld.processor import Loader
from vc_core.keys import AnyPublicKey, jwk_thumbprint, public_jwk
from vc_core.status import (
    MIN_ENTRIES,
    BitstringStatusListEntry,
    decode_list,
    issuer_id,
    parse_status_list_credential,
    referenced_status,
    status_entries,
    verify_status_list_jwt,
)
from vc_core.status.bitstring import DEFAULT_TTL_MS
from vc_core.verdict import Check
from verifier.status.cache import StatusListCache, VerifiedList, fresh_until
from verifier.status.dispositions import DispositionsReader
from verifier.status.fetch import Fetched, StatusListFetcher

__all__ = ["StatusChecker"]

_W3C_ACCEPT = "application/vc, application/vc+ld+json;q=0.9, application/ld+json;q=0.5"
_JWT_ACCEPT = "application/statuslist+jwt"
_FAILURE_CODES = {"revocation": "status.revoked", "suspension": "status.suspended"}
# IETF status types (§7.1): 1 INVALID, 2 SUSPENDED; others are application-specific.
_TOKEN_CODES = {1: "status.revoked", 2: "status.suspended"}
# How many issuer keys' thumbprints are kept before the memo starts again.
_THUMBPRINTS = 256


def _utc_now() -> datetime:
    return datetime.now(UTC)


class StatusChecker:
    """Checks credentials' status entries against fetched, verified, cached lists."""

    def __init__(
        self,
        fetcher: StatusListFetcher,
        *,
        cache: StatusListCache | None = None,
        loader: Loader | None = None,
        resolver: KeyResolver = resolve_verification_method,
        now: Callable[[], datetime] = _utc_now,
        min_entries: int = MIN_ENTRIES,
    ) -> None:
        self.fetcher = fetcher
        self.cache = cache if cache is not None else StatusListCache()
        self.loader: Loader = loader or default_loader()
        self.resolver = resolver
        self.min_entries = min_entries
        self._now = now
        self.dispositions = DispositionsReader(fetcher)
        # The JWK thumbprints of the keys token lists were checked with, by their DER form:
        # a running verifier sees a few issuer keys over and over.
        self._thumbprints: dict[bytes, str] = {}

    # -- W3C Bitstring Status List ---------------------------------------------------------------

    def check(self, credential: Mapping[str, Any]) -> tuple[Check, ...]:
        """One check per status entry, named ``status.<purpose>``.

        A credential without a BitstringStatusListEntry gets one ``status`` check that did
        not apply (``ok`` None); a malformed entry fails ``status`` with its code.
        """
        try:
            entries = status_entries(credential)
            issuer = issuer_id(credential) if entries else ""
        except ShikakuError as exc:
            return (Check("status", False, exc.code, exc.message),)
        if not entries:
            return (Check("status", None, message="the credential has no status entry"),)
        now = self._now()
        return tuple(self._check_entry(entry, issuer, now) for entry in entries)

    def _check_entry(self, entry: BitstringStatusListEntry, issuer: str, now: datetime) -> Check:
        name = f"status.{entry.status_purpose}"
        details: dict[str, Any] = {
            "statusListCredential": entry.status_list_credential,
            "statusListIndex": entry.status_list_index,
        }
        try:
            verified = self._w3c_list(entry.status_list_credential, issuer, now)
            if entry.status_purpose not in verified.purposes:
                raise StatusError(
                    "status.purpose_mismatch",
                    f"the list is for {sorted(verified.purposes)}, not {entry.status_purpose!r}",
                )
            packed = verified.entries(entry.status_size, self.min_entries)
            value = packed.get(entry.status_list_index)
        except ShikakuError as exc:
            return Check(name, False, exc.code, exc.message, details)
        details["status"] = value
        message = entry.message_for(value)
        if message is not None:
            details["message"] = message
        if value == 0:
            return Check(name, True, details=details)
        code = _FAILURE_CODES.get(entry.status_purpose, "status.message_set")
        if entry.status_purpose == "suspension":
            # Why and until when (verifier.status.dispositions); the bit decides the outcome.
            details.update(self.dispositions.describe(verified, entry.status_list_index, now))
        return Check(name, False, code, message or CODES[code], details)

    def _w3c_list(self, url: str, issuer: str, now: datetime) -> VerifiedList:
        verified = self.cache.get(url, "w3c", now)
        if verified is None:
            stale = self.cache.stale(url, "w3c")
            fetched = self.fetcher.fetch(
                url, accept=_W3C_ACCEPT, etag=stale.etag if stale is not None else None
            )
            if fetched.not_modified and stale is not None:
                verified = stale.revalidated(fetched)
            else:
                verified = self._verify_w3c(fetched, now)
            self.cache.put(verified)
        if verified.issuer != issuer:
            raise StatusError(
                "status.issuer_mismatch",
                f"the list is issued by {verified.issuer}, the credential by {issuer}",
            )
        verified.check_validity(now)
        return verified

    def _verify_w3c(self, fetched: Fetched, now: datetime) -> VerifiedList:
        try:
            # The body is within the fetcher's own size limit already.
            limits = DEFAULT_LIMITS.admitting(len(fetched.body))
            document = loads(fetched.body, limits=limits, where="the status list")
        except InputError as exc:
            raise StatusError(
                "status.list_malformed", f"the status list is not JSON ({exc})"
            ) from exc
        parsed = parse_status_list_credential(document)
        if parsed.id is not None and parsed.id != fetched.url:
            raise StatusError(
                "status.list_malformed", f"the list's id {parsed.id} is not {fetched.url}"
            )
        try:
            proofs = di.verify(
                document,
                loader=self.loader,
                resolver=self.resolver,
                expected_purpose="assertionMethod",
                now=lambda: now,
            )
        except ShikakuError as exc:
            raise StatusError(
                "status.proof_invalid", f"the list's proof does not verify ({exc.code})"
            ) from exc
        for proof in proofs:
            if proof.verification_method.controller != parsed.issuer:
                raise StatusError(
                    "status.issuer_mismatch",
                    f"the list is signed by {proof.verification_method.controller}, "
                    f"not its issuer {parsed.issuer}",
                )
        parsed.check_validity(now)
        # Expand once; each statusSize gets its own view of these bytes on demand.
        data = decode_list(parsed.encoded_list, min_entries=0).to_bytes()
        ttl = timedelta(milliseconds=parsed.ttl_ms or DEFAULT_TTL_MS)
        return VerifiedList(
            url=fetched.url,
            format="w3c",
            issuer=parsed.issuer,
            purposes=frozenset(parsed.status_purposes),
            data=data,
            order="msb",
            bits=None,
            valid_from=parsed.valid_from,
            valid_until=parsed.valid_until,
            ttl=ttl,
            etag=fetched.etag,
            fresh_until=fresh_until(fetched, ttl, parsed.valid_until),
            signers=tuple(proof.verification_method for proof in proofs),
        )

    # -- IETF Token Status List ------------------------------------------------------------------

    def check_token(
        self, claims: Mapping[Any, Any], *, key: AnyPublicKey, issuer: str | None = None
    ) -> Check:
        """The ``status.token`` check of a Referenced Token's claims (JWT or CWT).

        ``key`` is the Status List Token's signing key, resolved by the caller from the
        issuer's trust configuration; with ``issuer``, the token's ``iss`` must match it.
        """
        try:
            index, uri = referenced_status(claims)
        except ShikakuError as exc:
            return Check("status.token", False, exc.code, exc.message)
        details: dict[str, Any] = {"uri": uri, "idx": index}
        now = self._now()
        try:
            verified = self._token_list(uri, key, now)
            if issuer is not None and verified.issuer not in ("", issuer):
                raise StatusError(
                    "status.issuer_mismatch", f"the token list is issued by {verified.issuer}"
                )
            value = verified.entries(1, 0).get(index)
        except ShikakuError as exc:
            return Check("status.token", False, exc.code, exc.message, details)
        details["status"] = value
        if value == 0:
            return Check("status.token", True, details=details)
        code = _TOKEN_CODES.get(value, "status.message_set")
        if code == "status.suspended":
            # Why and until when, as for a W3C suspension list (verifier.status.dispositions).
            details.update(self.dispositions.describe(verified, index, now))
        return Check("status.token", False, code, CODES[code], details)

    def _thumbprint(self, key: AnyPublicKey) -> str:
        der = key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        known = self._thumbprints.get(der)
        if known is None:
            if len(self._thumbprints) >= _THUMBPRINTS:
                self._thumbprints.clear()
            known = self._thumbprints[der] = jwk_thumbprint(public_jwk(key))
        return known

    def _token_list(self, uri: str, key: AnyPublicKey, now: datetime) -> VerifiedList:
        # A list verified with one key proves nothing to a caller who trusts another.
        thumbprint = self._thumbprint(key)
        verified = self.cache.get(uri, "jwt", now)
        if verified is not None and verified.verified_with == thumbprint:
            verified.check_validity(now)
            return verified
        stale = self.cache.stale(uri, "jwt")
        if stale is not None and stale.verified_with != thumbprint:
            stale = None
        fetched = self.fetcher.fetch(
            uri, accept=_JWT_ACCEPT, etag=stale.etag if stale is not None else None
        )
        if fetched.not_modified and stale is not None:
            verified = stale.revalidated(fetched)
        else:
            compact = fetched.body.decode("ascii", errors="replace").strip()
            token = verify_status_list_jwt(
                compact, key, now=int(now.timestamp()), expected_subject=uri
            )
            # The key that verified the token also signs the list's dispositions, by its kid.
            kid = parse_jws(compact).header.get("kid")
            signers = (
                (VerificationMethod(kid, kid.split("#", 1)[0], key, "JsonWebKey"),)
                if isinstance(kid, str) and kid
                else ()
            )
            expiry = (
                datetime.fromtimestamp(token.expires_at, UTC)
                if token.expires_at is not None
                else None
            )
            ttl = timedelta(seconds=token.ttl if token.ttl is not None else DEFAULT_TTL_MS // 1000)
            verified = VerifiedList(
                url=uri,
                format="jwt",
                issuer=token.issuer or "",
                purposes=frozenset(),
                data=token.status_list.to_bytes(),
                order="lsb",
                bits=token.status_list.bits,
                valid_from=None,
                valid_until=expiry,
                ttl=ttl,
                etag=fetched.etag,
                fresh_until=fresh_until(fetched, ttl, expiry),
                verified_with=thumbprint,
                signers=signers,
            )
        self.cache.put(verified)
        verified.check_validity(now)
        return verified
