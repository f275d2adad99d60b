"""Builders for common calls (``Call`` values to sign and send).

Each checks its arguments' shape locally so a mistake is a ``ValueError``
here rather than a failed transaction; the node still has the last word.
Any other method: :func:`call`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from .models import Call
from .tx import make_call

NOTE_BYTES_MAX = 280
_AMOUNT = re.compile(r"(0|[1-9][0-9]*)\Z")
_HEX32 = re.compile(r"[0-9a-f]{64}\Z")


def call(module: str, method: str, args: dict[str, Any] | None = None) -> Call:
    """Any ``module.method(args)``; see each module's page in docs/."""
    return make_call(module, method, args)


def register_account() -> Call:
    """``system.register_account {}``: publishes the signer's account."""
    return make_call("system", "register_account", {})


def set_note(note: str) -> Call:
    """``system.set_note {note}``: at most 280 bytes of UTF-8, no control characters.

    Notes are public: never put personal data in them.
    """
    if not isinstance(note, str):
        raise ValueError("a note is a string")
    if len(note.encode()) > NOTE_BYTES_MAX:
        raise ValueError(f"a note is at most {NOTE_BYTES_MAX} bytes of UTF-8")
    if any(unicodedata.category(c) == "Cc" for c in note):
        raise ValueError("a note has no control characters")
    return make_call("system", "set_note", {"note": note})


def clear_note() -> Call:
    """``system.clear_note {}``: deletes the signer's note."""
    return make_call("system", "clear_note", {})


def amount(value: int | str) -> str:
    """An amount in minor units as the decimal string the ledger expects."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"an amount is an int or a decimal string, got {type(value).__name__}")
    text = str(value)
    if not _AMOUNT.match(text):
        raise ValueError(f"amount {value!r}: expected a non-negative integer without sign, "
                         "fraction, exponent or leading zero")
    return text


def transfer(from_account: str, to_account: str, value: int | str, *, reference: str | None = None,
             memo_hash: str | None = None) -> Call:
    """``money.transfer {from, to, amount, reference?, memo_hash?}`` (docs/money.md).

    ``from_account``/``to_account`` are money account ids (not keys);
    ``memo_hash`` is the SHA-256 (hex) of an off-ledger memo.
    """
    args: dict[str, Any] = {"from": from_account, "to": to_account, "amount": amount(value)}
    if reference is not None:
        args["reference"] = reference
    if memo_hash is not None:
        if not isinstance(memo_hash, str) or not _HEX32.match(memo_hash):
            raise ValueError("memo_hash: expected 64 lowercase hex characters (a SHA-256)")
        args["memo_hash"] = memo_hash
    return make_call("money", "transfer", args)
