"""Every error code as an RFC 9457 problem type: HTTP status, title and kind.

Each code of :data:`vc_core.errors.CODES` maps to

- an HTTP ``status`` for the HTTP edge (a failed verification is 400, as the W3C suites
  expect; a refused register record 422; an oversized body 413; a store that is down 503);
- a ``title``: the code's one-line description in :data:`~vc_core.errors.CODES`, the same for
  every occurrence of the problem type, as RFC 9457 §3.1.3 asks;
- a ``kind``: ``failure`` when shikaku looked and found the credential or request wanting,
  ``could_not_verify`` when it could not judge at all (malformed input, a list or DID
  document it could not fetch, a check it had nothing to run with). A pipeline whose
  failed checks include a ``could_not_verify`` code reports "could not verify" (exit 2),
  never "verified".

The table is rules by prefix with per-code exceptions; ``tests/test_project.py`` checks that
every registered code resolves and that no exception names an unknown code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from vc_core.errors import CODES, ShikakuError

__all__ = ["PROBLEM_BASE", "Kind", "Problem", "problem_document", "problem_of"]

Kind = Literal["failure", "could_not_verify"]

#: Problem type URIs are this base and the code (``…/problems#status.revoked``).
PROBLEM_BASE = "https://w3id.org/shikaku/problems#"


@dataclass(frozen=True)
class Problem:
    code: str
    status: int
    title: str
    kind: Kind

    @property
    def type(self) -> str:
        return PROBLEM_BASE + self.code


_F: Kind = "failure"
_C: Kind = "could_not_verify"

# Defaults per prefix: (HTTP status, kind).
_BY_PREFIX: dict[str, tuple[int, Kind]] = {
    "codec": (400, _C),
    "key": (400, _C),
    "did": (400, _C),
    "loader": (400, _C),
    "jsonld": (400, _F),
    "canon": (400, _C),
    "proof": (400, _F),
    "selection": (400, _F),
    "jose": (400, _F),
    "sdjwt": (400, _F),
    "kb": (400, _F),
    "credential": (400, _F),
    "card": (400, _F),
    "status": (400, _F),
    "schema": (422, _F),
    "trust": (400, _F),
    "nonce": (400, _F),
    "holder": (400, _F),
    "verify": (400, _C),
    "request": (400, _C),
    "input": (400, _C),
    "storage": (503, _C),
    "config": (500, _C),
    "server": (500, _C),
    "board": (409, _F),
    "wallet": (400, _F),
    "oauth": (400, _F),
    "oid4vp": (400, _F),
}

# Codes that differ from their prefix's default.
_EXCEPTIONS: dict[str, tuple[int, Kind]] = {
    # Not a judgement on the credential: the input could not be read as one.
    "credential.malformed": (400, _C),
    "jsonld.invalid": (400, _C),
    "jsonld.too_large": (413, _C),
    "jose.malformed": (400, _C),
    "sdjwt.malformed": (400, _C),
    "proof.cryptosuite_unsupported": (400, _C),
    "key.file_invalid": (400, _C),
    "key.pkcs11_unavailable": (503, _C),
    "key.pkcs11_pin_incorrect": (500, _C),
    "did.invalid": (400, _F),
    "did.fragment_not_found": (400, _F),
    # Something outside could not be reached or answered: "could not verify", fail closed.
    "status.list_unreachable": (502, _C),
    "credential.related_resource_unverifiable": (400, _C),
    "status.list_timeout": (504, _C),
    "status.list_too_large": (502, _C),
    "status.url_not_allowed": (400, _C),
    "status.storage_failed": (503, _C),
    "status.credential_unknown": (404, _F),
    "status.type_unsupported": (400, _C),
    "status.list_full": (507, _C),
    "trust.resolution_failed": (502, _C),
    "trust.url_not_allowed": (400, _C),
    "trust.registry_invalid": (500, _C),
    "card.pcsc_unavailable": (503, _C),
    "card.no_reader": (503, _C),
    "card.no_card": (503, _C),
    "card.transport": (503, _C),
    "card.revocation_unavailable": (502, _C),
    "card.emulator_state": (500, _C),
    "card.pin_blocked": (403, _F),
    "card.pin_last_try": (403, _F),
    "card.facts_mismatch": (403, _F),
    "schema.catalogue_invalid": (500, _C),
    "schema.unknown_qualification": (404, _F),
    "schema.request_unknown": (404, _F),
    "input.too_large": (413, _C),
    "request.not_found": (404, _C),
    "request.method_not_allowed": (405, _C),
    "request.media_type": (415, _C),
    "request.unauthorized": (401, _C),
    "request.forbidden": (403, _C),
    "input.unwritable": (500, _C),
    "loader.pin_mismatch": (500, _C),
    "storage.url_invalid": (500, _C),
    "storage.migration_failed": (500, _C),
    "board.record_unknown": (404, _F),
    "wallet.store_missing": (404, _F),
    "wallet.credential_unknown": (404, _F),
    "wallet.store_busy": (409, _F),
    "board.event_invalid": (422, _F),
    "oauth.invalid_token": (401, _F),
    "oid4vp.transaction_unknown": (404, _F),
    "oid4vp.transaction_expired": (410, _F),
    "oid4vp.transaction_answered": (409, _F),
    "oid4vp.secret_invalid": (403, _F),
    "oid4vp.response_invalid": (400, _C),
    "oid4vp.decryption_failed": (400, _C),
    "oid4vp.client_id_prefix": (400, _C),
    "oid4vp.not_configured": (503, _C),
    "board.profile_invalid": (422, _F),
    "board.profile_unknown": (404, _F),
    "board.row_malformed": (422, _F),
    "board.form_unknown": (422, _F),
}


def problem_of(code: str) -> Problem:
    """The problem type of a registered code (``KeyError`` for an unregistered one)."""
    title = CODES[code]
    status, kind = _EXCEPTIONS.get(code) or _BY_PREFIX[code.split(".", 1)[0]]
    return Problem(code, status, title, kind)


def problem_document(error: ShikakuError, *, instance: str | None = None) -> dict[str, Any]:
    """An RFC 9457 problem details object for ``error`` (``application/problem+json``).

    ``detail`` is the error's own message; ``code`` and the error's non-secret details are
    extension members (§3.2).
    """
    problem = problem_of(error.code)
    document: dict[str, Any] = {
        "type": problem.type,
        "title": problem.title,
        "status": problem.status,
        "detail": error.message,
        "code": error.code,
        "kind": problem.kind,
    }
    if instance is not None:
        document["instance"] = instance
    for key, value in error.details.items():
        if key not in document and isinstance(value, str | int | float | bool | list | dict):
            document[key] = value
    return document
