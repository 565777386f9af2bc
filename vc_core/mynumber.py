"""Recognising a My Number (個人番号), so that no code path ever puts one where it must not go.

A My Number is 12 digits whose last digit is a check digit (行政手続における特定の個人を
識別するための番号の利用等に関する法律施行令 第8条): with the first eleven digits read from
the right as P1 … P11 and weights Q(n) = n + 1 for n ≤ 6 and n − 5 otherwise, the
check digit is 0 when Σ Pn·Qn mod 11 ≤ 1, else 11 − (Σ mod 11).

shikaku never stores, emits or reads a real one: the credential guard refuses
values that look like one, and the card emulator's test PKI makes test ones.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

__all__ = ["is_my_number", "my_number_check_digit"]

# Spaces, hyphens and dots people type between digit groups (after NFKC).
_SEPARATORS: Final = re.compile(r"[\s\-‐‑‒–—―.－ー]")


def my_number_check_digit(first_eleven: str) -> int:
    """The check digit for the first 11 digits of a My Number."""
    if len(first_eleven) != 11 or not first_eleven.isascii() or not first_eleven.isdigit():
        raise ValueError("a My Number check digit needs exactly 11 ASCII digits")
    digits = [int(c) for c in reversed(first_eleven)]
    total = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(digits, start=1))
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_my_number(value: str | int) -> bool:
    """Whether ``value`` is 12 digits (separators and full-width digits allowed) that check."""
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(value)))
    if len(text) != 12 or not text.isascii() or not text.isdigit():
        return False
    return my_number_check_digit(text[:11]) == int(text[11])
