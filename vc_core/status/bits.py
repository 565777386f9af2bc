"""Packed status entries: the uncompressed byte array behind both status-list formats.

Both formats pack fixed-width status entries into bytes but disagree on the order of the bits:

- W3C Bitstring Status List v1.0, §2.2 (``encodedList``) and §3.3 (Bitstring Generation
  Algorithm): entry ``i`` starts at bit position ``i * statusSize``, counted from the left-most
  (most significant) bit of byte 0, and its value is read most significant bit first (``"msb"``).
- IETF Token Status List (draft-ietf-oauth-status-list), §4.1 (Status List): entry ``i`` of a
  ``bits``-wide list lives in byte ``i * bits // 8``, starting from the least significant bit
  (``"lsb"``); ``bits`` is 1, 2, 4 or 8, so an entry never crosses a byte boundary.

:class:`PackedStatusList` holds either layout, gets and sets entries in constant time, lists
the non-zero entries quickly, and converts between the layouts with one byte translation.
"""

from __future__ import annotations

import re
from typing import Literal

from vc_core.errors import StatusError

__all__ = ["MAX_LIST_BYTES", "TOKEN_BITS", "BitOrder", "PackedStatusList"]

BitOrder = Literal["msb", "lsb"]

#: The entry widths the IETF Token Status List allows (§4.1).
TOKEN_BITS = (1, 2, 4, 8)
#: The largest list shikaku builds or reads, in bytes: 16 MiB holds 16 million 8-bit entries,
#: 128 million 1-bit ones. Larger is refused as ``status.list_too_large`` before allocating.
MAX_LIST_BYTES = 16 * 1024 * 1024

_NON_ZERO = re.compile(rb"[^\x00]")


def _reorder_table(bits: int) -> bytes:
    """The byte translation that swaps the msb and lsb layouts of ``bits``-wide entries.

    Group ``k`` counted from the top of a byte in the msb layout becomes group ``k`` counted
    from the bottom in the lsb layout, each value unchanged; the mapping is its own inverse.
    """
    mask = (1 << bits) - 1
    groups = 8 // bits
    table = bytearray(256)
    for byte in range(256):
        out = 0
        for k in range(groups):
            value = (byte >> (8 - (k + 1) * bits)) & mask
            out |= value << (k * bits)
        table[byte] = out
    return bytes(table)


_REORDER = {bits: _reorder_table(bits) for bits in TOKEN_BITS}


class PackedStatusList:
    """``size`` status entries of ``bits`` bits each, packed in ``order`` (see the module).

    The list is mutable on purpose: a registry flips one entry and republishes, which must not
    copy the whole array. Values are checked against the width; indexes against the size.
    """

    __slots__ = ("_data", "bits", "order", "size")

    def __init__(
        self,
        size: int,
        bits: int = 1,
        *,
        order: BitOrder = "msb",
        data: bytes | bytearray | None = None,
    ) -> None:
        if order == "lsb" and bits not in TOKEN_BITS:
            raise StatusError("status.bits_unsupported", f"bits must be 1, 2, 4 or 8, not {bits}")
        if not 1 <= bits <= 8:
            raise StatusError("status.bits_unsupported", f"status size must be 1 to 8, not {bits}")
        if size < 0:
            raise StatusError("status.index_out_of_range", "a list cannot have a negative size")
        length = (size * bits + 7) // 8
        if length > MAX_LIST_BYTES:
            raise StatusError(
                "status.list_too_large",
                f"{size} entries of {bits} bit(s) need {length} bytes; "
                f"the limit is {MAX_LIST_BYTES}",
            )
        if data is None:
            self._data = bytearray(length)
        else:
            if len(data) != length:
                raise StatusError(
                    "status.list_malformed", f"{size} entries need {length} bytes, not {len(data)}"
                )
            self._data = bytearray(data)
        self.size = size
        self.bits = bits
        self.order: BitOrder = order

    @classmethod
    def from_bytes(
        cls, data: bytes | bytearray, bits: int = 1, *, order: BitOrder = "msb"
    ) -> PackedStatusList:
        """Every whole entry the bytes hold (a trailing partial entry is not an entry)."""
        return cls._wrap(bytearray(data), (len(data) * 8) // bits, bits, order)

    @classmethod
    def _wrap(cls, data: bytearray, size: int, bits: int, order: BitOrder) -> PackedStatusList:
        packed = cls(0, bits, order=order)
        packed._data = data
        packed.size = size
        return packed

    def __len__(self) -> int:
        return self.size

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PackedStatusList):
            return NotImplemented
        return (self.size, self.bits, self.order, self._data) == (
            other.size,
            other.bits,
            other.order,
            other._data,
        )

    # A mutable container has no stable hash, like ``list``.
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PackedStatusList(size={self.size}, bits={self.bits}, order={self.order!r})"

    @property
    def max_value(self) -> int:
        return (1 << self.bits) - 1

    def to_bytes(self) -> bytes:
        """The packed bytes, ready to compress."""
        return bytes(self._data)

    def _check_index(self, index: int) -> None:
        if not 0 <= index < self.size:
            raise StatusError(
                "status.index_out_of_range", f"index {index} is outside 0..{self.size - 1}"
            )

    def get(self, index: int) -> int:
        """The value of entry ``index``."""
        self._check_index(index)
        bits, data = self.bits, self._data
        position = index * bits
        byte, offset = position >> 3, position & 7
        if self.order == "lsb":
            return (data[byte] >> offset) & self.max_value
        # In the msb layout an entry of up to 8 bits spans at most two bytes.
        window = data[byte] << 8
        if byte + 1 < len(data):
            window |= data[byte + 1]
        return (window >> (16 - offset - bits)) & self.max_value

    def set(self, index: int, value: int) -> None:
        """Set entry ``index`` to ``value``."""
        self._check_index(index)
        if not 0 <= value <= self.max_value:
            raise StatusError(
                "status.value_out_of_range", f"{value} does not fit in {self.bits} bit(s)"
            )
        bits, data, mask = self.bits, self._data, self.max_value
        position = index * bits
        byte, offset = position >> 3, position & 7
        if self.order == "lsb":
            data[byte] = (data[byte] & ~(mask << offset) & 0xFF) | (value << offset)
            return
        shift = 16 - offset - bits
        window = data[byte] << 8
        if byte + 1 < len(data):
            window |= data[byte + 1]
        window = (window & ~(mask << shift)) | (value << shift)
        data[byte] = window >> 8
        if byte + 1 < len(data):
            data[byte + 1] = window & 0xFF

    def non_zero(self) -> dict[int, int]:
        """Every entry whose value is not 0, as ``{index: value}`` in index order.

        Only the non-zero bytes are visited (found by a C-level scan), so a sparse list of a
        million entries takes well under a millisecond.
        """
        found: dict[int, int] = {}
        bits = self.bits
        for match in _NON_ZERO.finditer(self._data):
            byte = match.start()
            first = (byte * 8) // bits
            last = min(((byte + 1) * 8 - 1) // bits, self.size - 1)
            for index in range(first, last + 1):
                if index not in found:
                    value = self.get(index)
                    if value:
                        found[index] = value
        return found

    def reordered(self, order: BitOrder) -> PackedStatusList:
        """A copy in the other layout (same entries, same values)."""
        if order == self.order:
            return self._wrap(bytearray(self._data), self.size, self.bits, order)
        if self.bits not in TOKEN_BITS:
            raise StatusError(
                "status.bits_unsupported",
                f"a {self.bits}-bit list has no IETF layout; use 1, 2, 4 or 8 bits",
            )
        table = _REORDER[self.bits]
        return self._wrap(bytearray(self._data.translate(table)), self.size, self.bits, order)

    def copy(self) -> PackedStatusList:
        return self._wrap(bytearray(self._data), self.size, self.bits, self.order)
