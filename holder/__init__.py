"""The holder's side of shikaku: the wallet — choosing disclosures, presenting credentials.

Entry point: :class:`Wallet` (``holder.wallet``): derive an ``ecdsa-sd-2023`` disclosure,
present an SD-JWT with a KB-JWT, or put W3C credentials in a presentation signed by the
wallet key or on the My Number Card.

The holder's credentials are kept in an encrypted file (:class:`holder.store.WalletStore`); a
credential file as received is read, and its issuer's signature checked offline where it can
be, by :func:`holder.receive.examine` (``shikaku wallet add``).

May import ``vc_core``, ``vc_schemas`` and ``jpki_bridge``; never ``issuer``, ``verifier`` or
``cli`` (ARCHITECTURE.md, Packages).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["Derived", "Wallet"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(import_module("holder.wallet"), name)
    raise AttributeError(f"module 'holder' has no attribute {name!r}")
