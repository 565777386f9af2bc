"""What ``shikaku vc verify`` and ``vc challenge`` share: the CLI's verifier and its rendering.

The CLI verifies as an employer does, under the employer policy, with a verifier built by
:func:`verifier.service.build_verifier` from the command line's options: the trust registry
(``shikaku trust``), JPKI roots for card-bound holders, where status lists may be fetched
from, and a data directory that keeps the nonces it issued (``vc challenge``) so that a
presentation is accepted once.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from verifier.policy import CheckName
    from verifier.service import Verifier

__all__ = [
    "DataDirOption",
    "Policy",
    "TrustOption",
    "cli_verifier",
    "default_data_dir",
]


class Policy(StrEnum):
    employer = "employer"
    credential = "credential"
    proof = "proof"

    @property
    def required(self) -> frozenset[CheckName]:
        from verifier.policy import ALL_CHECKS, PRESENTATION_CHECKS, PROOF_ONLY

        if self is Policy.employer:
            return ALL_CHECKS
        if self is Policy.credential:
            return ALL_CHECKS - PRESENTATION_CHECKS
        return PROOF_ONLY


def default_data_dir() -> Path:
    """Where the CLI keeps its verifier's nonces: ``$SHIKAKU_DATA_DIR`` or the XDG data home."""
    if "SHIKAKU_DATA_DIR" in os.environ:
        return Path(os.environ["SHIKAKU_DATA_DIR"])
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "shikaku"


DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Where the verifier keeps its nonces (default: XDG data)"),
]
TrustOption = Annotated[
    Path | None,
    typer.Option("--trust", help="Trust registry file (default: shikaku trust's)"),
]


def cli_verifier(
    *,
    data_dir: Path | None,
    trust: Path | None,
    anchors: list[Path] | None = None,
    status_allow: list[str] | None = None,
    policy: Policy = Policy.employer,
    lists: Path | None = None,
) -> Verifier:
    """The CLI's verifier; its modules (SQL, HTTP, JSON-LD) are imported only now."""
    from cli.status_check import PublishedFolder
    from cli.trust import default_registry_path
    from verifier.service import VerifierConfig, build_verifier

    return build_verifier(
        VerifierConfig(
            data_dir=(data_dir or default_data_dir()) / "verifier",
            trust_registry=trust or default_registry_path(),
            jpki_anchors=tuple(anchors or ()),
            status_allow=tuple(status_allow or ()),
            required=policy.required,
        ),
        # --lists: status lists from a folder `status publish` wrote, instead of the web.
        transport=PublishedFolder(lists) if lists is not None else None,
    )
