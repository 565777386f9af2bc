"""``shikaku wallet``, driven through the real CLI with credentials the project's own Issuer signs.

A nurse makes her wallet, adds the credentials her board sent her, lists and reads them, backs
the wallet up, deletes and restores. Every refusal has its own exit code and changes nothing
on disk; the passphrase never appears in anything printed. One test types the passphrase into
a real terminal (tmux) to see that the screen never shows it.
"""

from __future__ import annotations

import fcntl
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from cli.errors import EXIT_CODES, EXIT_REFUSED, exit_code
from cli.samples import jp_sample_credential
from holder.present import present
from holder.store import WalletStore
from issuer.jose_forms import HolderBinding
from issuer.service import Issuer
from vc_core.did import did_key_from_public_key
from vc_core.errors import CODES, ShikakuError, WalletError
from vc_core.keys import SoftwareKey, generate_key
from verifier.trust import TrustedIssuer, TrustRegistry

PASS = "nurse-passphrase-7f3k"
BACKUP_PASS = "backup-passphrase-q9z2"


@dataclass(frozen=True)
class Board:
    """A board's Issuer (a did:key signer) and the holder's wallet key."""

    issuer: Issuer
    holder: SoftwareKey

    @property
    def did(self) -> str:
        return did_key_from_public_key(self.issuer.signer.public_key)

    def sd_jwt(self, serial: int = 1) -> str:
        issued = self.issuer.issue(
            jp_sample_credential(serial=serial, issuer=self.did),
            form="dc+sd-jwt",
            holder=HolderBinding.of_key(self.holder.public_key),
        )
        assert isinstance(issued.secured, str)
        return issued.secured

    def data_integrity(self, serial: int = 2, issuer: str | None = None) -> str:
        credential = jp_sample_credential(serial=serial, issuer=issuer or self.did)
        issued = self.issuer.issue(credential, form="ecdsa-sd-2023")
        return json.dumps(issued.secured, ensure_ascii=False)


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@dataclass
class Wallet:
    """The CLI, run against one wallet file, with files for the passphrases (mode 0600)."""

    path: Path
    folder: Path
    runs: list[Run]

    def file(self, name: str, text: str, mode: int = 0o600) -> Path:
        target = self.folder / name
        target.write_text(text, encoding="utf-8")
        target.chmod(mode)
        return target

    @property
    def passphrase(self) -> list[str]:
        return ["--passphrase-file", str(self.file("pass.txt", PASS + "\n"))]

    def __call__(self, *args: str, input: str | None = None) -> Run:
        runner = CliRunner()
        env = {"SHIKAKU_WALLET": str(self.path), "COLUMNS": "200", "NO_COLOR": "1"}
        result = runner.invoke(app, list(args), input=input, env=env)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        run = Run(result.exit_code, result.stdout, result.stderr)
        self.runs.append(run)
        return run


@pytest.fixture(scope="module")
def board() -> Board:
    return Board(Issuer(generate_key("p256")), generate_key("p256"))


@pytest.fixture
def wallet(tmp_path: Path) -> Iterator[Wallet]:
    made = Wallet(tmp_path / "data" / "wallet.json", tmp_path, [])
    yield made
    for run in made.runs:  # Whatever a test did, no passphrase was ever printed.
        assert PASS not in run.text and BACKUP_PASS not in run.text


@pytest.fixture
def ready(wallet: Wallet) -> Wallet:
    assert wallet("wallet", "init", *wallet.passphrase).code == 0
    return wallet


def _flat(text: str) -> str:
    return " ".join(text.replace("│", " ").split())


def test_the_wallet_lives_under_xdg_data_home_by_default(tmp_path: Path) -> None:
    secret = tmp_path / "pass.txt"
    secret.write_text(PASS)
    secret.chmod(0o600)
    env = {"SHIKAKU_WALLET": "", "XDG_DATA_HOME": str(tmp_path / "xdg")}
    made = CliRunner().invoke(app, ["wallet", "init", "--passphrase-file", str(secret)], env=env)
    assert made.exit_code == 0, made.output
    path = tmp_path / "xdg" / "shikaku" / "wallet" / "wallet.json"
    assert WalletStore.open(path, PASS).credentials() == ()
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_the_whole_round_trip(ready: Wallet, board: Board, tmp_path: Path) -> None:
    run = ready
    sd_jwt = run.file("kangoshi.sdjwt", board.sd_jwt())
    holder_key = tmp_path / "holder.jwk"
    board.holder.save(holder_key)
    added = run("wallet", "add", str(sd_jwt), *run.passphrase, "--key", str(holder_key))
    assert added.code == 0, added.err
    shown = _flat(added.out)
    assert "ウォレットに追加しました" in shown and "看護師" in shown and "厚生労働大臣" in shown
    assert "✔ この端末で確認しました" in shown  # did:key issuer: checked, and said so
    assert "ウォレットの鍵（この端末に保管）" in shown

    di_file = run.file("kangoshi.json", board.data_integrity())
    assert run("wallet", "add", str(di_file), *run.passphrase).code == 0
    again = run("wallet", "add", str(di_file), *run.passphrase, "--lang", "en")
    assert again.code == 0 and "Already in the wallet" in _flat(again.out)

    listed = run("wallet", "list", *run.passphrase)
    assert listed.code == 0
    rows = [line for line in listed.out.splitlines() if "看護師" in line]
    assert len(rows) == 2
    assert all("未確認" in row for row in rows)  # never checked: said so, not "valid"
    assert "SD-JWT VC" in listed.out and "Data Integrity" in listed.out
    assert "受け取った日" in listed.out

    store = WalletStore.open(run.path, PASS)
    sd_id = next(c.id for c in store.credentials() if c.format == "dc+sd-jwt")
    di_id = next(c.id for c in store.credentials() if c.format == "ldp_vc")

    backup = tmp_path / "backup.json"
    backup_pass = ["--backup-passphrase-file", str(run.file("backup.txt", BACKUP_PASS))]
    exported = run("wallet", "export", str(backup), *run.passphrase, *backup_pass)
    assert exported.code == 0 and "2件" in exported.out
    assert WalletStore.open(backup, BACKUP_PASS).credentials() == store.credentials()

    deleted = run("wallet", "delete", sd_id[:8], "--yes", *run.passphrase)
    assert deleted.code == 0 and "削除しました" in deleted.out
    assert [c.id for c in WalletStore.open(run.path, PASS).credentials()] == [di_id]

    imported = run("wallet", "import", str(backup), *run.passphrase, *backup_pass)
    assert imported.code == 0 and "1件" in imported.out
    restored = WalletStore.open(run.path, PASS)
    assert {c.id for c in restored.credentials()} == {sd_id, di_id}
    key_id = restored.credential(sd_id).key_id
    assert key_id is not None
    assert restored.key(key_id).private_jwk() == board.holder.private_jwk()
    imported_en = run(
        "wallet", "import", str(backup), *run.passphrase, *backup_pass, "--lang", "en"
    )
    assert imported_en.code == 0 and imported_en.out.startswith("0 new credential(s) added")


def test_show_decodes_the_disclosures_and_marks_what_employers_do_not_see(
    ready: Wallet, board: Board
) -> None:
    run = ready
    assert run("wallet", "add", str(run.file("c.sdjwt", board.sd_jwt())), *run.passphrase).code == 0
    stored = WalletStore.open(run.path, PASS).credentials()[0]
    ja = run("wallet", "show", stored.id[:6], *run.passphrase)
    assert ja.code == 0, ja.err
    rows = [[c.strip() for c in line.split("│") if c.strip()] for line in ja.out.splitlines()]
    lines = {cells[0]: " ".join(cells) for cells in rows if len(cells) == 3}
    # The holder's own data, from the SD-JWT's disclosures, in plain words.
    assert "1234567" in lines["登録番号"] and "本人が選択" in lines["登録番号"]
    assert "山田" in lines["氏"] and "花子" in lines["名"]
    assert "東京都" in lines["本籍地都道府県"] and "原則非表示" in lines["本籍地都道府県"]
    assert "女" in lines["性別"] and "原則非表示" in lines["性別"]
    assert "看護師籍" in lines["登録簿"] and "常に表示" in lines["登録簿"]
    assert "2015年4月23日" in lines["登録年月日"] and "1992年7月15日" in lines["生年月日"]
    flat = _flat(ja.out)
    assert "SD-JWT VC" in flat and "未確認" in flat
    assert "ウォレットの鍵（このウォレットにはありません）" in flat  # no --key was given
    assert stored.body not in ja.out  # the file itself is not dumped

    en = run("wallet", "show", stored.id, *run.passphrase, "--lang", "en")
    en_lines = [line for line in en.out.splitlines() if "Prefecture of registered domicile" in line]
    assert en.code == 0 and len(en_lines) == 1 and "hidden by default" in en_lines[0]
    assert "Tokyo" in en_lines[0]
    assert "checked on this machine" in _flat(en.out)


def test_a_status_check_is_shown_with_when(ready: Wallet, board: Board) -> None:
    run = ready
    assert run("wallet", "add", str(run.file("c.sdjwt", board.sd_jwt())), *run.passphrase).code == 0
    store = WalletStore.open(run.path, PASS)
    store.set_status(store.credentials()[0].id, {"state": "suspended"})
    listed = run("wallet", "list", *run.passphrase)
    assert "業務停止中" in listed.out and "確認）" in listed.out
    assert "Suspended (checked " in run("wallet", "list", *run.passphrase, "--lang", "en").out


def test_an_issuer_the_wallet_cannot_tie_to_its_key_is_said_so(ready: Wallet, board: Board) -> None:
    run = ready
    web = run.file("web.json", board.data_integrity(issuer="did:web:kangoshi.mhlw.example.jp"))
    added = run("wallet", "add", str(web), *run.passphrase, "--lang", "en")
    assert added.code == 0
    text = _flat(added.out)
    assert "cannot tell whether the key that made it is the issuer's" in text
    assert "checked on this machine" not in text  # never claims the check it did not make


def test_prompts_ask_twice_hide_the_passphrase_and_open_the_wallet(wallet: Wallet) -> None:
    run = wallet
    made = run("wallet", "init", input=f"first-try\nnot-the-same\n{PASS}\n{PASS}\n")
    assert made.code == 0, made.text
    assert "first-try" not in made.text and "not-the-same" not in made.text
    assert "新しいウォレットのパスフレーズ" in made.out and "もう一度" in made.out
    assert WalletStore.open(run.path, PASS).credentials() == ()
    listed = run("wallet", "list", "--lang", "en", input=f"{PASS}\n")
    assert listed.code == 0 and "Wallet passphrase" in listed.out
    assert "holds no credential yet" in _flat(listed.out)
    wrong = run("wallet", "list", input="qz-not-hers-81\n")
    assert wrong.code == 3 and "qz-not-hers-81" not in wrong.text


def test_a_wrong_passphrase_exits_3_and_changes_nothing(ready: Wallet, board: Board) -> None:
    run = ready
    assert run("wallet", "add", str(run.file("c.sdjwt", board.sd_jwt())), *run.passphrase).code == 0
    before = run.path.read_bytes()
    wrong = ["--passphrase-file", str(run.file("wrong.txt", "not it\n"))]
    stored_id = WalletStore.open(run.path, PASS).credentials()[0].id
    attempts = [
        ("wallet", "list", *wrong),
        ("wallet", "show", stored_id, *wrong),
        ("wallet", "delete", stored_id, "--yes", *wrong),
        ("wallet", "add", str(run.file("d.json", board.data_integrity())), *wrong),
    ]
    for args in attempts:
        refused = run(*args)
        assert refused.code == 3, (args, refused.text)
        assert "error: wallet.passphrase_incorrect: パスフレーズが違います" in refused.err
        assert "not it" not in refused.text
    assert run.path.read_bytes() == before


def test_a_damaged_wallet_exits_4_and_stays_as_it_was(ready: Wallet) -> None:
    run = ready
    original = run.path.read_bytes()
    at = original.index(b'"ciphertext": "') + 20
    damaged = original[:at] + (b"A" if original[at : at + 1] != b"A" else b"B") + original[at + 1 :]
    run.path.write_bytes(damaged)
    refused = run("wallet", "list", *run.passphrase)
    assert refused.code == 4 and "wallet.store_corrupt" in refused.err
    assert "壊れています" in refused.err
    assert run.path.read_bytes() == damaged
    run.path.write_text("not a wallet at all")
    assert run("wallet", "show", "abcd", *run.passphrase).code == 4


def test_missing_wallet_unknown_credential_and_existing_files(
    wallet: Wallet, tmp_path: Path
) -> None:
    run = wallet
    missing = run("wallet", "list")  # no prompt: there is nothing to open
    assert missing.code == 5 and "shikaku wallet init" in missing.err
    assert run("wallet", "init", *run.passphrase).code == 0
    again = run("wallet", "init", *run.passphrase)
    assert again.code == 7 and "wallet.store_exists" in again.err
    unknown = run("wallet", "show", "0000ffff", *run.passphrase)
    assert unknown.code == 5 and "wallet.credential_unknown" in unknown.err
    taken = run.file("taken.json", "keep me")
    backup = ["--backup-passphrase-file", str(run.file("b.txt", BACKUP_PASS))]
    refused = run("wallet", "export", str(taken), *run.passphrase, *backup)
    assert refused.code == 7 and taken.read_text() == "keep me"
    nothing = run("wallet", "import", str(tmp_path / "none.json"), *run.passphrase, *backup)
    assert nothing.code == EXIT_REFUSED and "input.unreadable" in nothing.err


def test_a_passphrase_file_others_can_read_is_refused(wallet: Wallet) -> None:
    run = wallet
    loose = run.file("loose.txt", PASS + "\n", mode=0o644)
    refused = run("wallet", "init", "--passphrase-file", str(loose))
    assert refused.code == 8 and "chmod 600" in refused.err
    assert not run.path.exists()
    empty = run.file("empty.txt", "\n")
    no_passphrase = run("wallet", "init", "--passphrase-file", str(empty))
    assert no_passphrase.code == EXIT_REFUSED and "holds no passphrase" in no_passphrase.err
    assert not run.path.exists()


def test_a_busy_wallet_exits_6(ready: Wallet, board: Board) -> None:
    run = ready
    before = run.path.read_bytes()
    fd = os.open(run.path.with_name(run.path.name + ".lock"), os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another shikaku, in the middle of a change
        busy = run("wallet", "add", str(run.file("c.sdjwt", board.sd_jwt())), *run.passphrase)
    finally:
        os.close(fd)
    assert busy.code == 6 and "wallet.store_busy" in busy.err
    assert run.path.read_bytes() == before


def test_what_is_not_a_credential_exits_9_and_nothing_is_stored(
    ready: Wallet, board: Board
) -> None:
    run = ready
    before = run.path.read_bytes()
    presentation = present(
        board.sd_jwt(),
        disclose=["/licenseNumber"],
        signer=board.holder,
        nonce="n-1",
        audience="https://hospital.example.jp",
        now=datetime.now(UTC),
    )
    for name, text in [
        ("note.txt", "山田花子 看護師 1234567"),
        ("other.json", '{"hello": "world"}'),
        ("presented.sdjwt", presentation),
    ]:
        refused = run("wallet", "add", str(run.file(name, text)), *run.passphrase)
        assert refused.code == 9, (name, refused.text)
        assert "error: wallet.not_a_credential: 資格証明のファイルではありません" in refused.err
    assert run.path.read_bytes() == before


def test_a_credential_whose_signature_fails_is_refused(ready: Wallet, board: Board) -> None:
    run = ready
    before = run.path.read_bytes()
    jwt, _, rest = board.sd_jwt().partition("~")
    head, payload, signature = jwt.split(".")
    forged = f"{head}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    refused = run("wallet", "add", str(run.file("forged.sdjwt", f"{forged}~{rest}")))
    assert refused.code == EXIT_REFUSED and "jose.signature_invalid" in refused.err
    altered = json.loads(board.data_integrity())
    altered["credentialSubject"]["licenseNumber"] = "7654321"
    refused = run("wallet", "add", str(run.file("altered.json", json.dumps(altered))))
    assert refused.code == EXIT_REFUSED and "proof." in refused.err
    assert run.path.read_bytes() == before


def test_a_wallet_key_that_is_not_the_bound_one_is_refused(
    ready: Wallet, board: Board, tmp_path: Path
) -> None:
    run = ready
    other = tmp_path / "other.jwk"
    generate_key("p256").save(other)
    sd_jwt = run.file("c.sdjwt", board.sd_jwt())
    refused = run("wallet", "add", str(sd_jwt), *run.passphrase, "--key", str(other))
    assert refused.code == EXIT_REFUSED and "wallet.key_mismatch" in refused.err
    assert WalletStore.open(run.path, PASS).credentials() == ()


def test_delete_asks_first(ready: Wallet, board: Board) -> None:
    run = ready
    assert run("wallet", "add", str(run.file("c.sdjwt", board.sd_jwt())), *run.passphrase).code == 0
    stored_id = WalletStore.open(run.path, PASS).credentials()[0].id
    declined = run("wallet", "delete", stored_id[:8], *run.passphrase, input="n\n")
    assert (
        declined.code == 1
        and "削除しますか" in declined.out
        and "削除しませんでした" in declined.out
    )
    assert len(WalletStore.open(run.path, PASS).credentials()) == 1
    accepted = run("wallet", "delete", stored_id[:8], *run.passphrase, "--lang", "en", input="y\n")
    assert accepted.code == 0 and "Deleted:" in accepted.out
    assert WalletStore.open(run.path, PASS).credentials() == ()


def test_only_wallet_refusals_have_their_own_exit_codes() -> None:
    assert set(EXIT_CODES) <= set(CODES) and all(c.startswith("wallet.") for c in EXIT_CODES)
    kinds = {code: number for code, number in EXIT_CODES.items()}
    assert kinds["wallet.store_missing"] == kinds["wallet.credential_unknown"] == 5
    # A verifier not to be believed: its certificate names someone else, or no root vouches.
    assert kinds["wallet.verifier_mismatch"] == kinds["wallet.verifier_untrusted"] == 11
    shared = ("wallet.store_missing", "wallet.credential_unknown", "wallet.verifier_untrusted")
    others = [n for c, n in kinds.items() if c not in shared]
    assert len(set(others)) == len(others) and EXIT_REFUSED not in kinds.values()
    assert exit_code(ShikakuError("proof.invalid_signature")) == EXIT_REFUSED
    assert exit_code(WalletError("wallet.passphrase_incorrect")) == 3


# -- a real terminal ---------------------------------------------------------------------------


def _screen(socket: str) -> str:
    done = subprocess.run(
        ["tmux", "-L", socket, "capture-pane", "-p", "-t", "wallet"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _wait_for(socket: str, wanted: Callable[[str], bool], what: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        screen = _screen(socket)
        if wanted(screen):
            return screen
        time.sleep(0.2)
    raise AssertionError(f"the terminal never showed {what}:\n{_screen(socket)}")


@pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed (scripts/system-deps.sh)"
)
def test_init_in_a_real_terminal_never_shows_the_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "wallet.json"
    socket = f"shikaku-test-{uuid.uuid4().hex[:8]}"
    shikaku = Path(sys.executable).parent / "shikaku"
    command = (
        f"SHIKAKU_WALLET={shlex.quote(str(path))} COLUMNS=100 {shlex.quote(str(shikaku))} "
        "wallet init; echo EXIT=$?; sleep 120"
    )
    subprocess.run(
        [
            "tmux",
            "-L",
            socket,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "wallet",
            "-x",
            "120",
            "-y",
            "30",
            command,
        ],
        check=True,
    )
    try:
        _wait_for(socket, lambda s: "パスフレーズ" in s, "the passphrase prompt")
        subprocess.run(
            ["tmux", "-L", socket, "send-keys", "-t", "wallet", PASS, "Enter"], check=True
        )
        _wait_for(socket, lambda s: "もう一度" in s, "the confirmation prompt")
        subprocess.run(
            ["tmux", "-L", socket, "send-keys", "-t", "wallet", PASS, "Enter"], check=True
        )
        screen = _wait_for(socket, lambda s: "EXIT=" in s, "the command ending")
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], check=False)
    assert "EXIT=0" in screen and "ウォレットを作りました" in screen, screen
    assert PASS not in screen
    assert WalletStore.open(path, PASS).credentials() == ()


def test_a_file_from_a_board_her_trust_list_does_not_name_is_not_kept(
    ready: Wallet, board: Board
) -> None:
    trust = ready.file("trust.toml", "")
    sd_jwt = ready.file("kangoshi.sdjwt", board.sd_jwt())
    other = TrustedIssuer(
        id="did:web:ishi.board.example.jp",
        name_ja="別の登録機関",
        name_en="Another board",
        qualifications=frozenset({"kangoshi"}),
    )
    TrustRegistry([other]).save(trust)
    refused = ready("wallet", "add", str(sd_jwt), "--trust", str(trust), *ready.passphrase)
    assert refused.code == 15 and "wallet.issuer_untrusted" in refused.err
    assert "看護師" not in ready("wallet", "list", *ready.passphrase).out
    named = TrustedIssuer(
        id=board.did,
        name_ja="厚生労働大臣",
        name_en="Minister of Health, Labour and Welfare",
        qualifications=frozenset({"kangoshi"}),
    )
    TrustRegistry([other, named]).save(trust)
    kept = ready("wallet", "add", str(sd_jwt), "--trust", str(trust), *ready.passphrase)
    assert kept.code == 0, kept.err
