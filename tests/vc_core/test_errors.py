"""Errors keep their code, message and details when pickled (process pools, queues)."""

from __future__ import annotations

import pickle

from vc_core.errors import CardError, NonceError, StorageError


def test_errors_survive_pickling_with_their_code_and_details() -> None:
    for error in (
        StorageError("storage.failed", "the database failed: disk I/O error"),
        NonceError("nonce.mismatch", "issued for another audience", field="audience"),
        CardError("card.pin_incorrect", retries_left=2),
    ):
        back = pickle.loads(pickle.dumps(error))  # Our own bytes.
        assert type(back) is type(error)
        assert back.to_dict() == error.to_dict()
