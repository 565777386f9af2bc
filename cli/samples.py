"""A JP-profile sample credential for the demo, the benchmarks and the tests.

It is the qualification catalogue's own 看護師 (registered nurse) sample
(:func:`vc_schemas.samples.sample_credential`), with the values a board's
register varies from one holder to the next made parameters: the credential
id, the licence number, the holder's name and the issuer.
"""

from __future__ import annotations

from typing import Any

from vc_schemas.samples import sample_credential

__all__ = ["jp_sample_credential"]


def jp_sample_credential(
    *,
    serial: int = 1,
    license_number: str = "1234567",
    holder_name: str = "山田 花子",
    issuer: str | None = None,
    qualification: str = "kangoshi",
) -> dict[str, Any]:
    """An unsigned JP-profile credential; ``serial`` varies its id.

    ``holder_name`` is "family given" (separated by a space); ``issuer``, when
    given, replaces the sample issuer's id.
    """
    credential = sample_credential(qualification)
    credential["id"] = f"urn:uuid:3f1b2c9e-7d4a-4e8b-9c2f-{serial % 2**48:012x}"
    subject = credential["credentialSubject"]
    subject["licenseNumber"] = license_number
    family, _, given = holder_name.partition(" ")
    subject["familyName"] = family
    subject["givenName"] = given
    if issuer is not None:
        credential["issuer"]["id"] = issuer
    return credential
