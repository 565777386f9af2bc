"""How every ``shikaku`` command reports a refusal: one coded stderr line and exit code 2.

Commands raise :class:`~vc_core.errors.ShikakuError`; :class:`GuardedGroup`, the root
command group, turns any that escapes a command into ``error: <code>: <message>`` on
standard error and exit code 2 (could not verify, or bad input). It is the one place that
does so, whether the command runs from the console script or from typer's ``CliRunner``.
Card errors people meet at the reader get their message in Japanese and English.

Anything else that escapes is a bug in shikaku: typer prints its traceback without local
variables (``pretty_exceptions_show_locals=False`` on the root app), since a frame may
hold a PIN.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

from vc_core.errors import InputError, ShikakuError

__all__ = ["EXIT_REFUSED", "GuardedGroup", "describe", "fail", "writing"]

#: The exit code of a refusal: the input could not be read, verified or used.
EXIT_REFUSED = 2

#: Bilingual messages for the card errors people meet most.
_MESSAGES = {
    "card.pcsc_unavailable": "PC/SCサービス(pcscd)に接続できません / cannot reach pcscd",
    "card.no_reader": "カードリーダーが見つかりません / no card reader found",
    "card.no_card": "カードが置かれていません / there is no card in the reader",
    "card.not_jpki": "マイナンバーカードではありません / this is not a My Number Card",
    "card.transport": "カードとの通信が切れました / the card connection failed",
    "card.pin_blocked": (
        "暗証番号がロックされています。市区町村の窓口で解除してください"
        " / the PIN is blocked; a municipal office can reset it"
    ),
    "card.pin_last_try": (
        "残り1回です。続けるには --allow-last-try を付けてください"
        " / one try left; pass --allow-last-try to use it"
    ),
    "card.pin_format": (
        "暗証番号の形式が違います(回数は減っていません)"
        " / the PIN has the wrong form (no try was spent)"
    ),
    "card.security_status": "暗証番号の照合が必要です / the card needs the PIN first",
}


def describe(exc: ShikakuError) -> str:
    """The message people read for ``exc`` (bilingual for the common card errors)."""
    if exc.code == "card.pin_incorrect":
        left = exc.details.get("retries_left")
        return f"暗証番号が違います。残り{left}回 / wrong PIN; {left} tries left"
    return _MESSAGES.get(exc.code, exc.message)


def fail(exc: ShikakuError) -> NoReturn:
    """Print ``exc`` as one coded line on standard error and exit with :data:`EXIT_REFUSED`."""
    message = " ".join(describe(exc).split())  # One line, whatever the message held.
    typer.echo(f"error: {exc.code}: {message}", err=True)
    raise typer.Exit(EXIT_REFUSED)


@contextmanager
def writing(target: Path) -> Iterator[None]:
    """Writes into ``target``; a folder that is a file, or missing, is ``input.unwritable``."""
    try:
        yield
    except OSError as exc:
        where = exc.filename or target
        raise InputError("input.unwritable", f"cannot write {where}: {exc.strerror}") from None


class GuardedGroup(TyperGroup):
    """The root command group: a :class:`ShikakuError` from any command becomes :func:`fail`."""

    def invoke(self, ctx: Any) -> Any:  # typer's vendored click.Context
        try:
            return super().invoke(ctx)
        except ShikakuError as exc:
            fail(exc)
