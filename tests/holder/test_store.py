"""The wallet store: encrypted, never loses what it holds, tells a wrong passphrase from damage."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from holder.store import KdfParams, WalletStore
from vc_core.errors import WalletError
from vc_core.keys import generate_key

PASS = "correct horse battery staple"


def fast() -> KdfParams:
    """Cheap parameters keep the tests quick; the defaults are what a holder's wallet uses."""
    return KdfParams(iterations=1, lanes=1, memory=1024)


@pytest.fixture
def wallet(tmp_path: Path) -> WalletStore:
    return WalletStore.init(tmp_path / "wallet.json", PASS, params=fast())


def test_a_wallet_keeps_credentials_and_their_keys_across_opening(wallet: WalletStore) -> None:
    key = generate_key("p256")
    stored = wallet.add(
        "eyJ.a.b~d1~", format="dc+sd-jwt", qualification="kangoshi", key=key, holder_mode="wallet"
    )
    assert wallet.add("eyJ.a.b~d1~", format="dc+sd-jwt") == stored  # the same body is kept once
    again = WalletStore.open(wallet.path, PASS)
    assert again.credentials() == (stored,)
    assert again.credential(stored.id[:6]) == stored
    assert stored.key_id is not None
    assert again.key(stored.key_id).private_jwk() == key.private_jwk()
    assert os.stat(wallet.path).st_mode & 0o777 == 0o600
    assert b"eyJ.a.b" not in wallet.path.read_bytes()  # encrypted at rest


def test_a_wrong_passphrase_is_told_apart_from_damage_and_changes_nothing(
    wallet: WalletStore,
) -> None:
    wallet.add("body", format="vc+jwt")
    before = wallet.path.read_bytes()
    with pytest.raises(WalletError) as raised:
        WalletStore.open(wallet.path, "wrong passphrase")
    assert raised.value.code == "wallet.passphrase_incorrect"
    damaged = bytearray(before)
    at = before.index(b'"ciphertext": "') + 20
    damaged[at] = ord("A") if damaged[at] != ord("A") else ord("B")
    wallet.path.write_bytes(bytes(damaged))
    with pytest.raises(WalletError) as raised:
        WalletStore.open(wallet.path, PASS)
    assert raised.value.code == "wallet.store_corrupt"
    wallet.path.write_bytes(before)
    assert len(WalletStore.open(wallet.path, PASS).credentials()) == 1


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_damage_is_refused_or_harmless(wallet: WalletStore, data: st.DataObject) -> None:
    wallet.add("body", format="vc+jwt")  # stored once, however many examples run
    original = wallet.path.read_bytes()
    at = data.draw(st.integers(0, len(original) - 1))
    value = data.draw(st.integers(0, 255).filter(lambda b: b != original[at]))
    wallet.path.write_bytes(original[:at] + bytes([value]) + original[at + 1 :])
    try:
        opened = WalletStore.open(wallet.path, PASS)
    except WalletError as exc:
        assert exc.code in ("wallet.store_corrupt", "wallet.passphrase_incorrect")
    else:  # Only a change JSON ignores (whitespace) may open, and then to the same contents.
        assert opened.credentials() == wallet.credentials()
    finally:
        wallet.path.write_bytes(original)


def test_init_never_overwrites_and_open_says_when_there_is_none(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    WalletStore.init(path, PASS, params=fast())
    with pytest.raises(WalletError) as raised:
        WalletStore.init(path, "another passphrase", params=fast())
    assert raised.value.code == "wallet.store_exists"
    with pytest.raises(WalletError) as raised:
        WalletStore.open(tmp_path / "none.json", PASS)
    assert raised.value.code == "wallet.store_missing"
    path.write_text("not json")
    with pytest.raises(WalletError) as raised:
        WalletStore.open(path, PASS)
    assert raised.value.code == "wallet.store_corrupt"


def test_a_file_asking_for_absurd_key_derivation_is_refused_before_deriving(
    wallet: WalletStore,
) -> None:
    text = wallet.path.read_text().replace('"memory": 1024', '"memory": 4194304')
    wallet.path.write_text(text)
    with pytest.raises(WalletError) as raised:
        WalletStore.open(wallet.path, PASS)
    assert raised.value.code == "wallet.store_corrupt"


def test_export_and_import_carry_everything_once(wallet: WalletStore, tmp_path: Path) -> None:
    key = generate_key("p256")
    wallet.add("one", format="dc+sd-jwt", key=key)
    wallet.add("two", format="ldp_vc")
    backup = tmp_path / "backup.json"
    assert wallet.export_to(backup, "backup passphrase 2026", params=fast()) == 2
    other = WalletStore.init(tmp_path / "new.json", PASS, params=fast())
    assert other.import_from(backup, "backup passphrase 2026") == 2
    assert other.import_from(backup, "backup passphrase 2026") == 0
    bodies = {c.body: c for c in other.credentials()}
    assert set(bodies) == {"one", "two"}
    key_id = bodies["one"].key_id
    assert key_id is not None and other.key(key_id).private_jwk() == key.private_jwk()
    with pytest.raises(WalletError):
        other.import_from(backup, "wrong")


def test_delete_removes_the_credential_and_the_key_only_it_used(wallet: WalletStore) -> None:
    stored = wallet.add("one", format="dc+sd-jwt", key=generate_key("p256"))
    wallet.delete(stored.id)
    assert wallet.credentials() == ()
    assert stored.key_id is not None
    with pytest.raises(Exception, match="holds no key"):
        wallet.key(stored.key_id)
    with pytest.raises(WalletError) as raised:
        wallet.delete(stored.id)
    assert raised.value.code == "wallet.credential_unknown"


def test_a_held_lock_is_waited_for_then_refused(wallet: WalletStore, tmp_path: Path) -> None:
    busy = WalletStore.open(wallet.path, PASS, timeout=0.2)
    fd = os.open(wallet.path.with_name(wallet.path.name + ".lock"), os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(WalletError) as raised:
            busy.add("x", format="vc+jwt")
        assert raised.value.code == "wallet.store_busy"
    finally:
        os.close(fd)
    assert busy.add("x", format="vc+jwt").body == "x"


_WRITER = """
import sys
from pathlib import Path
from holder.store import WalletStore
store = WalletStore.open(Path(sys.argv[1]), sys.argv[2], timeout=60)
for i in range(15):
    store.add(f"{sys.argv[3]}-{i}", format="vc+jwt")
"""


def test_two_processes_adding_at_once_lose_nothing(wallet: WalletStore) -> None:
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(wallet.path), PASS, name])
        for name in ("a", "b")
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    bodies = {c.body for c in WalletStore.open(wallet.path, PASS).credentials()}
    assert bodies == {f"{n}-{i}" for n in ("a", "b") for i in range(15)}
