"""``shikaku issuer suspend | revoke | reinstate | relicense | death | rename | tick | events``.

The board's lifecycle orders (:mod:`issuer.lifecycle`) from the command line, run where the
board's data is:

- ``suspend SUBJECT --from DATE [--until DATE] --reason-code 1|2 --legal-basis TEXT``
  schedules 業務停止 / 医業停止 (1) or 名称使用停止 (2) from its first day until the day the
  licence is valid again (Japanese calendar days);
- ``reinstate SUBJECT`` lifts every suspension now; with ``--stay ORDER`` it records a court's
  stay (執行停止) of that earlier order instead;
- ``revoke SUBJECT`` (免許取消 / 登録取消: 3, 申請による抹消: 5), ``death SUBJECT``,
  ``relicense SUBJECT [--form F]…`` (再免許), ``rename SUBJECT --set FIELD=VALUE…`` (籍訂正);
- ``tick`` runs one round of the scheduler (apply due suspensions, republish stale lists), for
  a cron job where no service runs the scheduler;
- ``events [SUBJECT]`` shows the board's event log with Japanese and English labels.

Each order has an ``--order-id`` (the board's reference of the order): giving the same command
again does nothing twice. Without one a new id is made and printed. Settings come from
``--config`` (TOML) and ``SHIKAKU_*`` variables, as for ``shikaku serve issuer``; a bare data
directory in development makes its own board key.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.issuer_keys import ConfigOption, PassphraseFileOption, _close, _prompt, _settings

if TYPE_CHECKING:
    from pathlib import Path

    from issuer.board import Board
    from issuer.lifecycle import OrderOutcome

__all__ = ["add_commands"]

Subject = Annotated[str, typer.Argument(help="The register subject, e.g. kangoshi:1234567")]
LegalBasisOption = Annotated[
    str, typer.Option("--legal-basis", help="The article the order was given under")
]
OrderIdOption = Annotated[
    str | None,
    typer.Option("--order-id", help="The board's reference of the order (retries are safe)"),
]
ActorOption = Annotated[
    str, typer.Option("--actor", help="Who gave the order (the audit log records it)")
]
DAY = ["%Y-%m-%d"]


def _common(
    legal_basis: str,
    actor: str,
    order_id: str | None,
    config: Path | None,
    passphrase_file: Path | None,
) -> dict[str, Any]:
    """The options every order command shares, as :func:`_order` takes them."""
    return {
        "legal_basis": legal_basis,
        "actor": actor,
        "order_id": order_id,
        "config": config,
        "passphrase_file": passphrase_file,
    }


@contextmanager
def _board(config: Path | None, passphrase_file: Path | None) -> Iterator[Board]:
    from issuer.board import open_board
    from issuer.keys import open_signer

    settings = _settings(config)
    signer = open_signer(settings, passphrase=_prompt(passphrase_file))
    board = open_board(settings, signer=signer)
    try:
        yield board
    finally:
        board.close()
        _close(signer)


def _order(
    name: str,
    *args: Any,
    config: Path | None,
    passphrase_file: Path | None,
    legal_basis: str,
    actor: str,
    order_id: str | None,
    **kwargs: Any,
) -> None:
    """Carry out the order ``Lifecycle.<name>`` on the board and print what it did."""
    from issuer.lifecycle import LABELS, Lifecycle

    with _board(config, passphrase_file) as board:
        order: Callable[..., OrderOutcome] = getattr(Lifecycle(board), name)
        outcome = order(
            *args,
            legal_basis=legal_basis,
            actor=actor,
            order_id=order_id or f"cli-{uuid.uuid4()}",
            **kwargs,
        )
    ja, en = LABELS.get(outcome.action, (outcome.action, outcome.action))
    summary: dict[str, Any] = {
        "orderId": outcome.order_id,
        "action": outcome.action,
        "label": f"{ja} / {en}",
        "subject": outcome.subject_id,
        "standing": outcome.standing,
        "repeated": outcome.repeated,
        "statusChanges": len(outcome.changes),
    }
    if outcome.schedule is not None:
        summary["from"] = outcome.event.details.get("from")
        summary["until"] = outcome.event.details.get("until")
    if outcome.issued:
        summary["issued"] = [i.credential_id for i in outcome.issued]
    if outcome.superseded:
        summary["superseded"] = list(outcome.superseded)
    typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))


def suspend(
    subject: Subject,
    *,
    starts: Annotated[
        datetime, typer.Option("--from", formats=DAY, help="The first day (YYYY-MM-DD, JST)")
    ],
    legal_basis: LegalBasisOption,
    ends: Annotated[
        datetime | None,
        typer.Option(
            "--until", formats=DAY, help="The day it is valid again (none: until reinstated)"
        ),
    ] = None,
    reason_code: Annotated[
        int, typer.Option("--reason-code", help="1 業務停止/医業停止, 2 名称使用停止")
    ] = 1,
    order_id: OrderIdOption = None,
    actor: ActorOption = "board",
    config: ConfigOption = None,
    passphrase_file: PassphraseFileOption = None,
) -> None:
    """業務停止 / 医業停止 / 名称使用停止 of SUBJECT from --from until --until."""
    _order(
        "suspend",
        subject,
        starts=starts.date(),
        ends=None if ends is None else ends.date(),
        code=reason_code,
        **_common(legal_basis, actor, order_id, config, passphrase_file),
    )


def reinstate(
    subject: Subject,
    *,
    legal_basis: LegalBasisOption,
    stay: Annotated[
        str | None, typer.Option("--stay", help="A court's stay (執行停止) of this earlier order")
    ] = None,
    order_id: OrderIdOption = None,
    actor: ActorOption = "board",
    config: ConfigOption = None,
    passphrase_file: PassphraseFileOption = None,
) -> None:
    """Lift SUBJECT's suspensions now, or record a court's stay of one order (--stay)."""
    common = _common(legal_basis, actor, order_id, config, passphrase_file)
    if stay is None:
        _order("reinstate", subject, **common)
    else:
        _order("stay", subject, stayed_order_id=stay, **common)


def revoke(
    subject: Subject,
    *,
    legal_basis: LegalBasisOption,
    reason_code: Annotated[
        int, typer.Option("--reason-code", help="3 免許取消/登録取消, 5 申請による抹消")
    ] = 3,
    order_id: OrderIdOption = None,
    actor: ActorOption = "board",
    config: ConfigOption = None,
    passphrase_file: PassphraseFileOption = None,
) -> None:
    """免許取消 / 登録取消: revoke every instance of SUBJECT; nothing is issued to it again."""
    common = _common(legal_basis, actor, order_id, config, passphrase_file)
    _order("revoke", subject, code=reason_code, **common)


def death(
    subject: Subject,
    *,
    legal_basis: LegalBasisOption,
    order_id: OrderIdOption = None,
    actor: ActorOption = "board",
    config: ConfigOption = None,
    passphrase_file: PassphraseFileOption = None,
) -> None:
    """Record SUBJECT's death: every instance revoked (死亡), the standing deceased."""
    _order(
        "record_death", subject, **_common(legal_basis, actor, order_id, config, passphrase_file)
    )


def relicense(
    subject: Subject,
    *,
    legal_basis: LegalBasisOption,
    form: Annotated[
        list[str] | None, typer.Option("--form", help="A form to issue (default: those it had)")
    ] = None,
    order_id: OrderIdOption = None,
    actor: ActorOption = "board",
    config: ConfigOption = None,
    passphrase_file: PassphraseFileOption = None,
) -> None:
    """再免許: SUBJECT registered again, with new credentials (new status indexes)."""
    common = _common(legal_basis, actor, order_id, config, passphrase_file)
    _order("relicense", subject, forms=tuple(form or ()), **common)


def rename(
    subject: Subject,
    *,
    legal_basis: LegalBasisOption,
    changes: Annotated[
        list[str],
        typer.Option("--set", help="FIELD=VALUE, e.g. family_name=山田 (name, kana, 本籍)"),
    ],
    order_id: OrderIdOption = None,
    actor: ActorOption = "board",
    config: ConfigOption = None,
    passphrase_file: PassphraseFileOption = None,
) -> None:
    """籍訂正: change SUBJECT's name or 本籍, reissue its credentials, supersede the old."""
    fields: dict[str, str] = {}
    for change in changes:
        name, sep, value = change.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"--set takes FIELD=VALUE, not {change!r}")
        fields[name.strip()] = value
    _order(
        "rename", subject, fields, **_common(legal_basis, actor, order_id, config, passphrase_file)
    )


def tick(config: ConfigOption = None, passphrase_file: PassphraseFileOption = None) -> None:
    """Apply due suspensions and republish stale lists once (safe to run anywhere, any time)."""
    from issuer.lifecycle import LifecycleScheduler

    with _board(config, passphrase_file) as board:
        done = LifecycleScheduler(board).run_once()
    typer.echo(
        json.dumps(
            {
                "schedules": list(done.report.schedules),
                "statusChanges": len(done.report.changes),
                "published": len(done.published),
            },
            indent=2,
        )
    )


def events(
    subject: Annotated[
        str | None, typer.Argument(help="Only this subject's events (default: all)")
    ] = None,
    *,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
    config: ConfigOption = None,
    passphrase_file: PassphraseFileOption = None,
) -> None:
    """The board's event log: who did what, when, under which law (日本語 / English)."""
    from issuer.lifecycle import LABELS

    with _board(config, passphrase_file) as board:
        for event in board.store.iter_events(subject_id=subject):
            ja, en = LABELS.get(event.action, (event.action, event.action))
            item = {
                "id": event.id,
                "at": None if event.at is None else event.at.isoformat(),
                "action": event.action,
                "label": {"ja": ja, "en": en},
                "actor": event.actor,
                "subject": event.subject_id,
                "credential": event.credential_id,
                "legalBasis": event.legal_basis,
                "reasonCode": event.reason_code,
                "details": dict(event.details),
            }
            if as_json:
                typer.echo(json.dumps(item, ensure_ascii=False, sort_keys=True))
                continue
            when = item["at"] or "-"
            basis = f"  [{event.legal_basis}]" if event.legal_basis else ""
            code = "" if event.reason_code is None else f"  code {event.reason_code}"
            order = event.details.get("orderId")
            ref = f"  order {order}" if order else ""
            typer.echo(
                f"{when}  {ja} / {en}  {event.subject_id or '-'}  by {event.actor}"
                f"{code}{basis}{ref}"
            )


def add_commands(app: typer.Typer) -> None:
    """Add the lifecycle orders, ``tick`` and ``events`` to the ``shikaku issuer`` group."""
    app.command("suspend")(suspend)
    app.command("reinstate")(reinstate)
    app.command("revoke")(revoke)
    app.command("death")(death)
    app.command("relicense")(relicense)
    app.command("rename")(rename)
    app.command("tick")(tick)
    app.command("events")(events)
