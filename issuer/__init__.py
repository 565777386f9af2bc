"""The qualification board's side of shikaku: issuing, status registry and publishing.

Entry points: :class:`Issuer` (``issuer.service``) — a credential or a register record in,
status indexes allocated, secured in the chosen form out — and :func:`secure`
(``issuer.securing``), the one place every form is secured.

May import ``vc_core``, ``vc_schemas``, ``jpki_bridge`` and ``service_kit``; never
``holder``, ``verifier`` or ``cli`` (ARCHITECTURE.md, Packages).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["Issued", "Issuer", "secure"]

_WHERE = {"Issued": "issuer.service", "Issuer": "issuer.service", "secure": "issuer.securing"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'issuer' has no attribute {name!r}")
