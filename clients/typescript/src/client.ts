// The HTTP client: one method per API route it uses, over the global fetch.

import { PublicaError } from './errors.js';
import type { Keypair } from './keys.js';
import { type Call, type Envelope, type Expiry, type SignedTx, signTx, txBody } from './tx.js';
import type {
  Accepted,
  BatchResponse,
  Block,
  ConsistencyProof,
  ErrorBody,
  LogInfo,
  NonceInfo,
  Pending,
  Receipt,
  StateAnswer,
  Status,
} from './types.js';

/** The longest `wait_ms` the node accepts. */
export const WAIT_MS_MAX = 30_000;

/** Options of a `Client`. */
export interface ClientOptions {
  /** A fetch implementation (default: the global `fetch`). */
  fetch?: typeof fetch;
  /** Headers sent with every request (e.g. for a proxy in front of the node). */
  headers?: Record<string, string>;
}

/** How `Client.send` and `Client.prepare` fill in a transaction. */
export interface SendOptions {
  /** The nonce (default: the node's `next_nonce` for the signer, pending transactions counted). */
  nonce?: number;
  /** The expiry (default: `{height: head + expiresInBlocks}`). */
  expiry?: Expiry;
  /** Blocks until the default expiry (default 1000, as the CLI). */
  expiresInBlocks?: number;
}

/**
 * A client of one Publica node's HTTP API (`GET /openapi.json`). Every
 * method throws `PublicaError` for an error answer (its `code` is the
 * node's, docs/errors.md) or when the node cannot be reached.
 *
 * ```ts
 * const client = new Client('http://127.0.0.1:8700');
 * const { txId } = await client.send(key, system.registerAccount());
 * const receipt = await client.waitForReceipt(txId);
 * ```
 */
export class Client {
  /** The node's base URL, without a trailing slash. */
  readonly baseUrl: string;
  readonly #fetch: typeof fetch;
  readonly #headers: Record<string, string>;
  #chainId: string | undefined;

  constructor(baseUrl: string | URL, options: ClientOptions = {}) {
    const url = new URL(String(baseUrl)); // throws a TypeError for a malformed URL
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`the node URL must be http or https, got ${url.protocol}`);
    this.baseUrl = url.href.replace(/\/+$/, '');
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new TypeError('no fetch: pass options.fetch, or use Node.js 20+ or a browser');
    this.#fetch = f;
    this.#headers = { ...options.headers };
  }

  // ---- Transactions.

  /** Submits one signed transaction (`POST /v1/transactions`); the node answers its id once admitted. */
  async submit(tx: Envelope | SignedTx): Promise<Accepted> {
    return this.#json('POST', '/v1/transactions', envelopeOf(tx));
  }

  /**
   * Submits up to 10,000 signed transactions at once
   * (`POST /v1/transactions/batch`). Items are admitted or rejected one by
   * one: see each result's `tx_id` or `error`.
   */
  async submitBatch(txs: Array<Envelope | SignedTx>): Promise<BatchResponse> {
    if (!Array.isArray(txs)) throw new TypeError('submitBatch takes a list of transactions');
    return this.#json('POST', '/v1/transactions/batch', { transactions: txs.map(envelopeOf) });
  }

  /**
   * A transaction's receipt, or `{status: "pending"}` while it waits for a
   * block (`GET /v1/transactions/{id}`); with `waitMs` (at most 30,000) the
   * node holds the answer until the block is durable or the time is up.
   * Unknown ids throw `tx.not_found`.
   */
  async transaction(txId: string, waitMs?: number): Promise<Receipt | Pending> {
    const query = waitMs === undefined ? '' : `?wait_ms=${checkWait(waitMs)}`;
    return this.#json('GET', `/v1/transactions/${encodeURIComponent(txId)}${query}`);
  }

  /**
   * Waits until the transaction is in a durable block and returns its
   * receipt (verify it with `verifyReceipt`). Throws `client.timeout`
   * after `timeoutMs` (default 60 s).
   */
  async waitForReceipt(txId: string, options: { timeoutMs?: number } = {}): Promise<Receipt> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      const answer = await this.transaction(txId, Math.max(0, Math.min(WAIT_MS_MAX, left)));
      if (answer.status === 'committed') return answer;
      if (Date.now() >= deadline) {
        throw new PublicaError(202, 'client.timeout', `transaction ${txId} is still pending after ${timeoutMs} ms`);
      }
    }
  }

  /**
   * Builds and signs a transaction of `call` for `key`, filling in what is
   * not given from the node: its chain id, the signer's next nonce, an
   * expiry 1000 blocks ahead. Does not submit it.
   */
  async prepare(key: Keypair, call: Call, options: SendOptions = {}): Promise<SignedTx> {
    let chainId = this.#chainId;
    let expiry = options.expiry;
    if (chainId === undefined || expiry === undefined) {
      const status = await this.status();
      chainId = this.#chainId = status.chain_id;
      expiry ??= { height: status.height + (options.expiresInBlocks ?? 1000) };
    }
    const nonce = options.nonce ?? (await this.nonce(key.accountId)).next_nonce;
    return signTx(key, txBody({ chainId, nonce, expiry, call }));
  }

  /** `prepare`, then `submit`: returns the signed transaction and its id. */
  async send(key: Keypair, call: Call, options: SendOptions = {}): Promise<SignedTx> {
    const signed = await this.prepare(key, call, options);
    await this.submit(signed);
    return signed;
  }

  // ---- Chain, state, accounts.

  /** The chain's head (`GET /v1/status`). */
  async status(): Promise<Status> {
    return this.#json('GET', '/v1/status');
  }

  /** The block at `height`, from 1 (`GET /v1/blocks/{height}`); `block.not_found` beyond the head. */
  async block(height: number): Promise<Block> {
    if (!Number.isSafeInteger(height) || height < 0) throw new RangeError(`a block height is a non-negative integer, got ${height}`);
    return this.#json('GET', `/v1/blocks/${height}`);
  }

  /**
   * The value under a state key after the latest block, with its proof
   * (`GET /v1/state?key=`); check it with `verifyStateProof`.
   */
  async state(key: string): Promise<StateAnswer> {
    if (typeof key !== 'string') throw new TypeError('a state key is a string');
    return this.#json('GET', `/v1/state?key=${encodeURIComponent(key)}`);
  }

  /** An account's committed and next nonces (`GET /v1/accounts/{account}/nonce`). */
  async nonce(account: string): Promise<NonceInfo> {
    return this.#json('GET', `/v1/accounts/${encodeURIComponent(account)}/nonce`);
  }

  // ---- The transparency log.

  /** The log's origin, verifier key and latest checkpoint (`GET /v1/log`). */
  async logInfo(): Promise<LogInfo> {
    return this.#json('GET', '/v1/log');
  }

  /** The latest signed checkpoint, as text (`GET /checkpoint`). */
  async checkpoint(): Promise<string> {
    const response = await this.#request('GET', '/checkpoint', undefined, 'text/plain');
    return response.text();
  }

  /**
   * A consistency proof between two log sizes, `1 <= from <= to <= size`
   * (`GET /v1/log/consistency`); check it with `verifyConsistency`.
   */
  async consistency(from: number, to: number): Promise<ConsistencyProof> {
    for (const [name, n] of [['from', from], ['to', to]] as const) {
      if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
    }
    return this.#json('GET', `/v1/log/consistency?from=${from}&to=${to}`);
  }

  // ---- Plumbing.

  async #json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.#request(method, path, body);
    try {
      return (await response.json()) as T;
    } catch {
      throw new PublicaError(response.status, 'client.bad_response', `${method} ${path}: the answer is not JSON`);
    }
  }

  async #request(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Response> {
    const headers: Record<string, string> = { accept, ...this.#headers };
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await this.#fetch(this.baseUrl + path, init);
    } catch (error) {
      throw new PublicaError(0, 'client.network', `${method} ${this.baseUrl}${path}: ${(error as Error)?.message ?? String(error)}`);
    }
    if (response.ok) return response;
    const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
    let error: Partial<ErrorBody> | undefined;
    try {
      error = (await response.json()) as Partial<ErrorBody>;
    } catch {
      error = undefined;
    }
    if (typeof error?.code === 'string') {
      throw new PublicaError(response.status, error.code, String(error.message ?? ''), retryAfter);
    }
    throw new PublicaError(response.status, 'client.bad_response', `${method} ${path}: HTTP ${response.status} without an error body`, retryAfter);
  }
}

function envelopeOf(tx: Envelope | SignedTx): Envelope {
  return 'envelope' in tx ? tx.envelope : tx;
}

function checkWait(waitMs: number): number {
  if (!Number.isSafeInteger(waitMs) || waitMs < 0 || waitMs > WAIT_MS_MAX) {
    throw new RangeError(`waitMs must be an integer from 0 to ${WAIT_MS_MAX}, got ${waitMs}`);
  }
  return waitMs;
}

// Retry-After is seconds, or an HTTP date.
function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
