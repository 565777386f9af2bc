"""The lifecycle orders as request bodies (pydantic), for a route or a queue to accept.

One model per order of :class:`issuer.lifecycle.Lifecycle`; :func:`carry_out` runs a checked
body. The models check shapes (required fields, lengths, the order id's characters, dates);
the board checks what only it can know (the subject exists, the order agrees with the
register) and answers with ``board.*`` codes. Bodies refuse unknown members, so a misspelt
field is an error rather than a silently ignored one. The ``actor`` is the person or system
the board authenticated, set by the route, never taken from the body.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, TypedDict

from pydantic import BaseModel, ConfigDict, Field

from issuer.jose_forms import HolderBinding
from issuer.lifecycle import HOLDER_REQUEST_BASIS, Lifecycle, OrderOutcome

__all__ = [
    "DeathOrder",
    "Order",
    "ReinstateOrder",
    "RelicenseOrder",
    "RenameOrder",
    "RenewBindingOrder",
    "ReplaceInstanceOrder",
    "RevokeOrder",
    "StayOrder",
    "SuspendOrder",
    "carry_out",
]

OrderId = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$", description="the board's reference")
]
SubjectId = Annotated[str, Field(min_length=3, max_length=160, description="e.g. kangoshi:1234567")]
LegalBasis = Annotated[str, Field(min_length=1, max_length=500, description="the article")]
Jwk = Annotated[dict[str, str], Field(max_length=16, description="a public JWK")]


class Cause(TypedDict):
    legal_basis: str
    actor: str
    order_id: str


class _Order(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    order_id: OrderId
    legal_basis: LegalBasis

    def cause(self, actor: str) -> Cause:
        return {"legal_basis": self.legal_basis, "actor": actor, "order_id": self.order_id}

    def apply(self, lifecycle: Lifecycle, actor: str) -> OrderOutcome:
        """Carry the order out on ``lifecycle``'s board as ``actor``."""
        raise NotImplementedError


class SuspendOrder(_Order):
    """業務停止 / 医業停止 / 業務禁止 (code 1) or 名称使用停止 (code 2), from its first day
    until the day the licence is valid again (none: until reinstated)."""

    kind: Literal["suspend"] = "suspend"
    subject_id: SubjectId
    starts: date
    ends: date | None = None
    code: Literal[1, 2] = 1

    def apply(self, lifecycle: Lifecycle, actor: str) -> OrderOutcome:
        return lifecycle.suspend(
            self.subject_id,
            starts=self.starts,
            ends=self.ends,
            code=self.code,
            **self.cause(actor),
        )


class ReinstateOrder(_Order):
    kind: Literal["reinstate"] = "reinstate"
    subject_id: SubjectId

    def apply(self, lifecycle: Lifecycle, actor: str) -> OrderOutcome:
        return lifecycle.reinstate(self.subject_id, **self.cause(actor))


class StayOrder(_Order):
    """A court's stay (執行停止) of an earlier suspension or revocation order."""

    kind: Literal["stay"] = "stay"
    subject_id: SubjectId
    stayed_order_id: OrderId

    def apply(self, lifecycle: Lifecycle, actor: str) -> OrderOutcome:
        return lifecycle.stay(
            self.subject_id, stayed_order_id=self.stayed_order_id, **self.cause(actor)
        )


class RevokeOrder(_Order):
    """免許取消 / 登録取消 / 失格処分 (code 3) or 申請による抹消 (code 5)."""

    kind: Literal["revoke"] = "revoke"
    subject_id: SubjectId
    code: Literal[3, 5] = 3

    def apply(self, lifecycle: Lifecycle, actor: str) -> OrderOutcome:
        return lifecycle.revoke(self.subject_id, code=self.code, **self.cause(actor))


class DeathOrder(_Order):
    kind: Literal["death"] = "death"
    subject_id: SubjectId

    def apply(self, lifecycle: Lifecycle, actor: str) -> OrderOutcome:
        return lifecycle.record_death(self.subject_id, **self.cause(actor))


class RenameOrder(_Order):
    """籍訂正: new values of some of :data:`issuer.lifecycle.RENAMEABLE`."""

    kind: Literal["rename"] = "rename"
    subject_id: SubjectId
    changes: Annotated[dict[str, str], Field(min_length=1, max_length=8)]

    def apply(self, lifecycle: Lifecycle, actor: str) -> OrderOutcome:
        return lifecycle.rename(self.subject_id, self.changes, **self.cause(actor))


class RelicenseOrder(_Order):
    kind: Literal["relicense"] = "relicense"
    subject_id: SubjectId
    forms: Annotated[tuple[str, ...], Field(max_length=6)] = ()

    def apply(self, lifecycle: Lifecycle, actor: str) -> OrderOutcome:
        return lifecycle.relicense(self.subject_id, forms=self.forms, **self.cause(actor))


class RenewBindingOrder(_Order):
    """The holder's JPKI certificate renewed: the newly enrolled key (card mode: with the
    certificate's ``x5t#S256``)."""

    kind: Literal["renew_binding"] = "renew_binding"
    subject_id: SubjectId
    mode: Literal["card", "wallet"]
    jwk: Jwk
    x5t_s256: Annotated[str | None, Field(max_length=64)] = None
    legal_basis: LegalBasis = HOLDER_REQUEST_BASIS

    def apply(self, lifecycle: Lifecycle, actor: str) -> OrderOutcome:
        binding = HolderBinding(dict(self.jwk), self.x5t_s256)
        return lifecycle.renew_binding(self.subject_id, binding, self.mode, **self.cause(actor))


class ReplaceInstanceOrder(_Order):
    """A new device, a lost one, a re-download: the new key, or none to keep the old one."""

    kind: Literal["replace"] = "replace"
    credential_id: Annotated[str, Field(min_length=1, max_length=200)]
    jwk: Jwk | None = None
    legal_basis: LegalBasis = HOLDER_REQUEST_BASIS

    def apply(self, lifecycle: Lifecycle, actor: str) -> OrderOutcome:
        binding = None if self.jwk is None else HolderBinding(dict(self.jwk))
        return lifecycle.replace_instance(self.credential_id, binding=binding, **self.cause(actor))


Order = Annotated[
    SuspendOrder
    | ReinstateOrder
    | StayOrder
    | RevokeOrder
    | DeathOrder
    | RenameOrder
    | RelicenseOrder
    | RenewBindingOrder
    | ReplaceInstanceOrder,
    Field(discriminator="kind"),
]


def carry_out(lifecycle: Lifecycle, order: Order, *, actor: str) -> OrderOutcome:
    """Run a checked order body on the board, as ``actor``."""
    return order.apply(lifecycle, actor)
