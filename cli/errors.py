"""How every ``shikaku`` command reports a refusal: one coded stderr line and an exit code.

Commands raise :class:`~vc_core.errors.ShikakuError`; :class:`GuardedGroup`, the root
command group, turns any that escapes a command into ``error: <code>: <message>`` on
standard error and exit code 2 (could not verify, or bad input). It is the one place that
does so, whether the command runs from the console script or from typer's ``CliRunner``.
Card and wallet errors people meet get their message in Japanese and English.

The wallet's refusals each have their own exit code (:data:`EXIT_CODES`), so a script can
tell a wrong passphrase (3) from a damaged wallet (4), a missing one (5) or a busy one (6)
without reading the message. Only ``wallet.*`` codes are there, and only the wallet's
commands raise them: every other command keeps exit code 2 for every refusal.

Anything else that escapes is a bug in shikaku: typer prints its traceback without local
variables (``pretty_exceptions_show_locals=False`` on the root app), since a frame may
hold a PIN.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, NoReturn

import typer
from typer.core import TyperGroup

from vc_core.errors import InputError, ShikakuError

__all__ = ["EXIT_CODES", "EXIT_REFUSED", "GuardedGroup", "describe", "exit_code", "fail", "writing"]

#: The exit code of a refusal: the input could not be read, verified or used.
EXIT_REFUSED = 2

#: The wallet's refusals, one exit code per kind (``shikaku wallet --help`` lists them).
EXIT_CODES: Final = MappingProxyType(
    {
        "wallet.passphrase_incorrect": 3,
        "wallet.store_corrupt": 4,
        "wallet.store_missing": 5,
        "wallet.credential_unknown": 5,
        "wallet.store_busy": 6,
        "wallet.store_exists": 7,
        "wallet.passphrase_file_insecure": 8,
        "wallet.not_a_credential": 9,
        "wallet.request_invalid": 10,
        "wallet.verifier_mismatch": 11,
        "wallet.verifier_untrusted": 11,
        "wallet.no_match": 12,
        "wallet.offer_invalid": 13,
        "wallet.offer_refused": 14,
        "wallet.issuer_untrusted": 15,
        "wallet.consent_refused": 1,
    }
)

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
    "wallet.passphrase_incorrect": (
        "パスフレーズが違います。何も変更していません / wrong passphrase; nothing was changed"
    ),
    "wallet.store_corrupt": (
        "ウォレットのファイルが壊れています。何も変更していません（バックアップから戻せます）"
        " / the wallet file is damaged; nothing was changed (a backup can restore it)"
    ),
    "wallet.store_missing": (
        "ウォレットがまだありません。shikaku wallet init で作ります"
        " / there is no wallet yet; shikaku wallet init makes one"
    ),
    "wallet.credential_unknown": (
        "その番号の資格証明はウォレットにありません（shikaku wallet list で確認できます）"
        " / the wallet holds no credential with that id (see shikaku wallet list)"
    ),
    "wallet.store_busy": (
        "別の shikaku がウォレットを使用中です。終わってから再度お試しください"
        " / another shikaku is using the wallet; try again when it ends"
    ),
    "wallet.store_exists": (
        "既にファイルがあります。上書きはしません"
        " / a file is already there; shikaku never overwrites it"
    ),
    "wallet.passphrase_file_insecure": (
        "パスフレーズのファイルを他の人が読めます。chmod 600 で本人だけにしてください"
        " / others can read the passphrase file; chmod 600 it"
    ),
    "wallet.not_a_credential": ("資格証明のファイルではありません / this file is not a credential"),
    "wallet.verifier_untrusted": (
        "確認を求めている相手の証明書を信頼できません。何も送っていません。相手を知っている場合は、"
        "その認証局の証明書を --verifier-roots FILE（または $SHIKAKU_WALLET_VERIFIER_ROOTS）で"
        "指定してください / the verifier's certificate does not chain to a root this wallet "
        "trusts; nothing was sent. If you know this verifier, give its root certificate with "
        "--verifier-roots FILE (or $SHIKAKU_WALLET_VERIFIER_ROOTS)"
    ),
}
#: Codes whose own message (what was wrong, never a secret) follows the bilingual one.
_WITH_DETAIL: Final = frozenset(
    {"wallet.store_corrupt", "wallet.not_a_credential", "wallet.verifier_untrusted"}
)


def describe(exc: ShikakuError) -> str:
    """The message people read for ``exc`` (bilingual for the common card errors)."""
    if exc.code == "card.pin_incorrect":
        left = exc.details.get("retries_left")
        return f"暗証番号が違います。残り{left}回 / wrong PIN; {left} tries left"
    known = _MESSAGES.get(exc.code)
    if known is None:
        return exc.message
    return f"{known} ({exc.message})" if exc.code in _WITH_DETAIL else known


def exit_code(exc: ShikakuError) -> int:
    """The exit code of a refusal: the wallet's own (:data:`EXIT_CODES`), else 2."""
    return EXIT_CODES.get(exc.code, EXIT_REFUSED)


def fail(exc: ShikakuError) -> NoReturn:
    """Print ``exc`` as one coded line on standard error and exit with :func:`exit_code`."""
    message = " ".join(describe(exc).split())  # One line, whatever the message held.
    typer.echo(f"error: {exc.code}: {message}", err=True)
    raise typer.Exit(exit_code(exc))


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
