"""The ``status`` check: every status entry looked at, summarised for people.

A W3C credential's ``BitstringStatusListEntry`` items (W3C Bitstring Status List §3.2) and an
SD-JWT's Referenced Token ``status`` claim (draft-ietf-oauth-status-list §8.3) are checked by
:class:`verifier.status.check.StatusChecker` against fetched, verified, cached lists. Here they
become one ``status`` check and a :class:`~verifier.result.StatusSummary`.

Fail closed: a credential that carries no status entry cannot be shown not to be revoked, so
a policy that requires the status check refuses it (``status.entry_missing``); an entry of a
type shikaku cannot read is ``status.type_unsupported``; no status checker configured is
``verify.check_unavailable``; a list that cannot be fetched is ``status.list_unreachable`` —
each "could not verify" or a failure, never "valid".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from vc_core.errors import ShikakuError, StatusError
from vc_core.keys import AnyPublicKey
from vc_core.status import status_entries
from vc_core.verdict import Check
from verifier.checks.assemble import Checks
from verifier.policy import CheckName, VerifierPolicy
from verifier.result import StatusState, StatusSummary

__all__ = ["SUSPENSION_MEMBER", "check_di_status", "check_token_status"]

#: The ``status`` member by which shikaku's SD-JWT credentials name their suspension entry
#: (issuer.jose_forms.SUSPENSION_MEMBER; the roles do not import each other).
SUSPENSION_MEMBER: Final = "shikaku_suspension_list"


def check_di_status(
    checks: Checks, policy: VerifierPolicy, credential: Mapping[str, Any]
) -> StatusSummary | None:
    if not checks.wants(CheckName.STATUS):
        return None
    declared = credential.get("credentialStatus")
    if declared is None or declared == []:
        return _missing(checks)
    try:
        entries = status_entries(credential)
    except ShikakuError as exc:  # A malformed entry (credential.status_invalid).
        checks.failed(CheckName.STATUS, exc)
        return None
    if not entries:
        checks.failed(
            CheckName.STATUS,
            StatusError("status.type_unsupported", "no BitstringStatusListEntry to check"),
        )
        return StatusSummary("unknown")
    if policy.status is None:
        return None  # Required and not run: assembled as verify.check_unavailable.
    found = policy.status.check(credential)
    for check in found:
        checks.add(CheckName.STATUS, check)
    return _summary(found, policy)


def check_token_status(
    checks: Checks,
    policy: VerifierPolicy,
    claims: Mapping[str, Any],
    *,
    key: AnyPublicKey | None,
    issuer: str | None,
) -> StatusSummary | None:
    if not checks.wants(CheckName.STATUS):
        return None
    if "status" not in claims:
        return _missing(checks)
    if policy.status is None:
        return None  # Required and not run: assembled as verify.check_unavailable.
    if key is None:
        # The issuer's key was not established (the binding check says why, as a failure):
        # a token list cannot be trusted without it, and the credential is refused already.
        checks.not_applicable(CheckName.STATUS, "no issuer key to check the status list with")
        return None
    found = [policy.status.check_token(claims, key=key, issuer=issuer)]
    status = claims.get("status")
    suspension = status.get(SUSPENSION_MEMBER) if isinstance(status, Mapping) else None
    if suspension is not None:
        # shikaku's tokens also name their suspension entry (issuer.jose_forms): the same
        # check against the suspension list's token form, where a set entry reads SUSPENDED.
        found.append(
            policy.status.check_token(
                {"status": {"status_list": suspension}}, key=key, issuer=issuer
            )
        )
    for check in found:
        checks.add(CheckName.STATUS, check)
    return _summary(found, policy)


def _missing(checks: Checks) -> StatusSummary | None:
    if CheckName.STATUS in checks.required:
        checks.failed(CheckName.STATUS, StatusError("status.entry_missing"))
        return StatusSummary("unknown")
    checks.not_applicable(CheckName.STATUS, "the credential has no status entry")
    return None


def _summary(found: Sequence[Check], policy: VerifierPolicy) -> StatusSummary:
    """Valid, revoked or suspended — with the disposition's reason and dates when the issuer
    published them beside its suspension list (:mod:`verifier.status.dispositions`)."""
    checked_at = policy.clock().isoformat().replace("+00:00", "Z")
    codes = {c.code for c in found if c.ok is False}
    suspension = next((c for c in found if c.code == "status.suspended"), None)
    disposition = suspension.details if suspension is not None else {}
    reason = disposition.get("reason") or next(
        (c.details["message"] for c in found if c.details.get("message")), None
    )
    state: StatusState = "unknown"
    if "status.revoked" in codes:
        state = "revoked"
    elif suspension is not None:
        state = "suspended"
    elif not codes and all(c.ok for c in found):
        state = "valid"
    return StatusSummary(
        state,
        reason=str(reason) if reason is not None else None,
        since=_text(disposition.get("from")),
        until=_text(disposition.get("until")),
        legal_basis=_text(disposition.get("legalBasis")),
        checked_at=checked_at,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
