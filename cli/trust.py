"""``shikaku trust``: the verifier's trust registry — which issuers may issue which qualifications.

The registry is a TOML file (:mod:`verifier.trust_file`): ``--registry PATH``, else
``$SHIKAKU_TRUST_REGISTRY``, else ``$XDG_CONFIG_HOME/shikaku/trust.toml`` (``~/.config/…``).
A missing file is an empty registry; ``add`` and ``remove`` rewrite it atomically. Other
commands (``vc verify``) read it through :func:`load_registry`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # The command group loads without its work (start-up, issue 10).
    from rich.console import Console

    from verifier.trust import TrustedIssuer, TrustRegistry

__all__ = ["ENV_REGISTRY", "app", "default_registry_path", "load_registry"]

ENV_REGISTRY = "SHIKAKU_TRUST_REGISTRY"

app = typer.Typer(
    help="The trust registry: which issuers may issue which qualifications.",
    no_args_is_help=True,
)

RegistryOption = Annotated[
    Path | None,
    typer.Option(
        "--registry",
        help=f"Registry TOML file (default: ${ENV_REGISTRY}, else ~/.config/shikaku/trust.toml).",
    ),
]


def default_registry_path() -> Path:
    """``$SHIKAKU_TRUST_REGISTRY``, else the XDG config folder's ``shikaku/trust.toml``."""
    configured = os.environ.get(ENV_REGISTRY)
    if configured:
        return Path(configured)
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".config"
    return base / "shikaku" / "trust.toml"


def load_registry(path: Path | None = None) -> TrustRegistry:
    """The registry at ``path`` (default :func:`default_registry_path`); missing = empty."""
    from verifier.trust import TrustRegistry

    path = path or default_registry_path()
    return TrustRegistry.load(path) if path.exists() else TrustRegistry()


@app.command("add")
def add(
    issuer_id: Annotated[str, typer.Argument(help="did:key, did:jwk, did:web or https issuer")],
    *,
    name_ja: Annotated[str, typer.Option("--name-ja", help="The authority, e.g. 厚生労働大臣")],
    name_en: Annotated[str, typer.Option("--name-en", help="The authority in English")],
    qualification: Annotated[
        list[str], typer.Option("--qualification", help="Catalogue id (repeatable)")
    ],
    vct: Annotated[list[str] | None, typer.Option("--vct", help="Extra vct (repeatable)")] = None,
    did_document: Annotated[
        Path | None, typer.Option("--did-document", help="Pinned did:web document (JSON)")
    ] = None,
    x509_root: Annotated[
        list[Path] | None, typer.Option("--x509-root", help="Root for x5c chains (PEM)")
    ] = None,
    jwt_vc_issuer: Annotated[
        Path | None, typer.Option("--jwt-vc-issuer", help="Pinned JWT VC Issuer Metadata")
    ] = None,
    registry: RegistryOption = None,
) -> None:
    """Trust ISSUER_ID for the given qualifications (replacing its entry if it has one)."""
    from verifier.trust import TrustedIssuer
    from verifier.trust_file import read_json_document, read_pem_roots

    path = registry or default_registry_path()
    issuer = TrustedIssuer(
        issuer_id,
        name_ja,
        name_en,
        frozenset(qualification),
        vcts=frozenset(vct or ()),
        did_document=read_json_document(did_document) if did_document else None,
        x509_roots=tuple(der for root in x509_root or () for der in read_pem_roots(root)),
        jwt_vc_issuer=read_json_document(jwt_vc_issuer) if jwt_vc_issuer else None,
    )
    load_registry(path).added(issuer).save(path)
    typer.echo(f"trusted {issuer.id} ({issuer.name_ja}) for {_qualifications(issuer)} in {path}")


@app.command("list")
def list_(registry: RegistryOption = None) -> None:
    """The trusted issuers: id, authority (ja / en) and qualifications."""
    from rich.table import Table

    path = registry or default_registry_path()
    table = Table("名称", "name", "qualifications", "keys", title=str(path))
    table.add_column("id", overflow="fold")
    for issuer in load_registry(path):
        table.add_row(
            issuer.name_ja, issuer.name_en, _qualifications(issuer), _keys(issuer), issuer.id
        )
    _console().print(table)


@app.command("show")
def show(
    issuer_id: Annotated[str, typer.Argument(help="The issuer's id")],
    registry: RegistryOption = None,
) -> None:
    """One trusted issuer, with how its keys are bound."""
    from rich.table import Table

    issuer = load_registry(registry).lookup(issuer_id)
    table = Table("", "", show_header=False)
    table.add_row("id", issuer.id)
    table.add_row("名称", issuer.name_ja)
    table.add_row("name", issuer.name_en)
    table.add_row("qualifications", _qualifications(issuer))
    table.add_row("vct", ", ".join(sorted(issuer.vcts)) or "-")
    table.add_row("keys", _keys(issuer))
    _console().print(table)


@app.command("remove")
def remove(
    issuer_id: Annotated[str, typer.Argument(help="The issuer's id")],
    registry: RegistryOption = None,
) -> None:
    """Stop trusting ISSUER_ID."""
    path = registry or default_registry_path()
    load_registry(path).removed(issuer_id).save(path)
    typer.echo(f"removed {issuer_id} from {path}")


def _console() -> Console:
    from rich.console import Console

    # Ids such as did:key:… must not turn into emoji (rich's ``:key:``), nor be cut short.
    return Console(emoji=False, highlight=False, soft_wrap=False)


def _qualifications(issuer: TrustedIssuer) -> str:
    from vc_schemas.catalogue import default_catalogue

    catalogue = default_catalogue()
    return ", ".join(f"{q} ({catalogue.get(q).name.ja})" for q in sorted(issuer.qualifications))


def _keys(issuer: TrustedIssuer) -> str:
    """How the issuer's keys are bound: its DID, a pinned document, X.509 roots, metadata."""
    bound = []
    if issuer.id.startswith("did:"):
        bound.append("pinned DID document" if issuer.did_document is not None else "DID")
    if issuer.x509_roots:
        bound.append(f"{len(issuer.x509_roots)} X.509 root(s)")
    if issuer.jwt_vc_issuer is not None:
        bound.append("pinned jwt-vc-issuer")
    elif issuer.id.startswith("https://"):
        bound.append("jwt-vc-issuer (fetched)")
    return ", ".join(bound)
