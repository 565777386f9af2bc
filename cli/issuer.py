"""``shikaku issuer``: a qualification board's own commands, run where the board's data is.

The commands live beside their work, each module adding its commands to :data:`app`:
importing the register and issuing it (:mod:`cli.issuer_register`), lifecycle orders
(:mod:`cli.issuer_lifecycle`), keys and enrolment (:mod:`cli.issuer_keys`), OpenID4VCI
credential offers (:mod:`cli.issuer_offer`). Each opens the
board from the same settings as ``shikaku serve issuer`` (:class:`issuer.settings.IssuerSettings`).
"""

from __future__ import annotations

import typer

from cli import issuer_keys, issuer_lifecycle, issuer_offer, issuer_register

__all__ = ["app"]

app = typer.Typer(
    help="A qualification board: import the register, issue, offer, lifecycle orders, keys.",
    no_args_is_help=True,
)
issuer_keys.add_commands(app)
issuer_lifecycle.add_commands(app)
issuer_offer.add_commands(app)
issuer_register.add_commands(app)
