"""The board's request and response bodies (pydantic at the HTTP edge only).

The shapes are VC-API's (W3C CCG VC-API, "Issuing" and "Updating Status"). Options are
closed: an option shikaku does not know is ``request.invalid``, never silently ignored.
"""

from __future__ import annotations

from typing import Any, Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "IssueOptions",
    "IssueRequest",
    "IssueResponse",
    "OfferRequest",
    "StatusEntryUpdate",
    "StatusUpdateRequest",
    "StatusUpdateResponse",
]

_CLOSED = ConfigDict(extra="forbid", strict=True, populate_by_name=False)


class StatusOption(BaseModel):
    model_config = _CLOSED

    type: Literal["BitstringStatusListEntry"] = Field(
        description="The status mechanism the credential gets (the board's only one)."
    )


class IssueOptions(BaseModel):
    model_config = _CLOSED

    mandatory_pointers: list[str] | None = Field(
        default=None,
        alias="mandatoryPointers",
        max_length=256,
        description="ecdsa-sd-2023: JSON Pointers (RFC 6901) the holder can never withhold.",
    )
    credential_id: str | None = Field(
        default=None,
        alias="credentialId",
        min_length=1,
        max_length=200,
        description="The credential's id, when the credential carries none.",
    )
    credential_status: StatusOption | None = Field(
        default=None,
        alias="credentialStatus",
        description="The status entry type wanted; the board adds its entries itself.",
    )


class IssueRequest(BaseModel):
    model_config = _CLOSED

    credential: dict[str, Any] = Field(
        description="The unsecured credential (VC 2.0, or VC 1.1); its credentialSubject is "
        "kept exactly as given."
    )
    options: IssueOptions = Field(default_factory=IssueOptions)


class IssueResponse(BaseModel):
    verifiable_credential: dict[str, Any] | str = Field(
        alias="verifiableCredential", description="The secured credential."
    )


#: VC-API's named statuses: the purpose each one acts on, and whether it sets the entry.
NAMED_STATUSES: Final = {
    "revoked": ("revocation", True),
    "suspended": ("suspension", True),
    "unsuspended": ("suspension", False),
    "active": ("suspension", False),
}


class StatusEntryUpdate(BaseModel):
    """One entry to change: by ``statusPurpose`` with ``status`` true (set) or false (clear
    a suspension), or by a named ``status`` alone (``revoked``, ``suspended``,
    ``unsuspended``/``active``)."""

    model_config = _CLOSED

    type: Literal["BitstringStatusListEntry"]
    status_purpose: Literal["revocation", "suspension"] | None = Field(
        default=None, alias="statusPurpose"
    )
    status: bool | Literal["revoked", "suspended", "unsuspended", "active"] = Field(
        default=True,
        description="true sets the entry (revoke, suspend), false clears a suspension; or a "
        "named status: revoked, suspended, unsuspended (active).",
    )
    reason: str | None = Field(default=None, min_length=1, max_length=500)
    legal_basis: str | None = Field(default=None, alias="legalBasis", min_length=1, max_length=500)

    @model_validator(mode="after")
    def _one_meaning(self) -> Self:
        if isinstance(self.status, str):
            purpose, _set = NAMED_STATUSES[self.status]
            if self.status_purpose not in (None, purpose):
                raise ValueError(f"status {self.status!r} does not act on {self.status_purpose}")
        elif self.status_purpose is None:
            raise ValueError("statusPurpose is required with a true/false status")
        return self

    def action(self) -> tuple[str, bool]:
        """The purpose acted on, and whether the entry is set (True) or cleared."""
        if isinstance(self.status, str):
            return NAMED_STATUSES[self.status]
        assert self.status_purpose is not None  # _one_meaning made sure.
        return self.status_purpose, self.status


class StatusUpdateRequest(BaseModel):
    model_config = _CLOSED

    credential_id: str = Field(alias="credentialId", min_length=1, max_length=200)
    credential_status: StatusEntryUpdate | list[StatusEntryUpdate] = Field(
        alias="credentialStatus", description="The entries to change, by purpose."
    )


class StatusUpdateResponse(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    credential_id: str = Field(alias="credentialId")
    changed: list[dict[str, Any]] = Field(
        description="Each entry whose value changed: its list, index, purpose and new value."
    )


class OfferRequest(BaseModel):
    """``POST /admin/offers``: an OpenID4VCI credential offer for one register subject."""

    model_config = _CLOSED

    subject_id: str = Field(
        min_length=1, max_length=200, description="The register subject, e.g. kangoshi:1234567."
    )
    configuration_ids: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=8,
        description="Credential configurations of the subject's qualification; default: its "
        "SD-JWT VC only ({qualification}_dc_sd_jwt).",
    )
    tx_code: bool = Field(
        default=True,
        description="Protect the offer with a numeric transaction code, sent to the holder "
        "on another channel.",
    )
