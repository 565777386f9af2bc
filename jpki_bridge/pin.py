"""PINs of the My Number Card, held so that they never leak (JPKI.md, "PINs").

A :class:`Pin` wraps the secret; its ``repr`` and ``str`` hide it, it cannot be
pickled, and it compares only by identity, so a PIN never reaches a log line,
an error message, a traceback or a test report by accident. The one way to get
the bytes out is :meth:`Pin.apdu_bytes`, called only when the VERIFY APDU is
built.

:class:`PinKind` records the three card PINs the toolkit knows: the
user-authentication PIN (4 digits, 3 tries), the signing password (6–16 of
``A–Z0–9``, 5 tries) and the Kenhojo (券面事項入力補助) PIN (4 digits, 3 tries).
A PIN of the wrong form is refused *before* any APDU is sent, so a typo in the
form never spends a try.
"""

from __future__ import annotations

import enum
import re
from typing import Any, NoReturn

from vc_core.errors import CardError

__all__ = ["Pin", "PinKind"]


class PinKind(enum.Enum):
    """A card PIN: which EF holds it, its form and its number of tries (JPKI.md)."""

    AUTH = "auth"
    SIGN = "sign"
    KENHOJO = "kenhojo"

    @property
    def max_tries(self) -> int:
        """How many consecutive wrong tries block this PIN."""
        return 5 if self is PinKind.SIGN else 3

    @property
    def label(self) -> str:
        """A bilingual name for prompts and messages."""
        return {
            PinKind.AUTH: "利用者証明用暗証番号 (user-authentication PIN, 4 digits)",
            PinKind.SIGN: "署名用パスワード (signing password, 6-16 of A-Z 0-9)",
            PinKind.KENHOJO: "券面事項入力補助用暗証番号 (card-info PIN, 4 digits)",
        }[self]

    def accepts(self, text: str) -> bool:
        """Whether ``text`` has the form this PIN needs."""
        pattern = r"[A-Z0-9]{6,16}" if self is PinKind.SIGN else r"[0-9]{4}"
        return re.fullmatch(pattern, text) is not None


class Pin:
    """A card PIN whose value never shows in reprs, messages or pickles.

    The form is checked at construction (``card.pin_format``), so a malformed
    PIN never reaches the card and never costs a try.
    """

    __slots__ = ("_kind", "_value")

    def __init__(self, kind: PinKind, value: str) -> None:
        if not isinstance(value, str) or not kind.accepts(value):
            # The message names the form, never the value that was given.
            raise CardError("card.pin_format", f"{kind.label}: wrong form", pin=kind.value)
        self._kind = kind
        self._value = value

    @property
    def kind(self) -> PinKind:
        """Which card PIN this is."""
        return self._kind

    def apdu_bytes(self) -> bytes:
        """The PIN as the VERIFY APDU carries it: its ASCII bytes."""
        return self._value.encode("ascii")

    def __repr__(self) -> str:
        return f"Pin({self._kind.value}, <hidden>)"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Pin cannot be pickled")

    def __eq__(self, other: Any) -> bool:
        return other is self

    def __hash__(self) -> int:
        return id(self)
