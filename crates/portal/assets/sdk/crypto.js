// SHA-256 and Ed25519 through WebCrypto (`crypto.subtle`), the same in
// browsers and in Node.js 20+, plus the check that an Ed25519 public key is
// one a forger cannot exploit.
import { concat, fromHex } from './bytes.js';
/** The WebCrypto implementation, or a clear error where there is none. */
export function subtle() {
    const impl = globalThis.crypto?.subtle;
    if (!impl) {
        throw new Error('WebCrypto (crypto.subtle) is not available: use Node.js 20 or later, or a browser page served over https');
    }
    return impl;
}
/** SHA-256 of the concatenation of `parts`. */
export async function sha256(...parts) {
    return new Uint8Array(await subtle().digest('SHA-256', concat(...parts)));
}
/**
 * Whether `signature` is a valid Ed25519 signature by `publicKey` (32 bytes)
 * over `message`. A key WebCrypto cannot import verifies nothing (false);
 * a platform without Ed25519 in WebCrypto is an error.
 */
export async function ed25519Verify(publicKey, message, signature) {
    if (publicKey.length !== 32 || signature.length !== 64)
        return false;
    let key;
    try {
        key = await subtle().importKey('raw', concat(publicKey), { name: 'Ed25519' }, false, ['verify']);
    }
    catch (error) {
        if (error?.name === 'NotSupportedError') {
            throw new Error('this platform has no Ed25519 in WebCrypto (Node.js 20+, Chrome 137+, Firefox 129+, Safari 17+ have it)');
        }
        return false;
    }
    return subtle().verify({ name: 'Ed25519' }, key, concat(signature), concat(message));
}
// ---- Weak Ed25519 public keys.
//
// Under a key of small order anyone can produce signatures that verify, and
// a non-canonical encoding names a key a second way. Publica refuses both
// (docs/transactions.md, `signer`); so does this client for the log's key.
const P = (1n << 255n) - 19n;
// d = -121665 / 121666 (mod p), the curve constant of edwards25519 (RFC 8032).
const D = mod(-121665n * inverse(121666n));
// The y-coordinate of a point of order 8 (RFC 8032's curve; its encoding
// is c7176a70...ac037a). The points of small order have y in
// {1, -1, 0, Y8, -Y8}.
const Y8 = littleEndian(fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'));
const SMALL_ORDER_Y = new Set([1n, P - 1n, 0n, Y8, P - Y8]);
function mod(n) {
    const r = n % P;
    return r < 0n ? r + P : r;
}
function power(base, exponent) {
    let result = 1n;
    let b = mod(base);
    for (let e = exponent; e > 0n; e >>= 1n) {
        if (e & 1n)
            result = (result * b) % P;
        b = (b * b) % P;
    }
    return result;
}
function inverse(n) {
    return power(n, P - 2n);
}
function littleEndian(bytes) {
    let n = 0n;
    for (let i = bytes.length - 1; i >= 0; i--)
        n = (n << 8n) | BigInt(bytes[i]);
    return n;
}
/**
 * Whether `publicKey` is a usable Ed25519 public key: 32 bytes, the
 * canonical encoding of a curve point, not of small order.
 */
export function isStrongPublicKey(publicKey) {
    if (publicKey.length !== 32)
        return false;
    const unsigned = Uint8Array.from(publicKey);
    unsigned[31] &= 0x7f;
    const y = littleEndian(unsigned);
    if (y >= P || SMALL_ORDER_Y.has(y))
        return false; // (x = 0 only occurs for y = +/-1)
    // On the curve when x^2 = (y^2 - 1) / (d y^2 + 1) has a root: Euler's criterion.
    const x2 = mod((y * y - 1n) * inverse(D * y * y + 1n));
    return x2 === 0n || power(x2, (P - 1n) / 2n) === 1n;
}
