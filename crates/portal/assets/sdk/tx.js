// Transactions: bodies, signing bytes, ids and signed envelopes, exactly
// as docs/transactions.md defines them.
import { concat, toHex, utf8 } from './bytes.js';
import { canonicalJson } from './canonical.js';
import { sha256 } from './crypto.js';
/** The domain tag in front of every transaction's signing bytes. */
export const TX_DOMAIN_TAG = 'publica/tx/v1\n';
/** The largest integer a transaction may hold, 2^53 - 1. */
export const MAX_INTEGER = Number.MAX_SAFE_INTEGER;
const NAME = /^[a-z0-9_]{1,64}$/;
const CHAIN_ID = /^[\x20-\x7e]{1,64}$/;
/**
 * A call of `method` in `module` with `args` (a plain JSON object; amounts
 * of money are decimal strings). Checks the names and that the arguments
 * have a canonical form, so a mistake shows here and not at the node.
 */
export function call(module, method, args = {}) {
    if (typeof module !== 'string' || !NAME.test(module))
        throw new TypeError(`module must be 1-64 characters of [a-z0-9_], got ${JSON.stringify(module)}`);
    if (typeof method !== 'string' || !NAME.test(method))
        throw new TypeError(`method must be 1-64 characters of [a-z0-9_], got ${JSON.stringify(method)}`);
    if (typeof args !== 'object' || args === null || Array.isArray(args))
        throw new TypeError('args must be a JSON object');
    canonicalJson(args); // throws with the path of a value that has no canonical form
    return { module, method, args };
}
/** The `system` module's calls (docs/transactions.md). */
export const system = {
    /** Publish the signer's account (`system/account/<id>`). */
    registerAccount: () => call('system', 'register_account', {}),
    /** Set the signer's public note (at most 280 bytes, no control characters; never personal data). */
    setNote: (note) => call('system', 'set_note', { note }),
    /** Delete the signer's note. */
    clearNote: () => call('system', 'clear_note', {}),
};
function checkInteger(value, what, min) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
        throw new RangeError(`${what} must be an integer from ${min} to 2^53-1, got ${String(value)}`);
    }
    return value;
}
/**
 * A transaction body, checked against the rules of docs/transactions.md:
 * chain id of 1-64 printable ASCII characters, nonce 1..2^53-1, exactly one
 * expiry (`{height}` or `{unix_ms}`), a valid call.
 */
export function txBody(fields) {
    const { chainId, nonce, expiry } = fields;
    if (typeof chainId !== 'string' || !CHAIN_ID.test(chainId))
        throw new TypeError('chainId must be 1-64 printable ASCII characters');
    checkInteger(nonce, 'nonce', 1);
    const names = typeof expiry === 'object' && expiry !== null ? Object.keys(expiry) : [];
    if (names.length !== 1 || (names[0] !== 'height' && names[0] !== 'unix_ms')) {
        throw new TypeError('expiry must be exactly one of {height: H} or {unix_ms: T}');
    }
    const expiryValue = checkInteger(expiry[names[0]], `expiry.${names[0]}`, 0);
    const c = call(fields.call?.module, fields.call?.method, fields.call?.args);
    return {
        chain_id: chainId,
        nonce,
        expiry: names[0] === 'height' ? { height: expiryValue } : { unix_ms: expiryValue },
        call: c,
    };
}
/** `"publica/tx/v1\n" || chain_id || "\n" || JCS(body)`, the bytes a signer signs. */
export function signingBytes(body) {
    return utf8(TX_DOMAIN_TAG + body.chain_id + '\n' + canonicalJson(body));
}
/** The transaction id, `SHA-256(signer public key || signing bytes)` in hex. */
export async function txId(signerPublicKey, body) {
    return toHex(await sha256(concat(signerPublicKey, signingBytes(body))));
}
/** Signs `body` with `key`: the envelope to submit and its id. */
export async function signTx(key, body) {
    const checked = txBody({ chainId: body.chain_id, nonce: body.nonce, expiry: body.expiry, call: body.call });
    const bytes = signingBytes(checked);
    const signature = await key.sign(bytes);
    return {
        envelope: { body: checked, signer: key.accountId, signature: toHex(signature) },
        txId: toHex(await sha256(key.publicKey, bytes)),
    };
}
