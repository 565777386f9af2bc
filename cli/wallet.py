"""``shikaku wallet``: the holder's own credentials, kept encrypted on her machine.

A nurse receives her 看護師 credential from her board as a file. ``shikaku wallet init`` makes
her wallet (one encrypted file, :mod:`holder.store`) under a passphrase only she knows;
``add`` keeps the file there after reading what it is and checking, where it can on this
machine, the board's signature (:mod:`holder.receive`); ``list`` and ``show`` tell her what
she holds in plain words — which of her fields employers do not see unless she chooses to
show them (本籍, 性別, 国籍); ``delete``, ``export`` (a backup under its own passphrase) and
``import`` (merging a backup) look after the file. Words are Japanese first, English with
``--lang en``.

The wallet is ``--wallet PATH``, else ``$SHIKAKU_WALLET``, else
``$XDG_DATA_HOME/shikaku/wallet/wallet.json`` (``~/.local/share`` when unset). Passphrases are
asked for with hidden input (a new one twice), or read from the first line of
``--passphrase-file`` for scripts — a file that only its owner may read (mode 0600 or
stricter); others are refused. A passphrase is never echoed, logged or put in a message.

Exit codes (:data:`cli.errors.EXIT_CODES`): 0 done; 1 you declined (``delete``,
``present``); 2 another refusal (a bad file, a signature that fails); 3 wrong passphrase; 4 the
wallet file is damaged; 5 no wallet yet, or no credential with that id; 6 another shikaku is
using the wallet; 7 the target file already exists (never overwritten); 8 the passphrase file
is readable by others; 9 the file is not a credential; 10 a presentation request that is
malformed, unsigned, out of time or not over https; 11 a verifier whose certificate does not
match who it says it is or where the answer goes, or does not chain to a root the wallet
trusts; 12 no credential answers the request; 13 a malformed offer or a missing transaction
code; 14 the board refused the offer; 15 the issuer is not in your trust list for that
qualification. A refusal changes nothing.

``receive`` takes a board's offer (OpenID4VCI 1.0, :mod:`holder.flows.oid4vci`), ``present``
an employer's request (OpenID4VP 1.0, :mod:`holder.flows.oid4vp`): who asks and exactly what
would leave are shown first, and nothing is sent without the holder's yes. The verifier's
name shown is its certificate's, and only when the certificate chains to a root the wallet
trusts (:mod:`holder.verifier_roots`): the web PKI's certificate authorities (certifi's
bundle, else ``/etc/ssl/certs/ca-certificates.crt``) and the PEM files given with
``--verifier-roots FILE`` (repeatable) or in ``$SHIKAKU_WALLET_VERIFIER_ROOTS`` (files
separated by ``os.pathsep``, ``:`` on Linux). A shikaku verifier in development signs with a
self-signed certificate, ``oid4vp/development-certificate.pem`` in its data directory: give
that file to trust it.

Card mode. ``receive OFFER --reader NAME`` (or ``--emulator DIR`` in development) binds the
credentials to her My Number Card instead of new wallet keys: the board's enrolment challenge
and each key proof are signed on the card's user-authentication key (利用者証明用), with one
card session and the 4-digit PIN asked once (``--pin-stdin`` reads it from standard input;
with one try left it is refused unless ``--allow-last-try``). The PIN is checked before the
offer is redeemed, so a wrong PIN spends one try and nothing else: the offer still works. Such
a credential is kept as card-bound, and ``present`` then signs on the card too (``--reader`` /
``--emulator``, ``--pin-stdin``). shikaku never retries, logs or shows a PIN.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from holder.receive import Received
    from holder.store import WalletStore
    from vc_schemas.text import Text

__all__ = ["ENV_VERIFIER_ROOTS", "ENV_WALLET", "app", "default_wallet_path"]

ENV_WALLET = "SHIKAKU_WALLET"
ENV_VERIFIER_ROOTS = "SHIKAKU_WALLET_VERIFIER_ROOTS"

_EXIT_CODES_HELP = (
    "Exit codes: 0 done; 1 declined; 2 other refusal (a bad file, a failing signature); "
    "3 wrong passphrase; 4 damaged wallet; 5 no wallet, or no such credential; 6 wallet busy; "
    "7 file exists (never overwritten); 8 passphrase file readable by others; "
    "9 not a credential; 10 bad request; 11 verifier not who it says, or not trusted; "
    "12 nothing matches; 13 bad offer; 14 offer refused; 15 issuer not in your trust list."
)

app = typer.Typer(
    help="The holder's wallet: keep your credentials, encrypted, on this machine.",
    epilog=_EXIT_CODES_HELP,
    no_args_is_help=True,
)


Lang = Literal["ja", "en"]

WalletOption = Annotated[
    Path | None,
    typer.Option(
        "--wallet",
        help=f"Wallet file (default: ${ENV_WALLET}, else "
        "$XDG_DATA_HOME/shikaku/wallet/wallet.json).",
    ),
]
TrustOption = Annotated[
    Path | None,
    typer.Option(
        "--trust",
        help="Trust list (TOML) of the boards you accept (default: the one `shikaku trust` "
        "keeps, when there is one)",
    ),
]
PassphraseFileOption = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        help="Read the wallet passphrase from this file's first line (mode 0600), not a prompt.",
    ),
]
BackupPassphraseFileOption = Annotated[
    Path | None,
    typer.Option(
        "--backup-passphrase-file",
        help="Read the backup's passphrase from this file's first line (mode 0600).",
    ),
]
LangOption = Annotated[Lang, typer.Option("--lang", help="ja (default) or en")]
CardReaderOption = Annotated[
    str | None,
    typer.Option("--reader", help="Card mode: the PC/SC reader with the My Number Card"),
]
CardEmulatorOption = Annotated[
    Path | None,
    typer.Option("--emulator", help="Card mode: an emulated card's folder (development)"),
]
CardPinStdinOption = Annotated[
    bool, typer.Option("--pin-stdin", help="Card mode: read the PIN from standard input")
]
IdArgument = Annotated[
    str, typer.Argument(metavar="ID", help="The credential's id (its first 8 characters will do)")
]


def default_wallet_path() -> Path:
    """``$SHIKAKU_WALLET``, else ``$XDG_DATA_HOME/shikaku/wallet/wallet.json``."""
    configured = os.environ.get(ENV_WALLET)
    if configured:
        return Path(configured)
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / "shikaku" / "wallet" / "wallet.json"


# -- passphrases -------------------------------------------------------------------------------


def _passphrase_from_file(path: Path) -> str:
    """The first line of ``path``, a file only its owner may read or change."""
    from vc_core.errors import InputError, WalletError

    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise InputError("input.unreadable", f"cannot read {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if mode & 0o077:
            raise WalletError(
                "wallet.passphrase_file_insecure",
                f"{path} has mode {mode & 0o777:o}; others may read or change it",
            )
        data = handle.read(64 * 1024)
    try:
        line = data.decode("utf-8").split("\n", 1)[0].rstrip("\r")
    except UnicodeDecodeError:
        raise InputError("input.not_utf8", f"{path} is not UTF-8") from None
    if not line:
        raise InputError("input.unreadable", f"the first line of {path} holds no passphrase")
    return line


def _ask(prompt: Text, lang: Lang, *, new: bool) -> str:
    from vc_schemas.text import Text

    again = Text("確認のため、もう一度入力してください", "Repeat it to confirm").both(lang)
    answer: str = typer.prompt(
        prompt.both(lang), hide_input=True, confirmation_prompt=again if new else False
    )
    return answer


def _passphrase(source: Path | None, lang: Lang, *, new: bool = False, backup: bool = False) -> str:
    from vc_schemas.text import Text

    if source is not None:
        return _passphrase_from_file(source)
    if backup:
        prompt = Text("バックアップのパスフレーズ", "Backup passphrase")
    elif new:
        prompt = Text("新しいウォレットのパスフレーズ", "New wallet passphrase")
    else:
        prompt = Text("ウォレットのパスフレーズ", "Wallet passphrase")
    return _ask(prompt, lang, new=new)


def _open(wallet: Path | None, passphrase_file: Path | None, lang: Lang) -> WalletStore:
    from holder.store import WalletStore
    from vc_core.errors import WalletError

    path = wallet or default_wallet_path()
    if not path.exists():  # Say so before asking for a passphrase that could open nothing.
        raise WalletError("wallet.store_missing", f"no wallet at {path}")
    return WalletStore.open(path, _passphrase(passphrase_file, lang))


def _refuse_existing(path: Path) -> None:
    from vc_core.errors import WalletError

    if path.exists():
        raise WalletError("wallet.store_exists", f"{path} already exists")


def _say(ja: str, en: str, lang: Lang) -> None:
    from vc_schemas.text import Text

    typer.echo(Text(ja, en).both(lang))


def _print(renderable: object) -> None:
    from rich.console import Console

    Console().print(renderable)


# -- commands ----------------------------------------------------------------------------------


@app.command("init")
def init(
    wallet: WalletOption = None,
    passphrase_file: PassphraseFileOption = None,
    lang: LangOption = "ja",
) -> None:
    """Make a new, empty wallet under a passphrase (asked twice, never shown)."""
    from holder.store import WalletStore
    from vc_core.errors import InputError

    path = wallet or default_wallet_path()
    _refuse_existing(path)
    passphrase = _passphrase(passphrase_file, lang, new=True)
    try:  # A new folder for the wallet is its owner's alone (the file itself is 0600).
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError("input.unwritable", f"cannot make {path.parent}: {exc.strerror}") from None
    store = WalletStore.init(path, passphrase)
    _say(
        f"ウォレットを作りました: {store.path}",
        f"Made a wallet: {store.path}",
        lang,
    )
    _say(
        "パスフレーズを忘れると開けません。shikaku wallet export でバックアップを作れます。",
        "A forgotten passphrase cannot be recovered; shikaku wallet export makes a backup.",
        lang,
    )


@app.command("add")
def add(
    source: Annotated[Path, typer.Argument(metavar="FILE", help="The credential file as received")],
    *,
    wallet: WalletOption = None,
    passphrase_file: PassphraseFileOption = None,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key", help="The wallet key (private JWK file) it is bound to, kept with it"
        ),
    ] = None,
    trust: TrustOption = None,
    lang: LangOption = "ja",
) -> None:
    """Keep a credential file as received (SD-JWT, JWT or Data Integrity JSON)."""
    from cli.wallet_view import render_added
    from holder.receive import examine
    from vc_core.errors import WalletError
    from vc_core.jsonio import read_text
    from vc_core.keys import jwk_thumbprint, load_key, public_jwk

    received = examine(read_text(source))  # A file that is no credential never asks for more.
    holder_key = load_key(key) if key is not None else None
    if holder_key is not None:
        thumbprint = jwk_thumbprint(public_jwk(holder_key.public_key))
        if thumbprint != received.binding.thumbprint:
            raise WalletError(
                "wallet.key_mismatch", f"{key} is not the key the credential is bound to"
            )
    store = _open(wallet, passphrase_file, lang)
    names = _trusted_names([received], trust)
    known = {c.id for c in store.credentials()}
    stored = store.add(
        received.body,
        format=str(received.format),
        qualification=received.qualification,
        issuer=received.issuer,
        issuer_name=names.get(received.issuer or "") or received.issuer_name,
        holder_mode=received.binding.mode,
        key=holder_key,
    )
    _print(render_added(stored, received, new=stored.id not in known, lang=lang))


@app.command("receive")
def receive_(
    offer: Annotated[
        str,
        typer.Argument(
            metavar="OFFER", help="The board's offer: its openid-credential-offer:// link"
        ),
    ],
    *,
    wallet: WalletOption = None,
    passphrase_file: PassphraseFileOption = None,
    tx_code_file: Annotated[
        Path | None,
        typer.Option(help="The transaction code the board sent you (first line of a file)"),
    ] = None,
    reader: CardReaderOption = None,
    emulator: CardEmulatorOption = None,
    pin_stdin: CardPinStdinOption = False,
    allow_last_try: Annotated[
        bool, typer.Option("--allow-last-try", help="Card mode: use the PIN with one try left")
    ] = False,
    trust: TrustOption = None,
    lang: LangOption = "ja",
) -> None:
    """Receive credentials a board offers you (OpenID4VCI 1.0), each on a new wallet key.

    With --reader or --emulator they are bound to your My Number Card instead: the card's
    key is enrolled with the board and signs for each credential. The tries left are shown
    and the PIN is asked once, before anything is spent (never retried, never shown)."""
    from cli.wallet_view import render_added
    from holder.flows.oid4vci import parse_offer
    from holder.http_client import open_client

    store = _open(wallet, passphrase_file, lang)  # A wrong passphrase spends nothing.
    with open_client() as client:
        parsed = parse_offer(offer, client)
        code = None
        if parsed.tx_code is not None:
            code = (
                _passphrase_from_file(tx_code_file)
                if tx_code_file is not None
                else typer.prompt(
                    "交付機関から届いた確認コード / the transaction code from the board",
                    hide_input=True,
                )
            )
        card_mode = reader is not None or emulator is not None
        if card_mode:
            got = _receive_on_card(
                parsed,
                client,
                code,
                reader=reader,
                emulator=emulator,
                pin_stdin=pin_stdin,
                allow_last_try=allow_last_try,
            )
        else:
            from holder.flows.oid4vci import receive

            got = receive(parsed, client, tx_code=code)
    # Before anything is kept: from an untrusted board, nothing.
    names = _trusted_names([item.received for item in got], trust)
    known = {c.id for c in store.credentials()}
    for item in got:
        stored = store.add(
            item.received.body,
            format=str(item.received.format),
            qualification=item.received.qualification,
            issuer=item.received.issuer,
            issuer_name=names.get(item.received.issuer or "") or item.received.issuer_name,
            holder_mode=item.holder_mode,
            key=item.key,
        )
        _print(render_added(stored, item.received, new=stored.id not in known, lang=lang))


def _trusted_names(got: Sequence[Received], trust: Path | None) -> dict[str, str]:
    """Each credential's issuer checked against the holder's trust list (``--trust``,
    else the one ``shikaku trust`` keeps); its names as the list gives them.

    ``wallet.issuer_untrusted`` when the list does not name the issuer for the credential's
    qualification. Without any list the check cannot be made: that is said on standard error
    and nothing is claimed (the employer's verifier checks the issuer in any case)."""
    from cli.trust import default_registry_path
    from vc_core.errors import TrustError, WalletError
    from verifier.trust import TrustRegistry

    path = trust or default_registry_path()
    if trust is None and not path.is_file():
        typer.echo(
            "信頼リストがないため、発行者は照合していません / no trust list here: the issuer "
            "was not checked against one (shikaku trust add, or --trust)",
            err=True,
        )
        return {}
    registry = TrustRegistry.load(path)
    names: dict[str, str] = {}
    for received in got:
        issuer, qualification = received.issuer or "", received.qualification
        try:
            entry = registry.lookup(issuer)
        except TrustError:
            entry = None
        if entry is None or qualification is None or not entry.may_issue(qualification):
            raise WalletError(
                "wallet.issuer_untrusted",
                f"{issuer[:80] or 'an unnamed issuer'} is not in your trust list {path} "
                f"for {qualification or 'this credential'}: nothing was kept",
            )
        names[issuer] = entry.name_ja
    return names


def _receive_on_card(
    offer: Any,
    client: Any,
    tx_code: str | None,
    *,
    reader: str | None,
    emulator: Path | None,
    pin_stdin: bool,
    allow_last_try: bool,
) -> Any:
    """Card mode: one card session, the auth PIN asked once, the flow bound to the card."""
    from cli.card import ask_pin, open_session
    from holder.card import card_signer
    from holder.flows.oid4vci import receive
    from jpki_bridge.pin import PinKind

    with open_session(reader, emulator) as session:
        pin = ask_pin(session, PinKind.AUTH, from_stdin=pin_stdin, allow_last=allow_last_try)
        signer = card_signer(session, pin, allow_last_try=allow_last_try)
        return receive(offer, client, tx_code=tx_code, card=signer)


@app.command("present")
def present_(
    request: Annotated[
        str,
        typer.Argument(metavar="REQUEST", help="The employer's openid4vp:// link (or its QR text)"),
    ],
    *,
    wallet: WalletOption = None,
    passphrase_file: PassphraseFileOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Agree without being asked (scripts)")] = False,
    reader: CardReaderOption = None,
    emulator: CardEmulatorOption = None,
    pin_stdin: CardPinStdinOption = False,
    verifier_roots: Annotated[
        list[Path] | None,
        typer.Option(
            "--verifier-roots",
            metavar="FILE",
            help="Also trust the verifier certificates chaining to the roots in this PEM file "
            f"(repeatable; also ${ENV_VERIFIER_ROOTS}, files separated by {os.pathsep!r}).",
        ),
    ] = None,
    lang: LangOption = "ja",
) -> None:
    """Show an employer what they ask for (OpenID4VP 1.0), after you agree.

    The employer's certificate must chain to a root this wallet trusts: the web PKI's
    certificate authorities and the ones given with --verifier-roots. A credential bound to
    your My Number Card is signed on the card: the tries left are shown and the PIN is asked
    once (never retried, never shown)."""
    from holder.flows.oid4vp import fetch_request, match, respond
    from holder.http_client import open_client
    from holder.verifier_roots import VerifierRoots, load_roots
    from vc_core.errors import WalletError

    configured = [Path(p) for p in os.environ.get(ENV_VERIFIER_ROOTS, "").split(os.pathsep) if p]
    roots = VerifierRoots.default(load_roots([*configured, *(verifier_roots or [])]))
    store = _open(wallet, passphrase_file, lang)
    with open_client() as client:
        asked = fetch_request(request, client, roots=roots)
        chosen = match(asked, store.credentials())
        _say(
            f"確認を求めている相手: {asked.verifier_name}", f"Asked by: {asked.verifier_name}", lang
        )
        _say("提示する項目:", "What will be shown:", lang)
        for pointer in chosen.disclose:
            typer.echo(f"  {pointer.lstrip('/')}")
        for pointer in chosen.hidden_by_default:
            _say(
                f"  注意: {pointer} は通常は見せない項目です",
                f"  Note: {pointer} is normally not shown to employers",
                lang,
            )
        agreed = yes or typer.confirm("提示しますか / Show it?", default=False)
        if not agreed:
            raise WalletError("wallet.consent_refused", "nothing was sent")
        if chosen.credential.holder_mode == "card":
            answer = _respond_on_card(
                asked, chosen, client, reader=reader, emulator=emulator, pin_stdin=pin_stdin
            )
        else:
            assert chosen.credential.key_id is not None
            answer = respond(asked, chosen, store.key(chosen.credential.key_id), client)
    if answer.status_code >= 400:
        detail = (
            answer.json().get("code", answer.status_code) if answer.text else answer.status_code
        )
        _say(f"相手は受け付けませんでした（{detail}）", f"The verifier refused it ({detail})", lang)
        raise typer.Exit(2)
    _say("提示しました。", "Shown.", lang)


def _respond_on_card(
    asked: Any,
    chosen: Any,
    client: Any,
    *,
    reader: str | None,
    emulator: Path | None,
    pin_stdin: bool,
) -> Any:
    """Sign the KB-JWT on the card (auth key, RS256, chain in x5c) and send the answer."""
    from cli.card import ask_pin, open_session
    from holder.card import card_signer
    from holder.flows.oid4vp import respond
    from jpki_bridge.pin import PinKind

    with open_session(reader, emulator) as session:
        pin = ask_pin(session, PinKind.AUTH, from_stdin=pin_stdin, allow_last=False)
        signer = card_signer(session, pin)
        return respond(asked, chosen, signer, client, chain=signer.chain)


@app.command("list")
def list_(
    wallet: WalletOption = None,
    passphrase_file: PassphraseFileOption = None,
    lang: LangOption = "ja",
) -> None:
    """List the credentials you hold: qualification, issuer, form, received, status."""
    from cli.wallet_view import render_list

    store = _open(wallet, passphrase_file, lang)
    _print(render_list(store.credentials(), lang=lang))


@app.command("show")
def show(
    credential_id: IdArgument,
    wallet: WalletOption = None,
    passphrase_file: PassphraseFileOption = None,
    lang: LangOption = "ja",
) -> None:
    """Show one credential in plain words, marking what employers do not see by default."""
    from cli.wallet_view import render_details

    store = _open(wallet, passphrase_file, lang)
    _print(render_details(store.credential(credential_id), lang=lang))


@app.command("delete")
def delete(
    credential_id: IdArgument,
    wallet: WalletOption = None,
    passphrase_file: PassphraseFileOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation")] = False,
    lang: LangOption = "ja",
) -> None:
    """Delete a credential (and the wallet key only it used), after asking."""
    from cli.wallet_view import one_line
    from vc_schemas.text import Text

    store = _open(wallet, passphrase_file, lang)
    target = store.credential(credential_id)
    question = Text("この資格証明を削除しますか？", "Delete this credential?").both(lang)
    if not yes and not typer.confirm(f"{one_line(target, lang)}\n{question}", default=False):
        _say("削除しませんでした。", "Nothing was deleted.", lang)
        raise typer.Exit(1)
    gone = store.delete(target.id)
    _say(f"削除しました: {one_line(gone, lang)}", f"Deleted: {one_line(gone, lang)}", lang)


@app.command("export")
def export(
    target: Annotated[Path, typer.Argument(metavar="FILE", help="The backup file to create")],
    wallet: WalletOption = None,
    passphrase_file: PassphraseFileOption = None,
    backup_passphrase_file: BackupPassphraseFileOption = None,
    lang: LangOption = "ja",
) -> None:
    """Write a backup of the whole wallet under a new passphrase (never overwrites)."""
    _refuse_existing(target)
    store = _open(wallet, passphrase_file, lang)
    passphrase = _passphrase(backup_passphrase_file, lang, new=True, backup=True)
    count = store.export_to(target, passphrase)
    _say(
        f"{count}件の資格証明をバックアップしました: {target}",
        f"Backed up {count} credential(s) to {target}",
        lang,
    )


@app.command("import")
def import_(
    source: Annotated[Path, typer.Argument(metavar="FILE", help="A backup made by export")],
    wallet: WalletOption = None,
    passphrase_file: PassphraseFileOption = None,
    backup_passphrase_file: BackupPassphraseFileOption = None,
    lang: LangOption = "ja",
) -> None:
    """Merge a backup into the wallet; prints how many credentials were new."""
    from vc_core.errors import InputError

    if not source.is_file():  # Not "no wallet yet": the wallet is there, the backup is not.
        raise InputError("input.unreadable", f"there is no backup file at {source}")
    store = _open(wallet, passphrase_file, lang)
    passphrase = _passphrase(backup_passphrase_file, lang, backup=True)
    added = store.import_from(source, passphrase)
    _say(
        f"{added}件の資格証明を追加しました（既にあったものは除く）",
        f"{added} new credential(s) added (those already held were skipped)",
        lang,
    )
