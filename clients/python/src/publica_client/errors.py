"""The exceptions the SDK raises.

* :class:`PublicaError` -- the node answered with an error body
  ``{"code", "message"}`` (docs/errors.md); ``code`` is stable and meant for
  programs, ``message`` is for people.
* :class:`NodeUnreachable` -- no HTTP answer at all (connection refused,
  timeout, DNS).
* :class:`FormatError` -- a JSON document (an answer from the node, a
  receipt read from a file) does not have the documented shape.
* :class:`VerificationError` -- an offline check failed; ``reason`` names
  which one (see :class:`Reason`).
* :class:`KeyFileError` -- a key file cannot be read, written or opened.
* :class:`ReceiptTimeout` -- no receipt within the time allowed.
"""

from __future__ import annotations


class PublicaError(Exception):
    """An error answer from a Publica node.

    ``status`` is the HTTP status, ``code`` the machine-readable code (for
    example ``tx.nonce_gap``), ``message`` the node's sentence, and
    ``retry_after`` the ``Retry-After`` header in seconds when the node sent
    one (429 and 503 answers), otherwise ``None``.
    """

    def __init__(self, status: int, code: str, message: str, retry_after: float | None = None):
        super().__init__(f"{code} (HTTP {status}): {message}")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


class NodeUnreachable(ConnectionError):
    """The node could not be reached (no HTTP answer)."""


class FormatError(ValueError):
    """A JSON document does not have the expected shape.

    The message names the field, e.g. ``receipt.leaf_index: expected an
    integer, got str``.
    """


class KeyFileError(Exception):
    """A key file cannot be read, written or opened (never shows the secret)."""


class ReceiptTimeout(TimeoutError):
    """The transaction was not committed within the time allowed."""

    def __init__(self, tx_id: str, seconds: float):
        super().__init__(f"no receipt for {tx_id} within {seconds:g} s (still pending)")
        self.tx_id = tx_id


class Reason:
    """Names of the reasons a verification fails (``VerificationError.reason``).

    They follow ``publica verify`` (docs/transparency.md).
    """

    MALFORMED = "malformed"
    """A field is missing or has the wrong shape."""
    BAD_VERIFIER_KEY = "bad_verifier_key"
    """The log's verifier key does not parse, or its key id does not match."""
    BAD_SIGNATURE = "bad_signature"
    """The checkpoint's signature by the log key does not verify."""
    NO_SIGNATURE_FROM_KEY = "no_signature_from_key"
    """The checkpoint carries no signature by the given key."""
    WRONG_ORIGIN = "wrong_origin"
    """The checkpoint belongs to another log."""
    TREE_SIZE_MISMATCH = "tree_size_mismatch"
    """The proof is for another tree size than the checkpoint signs."""
    BAD_TRANSACTION_SIGNATURE = "bad_transaction_signature"
    """The transaction's own signature does not verify."""
    WRONG_LEAF = "wrong_leaf"
    """The receipt's ids do not belong to its transaction."""
    PROOF_MISMATCH = "proof_mismatch"
    """A Merkle proof does not lead to the expected root (or breaks a bound)."""
    VALUE_MISMATCH = "value_mismatch"
    """A state proof proves another value (or presence instead of absence)."""
    NO_CHECKPOINT = "no_checkpoint"
    """A state answer carries no checkpoint, or one that names no state root."""
    STATE_ROOT_MISMATCH = "state_root_mismatch"
    """The checkpoint names another block or state root than the answer."""
    WITNESS_POLICY = "witness_policy"
    """Fewer of the given witnesses cosigned the checkpoint than the policy needs."""


class VerificationError(Exception):
    """An offline verification failed.

    ``reason`` is one of the :class:`Reason` names; the message says more.
    """

    def __init__(self, reason: str, message: str):
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
