"""Transactions: body, signing bytes, id and envelope (docs/transactions.md).

::

    signing_bytes = "publica/tx/v1\\n" || chain_id || "\\n" || JCS(body)
    tx_id         = SHA-256(signer public key || signing_bytes)   (hex)
    signature     = Ed25519-Sign(secret key, signing_bytes)

``JCS`` is RFC 8785 canonical JSON (the ``rfc8785`` package).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

import rfc8785

from .keys import Key
from .models import Call

DOMAIN_TAG = b"publica/tx/v1\n"
MAX_SAFE_INTEGER = 2**53 - 1
"""Every number in a body is an integer of magnitude at most this."""
ENVELOPE_BYTES_MAX = 60 * 1024
"""The largest envelope a node admits, as JSON."""

_NAME = re.compile(r"[a-z0-9_]{1,64}\Z")
_HEX32 = re.compile(r"[0-9a-f]{64}\Z")


def check_json_value(value: Any, where: str = "args") -> None:
    """Raises ``ValueError`` unless ``value`` is JSON a node accepts in a body:
    objects with string keys, arrays, strings, booleans, null, and integers
    of magnitude at most 2^53-1 (no floats: amounts are decimal strings)."""
    if value is None or isinstance(value, (str, bool)):
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise ValueError(f"{where}: {value} is beyond +/-(2^53-1); send large amounts as decimal strings")
        return
    if isinstance(value, float):
        raise ValueError(f"{where}: {value!r} is not an integer; numbers in a transaction are integers")
    if isinstance(value, list):
        for i, item in enumerate(value):
            check_json_value(item, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for k, item in value.items():
            if not isinstance(k, str):
                raise ValueError(f"{where}: member names must be strings, got {k!r}")
            check_json_value(item, f"{where}.{k}")
        return
    raise ValueError(f"{where}: {type(value).__name__} is not a JSON value")


def make_call(module: str, method: str, args: dict[str, Any] | None = None) -> Call:
    """A checked :class:`Call`: names of 1-64 ``[a-z0-9_]``, JSON object args."""
    for what, name in (("module", module), ("method", method)):
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"{what} {name!r}: expected 1-64 characters of [a-z0-9_]")
    args = {} if args is None else args
    if not isinstance(args, dict):
        raise ValueError(f"args must be a JSON object (dict), got {type(args).__name__}")
    check_json_value(args)
    return Call(module, method, args)


def build_body(chain_id: str, nonce: int, call: Call, *, expiry_height: int | None = None,
               expiry_unix_ms: int | None = None) -> dict[str, Any]:
    """A transaction body, checked against the rules of docs/transactions.md.

    Exactly one of ``expiry_height`` (valid in blocks of height <= H) and
    ``expiry_unix_ms`` (valid in blocks whose time <= T) must be given.
    """
    if not isinstance(chain_id, str) or not 1 <= len(chain_id) <= 64 or \
            not all(0x20 < ord(c) < 0x7f for c in chain_id):
        raise ValueError(f"chain_id {chain_id!r}: expected 1-64 printable ASCII characters")
    if not isinstance(nonce, int) or isinstance(nonce, bool) or not 1 <= nonce <= MAX_SAFE_INTEGER:
        raise ValueError(f"nonce {nonce!r}: expected an integer in 1..2^53-1")
    if (expiry_height is None) == (expiry_unix_ms is None):
        raise ValueError("give exactly one of expiry_height and expiry_unix_ms")
    name, value = ("height", expiry_height) if expiry_height is not None else ("unix_ms", expiry_unix_ms)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_SAFE_INTEGER:
        raise ValueError(f"expiry {name} {value!r}: expected an integer in 0..2^53-1")
    call = make_call(call.module, call.method, call.args)
    return {"chain_id": chain_id, "nonce": nonce, "expiry": {name: value}, "call": call.to_json()}


def signing_bytes(body: dict[str, Any]) -> bytes:
    """``"publica/tx/v1\\n" || chain_id || "\\n" || JCS(body)``."""
    chain_id = body.get("chain_id") if isinstance(body, dict) else None
    if not isinstance(chain_id, str):
        raise ValueError("the body has no chain_id string")
    return DOMAIN_TAG + chain_id.encode() + b"\n" + rfc8785.dumps(body)


def transaction_id(signer: str | bytes, signing: bytes) -> str:
    """``SHA-256(signer public key || signing bytes)`` in hex; ``signer`` as hex or 32 bytes."""
    raw = bytes.fromhex(signer) if isinstance(signer, str) else signer
    if len(raw) != 32:
        raise ValueError("a signer is a 32-byte public key")
    return hashlib.sha256(raw + signing).hexdigest()


@dataclass(frozen=True)
class SignedTransaction:
    """A signed envelope ready to submit, with its transaction id."""

    envelope: dict[str, Any]
    tx_id: str

    def to_json(self) -> dict[str, Any]:
        """The envelope ``{body, signer, signature}``."""
        return self.envelope


def sign(key: Key, body: dict[str, Any], *, account: str | None = None) -> SignedTransaction:
    """Signs ``body`` with ``key``.

    ``account`` is the signer to name when it differs from the key's own
    account id: an account whose key was rotated keeps its id
    (docs/identity.md).
    """
    signer = key.account_id if account is None else account
    if not isinstance(signer, str) or not _HEX32.match(signer):
        raise ValueError("account: expected 64 lowercase hex characters")
    signing = signing_bytes(body)
    envelope = {"body": body, "signer": signer, "signature": key.sign(signing).hex()}
    size = len(json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode())
    if size > ENVELOPE_BYTES_MAX:
        raise ValueError(f"the envelope is {size} bytes as JSON; a node admits at most {ENVELOPE_BYTES_MAX}")
    return SignedTransaction(envelope, transaction_id(signer, signing))
