// @publica/client: keys, signed transactions, the node's HTTP API, and
// offline verification of receipts, checkpoints, consistency and state
// proofs. WebCrypto only; runs in Node.js 20+ and in browsers.

export { type Bytes, concat, equalBytes, fromBase64, fromHex, toBase64, toHex, utf8 } from './bytes.js';
export { CanonicalJsonError, canonicalJson, type JsonObject, type JsonValue } from './canonical.js';
export { Client, type ClientOptions, type SendOptions, WAIT_MS_MAX } from './client.js';
export { ed25519Verify, isStrongPublicKey, sha256 } from './crypto.js';
export { PublicaError, VerificationError, type VerificationReason } from './errors.js';
export { Keypair } from './keys.js';
export {
  type Call,
  call,
  type Envelope,
  type Expiry,
  MAX_INTEGER,
  type SignedTx,
  signingBytes,
  signTx,
  system,
  TX_DOMAIN_TAG,
  type TxBody,
  txBody,
  txId,
} from './tx.js';
export type * from './types.js';
export {
  blockHash,
  type Checkpoint,
  leafHash,
  logEntry,
  openCheckpoint,
  parseVerifierKey,
  type VerifiedConsistency,
  type VerifiedReceipt,
  type VerifiedState,
  type VerifierKey,
  verifyConsistency,
  verifyConsistencyProof,
  verifyInclusionProof,
  verifyReceipt,
  verifyStateAnswer,
  verifyStateProof,
  parseWitnessKey,
  verifyWitnesses,
  type WitnessKey,
} from './verify.js';
