"""Offline verification: nothing here talks to a node.

* :func:`open_checkpoint` -- a C2SP signed note (checkpoint) against the
  log's verifier key.
* :func:`verify_inclusion` / :func:`verify_consistency` -- RFC 9162
  sections 2.1.3.2 and 2.1.4.2, with their bounds checks.
* :func:`verify_receipt` -- docs/transparency.md, "Check a receipt by hand".
* :func:`verify_state` -- docs/state-proofs.md.
* :func:`verify_checkpoint_consistency` -- two checkpoints and a
  consistency proof: the log only grew.

Every failure is a :class:`~publica_client.errors.VerificationError` whose
``reason`` is a :class:`~publica_client.errors.Reason` name.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Sequence

import rfc8785

from .errors import FormatError, Reason, VerificationError
from .keys import verify_signature
from .models import ConsistencyProof, Receipt, StateAnswer, StateProof
from .tx import signing_bytes, transaction_id

_NOTE_BYTES_MAX = 64 * 1024
_NOTE_SIGNATURES_MAX = 100
_ED25519 = 0x01
_STATE_DEPTH_MAX = 256
_NOT_JSON = object()


def _fail(reason: str, message: str) -> VerificationError:
    return VerificationError(reason, message)


def _b64(text: str, what: str, reason: str = Reason.MALFORMED) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _fail(reason, f"{what} is not base64") from None


def _hex(text: Any, what: str, size: int = 32) -> bytes:
    if not isinstance(text, str) or len(text) != 2 * size or not re.fullmatch(r"[0-9a-f]*", text):
        raise _fail(Reason.MALFORMED, f"{what}: expected {2 * size} lowercase hex characters")
    return bytes.fromhex(text)


# -- Ed25519 key checks (RFC 8032 section 5.1.3 decoding) ----------------

_P = 2**255 - 19
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _decode_point(b: bytes) -> tuple[int, int] | None:
    y = int.from_bytes(b, "little") & ((1 << 255) - 1)
    sign = b[31] >> 7
    if y >= _P:
        return None  # not canonical
    u, v = (y * y - 1) % _P, (_D * y * y + 1) % _P
    x = u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P) % _P
    if v * x * x % _P == (-u) % _P:
        x = x * _SQRT_M1 % _P
    if v * x * x % _P != u:
        return None  # not on the curve
    if x == 0 and sign:
        return None  # not canonical
    if x & 1 != sign:
        x = _P - x
    return x, y


def _add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    (x1, y1), (x2, y2) = a, b
    t = _D * x1 * x2 * y1 * y2 % _P
    x3 = (x1 * y2 + x2 * y1) * pow(1 + t, _P - 2, _P) % _P
    y3 = (y1 * y2 + x1 * x2) * pow(1 - t, _P - 2, _P) % _P
    return x3, y3


def is_usable_public_key(key: bytes) -> bool:
    """True for a canonically encoded Ed25519 point not of small order.

    A small-order key would accept forged signatures, so the node refuses
    such keys everywhere (docs/transactions.md, ``tx.invalid_signer``).
    """
    if len(key) != 32:
        return False
    point = _decode_point(key)
    if point is None:
        return False
    for _ in range(3):
        point = _add(point, point)
    return point != (0, 1)


# -- signed notes and checkpoints ----------------------------------------

def _check_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(
        c.isspace() or unicodedata.category(c) == "Cc" for c in name)


def key_id(name: str, public_key: bytes) -> bytes:
    """C2SP key ID: the first 4 bytes of ``SHA-256(name || "\\n" || 0x01 || key)``."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([_ED25519]) + public_key).digest()[:4]


@dataclass(frozen=True)
class LogKey:
    """A log's verifier key ``<name>+<key id hex>+<base64(0x01 || public key)>``."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def parse(cls, vkey: str) -> LogKey:
        """Parses and checks a verifier key (the key ID must match the name and key)."""
        return cls(*_typed_key(vkey, _ED25519, "Ed25519 keys (type 0x01, 32 bytes)"))

    def __str__(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(bytes([_ED25519]) + self.public_key).decode()}"


def _typed_key(vkey: str, key_type: int, kind: str) -> tuple[str, bytes, bytes]:
    """Parses ``<name>+<key id hex>+<base64(type || Ed25519 key)>`` of
    ``key_type``: (name, key ID, public key). The key ID must be the first
    4 bytes of ``SHA-256(name || "\\n" || type || key)``."""
    def bad(m: str) -> VerificationError:
        return _fail(Reason.BAD_VERIFIER_KEY, m)

    parts = vkey.strip().split("+", 2) if isinstance(vkey, str) else []
    if len(parts) != 3:
        raise bad("expected <name>+<key id>+<key>")
    name, id_hex, key_b64 = parts
    if not _check_name(name):
        raise bad("invalid key name")
    key = _b64(key_b64, "the verifier key", Reason.BAD_VERIFIER_KEY)
    if len(key) != 33 or key[0] != key_type:
        raise bad(f"only {kind} are supported")
    public = key[1:]
    if not is_usable_public_key(public):
        raise bad("the key is of small order, not canonical or not a curve point")
    if not re.fullmatch(r"[0-9a-fA-F]{8}", id_hex):
        raise bad("key id must be 8 hex characters")
    kid = hashlib.sha256(name.encode() + b"\n" + key).digest()[:4]
    if kid.hex() != id_hex.lower():
        raise bad("key id does not match the name and key")
    return name, kid, public


def _as_log_key(key: LogKey | str) -> LogKey:
    return key if isinstance(key, LogKey) else LogKey.parse(key)


def _note_parts(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """A signed note's text and its signature lines as (name, blob)."""
    if not isinstance(note, str):
        raise _fail(Reason.MALFORMED, "a signed note is a string")
    if len(note.encode()) > _NOTE_BYTES_MAX:
        raise _fail(Reason.MALFORMED, "note too large")
    if any(unicodedata.category(c) == "Cc" and c != "\n" for c in note):
        raise _fail(Reason.MALFORMED, "control characters other than newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise _fail(Reason.MALFORMED, "no blank line before the signatures")
    text, sigs = note[:split + 1], note[split + 2:]
    if len(sigs) < 2 or not sigs.endswith("\n"):
        raise _fail(Reason.MALFORMED, "signature lines must end in a newline")
    lines = sigs[:-1].split("\n")
    if len(lines) > _NOTE_SIGNATURES_MAX:
        raise _fail(Reason.MALFORMED, "too many signatures")
    parts = []
    for line in lines:
        if not line.startswith("\u2014 "):
            raise _fail(Reason.MALFORMED, "signature line must start with an em dash and a space")
        name, sep, b64 = line[2:].rpartition(" ")
        if not sep:
            raise _fail(Reason.MALFORMED, "signature line needs a name and a signature")
        blob = _b64(b64, "a signature")
        if len(blob) < 4:
            raise _fail(Reason.MALFORMED, "signature too short")
        parts.append((name, blob))
    return text, parts


def verify_note(note: str, key: LogKey | str) -> str:
    """Checks a C2SP signed note's signature by ``key``; returns the note text.

    Signature lines of other keys are ignored, as the spec says; at least one
    line must be by ``key`` and every such line must verify.
    """
    key = _as_log_key(key)
    text, lines = _note_parts(note)
    found = False
    for name, blob in lines:
        if name != key.name or blob[:4] != key.key_id:
            continue
        if len(blob) != 68 or not verify_signature(key.public_key, text.encode(), blob[4:]):
            raise _fail(Reason.BAD_SIGNATURE, f"the note's signature by {key.name} does not verify "
                        "(the text was altered or signed by another key)")
        found = True
    if not found:
        raise _fail(Reason.NO_SIGNATURE_FROM_KEY, f"the note has no signature from key {key.name}")
    return text


@dataclass(frozen=True)
class Checkpoint:
    """A verified checkpoint: origin, tree size and root hash (C2SP tlog-checkpoint)."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()


def parse_checkpoint(text: str) -> Checkpoint:
    """Parses a checkpoint's text (the note body, signature not checked)."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "" or not lines[0]:
        raise _fail(Reason.MALFORMED, "a checkpoint is an origin, a size and a root hash, each on its own line")
    origin, size, root = lines[0], lines[1], lines[2]
    if not re.fullmatch(r"0|[1-9][0-9]*", size) or int(size) >= 2**64:
        raise _fail(Reason.MALFORMED, "size must be a decimal integer without leading zeros")
    root_bytes = _b64(root, "the root hash")
    if len(root_bytes) != 32:
        raise _fail(Reason.MALFORMED, "root hash is not 32 bytes")
    return Checkpoint(origin, int(size), root_bytes, tuple(lines[3:-1]))


def open_checkpoint(note: str, key: LogKey | str, origin: str | None = None) -> Checkpoint:
    """Verifies a signed checkpoint against the log's key and returns it.

    ``origin`` defaults to the key's name (a Publica log signs under its origin).
    """
    key = _as_log_key(key)
    cp = parse_checkpoint(verify_note(note, key))
    want = key.name if origin is None else origin
    if cp.origin != want:
        raise _fail(Reason.WRONG_ORIGIN, f"checkpoint is for {cp.origin!r}, expected {want!r}")
    return cp


# -- Merkle trees (RFC 9162) ----------------------------------------------

def leaf_hash(entry: bytes) -> bytes:
    """``SHA-256(0x00 || entry)``."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _hashes(proof: Sequence[bytes | str], what: str) -> list[bytes]:
    return [p if isinstance(p, bytes) and len(p) == 32 else _hex(p, f"{what}[{i}]")
            for i, p in enumerate(proof)]


def verify_inclusion(leaf_index: int, tree_size: int, leaf: bytes, proof: Sequence[bytes | str],
                     root: bytes) -> None:
    """RFC 9162 section 2.1.3.2: ``leaf`` is entry ``leaf_index`` of the tree
    of ``tree_size`` whose root is ``root``. Raises ``proof_mismatch`` otherwise."""
    path = _hashes(proof, "inclusion_proof")
    if not 0 <= leaf_index < tree_size:
        raise _fail(Reason.PROOF_MISMATCH, f"leaf index {leaf_index} is not below the tree size {tree_size}")
    fn, sn, r = leaf_index, tree_size - 1, leaf
    for p in path:
        if sn == 0:
            raise _fail(Reason.PROOF_MISMATCH, "the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise _fail(Reason.PROOF_MISMATCH, "the inclusion proof is too short for the tree size")
    if r != root:
        raise _fail(Reason.PROOF_MISMATCH,
                    f"this entry is not entry {leaf_index} of the log at size {tree_size}")


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes,
                       proof: Sequence[bytes | str]) -> None:
    """RFC 9162 section 2.1.4.2: the tree of ``size1`` (root ``root1``) is a
    prefix of the tree of ``size2`` (root ``root2``).

    As docs/transparency.md decides: a proof from size 0 is refused (it would
    prove nothing), and between equal sizes the proof is empty and the roots
    equal.
    """
    path = _hashes(proof, "consistency proof")
    if size1 < 1:
        raise _fail(Reason.PROOF_MISMATCH, "a consistency proof from the empty log proves nothing")
    if size1 > size2:
        raise _fail(Reason.PROOF_MISMATCH, f"the old size {size1} is larger than the new size {size2}")
    if size1 == size2:
        if path:
            raise _fail(Reason.PROOF_MISMATCH, "between equal sizes the proof must be empty")
        if root1 != root2:
            raise _fail(Reason.PROOF_MISMATCH, f"two different roots for size {size1}")
        return
    if not path:
        raise _fail(Reason.PROOF_MISMATCH, "the consistency proof is empty")
    if size1 & (size1 - 1) == 0:  # an exact power of two
        path = [root1] + path
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise _fail(Reason.PROOF_MISMATCH, "the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise _fail(Reason.PROOF_MISMATCH, "the consistency proof is too short")
    if fr != root1 or sr != root2:
        raise _fail(Reason.PROOF_MISMATCH,
                    f"the log of size {size2} does not extend the log of size {size1}")


def verify_checkpoint_consistency(old_note: str, new_note: str, proof: ConsistencyProof | Sequence[str],
                                  key: LogKey | str, origin: str | None = None) -> tuple[Checkpoint, Checkpoint]:
    """Opens two signed checkpoints of one log and checks the consistency
    proof between them (the log only grew). Returns both checkpoints."""
    old = open_checkpoint(old_note, key, origin)
    new = open_checkpoint(new_note, key, origin)
    hashes = proof.proof if isinstance(proof, ConsistencyProof) else proof
    if isinstance(proof, ConsistencyProof) and (proof.from_size, proof.to_size) != (old.size, new.size):
        raise _fail(Reason.TREE_SIZE_MISMATCH,
                    f"the proof is from {proof.from_size} to {proof.to_size}, "
                    f"the checkpoints are of sizes {old.size} and {new.size}")
    verify_consistency(old.size, new.size, old.root, new.root, hashes)
    return old, new


# -- receipts --------------------------------------------------------------

def receipt_entry(transaction: dict[str, Any], outcome: dict[str, Any]) -> bytes:
    """The log entry of a transaction: ``JCS(transaction) || SHA-256(JCS(outcome))``."""
    return rfc8785.dumps(transaction) + hashlib.sha256(rfc8785.dumps(outcome)).digest()


@dataclass(frozen=True)
class VerifiedReceipt:
    """What a verified receipt proves: this signed transaction, with this
    result, is entry ``leaf_index`` of the log ``origin`` at ``tree_size``.

    ``block_height`` is carried along unproved: the inclusion proof covers
    the transaction and its result, not the block (check it against
    ``GET /v1/blocks/{height}``, whose ``log_root`` commits to the same log).
    """

    origin: str
    tx_id: str
    status: str
    leaf_index: int
    tree_size: int
    checkpoint: Checkpoint
    block_height: int | None


def verify_receipt(receipt: Receipt | dict[str, Any], key: LogKey | str,
                   origin: str | None = None) -> VerifiedReceipt:
    """Checks a receipt offline against the log's verifier key, step by step
    as docs/transparency.md says:

    1. the checkpoint's signature and origin;
    2. that the proof is for the checkpoint's tree size;
    3. the transaction's own signature over its signing bytes, and that its
       id is the receipt's ``tx_id`` and the outcome's;
    4. the RFC 9162 inclusion proof of ``JCS(transaction) || SHA-256(JCS(outcome))``.
    """
    doc = receipt.raw if isinstance(receipt, Receipt) else receipt
    try:
        parsed = Receipt.from_json(doc)
    except FormatError as e:
        raise _fail(Reason.MALFORMED, str(e)) from None
    cp = open_checkpoint(parsed.checkpoint, key, origin)
    if parsed.tree_size != cp.size:
        raise _fail(Reason.TREE_SIZE_MISMATCH, f"the proof is for size {parsed.tree_size} "
                    f"but the checkpoint is for size {cp.size}")
    tx, outcome = doc["transaction"], doc["outcome"]
    signer = bytes.fromhex(parsed.transaction.signer)
    try:
        signing = signing_bytes(tx["body"])
    except (ValueError, TypeError) as e:
        raise _fail(Reason.MALFORMED, f"transaction body: {e}") from None
    if not verify_signature(signer, signing, bytes.fromhex(parsed.transaction.signature)):
        raise _fail(Reason.BAD_TRANSACTION_SIGNATURE, "the transaction's own signature does not verify")
    tx_id = transaction_id(signer, signing)
    if parsed.tx_id != tx_id or parsed.outcome.tx_id != tx_id:
        raise _fail(Reason.WRONG_LEAF, "the receipt's tx_id or outcome do not belong to this "
                    f"transaction (its id is {tx_id})")
    try:
        leaf = leaf_hash(receipt_entry(tx, outcome))
    except ValueError as e:  # no canonical form (rfc8785)
        raise _fail(Reason.MALFORMED, f"transaction or outcome: {e}") from None
    verify_inclusion(parsed.leaf_index, parsed.tree_size, leaf, parsed.inclusion_proof, cp.root)
    return VerifiedReceipt(cp.origin, tx_id, parsed.outcome.status, parsed.leaf_index, parsed.tree_size,
                           cp, parsed.block_height)


# -- state proofs ----------------------------------------------------------

def _bit(h: bytes, d: int) -> int:
    return (h[d // 8] >> (7 - d % 8)) & 1


def verify_state_proof(key: str | bytes, value: bytes | None, proof: StateProof, state_root: bytes | str) -> None:
    """docs/state-proofs.md: ``value`` is stored under ``key`` (or, when
    ``value`` is ``None``, nothing is) in the state whose root is ``state_root``."""
    kh = hashlib.sha256(key.encode() if isinstance(key, str) else key).digest()
    root = state_root if isinstance(state_root, bytes) else _hex(state_root, "state_root")
    siblings = _hashes(proof.siblings, "siblings")
    n = len(siblings)
    if n > _STATE_DEPTH_MAX:
        raise _fail(Reason.PROOF_MISMATCH, f"{n} siblings; a path has at most {_STATE_DEPTH_MAX}")
    t = proof.terminal
    if t.kind == "empty":
        if value is not None:
            raise _fail(Reason.VALUE_MISMATCH, "the proof shows the key is absent, not that it holds the value")
        acc = bytes(32)
    elif t.kind == "leaf":
        tkh, tvh = _hex(t.key_hash, "terminal.key_hash"), _hex(t.value_hash, "terminal.value_hash")
        if any(_bit(tkh, d) != _bit(kh, d) for d in range(n)):
            raise _fail(Reason.PROOF_MISMATCH, "the terminal leaf is not on the key's path")
        if value is None:
            if tkh == kh:
                raise _fail(Reason.VALUE_MISMATCH, "the proof shows the key is present, not absent")
        elif tkh != kh:
            raise _fail(Reason.VALUE_MISMATCH, "the proof shows the key is absent, not that it holds the value")
        elif tvh != hashlib.sha256(value).digest():
            raise _fail(Reason.VALUE_MISMATCH, "the key holds another value")
        acc = hashlib.sha256(b"\x00" + tkh + tvh).digest()
    else:
        raise _fail(Reason.MALFORMED, f"unknown terminal kind {t.kind!r}")
    for d in reversed(range(n)):
        acc = node_hash(siblings[d], acc) if _bit(kh, d) else node_hash(acc, siblings[d])
    if acc != root:
        raise _fail(Reason.PROOF_MISMATCH, "the proof does not lead to the state root")


def verify_state(answer: StateAnswer, state_root: bytes | str | None = None) -> bytes | None:
    """Checks a ``GET /v1/state`` answer and returns the proven value (``None`` for absence).

    Pass the ``state_root`` of the block at ``answer.height`` taken from a
    header you checked (``Client.block(h).header.state_root``); without it
    the answer's own root is used, which proves only that the answer is
    self-consistent.
    """
    root = answer.state_root if state_root is None else state_root
    value = answer.value_bytes
    verify_state_proof(answer.key, value, answer.proof, root)
    # The decoded ``value`` is a convenience: it must say what the proven bytes say.
    if value is None:
        if answer.value is not None:
            raise _fail(Reason.VALUE_MISMATCH, "the answer decodes a value for an absent key")
    else:
        try:
            decoded = json.loads(value)
        except ValueError:
            decoded = _NOT_JSON
        if decoded is not _NOT_JSON and decoded != answer.value:
            raise _fail(Reason.VALUE_MISMATCH, "the decoded value differs from the proven bytes")
    return value


_STATE_LINE = re.compile(r"publica-state (0|[1-9][0-9]*) ([0-9a-f]{64})")


def state_line(cp: Checkpoint) -> tuple[int, str] | None:
    """The ``publica-state <height> <root>`` extension line of a checkpoint
    (ledger format 6 on), as (height, root hex); ``None`` when it has none."""
    found = [line for line in cp.extensions if line.split(" ", 1)[0] == "publica-state"]
    if not found:
        return None
    m = _STATE_LINE.fullmatch(found[0])
    if len(found) > 1 or not m:
        raise _fail(Reason.MALFORMED, "a checkpoint has one publica-state line: 'publica-state <height> <64 hex digits>'")
    return int(m.group(1)), m.group(2)


def verify_state_answer(answer: StateAnswer, key: LogKey | str, origin: str | None = None) -> bytes | None:
    """Checks a ``GET /v1/state`` answer from its checkpoint alone
    (docs/state-proofs.md) and returns the proven value (``None`` for
    absence): the checkpoint's signature by the log's key, its
    ``publica-state`` line naming the answer's height and state root, then
    the proof against that root. A validator network's checkpoint is
    cosigned by a quorum: check it with ``publica verify state --validators``.
    """
    if answer.checkpoint is None:
        raise _fail(Reason.NO_CHECKPOINT, "the answer carries no checkpoint (a ledger before format 6, "
                    "or a network's block not yet cosigned: ask again)")
    cp = open_checkpoint(answer.checkpoint, key, origin)
    line = state_line(cp)
    if line is None:
        raise _fail(Reason.NO_CHECKPOINT, "the checkpoint names no state root (signed before ledger format 6)")
    height, root = line
    if height != answer.height:
        raise _fail(Reason.STATE_ROOT_MISMATCH, f"the checkpoint names block {height}, the answer is for block {answer.height}")
    if root != answer.state_root:
        raise _fail(Reason.STATE_ROOT_MISMATCH, f"the answer says state root {answer.state_root}, the checkpoint {root}")
    return verify_state(answer, root)


# -- witnesses (C2SP tlog-cosignature, docs/witnesses.md) -----------------

_COSIGNATURE_V1 = 0x04


@dataclass(frozen=True)
class WitnessKey:
    """A witness's cosigner key ``<name>+<key id hex>+<base64(0x04 || public key)>``."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def parse(cls, vkey: str) -> WitnessKey:
        """Parses and checks a cosigner key (the key ID must match the name and key)."""
        return cls(*_typed_key(vkey, _COSIGNATURE_V1, "Ed25519 cosigner keys (type 0x04, 32 bytes)"))


def verify_witnesses(note: str, keys: Sequence[WitnessKey | str], needed: int | None = None) -> list[str]:
    """Checks a witness policy on a signed checkpoint: at least ``needed``
    (default: all) of ``keys`` cosigned it (``cosignature/v1``: Ed25519 over
    ``cosignature/v1\\ntime <t>\\n`` and the text). Returns the names of the
    witnesses that did. Lines by other keys are ignored; a listed witness's
    line that does not verify fails (the checkpoint was altered)."""
    wanted = [k if isinstance(k, WitnessKey) else WitnessKey.parse(k) for k in keys]
    if not wanted:
        raise _fail(Reason.MALFORMED, "a witness policy names at least one witness")
    needed = len(wanted) if needed is None else needed
    if not 1 <= needed <= len(wanted):
        raise _fail(Reason.MALFORMED, f"needed must be 1..{len(wanted)}")
    text, lines = _note_parts(note)
    signed: list[str] = []
    for name, blob in lines:
        k = next((k for k in wanted if k.name == name and k.key_id == blob[:4]), None)
        if k is None:
            continue
        ok = len(blob) == 76
        if ok:
            ts = int.from_bytes(blob[4:12], "big")
            message = f"cosignature/v1\ntime {ts}\n{text}".encode()
            ok = ts < 2**63 and verify_signature(k.public_key, message, blob[12:])
        if not ok:
            raise _fail(Reason.BAD_SIGNATURE, f"bad cosignature by witness {k.name}: the checkpoint was altered")
        if k.name not in signed:
            signed.append(k.name)
    if len(signed) < needed:
        raise _fail(Reason.WITNESS_POLICY, f"witness policy not met: {len(signed)} valid cosignatures "
                    f"from the witnesses given, {needed} needed")
    return signed
