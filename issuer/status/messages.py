"""The reason codes of the ``message`` status list, as DOMAIN.md (Lifecycle → status) lists them.

The government's own checking page shows why a qualification is invalid; the optional third
list (``statusPurpose: "message"``, ``statusSize`` 4) carries the same reason for employers.
W3C Bitstring Status List v1.0 §2.1 (``statusMessage``) requires 2**statusSize messages, so
codes 8 to 15 are published as ``"undefined"`` (reserved, as the spec allows).
"""

from __future__ import annotations

from enum import IntEnum

from vc_core.errors import StatusError
from vc_core.status import StatusMessage

__all__ = [
    "MESSAGE_STATUS_SIZE",
    "REVOCATION_CODES",
    "SUSPENSION_CODES",
    "ReasonCode",
    "check_code",
    "status_messages",
]

MESSAGE_STATUS_SIZE = 4


class ReasonCode(IntEnum):
    """Why a credential is not valid (0 means it is)."""

    VALID = 0
    SUSPENDED = 1  # 業務停止 (also 医業停止, 業務禁止)
    NAME_USE_SUSPENDED = 2  # 名称使用停止
    REVOKED = 3  # 免許取消 / 登録取消 / 失格処分
    DECEASED = 4  # 死亡
    ERASED_ON_APPLICATION = 5  # 申請による抹消
    SUPERSEDED = 6  # 再発行により無効
    EXPIRED = 7  # 有効期間満了


_MESSAGES = {
    ReasonCode.VALID: "valid (有効)",
    ReasonCode.SUSPENDED: "suspended: 業務停止",
    ReasonCode.NAME_USE_SUSPENDED: "suspended: 名称使用停止",
    ReasonCode.REVOKED: "revoked: 免許取消/登録取消",
    ReasonCode.DECEASED: "revoked: 死亡",
    ReasonCode.ERASED_ON_APPLICATION: "revoked: 申請による抹消",
    ReasonCode.SUPERSEDED: "revoked: 再発行により無効",
    ReasonCode.EXPIRED: "revoked: 有効期間満了",
}

#: Codes a suspension may carry, and codes a revocation may carry.
SUSPENSION_CODES = frozenset({ReasonCode.SUSPENDED, ReasonCode.NAME_USE_SUSPENDED})
REVOCATION_CODES = frozenset(
    {
        ReasonCode.REVOKED,
        ReasonCode.DECEASED,
        ReasonCode.ERASED_ON_APPLICATION,
        ReasonCode.SUPERSEDED,
        ReasonCode.EXPIRED,
    }
)


def status_messages() -> tuple[StatusMessage, ...]:
    """The 16 ``statusMessage`` items a message-list entry commits to."""
    by_code = {int(code): message for code, message in _MESSAGES.items()}
    return tuple(
        StatusMessage(code, by_code.get(code, "undefined"))
        for code in range(2**MESSAGE_STATUS_SIZE)
    )


def check_code(code: int, allowed: frozenset[ReasonCode]) -> ReasonCode:
    """``code`` as a :class:`ReasonCode` if it is one of ``allowed``."""
    try:
        reason = ReasonCode(code)
    except ValueError as exc:
        raise StatusError("status.message_code_unknown", f"no reason code {code}") from exc
    if reason not in allowed:
        names = ", ".join(str(int(c)) for c in sorted(allowed))
        raise StatusError("status.message_code_unknown", f"code {code} is not one of {names}")
    return reason
