"""The register profiles and the sample register shikaku ships (data files, no code).

- ``kangoshi.toml``: the 看護師籍 export as a board's system writes it — Japanese column
  names, ``YYYY/MM/DD`` dates, 男/女, prefecture names for 本籍地 (see
  :class:`issuer.register.RegisterProfile`).
- ``kangoshi-sample.csv``: twenty fictitious 看護師 rows in that layout, two of them wrong
  on purpose (a hiragana reading; a registration before birth and a licence number with
  letters), for the tests and ``make demo``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Final

__all__ = ["SAMPLE_REGISTER", "fictitious_rows", "folder"]

folder: Final = Path(__file__).resolve().parent
#: The sample 看護師 register export (CSV, profile ``kangoshi``).
SAMPLE_REGISTER: Final = folder / "kangoshi-sample.csv"


_FAMILY: Final = ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤")
_FAMILY_KANA: Final = (
    "サトウ", "スズキ", "タカハシ", "タナカ", "イトウ", "ワタナベ", "ヤマモト", "ナカムラ",
    "コバヤシ", "カトウ",
)  # fmt: skip
_GIVEN: Final = ("花子", "一郎", "美咲", "健", "さくら", "裕子", "大輔", "葵", "誠", "恵")
_GIVEN_KANA: Final = (
    "ハナコ", "イチロウ", "ミサキ", "ケン", "サクラ", "ユウコ", "ダイスケ", "アオイ", "マコト",
    "メグミ",
)  # fmt: skip


def fictitious_rows(count: int, *, start: int = 1) -> Iterator[dict[str, str]]:
    """``count`` fictitious 看護師 rows in the ``kangoshi`` profile's layout, made one at a
    time (a generator: a register of any size in constant memory), numbered from
    ``start``. Every row is valid; the same ``start`` and ``count`` give the same rows."""
    for n in range(start, start + count):
        year = 1960 + n % 40
        yield {
            "登録番号": str(n),
            "登録年月日": f"{year + 23}/{1 + n % 12:02d}/{1 + n % 28:02d}",
            "氏名（姓）": _FAMILY[n % 10],
            "氏名（名）": _GIVEN[(n // 10) % 10],
            "フリガナ（姓）": _FAMILY_KANA[n % 10],
            "フリガナ（名）": _GIVEN_KANA[(n // 10) % 10],
            "生年月日": f"{year}/{1 + n % 12:02d}/{1 + n % 28:02d}",
            "性別": "女" if n % 3 else "男",
            "本籍地都道府県": f"{1 + n % 47:02d}",
            "試験合格年月": f"{year + 23}/{1 + (n % 12) // 4:02d}",
        }
