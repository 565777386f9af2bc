"""A bilingual label: every name shikaku shows an employer exists in Japanese and English."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Language", "Text"]

Language = Literal["ja", "en"]


@dataclass(frozen=True)
class Text:
    """A Japanese text and its English counterpart."""

    ja: str
    en: str

    def get(self, lang: Language) -> str:
        return self.ja if lang == "ja" else self.en

    def both(self, lang: Language) -> str:
        """``lang``'s text first, then the other: ``看護師 / Registered nurse``."""
        return f"{self.get(lang)} / {self.get('en' if lang == 'ja' else 'ja')}"
