"""What a wallet reads before it asks for anything: the board's OpenID4VCI and OAuth metadata.

- Credential issuer metadata (OpenID4VCI 1.0 §12.2), served at
  ``/.well-known/openid-credential-issuer``: the issuer identifier (the board's
  ``public_url``), its endpoints, batch issuance, its display name in Japanese and English, and
  one pair of credential configurations per qualification of the catalogue: ``dc+sd-jwt``
  (Appendix A.3: ``vct`` = :func:`vc_schemas.sd_jwt_vc.vct_for`) and ``ldp_vc``
  (Appendix A.1.2: ``credential_definition`` with the JP profile's contexts and types). Every
  configuration carries ``credential_metadata`` (display and claims, §12.2.4) — wallets tell
  1.0 from the drafts by it.
- Authorization server metadata (RFC 8414), served at
  ``/.well-known/oauth-authorization-server``: the token endpoint, the pre-authorized code grant
  (OpenID4VCI 1.0 §12.3) and DPoP (RFC 9449 §5.1).

Configuration ids are ``{qualification id}_dc_sd_jwt`` and ``{qualification id}_ldp_vc``
(qualification ids are lowercase slugs with hyphens, so the underscore separates them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from vc_core.errors import OAuthError
from vc_schemas.builder import CONTEXTS, CREDENTIAL_TYPES
from vc_schemas.catalogue import Catalogue, Qualification
from vc_schemas.display import FIELD_LABELS
from vc_schemas.policy import disclosure_policy
from vc_schemas.sd_jwt_vc import vct_for
from vc_schemas.text import Text

__all__ = [
    "DPOP_ALGORITHMS",
    "PRE_AUTHORIZED_GRANT",
    "PROOF_ALGORITHMS",
    "Configuration",
    "Endpoints",
    "authorization_server_metadata",
    "configuration",
    "configuration_id",
    "issuer_metadata",
]

#: The pre-authorized code grant type (OpenID4VCI 1.0 §3.5, §6.1).
PRE_AUTHORIZED_GRANT: Final = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
#: Key proofs: ES256 for wallet keys (HAIP), RS256 for the My Number Card's keys (card mode).
PROOF_ALGORITHMS: Final = ("ES256", "RS256")
#: DPoP proofs are signed by the wallet's own key: ES256 only (HAIP 1.0).
DPOP_ALGORITHMS: Final = ("ES256",)
_ISSUER_NAME_EN: Final = "Qualification board"
_SUBJECT: Final = "/credentialSubject/"
Format = Literal["dc+sd-jwt", "ldp_vc"]
_SUFFIXES: Final[tuple[tuple[str, Format], ...]] = (
    ("_dc_sd_jwt", "dc+sd-jwt"),
    ("_ldp_vc", "ldp_vc"),
)


@dataclass(frozen=True)
class Endpoints:
    """The board's OpenID4VCI endpoints under its credential issuer identifier."""

    issuer: str

    @classmethod
    def of(cls, public_url: str) -> Endpoints:
        return cls(public_url.rstrip("/"))

    def url(self, path: str) -> str:
        return f"{self.issuer}/oid4vci/{path}"

    @property
    def token(self) -> str:
        return self.url("token")

    @property
    def credential(self) -> str:
        return self.url("credential")

    @property
    def nonce(self) -> str:
        return self.url("nonce")

    @property
    def notification(self) -> str:
        return self.url("notification")

    def offer(self, reference: str) -> str:
        return self.url(f"offers/{reference}")


@dataclass(frozen=True)
class Configuration:
    """One credential configuration: which qualification, in which format."""

    id: str
    qualification: Qualification
    format: Format


def configuration_id(qualification_id: str, form: Format) -> str:
    """The configuration id of a qualification in ``form`` (see the module)."""
    suffix = next(suffix for suffix, named in _SUFFIXES if named == form)
    return qualification_id + suffix


def configuration(catalogue: Catalogue, configuration_id: str) -> Configuration:
    """The configuration ``configuration_id`` names, or ``unknown_credential_configuration``."""
    for suffix, form in _SUFFIXES:
        if isinstance(configuration_id, str) and configuration_id.endswith(suffix):
            qualification_id = configuration_id[: -len(suffix)]
            if qualification_id in catalogue.ids:
                return Configuration(configuration_id, catalogue.get(qualification_id), form)
    shown = configuration_id[:60] if isinstance(configuration_id, str) else "?"
    raise OAuthError("oauth.unknown_credential_configuration", f"no configuration {shown!r}")


def _display(text: Text) -> list[dict[str, str]]:
    return [{"name": text.ja, "locale": "ja"}, {"name": text.en, "locale": "en"}]


def _claims(entry: Qualification, prefix: tuple[str, ...]) -> list[dict[str, Any]]:
    """The claims a wallet may show: the qualification's name, then every field of the
    holder its register keeps (its disclosure policy's selective and hidden fields)."""
    policy = disclosure_policy(entry)
    names = [
        pointer.removeprefix(_SUBJECT)
        for pointer in (*policy.selectively_disclosable, *policy.hidden_by_default)
    ]
    claims = [{"path": [*prefix, "achievement", "name"], "display": _display(entry.name)}]
    for name in names:
        claims.append({"path": [*prefix, name], "display": _display(FIELD_LABELS[name])})
    return claims


def _proof_types() -> dict[str, Any]:
    return {"jwt": {"proof_signing_alg_values_supported": list(PROOF_ALGORITHMS)}}


def credential_configuration(
    entry: Qualification, form: Format, *, ldp_cryptosuite: str
) -> dict[str, Any]:
    """One entry of ``credential_configurations_supported`` (§12.2.4, Appendix A)."""
    metadata: dict[str, Any] = {"display": _display(entry.name)}
    if form == "dc+sd-jwt":
        metadata["claims"] = _claims(entry, ())
        return {
            "format": "dc+sd-jwt",
            "vct": vct_for(entry.id),
            "cryptographic_binding_methods_supported": ["jwk"],
            "credential_signing_alg_values_supported": ["ES256"],
            "proof_types_supported": _proof_types(),
            "credential_metadata": metadata,
        }
    metadata["claims"] = _claims(entry, ("credentialSubject",))
    return {
        "format": "ldp_vc",
        "credential_definition": {"@context": list(CONTEXTS), "type": list(CREDENTIAL_TYPES)},
        "cryptographic_binding_methods_supported": ["jwk", "did:jwk"],
        "credential_signing_alg_values_supported": [ldp_cryptosuite],
        "proof_types_supported": _proof_types(),
        "credential_metadata": metadata,
    }


def issuer_metadata(
    endpoints: Endpoints,
    catalogue: Catalogue,
    *,
    name: str,
    batch_size: int,
    ldp_cryptosuite: str,
) -> dict[str, Any]:
    """The credential issuer metadata (§12.2.4) of a board named ``name``."""
    configurations: dict[str, Any] = {}
    for entry in catalogue:
        for suffix, form in _SUFFIXES:
            configurations[entry.id + suffix] = credential_configuration(
                entry, form, ldp_cryptosuite=ldp_cryptosuite
            )
    return {
        "credential_issuer": endpoints.issuer,
        "credential_endpoint": endpoints.credential,
        "nonce_endpoint": endpoints.nonce,
        "notification_endpoint": endpoints.notification,
        "batch_credential_issuance": {"batch_size": batch_size},
        "display": [
            {"name": name, "locale": "ja"},
            {"name": _english_name(name), "locale": "en"},
        ],
        "credential_configurations_supported": configurations,
    }


def _english_name(name: str) -> str:
    known: Mapping[str, str] = {"厚生労働大臣": "Minister of Health, Labour and Welfare"}
    return known.get(name, _ISSUER_NAME_EN if not name.isascii() else name)


def authorization_server_metadata(endpoints: Endpoints) -> dict[str, Any]:
    """The authorization server metadata (RFC 8414 §2): the board is its own server."""
    return {
        "issuer": endpoints.issuer,
        "token_endpoint": endpoints.token,
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "pre-authorized_grant_anonymous_access_supported": True,
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["none"],
        "dpop_signing_alg_values_supported": list(DPOP_ALGORITHMS),
    }
