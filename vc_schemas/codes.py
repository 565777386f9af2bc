"""Japanese code lists used by register records: JIS X 0401 prefectures and ISO/IEC 5218 sex.

* JIS X 0401 (都道府県コード) numbers the 47 prefectures 01 (北海道) to 47 (沖縄県) in the
  traditional north-to-south order. Registers record 本籍地都道府県名 (the prefecture of the
  family register), and prefectural licensing authorities (都道府県知事, 都道府県労働局長 …)
  are named after their prefecture; both are carried as the two-digit code.
* ISO/IEC 5218 codes sex as ``0`` not known, ``1`` male, ``2`` female, ``9`` not applicable.
  Only some registers record sex (医籍, 保健師籍, 看護師籍 …); see the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from vc_schemas.text import Text

__all__ = ["PREFECTURES", "SEX_CODES", "Prefecture"]


@dataclass(frozen=True)
class Prefecture:
    """One JIS X 0401 prefecture: its code, full and short Japanese names, and English name."""

    code: str
    ja: str
    ja_short: str
    en: str

    @property
    def name(self) -> Text:
        return Text(ja=self.ja, en=self.en)


def _prefectures() -> dict[str, Prefecture]:
    rows = [
        ("北海道", "北海道", "Hokkaido"),
        ("青森県", "青森", "Aomori"),
        ("岩手県", "岩手", "Iwate"),
        ("宮城県", "宮城", "Miyagi"),
        ("秋田県", "秋田", "Akita"),
        ("山形県", "山形", "Yamagata"),
        ("福島県", "福島", "Fukushima"),
        ("茨城県", "茨城", "Ibaraki"),
        ("栃木県", "栃木", "Tochigi"),
        ("群馬県", "群馬", "Gunma"),
        ("埼玉県", "埼玉", "Saitama"),
        ("千葉県", "千葉", "Chiba"),
        ("東京都", "東京", "Tokyo"),
        ("神奈川県", "神奈川", "Kanagawa"),
        ("新潟県", "新潟", "Niigata"),
        ("富山県", "富山", "Toyama"),
        ("石川県", "石川", "Ishikawa"),
        ("福井県", "福井", "Fukui"),
        ("山梨県", "山梨", "Yamanashi"),
        ("長野県", "長野", "Nagano"),
        ("岐阜県", "岐阜", "Gifu"),
        ("静岡県", "静岡", "Shizuoka"),
        ("愛知県", "愛知", "Aichi"),
        ("三重県", "三重", "Mie"),
        ("滋賀県", "滋賀", "Shiga"),
        ("京都府", "京都", "Kyoto"),
        ("大阪府", "大阪", "Osaka"),
        ("兵庫県", "兵庫", "Hyogo"),
        ("奈良県", "奈良", "Nara"),
        ("和歌山県", "和歌山", "Wakayama"),
        ("鳥取県", "鳥取", "Tottori"),
        ("島根県", "島根", "Shimane"),
        ("岡山県", "岡山", "Okayama"),
        ("広島県", "広島", "Hiroshima"),
        ("山口県", "山口", "Yamaguchi"),
        ("徳島県", "徳島", "Tokushima"),
        ("香川県", "香川", "Kagawa"),
        ("愛媛県", "愛媛", "Ehime"),
        ("高知県", "高知", "Kochi"),
        ("福岡県", "福岡", "Fukuoka"),
        ("佐賀県", "佐賀", "Saga"),
        ("長崎県", "長崎", "Nagasaki"),
        ("熊本県", "熊本", "Kumamoto"),
        ("大分県", "大分", "Oita"),
        ("宮崎県", "宮崎", "Miyazaki"),
        ("鹿児島県", "鹿児島", "Kagoshima"),
        ("沖縄県", "沖縄", "Okinawa"),
    ]
    return {
        f"{number:02d}": Prefecture(f"{number:02d}", ja, short, en)
        for number, (ja, short, en) in enumerate(rows, start=1)
    }


#: JIS X 0401 code → prefecture, "01" … "47".
PREFECTURES: Final = MappingProxyType(_prefectures())

#: ISO/IEC 5218 sex codes with their Japanese and English labels.
SEX_CODES: Final = MappingProxyType(
    {
        "0": Text(ja="不明", en="Not known"),
        "1": Text(ja="男", en="Male"),
        "2": Text(ja="女", en="Female"),
        "9": Text(ja="適用不能", en="Not applicable"),
    }
)
