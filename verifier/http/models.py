"""The verifier service's request and response bodies (pydantic at the HTTP edge only).

The shapes are VC-API's (W3C CCG, "Verifying" and "Challenges"). Options are closed: an
option shikaku does not know (a misspelt ``challange``, a ``checkStatus: false``) is
``request.invalid``, never silently ignored, so a caller cannot believe it asked for
something it did not get.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from verifier.policy import CheckName

__all__ = [
    "ChallengeRequest",
    "ChallengeResponse",
    "CheckWarning",
    "CredentialOptions",
    "PresentationOptions",
    "VerificationError",
    "VerifyCredentialRequest",
    "VerifyPresentationRequest",
    "VerifyResponse",
]

_CLOSED = ConfigDict(extra="forbid", strict=True, populate_by_name=False)
_CHECKS = ", ".join(CheckName)


class CredentialOptions(BaseModel):
    model_config = _CLOSED

    checks: list[str] | None = Field(
        default=None,
        max_length=2 * len(CheckName),
        description=f"Run only these checks (and format); the others are not requested. "
        f"Names: {_CHECKS}.",
    )


class PresentationOptions(CredentialOptions):
    challenge: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="The nonce from POST /challenges the presentation must be signed over.",
    )
    domain: str | None = Field(
        default=None,
        min_length=1,
        max_length=2048,
        description="The audience the presentation must name; the verifier's own by default.",
    )


class VerifyCredentialRequest(BaseModel):
    model_config = _CLOSED

    verifiable_credential: dict[str, Any] | str = Field(
        alias="verifiableCredential",
        description="A JSON-LD credential, a compact JOSE or SD-JWT credential, or an "
        "EnvelopedVerifiableCredential.",
    )
    options: CredentialOptions = Field(default_factory=CredentialOptions)


class VerifyPresentationRequest(BaseModel):
    model_config = _CLOSED

    verifiable_presentation: dict[str, Any] | str = Field(
        alias="verifiablePresentation",
        description="A JSON-LD presentation, a VP-JWT, an SD-JWT with its KB-JWT, or an "
        "EnvelopedVerifiablePresentation.",
    )
    options: PresentationOptions = Field(default_factory=PresentationOptions)


class ChallengeRequest(BaseModel):
    model_config = _CLOSED

    domain: str | None = Field(
        default=None,
        min_length=1,
        max_length=2048,
        description="The audience the challenge is for: the verifier's own or one it lists.",
    )


class ChallengeResponse(BaseModel):
    challenge: str = Field(description="Sign the presentation over this nonce; it works once.")
    domain: str = Field(description="The audience the presentation must name.")
    expires: str = Field(description="When the challenge stops being accepted (RFC 3339).")


class CheckWarning(BaseModel):
    check: str
    outcome: str
    message: str


class VerificationError(BaseModel):
    """A failed check as a problem detail (RFC 9457 members, and the check's name)."""

    model_config = ConfigDict(extra="allow")

    type: str | None = None
    title: str | None = None
    detail: str
    code: str | None = None
    kind: str | None = None
    check: str


class VerifyResponse(BaseModel):
    verified: bool = Field(description="True exactly when every required check passed.")
    checks: list[str] = Field(description="The checks that passed.")
    warnings: list[CheckWarning] = Field(description="Checks the request did not ask for.")
    errors: list[VerificationError] = Field(description="The checks that failed, and why.")
    result: dict[str, Any] = Field(
        description="shikaku's whole report: every check, the "
        "issuer and qualification as the trust registry names them, the disclosed subject, "
        "validity and status."
    )
