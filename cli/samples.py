"""A JP-style sample credential (Open Badges 3.0 profile) for the demo and the benchmarks.

It uses only the bundled W3C and Open Badges 3.0.3 contexts, so it signs and
verifies with ``vc_core`` alone. The qualification catalogue's builder
(``vc_schemas``) makes the full JP profile with shikaku's own context.
"""

from __future__ import annotations

from typing import Any

from vc_core.jsonld.loader import CREDENTIALS_V2, OPEN_BADGES_V3

__all__ = ["jp_sample_credential"]


def jp_sample_credential(
    *,
    serial: int = 1,
    license_number: str = "1234567",
    holder_name: str = "山田 花子",
    issuer: str | None = None,
) -> dict[str, Any]:
    """An unsigned 看護師 (registered nurse) credential; ``serial`` varies its id."""
    credential: dict[str, Any] = {
        "@context": [CREDENTIALS_V2, OPEN_BADGES_V3],
        "id": f"urn:uuid:3f1b2c9e-7d4a-4e8b-9c2f-{serial:012x}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "看護師免許（看護師籍登録）",
        "description": "保健師助産師看護師法に基づく看護師籍への登録を証明する資格情報（見本）",
        "validFrom": "2026-05-01T09:00:00+09:00",
        "awardedDate": "2015-04-23T00:00:00+09:00",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "licenseNumber": license_number,
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": holder_name,
                }
            ],
            "achievement": {
                "id": "https://shikaku.example/qualifications/kangoshi",
                "type": ["Achievement"],
                "achievementType": "License",
                "name": "看護師",
                "description": "厚生労働大臣の免許を受けた看護師（保健師助産師看護師法第5条）",
                "criteria": {"narrative": "看護師国家試験に合格し、看護師籍に登録されていること。"},
                "creator": {
                    "id": "https://www.mhlw.go.jp/",
                    "type": ["Profile"],
                    "name": "厚生労働大臣",
                },
            },
        },
    }
    if issuer is not None:
        credential["issuer"] = {
            "id": issuer,
            "type": ["Profile"],
            "name": "看護師籍 登録事務（見本）",
        }
    return credential
