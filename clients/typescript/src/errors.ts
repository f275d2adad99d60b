// The two kinds of failure: the node said no (PublicaError), or a proof
// does not hold (VerificationError).

/**
 * An error answer from the node, `{code, message}` (docs/errors.md), or a
 * failure on the way to it. Codes the client itself gives start `client.`:
 * `client.network` (no answer; `status` 0), `client.bad_response` (an
 * answer outside the API's contract), `client.timeout` (no receipt in time).
 */
export class PublicaError extends Error {
  /** The HTTP status (0 when there was no answer). */
  readonly status: number;
  /** The stable code, e.g. `tx.nonce_gap`. */
  readonly code: string;
  /** Seconds to wait before retrying, from `Retry-After` (429, 503). */
  readonly retryAfter?: number;

  constructor(status: number, code: string, message: string, retryAfter?: number) {
    super(message);
    this.name = 'PublicaError';
    this.status = status;
    this.code = code;
    if (retryAfter !== undefined) this.retryAfter = retryAfter;
  }

  override toString(): string {
    return `PublicaError ${this.status} ${this.code}: ${this.message}`;
  }
}

/**
 * Why a receipt, checkpoint or proof was refused. The reasons follow
 * `publica verify` (docs/transparency.md):
 *
 * - `malformed`: not the documented shape (a field missing or of the wrong type);
 * - `unsupported_number`: the text holds a number JavaScript cannot read exactly
 *   (beyond 2^53-1, or written with a fraction or an exponent); the receipt may
 *   still be valid: check it with `publica verify receipt`;
 * - `bad_verifier_key`: the log key text is not a usable verifier key;
 * - `bad_signature`: the checkpoint's signature by the key does not verify (altered, or another key);
 * - `no_signature_from_key`: the checkpoint carries no signature by this key;
 * - `validator_network`: the checkpoint is cosigned by validators (quorum checks are not in this client);
 * - `wrong_origin`: a checkpoint of another log;
 * - `tree_size_mismatch`: the receipt's or proof's size is not the checkpoint's;
 * - `bad_tx_signature`: the transaction's own signature does not verify;
 * - `wrong_leaf`: the receipt's ids belong to another transaction;
 * - `proof_mismatch`: the inclusion or consistency proof does not lead to the signed root;
 * - `state_proof_mismatch`: the state proof does not lead to the state root, or proves something else.
 */
export class VerificationError extends Error {
  /** One of the reasons above. */
  readonly reason: VerificationReason;

  constructor(reason: VerificationReason, message: string) {
    super(`${reason}: ${message}`);
    this.name = 'VerificationError';
    this.reason = reason;
  }
}

/** A named reason for refusing a receipt, checkpoint or proof. */
export type VerificationReason =
  | 'malformed'
  | 'unsupported_number'
  | 'bad_verifier_key'
  | 'bad_signature'
  | 'no_signature_from_key'
  | 'validator_network'
  | 'wrong_origin'
  | 'tree_size_mismatch'
  | 'bad_tx_signature'
  | 'wrong_leaf'
  | 'proof_mismatch'
  | 'state_proof_mismatch'
  | 'no_checkpoint'
  | 'state_root_mismatch'
  | 'witness_policy';
