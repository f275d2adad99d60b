"""Typed views of what a Publica node returns.

Every model has a ``from_json(doc)`` class method that checks the document's
shape and raises :class:`~publica_client.errors.FormatError` naming the
offending field. Models whose exact JSON matters for verification
(envelopes, outcomes, receipts, blocks) keep the document they were parsed
from in ``raw``; the verifiers hash that, never a re-serialisation.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import FormatError

_HEX = re.compile(r"[0-9a-f]*\Z")
_MISSING = object()


def _raw() -> Any:
    return field(default_factory=dict, repr=False, compare=False, metadata={"json": None})


def _json(name: str) -> Any:
    return field(metadata={"json": name})


def json_fields(model: type) -> set[str]:
    """The JSON member names a model reads (for checks against the API document)."""
    names = set()
    for f in dataclasses.fields(model):
        name = f.metadata.get("json", f.name)
        if name is not None:
            names.add(name)
    return names


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "string",
            list: "array", dict: "object"}.get(type(value), type(value).__name__)


class _Reader:
    """Reads the members of one JSON object, naming the path in errors."""

    def __init__(self, doc: Any, where: str):
        if not isinstance(doc, dict):
            raise FormatError(f"{where}: expected a JSON object, got {_kind(doc)}")
        self.doc = doc
        self.where = where

    def _get(self, name: str, optional: bool) -> Any:
        value = self.doc.get(name, _MISSING)
        if value is _MISSING or (optional and value is None):
            if optional:
                return _MISSING
            raise FormatError(f"{self.where}.{name}: missing")
        return value

    def _bad(self, name: str, want: str, value: Any) -> FormatError:
        return FormatError(f"{self.where}.{name}: expected {want}, got {_kind(value)}")

    def string(self, name: str, optional: bool = False) -> Any:
        value = self._get(name, optional)
        if value is _MISSING:
            return None
        if not isinstance(value, str):
            raise self._bad(name, "a string", value)
        return value

    def integer(self, name: str, optional: bool = False) -> Any:
        value = self._get(name, optional)
        if value is _MISSING:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self._bad(name, "a non-negative integer", value)
        return value

    def hex(self, name: str, size: int = 32, optional: bool = False) -> Any:
        value = self.string(name, optional)
        if value is not None:
            _check_hex(value, size, f"{self.where}.{name}")
        return value

    def hex_list(self, name: str, size: int = 32) -> list[str]:
        items = self.array(name)
        for i, item in enumerate(items):
            if not isinstance(item, str):
                raise FormatError(f"{self.where}.{name}[{i}]: expected a string, got {_kind(item)}")
            _check_hex(item, size, f"{self.where}.{name}[{i}]")
        return items

    def object(self, name: str, optional: bool = False) -> Any:
        value = self._get(name, optional)
        if value is _MISSING:
            return None
        if not isinstance(value, dict):
            raise self._bad(name, "a JSON object", value)
        return value

    def array(self, name: str, optional: bool = False) -> list[Any]:
        value = self._get(name, optional)
        if value is _MISSING:
            return []
        if not isinstance(value, list):
            raise self._bad(name, "an array", value)
        return value

    def value(self, name: str) -> Any:
        return self.doc.get(name)


def _check_hex(value: str, size: int, where: str) -> None:
    if len(value) != 2 * size or not _HEX.match(value):
        raise FormatError(f"{where}: expected {2 * size} lowercase hex characters")


@dataclass(frozen=True)
class ErrorBody:
    """The body of every error answer, and of a failed outcome's ``error``."""

    code: str
    message: str

    @classmethod
    def from_json(cls, doc: Any, where: str = "error") -> ErrorBody:
        """Parses ``{"code", "message"}``."""
        r = _Reader(doc, where)
        return cls(code=r.string("code"), message=r.string("message"))


@dataclass(frozen=True)
class Status:
    """``GET /v1/status``: the chain's head."""

    chain_id: str
    height: int
    block_hash: str
    state_root: str
    time_ms: int
    log_size: int
    mempool_txs: int
    read_only: str | None = None
    """Why the node cannot write to its disk, while that lasts."""

    @classmethod
    def from_json(cls, doc: Any, where: str = "status") -> Status:
        """Parses the status answer."""
        r = _Reader(doc, where)
        return cls(chain_id=r.string("chain_id"), height=r.integer("height"),
                   block_hash=r.hex("block_hash"), state_root=r.hex("state_root"),
                   time_ms=r.integer("time_ms"), log_size=r.integer("log_size"),
                   mempool_txs=r.integer("mempool_txs"), read_only=r.string("read_only", optional=True))


@dataclass(frozen=True)
class Accepted:
    """``202`` from ``POST /v1/transactions``: the transaction was admitted."""

    tx_id: str

    @classmethod
    def from_json(cls, doc: Any, where: str = "accepted") -> Accepted:
        """Parses ``{"tx_id"}``."""
        return cls(tx_id=_Reader(doc, where).hex("tx_id"))


@dataclass(frozen=True)
class BatchItem:
    """One item of a batch: admitted (``tx_id``) or rejected (``error``)."""

    tx_id: str | None
    error: ErrorBody | None

    @property
    def ok(self) -> bool:
        """True when the item was admitted."""
        return self.error is None

    @classmethod
    def from_json(cls, doc: Any, where: str = "item") -> BatchItem:
        """Parses one batch result."""
        r = _Reader(doc, where)
        err = r.object("error", optional=True)
        item = cls(tx_id=r.hex("tx_id", optional=True),
                   error=None if err is None else ErrorBody.from_json(err, f"{where}.error"))
        if (item.tx_id is None) == (item.error is None):
            raise FormatError(f"{where}: expected exactly one of tx_id and error")
        return item


@dataclass(frozen=True)
class BatchResult:
    """``POST /v1/transactions/batch``: one result per item, in order."""

    accepted: int
    rejected: int
    results: list[BatchItem]

    @classmethod
    def from_json(cls, doc: Any, where: str = "batch") -> BatchResult:
        """Parses the batch answer."""
        r = _Reader(doc, where)
        items = [BatchItem.from_json(x, f"{where}.results[{i}]") for i, x in enumerate(r.array("results"))]
        return cls(accepted=r.integer("accepted"), rejected=r.integer("rejected"), results=items)


@dataclass(frozen=True)
class Call:
    """What a transaction asks for: ``module.method(args)``."""

    module: str
    method: str
    args: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The ``call`` member of a transaction body."""
        return {"module": self.module, "method": self.method, "args": self.args}

    @classmethod
    def from_json(cls, doc: Any, where: str = "call") -> Call:
        """Parses ``{"module", "method", "args"}``."""
        r = _Reader(doc, where)
        return cls(module=r.string("module"), method=r.string("method"), args=r.object("args"))


@dataclass(frozen=True)
class TxBody:
    """The signed part of a transaction (docs/transactions.md)."""

    chain_id: str
    nonce: int
    call: Call
    expiry_height: int | None = None
    expiry_unix_ms: int | None = None

    @classmethod
    def from_json(cls, doc: Any, where: str = "body") -> TxBody:
        """Parses a transaction body."""
        r = _Reader(doc, where)
        exp = _Reader(r.object("expiry"), f"{where}.expiry")
        return cls(chain_id=r.string("chain_id"), nonce=r.integer("nonce"),
                   call=Call.from_json(r.object("call"), f"{where}.call"),
                   expiry_height=exp.integer("height", optional=True),
                   expiry_unix_ms=exp.integer("unix_ms", optional=True))


@dataclass(frozen=True)
class Envelope:
    """A signed transaction ``{body, signer, signature}``."""

    body: TxBody
    signer: str
    signature: str
    raw: dict[str, Any] = _raw()

    def to_json(self) -> dict[str, Any]:
        """The envelope exactly as it was received or built."""
        return self.raw

    @classmethod
    def from_json(cls, doc: Any, where: str = "transaction") -> Envelope:
        """Parses an envelope."""
        r = _Reader(doc, where)
        return cls(body=TxBody.from_json(r.object("body"), f"{where}.body"),
                   signer=r.hex("signer"), signature=r.hex("signature", 64), raw=doc)


@dataclass(frozen=True)
class Event:
    """Something a module reports happened (``outcome.events``)."""

    module: str
    kind: str
    data: Any

    @classmethod
    def from_json(cls, doc: Any, where: str = "event") -> Event:
        """Parses ``{"module", "kind", "data"}``."""
        r = _Reader(doc, where)
        return cls(module=r.string("module"), kind=r.string("kind"), data=r.value("data"))


@dataclass(frozen=True)
class Outcome:
    """The recorded result of a transaction: ``ok`` with events, or ``failed`` with an error."""

    tx_id: str
    status: str
    events: list[Event]
    error: ErrorBody | None
    raw: dict[str, Any] = _raw()

    @property
    def ok(self) -> bool:
        """True when the call took effect."""
        return self.status == "ok"

    @classmethod
    def from_json(cls, doc: Any, where: str = "outcome") -> Outcome:
        """Parses an outcome."""
        r = _Reader(doc, where)
        status = r.string("status")
        if status not in ("ok", "failed"):
            raise FormatError(f"{where}.status: expected 'ok' or 'failed', got {status!r}")
        err = r.object("error", optional=True)
        return cls(tx_id=r.hex("tx_id"), status=status,
                   events=[Event.from_json(e, f"{where}.events[{i}]") for i, e in enumerate(r.array("events", optional=True))],
                   error=None if err is None else ErrorBody.from_json(err, f"{where}.error"),
                   raw=doc)


@dataclass(frozen=True)
class Receipt:
    """``GET /v1/transactions/{id}`` once committed: the transaction, its
    outcome, and its place in the transparency log with an inclusion proof
    and the signed checkpoint (docs/transparency.md).

    A receipt is a claim until :func:`publica_client.verify_receipt` checks it.
    """

    tx_id: str
    status: str
    block_height: int
    block_hash: str
    index: int
    transaction: Envelope
    outcome: Outcome
    leaf_index: int
    tree_size: int
    inclusion_proof: list[str]
    checkpoint: str
    checkpoint_height: int | None = None
    raw: dict[str, Any] = _raw()

    @property
    def ok(self) -> bool:
        """True when the transaction's call took effect (``outcome.status == "ok"``)."""
        return self.outcome.ok

    @classmethod
    def from_json(cls, doc: Any, where: str = "receipt") -> Receipt:
        """Parses a receipt."""
        r = _Reader(doc, where)
        status = r.string("status")
        if status != "committed":
            raise FormatError(f"{where}.status: expected 'committed', got {status!r}")
        return cls(tx_id=r.hex("tx_id"), status=status, block_height=r.integer("block_height"),
                   block_hash=r.hex("block_hash"), index=r.integer("index"),
                   transaction=Envelope.from_json(r.object("transaction"), f"{where}.transaction"),
                   outcome=Outcome.from_json(r.object("outcome"), f"{where}.outcome"),
                   leaf_index=r.integer("leaf_index"), tree_size=r.integer("tree_size"),
                   inclusion_proof=r.hex_list("inclusion_proof"), checkpoint=r.string("checkpoint"),
                   checkpoint_height=r.integer("checkpoint_height", optional=True), raw=doc)


@dataclass(frozen=True)
class PendingTx:
    """``202`` from ``GET /v1/transactions/{id}``: admitted, not in a block yet."""

    tx_id: str
    status: str = "pending"

    @classmethod
    def from_json(cls, doc: Any, where: str = "pending") -> PendingTx:
        """Parses ``{"tx_id", "status": "pending"}``."""
        r = _Reader(doc, where)
        return cls(tx_id=r.hex("tx_id"), status=r.string("status"))


@dataclass(frozen=True)
class BlockHeader:
    """What a block commits to; its hash is SHA-256 of the header's JCS form."""

    chain_id: str
    height: int
    log_root: str
    log_size: int
    parent_hash: str
    results_root: str
    state_root: str
    time_ms: int
    tx_count: int
    tx_root: str

    @classmethod
    def from_json(cls, doc: Any, where: str = "header") -> BlockHeader:
        """Parses a block header."""
        r = _Reader(doc, where)
        return cls(chain_id=r.string("chain_id"), height=r.integer("height"), log_root=r.hex("log_root"),
                   log_size=r.integer("log_size"), parent_hash=r.hex("parent_hash"),
                   results_root=r.hex("results_root"), state_root=r.hex("state_root"),
                   time_ms=r.integer("time_ms"), tx_count=r.integer("tx_count"), tx_root=r.hex("tx_root"))


@dataclass(frozen=True)
class Block:
    """``GET /v1/blocks/{height}``: header, transactions and their outcomes in order."""

    hash: str
    header: BlockHeader
    transactions: list[Envelope]
    outcomes: list[Outcome]
    ledger_events: list[Event]
    raw: dict[str, Any] = _raw()

    @classmethod
    def from_json(cls, doc: Any, where: str = "block") -> Block:
        """Parses a block."""
        r = _Reader(doc, where)
        return cls(hash=r.hex("hash"), header=BlockHeader.from_json(r.object("header"), f"{where}.header"),
                   transactions=[Envelope.from_json(t, f"{where}.transactions[{i}]")
                                 for i, t in enumerate(r.array("transactions"))],
                   outcomes=[Outcome.from_json(o, f"{where}.outcomes[{i}]")
                             for i, o in enumerate(r.array("outcomes"))],
                   ledger_events=[Event.from_json(e, f"{where}.ledger_events[{i}]")
                                  for i, e in enumerate(r.array("ledger_events", optional=True))],
                   raw=doc)


@dataclass(frozen=True)
class StateTerminal:
    """Where a state proof's path ends: ``empty``, or a ``leaf`` with its hashes."""

    kind: str
    key_hash: str | None = None
    value_hash: str | None = None

    @classmethod
    def from_json(cls, doc: Any, where: str = "terminal") -> StateTerminal:
        """Parses ``{"kind": "empty"}`` or ``{"kind": "leaf", "key_hash", "value_hash"}``."""
        r = _Reader(doc, where)
        kind = r.string("kind")
        if kind == "empty":
            return cls(kind=kind)
        if kind == "leaf":
            return cls(kind=kind, key_hash=r.hex("key_hash"), value_hash=r.hex("value_hash"))
        raise FormatError(f"{where}.kind: expected 'empty' or 'leaf', got {kind!r}")


@dataclass(frozen=True)
class StateProof:
    """A path in the state tree: siblings from the root down, and its terminal."""

    siblings: list[str]
    terminal: StateTerminal

    @classmethod
    def from_json(cls, doc: Any, where: str = "proof") -> StateProof:
        """Parses ``{"siblings", "terminal"}``."""
        r = _Reader(doc, where)
        return cls(siblings=r.hex_list("siblings"),
                   terminal=StateTerminal.from_json(r.object("terminal"), f"{where}.terminal"))


@dataclass(frozen=True)
class StateAnswer:
    """``GET /v1/state?key=``: a value (or its absence) with a proof against
    the state root of the block at ``height`` (docs/state-proofs.md)."""

    key: str
    height: int
    state_root: str
    value_hex: str | None
    value: Any
    proof: StateProof
    checkpoint: str | None = None
    """The signed checkpoint naming ``height`` and ``state_root`` (ledger
    format 6 on), for :func:`publica_client.verify_state_answer`."""

    @property
    def value_bytes(self) -> bytes | None:
        """The stored bytes, or ``None`` when the key is absent."""
        return None if self.value_hex is None else bytes.fromhex(self.value_hex)

    @classmethod
    def from_json(cls, doc: Any, where: str = "state", value_member: str = "value") -> StateAnswer:
        """Parses a state answer (``value_member`` names the decoded value's member)."""
        r = _Reader(doc, where)
        value_hex = r.string("value_hex", optional=True)
        if value_hex is not None and (len(value_hex) % 2 or not _HEX.match(value_hex)):
            raise FormatError(f"{where}.value_hex: expected lowercase hex")
        return cls(key=r.string("key"), height=r.integer("height"), state_root=r.hex("state_root"),
                   value_hex=value_hex, value=r.value(value_member),
                   proof=StateProof.from_json(r.object("proof"), f"{where}.proof"),
                   checkpoint=r.string("checkpoint", optional=True))


@dataclass(frozen=True)
class Nonce:
    """``GET /v1/accounts/{id}/nonce``: committed and next nonce (pending ones counted)."""

    account: str
    committed_nonce: int
    next_nonce: int

    @classmethod
    def from_json(cls, doc: Any, where: str = "nonce") -> Nonce:
        """Parses the nonce answer."""
        r = _Reader(doc, where)
        return cls(account=r.hex("account"), committed_nonce=r.integer("committed_nonce"),
                   next_nonce=r.integer("next_nonce"))


@dataclass(frozen=True)
class LogInfo:
    """``GET /v1/log``: the log's origin, verifier key and latest checkpoint.

    Take the verifier key from a source you trust, not from the node you check.
    """

    origin: str
    verifier_key: str
    checkpoint: str

    @classmethod
    def from_json(cls, doc: Any, where: str = "log") -> LogInfo:
        """Parses the log answer."""
        r = _Reader(doc, where)
        return cls(origin=r.string("origin"), verifier_key=r.string("verifier_key"),
                   checkpoint=r.string("checkpoint"))


@dataclass(frozen=True)
class ConsistencyProof:
    """``GET /v1/log/consistency``: RFC 9162 proof that the log of ``from_size``
    is a prefix of the log of ``to_size``."""

    from_size: int = _json("from")
    to_size: int = _json("to")
    proof: list[str] = _json("proof")

    @classmethod
    def from_json(cls, doc: Any, where: str = "consistency") -> ConsistencyProof:
        """Parses ``{"from", "to", "proof"}``."""
        r = _Reader(doc, where)
        return cls(from_size=r.integer("from"), to_size=r.integer("to"), proof=r.hex_list("proof"))


@dataclass(frozen=True)
class MoneyAccount:
    """``GET /v1/money/accounts/{id}``: the account record (a dict, see
    docs/money.md) and the state answer that proves it."""

    account: dict[str, Any]
    state: StateAnswer

    @property
    def balance(self) -> int:
        """The balance in minor units."""
        return int(self.account["balance"])

    @classmethod
    def from_json(cls, doc: Any, where: str = "money_account") -> MoneyAccount:
        """Parses the account answer."""
        r = _Reader(doc, where)
        return cls(account=r.object("account"), state=StateAnswer.from_json(doc, where, value_member="account"))
