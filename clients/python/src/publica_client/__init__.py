"""Publica client SDK: keys, signed transactions, a node client, and offline
verification of receipts, checkpoints, consistency and state proofs.

Quick tour::

    from publica_client import Client, Key, calls, verify_receipt

    node = Client("http://127.0.0.1:8700")
    key = Key.generate()
    node.send(key, calls.register_account())
    receipt = node.send(key, calls.set_note("hello"))
    proven = verify_receipt(receipt, LOG_KEY)   # offline, with the log's key
"""

__version__ = "0.1.0"

from . import calls
from .client import ROUTES, Client
from .errors import (FormatError, KeyFileError, NodeUnreachable, PublicaError, Reason, ReceiptTimeout,
                     VerificationError)
from .keys import Key, key_file_account
from .models import (Accepted, BatchItem, BatchResult, Block, BlockHeader, Call, ConsistencyProof,
                     Envelope, ErrorBody, Event, LogInfo, MoneyAccount, Nonce, Outcome, PendingTx,
                     Receipt, StateAnswer, StateProof, StateTerminal, Status, TxBody)
from .tx import SignedTransaction, build_body, sign, signing_bytes, transaction_id
from .verify import (Checkpoint, LogKey, VerifiedReceipt, open_checkpoint, verify_checkpoint_consistency,
                     verify_consistency, verify_inclusion, verify_receipt, verify_state,
                     verify_state_answer, verify_state_proof, verify_witnesses, WitnessKey)

__all__ = [
    "__version__", "calls", "Client", "ROUTES",
    "PublicaError", "NodeUnreachable", "FormatError", "KeyFileError", "ReceiptTimeout",
    "VerificationError", "Reason",
    "Key", "key_file_account",
    "Accepted", "BatchItem", "BatchResult", "Block", "BlockHeader", "Call", "ConsistencyProof",
    "Envelope", "ErrorBody", "Event", "LogInfo", "MoneyAccount", "Nonce", "Outcome", "PendingTx",
    "Receipt", "StateAnswer", "StateProof", "StateTerminal", "Status", "TxBody",
    "SignedTransaction", "build_body", "sign", "signing_bytes", "transaction_id",
    "Checkpoint", "LogKey", "VerifiedReceipt", "open_checkpoint", "verify_checkpoint_consistency",
    "verify_consistency", "verify_inclusion", "verify_receipt", "verify_state", "verify_state_answer",
    "verify_state_proof", "verify_witnesses", "WitnessKey",
]
