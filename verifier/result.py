"""The one result of verifying anything: form, verdict, what was disclosed, who issued it.

:class:`VerificationResult` is what :func:`verifier.pipeline.verify` returns for every form.
``verdict`` lists every check in :class:`~verifier.policy.CheckName` order and its outcome is
derived from them (:class:`vc_core.verdict.Verdict`); everything else is read off the input
and the checks, for people: the issuer *as the trust registry names it* (厚生労働大臣 for
看護師), the qualification from the catalogue, the disclosed subject, the validity period and
the status. ``to_json`` is the report the CLI renders and the HTTP apps return; it never holds
a field the holder did not disclose.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from vc_core.formats import Format
from vc_core.verdict import Verdict

__all__ = [
    "IssuerInfo",
    "QualificationInfo",
    "StatusState",
    "StatusSummary",
    "VerificationResult",
    "presentation_result",
]

StatusState = Literal["valid", "revoked", "suspended", "unknown"]


@dataclass(frozen=True)
class IssuerInfo:
    id: str
    name_ja: str | None = None
    name_en: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id}
        if self.name_ja or self.name_en:
            out["name"] = {"ja": self.name_ja, "en": self.name_en}
        return out


@dataclass(frozen=True)
class QualificationInfo:
    id: str
    name_ja: str
    name_en: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": {"ja": self.name_ja, "en": self.name_en}}


@dataclass(frozen=True)
class StatusSummary:
    """What the status lists said, for people: valid, revoked or suspended, and why."""

    state: StatusState
    reason: str | None = None
    since: str | None = None
    until: str | None = None
    legal_basis: str | None = None
    checked_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"state": self.state}
        for key, value in (
            ("reason", self.reason),
            ("from", self.since),
            ("until", self.until),
            ("legalBasis", self.legal_basis),
            ("checkedAt", self.checked_at),
        ):
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True)
class VerificationResult:
    format: Format | None
    verdict: Verdict
    credential: Mapping[str, Any] | None = None
    """The credential as verified: the disclosed claims for SD-JWT, the derived credential
    for ecdsa-sd-2023. Present only when the verdict is ``verified``."""
    subject: Mapping[str, Any] = field(default_factory=dict)
    issuer: IssuerInfo | None = None
    qualification: QualificationInfo | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    status: StatusSummary | None = None
    holder: str | None = None
    credentials: tuple[VerificationResult, ...] = ()
    """For a presentation: each credential it carried, verified on its own."""

    @property
    def verified(self) -> bool:
        return self.verdict.verified

    @property
    def outcome(self) -> str:
        return self.verdict.outcome

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "verified": self.verified,
            "outcome": self.outcome,
            "format": str(self.format) if self.format is not None else None,
            "checks": [c.to_json() for c in self.verdict.checks],
        }
        if self.issuer is not None:
            out["issuer"] = self.issuer.to_json()
        if self.qualification is not None:
            out["qualification"] = self.qualification.to_json()
        if self.subject:
            out["subject"] = dict(self.subject)
        if self.valid_from is not None:
            out["validFrom"] = self.valid_from
        if self.valid_until is not None:
            out["validUntil"] = self.valid_until
        if self.status is not None:
            out["status"] = self.status.to_json()
        if self.holder is not None:
            out["holder"] = self.holder
        if self.credential is not None:
            out["credential"] = dict(self.credential)
        if self.credentials:
            out["credentials"] = [c.to_json() for c in self.credentials]
        return out


def presentation_result(
    form: Format,
    verdict: Verdict,
    carried: tuple[VerificationResult, ...],
    holder: str | None,
) -> VerificationResult:
    """A presentation's result: its own verdict, described by the first credential it carried
    (a presentation that carried none describes only its holder)."""
    if not carried:
        return VerificationResult(form, verdict, holder=holder)
    first = carried[0]
    return VerificationResult(
        form,
        verdict,
        credential=first.credential if verdict.verified else None,
        subject=first.subject,
        issuer=first.issuer,
        qualification=first.qualification,
        valid_from=first.valid_from,
        valid_until=first.valid_until,
        status=first.status,
        holder=holder,
        credentials=carried,
    )
