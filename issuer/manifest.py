"""The board's entry in the W3C test suites' implementation manifest.

The W3C VC test suites (vc-di-ecdsa, vc-di-eddsa, vc-bitstring-status-list, vc-data-model-2.0)
find the endpoints they test in a manifest of the ``w3c/vc-test-suite-implementations``
format: ``name``, ``implementation``, and lists of ``issuers``, ``verifiers`` and
``vpVerifiers``, each endpoint with its ``id``, ``endpoint`` URL, ``tags`` (which suites run
against it), ``supportedEcdsaKeyTypes`` for the ECDSA suites, ``supports.vc`` (the data model
versions it takes) and ``headers`` sent with every request. :func:`w3c_manifest` writes the
board's: one issuer per instance (its ``id`` is the DID the instance really signs as, as the
ECDSA suite expects; the ``ecdsa-rdfc-2019`` instances also carry ``vc2.0``, the tag the VC
Data Model 2.0 suite picks its issuers by), the status endpoint under ``statusUpdaters`` (an
extension the suites ignore; the Bitstring Status List suite's helper posts there), and, when
the employer's verifier runs too (``shikaku serve verifier``), its VC-API verify endpoints.

The API key goes in ``headers`` as ``Authorization: Bearer …``: a manifest that names a real
key is a secret, and only a local manifest (``localConfig.cjs``) should carry one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from issuer.identity import Identity
from issuer.settings import IssuerSettings

__all__ = ["w3c_manifest"]

_ECDSA: Final = ("ecdsa-rdfc-2019", "ecdsa-sd-2023")
_VERIFIER_TAGS: Final = [
    "vc2.0",
    "ecdsa-rdfc-2019",
    "ecdsa-sd-2023",
    "eddsa-rdfc-2022",
    "BitstringStatusList",
]


def w3c_manifest(
    settings: IssuerSettings,
    identities: Mapping[str, Identity],
    *,
    api_key: str,
    verifier_url: str | None = None,
) -> dict[str, Any]:
    """The implementation manifest of the board at ``settings.public_url`` (see the module)."""
    base = settings.public_url.rstrip("/")
    headers = {"Authorization": f"Bearer {api_key}"}
    issuers: list[dict[str, Any]] = []
    for config in settings.issuer_instances:
        tags: list[str] = [config.suite]
        if config.suite == "ecdsa-rdfc-2019":
            # The VC Data Model 2.0 suite tests the issuers (and verifiers) tagged vc2.0;
            # an ecdsa-sd-2023 base proof is not for verifying, and one suite is enough.
            tags.append("vc2.0")
            if config.status:
                tags.append("BitstringStatusList")
        issuer: dict[str, Any] = {
            "id": identities[config.name].did,
            "endpoint": f"{base}/instances/{config.name}/credentials/issue",
            "supports": {"vc": ["1.1", "2.0"]},
            "tags": tags,
            "headers": headers,
        }
        if config.suite in _ECDSA:
            issuer["supportedEcdsaKeyTypes"] = ["P-256"]
        issuers.append(issuer)
    manifest: dict[str, Any] = {
        "name": settings.name,
        "implementation": "shikaku",
        "issuers": issuers,
        "statusUpdaters": [
            {
                "id": f"{base}/credentials/status",
                "endpoint": f"{base}/credentials/status",
                "tags": ["BitstringStatusList"],
                "headers": headers,
            }
        ],
    }
    if verifier_url is not None:
        verifier = verifier_url.rstrip("/")
        common = {
            "id": verifier,
            "supportedEcdsaKeyTypes": ["P-256", "P-384"],
            "supports": {"vc": ["1.1", "2.0"]},
            "tags": _VERIFIER_TAGS,
        }
        manifest["verifiers"] = [{**common, "endpoint": f"{verifier}/credentials/verify"}]
        manifest["vpVerifiers"] = [{**common, "endpoint": f"{verifier}/presentations/verify"}]
    return manifest
