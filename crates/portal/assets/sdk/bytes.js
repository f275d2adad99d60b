// Byte helpers: hex, base64, UTF-8, concatenation and comparison.
//
// Written out here so that the package has no runtime dependencies and
// behaves the same in browsers and Node.js (no Buffer, no atob).
const encoder = new TextEncoder();
const HEX_DIGITS = '0123456789abcdef';
/** The UTF-8 encoding of `text`. */
export function utf8(text) {
    return encoder.encode(text);
}
/** Lowercase hex of `bytes`. */
export function toHex(bytes) {
    let out = '';
    for (const byte of bytes)
        out += HEX_DIGITS[byte >> 4] + HEX_DIGITS[byte & 15];
    return out;
}
/**
 * Decodes hex (either case). Throws a `TypeError` naming `what` when the
 * text is not an even number of hex digits, or not `length` bytes long when
 * a length is given.
 */
export function fromHex(text, what = 'value', length) {
    if (typeof text !== 'string' || text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
        throw new TypeError(`${what} must be a string of hex digits, two per byte`);
    }
    if (length !== undefined && text.length !== 2 * length) {
        throw new TypeError(`${what} must be ${length} bytes (${2 * length} hex digits), got ${text.length / 2}`);
    }
    const out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; i++)
        out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
    return out;
}
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Standard, padded base64 (RFC 4648 section 4). */
export function toBase64(bytes) {
    let out = '';
    for (let i = 0; i < bytes.length; i += 3) {
        const a = bytes[i];
        const b = bytes[i + 1];
        const c = bytes[i + 2];
        out += B64[a >> 2] + B64[((a & 3) << 4) | ((b ?? 0) >> 4)];
        out += b === undefined ? '=' : B64[((b & 15) << 2) | ((c ?? 0) >> 6)];
        out += c === undefined ? '=' : B64[c & 63];
    }
    return out;
}
/**
 * Decodes standard, padded base64 in its one canonical form (no whitespace,
 * no missing padding, no stray bits in the last character), or returns
 * `null`. Strict on purpose: a signed note has exactly one encoding.
 */
export function fromBase64(text) {
    if (typeof text !== 'string' || text.length % 4 !== 0)
        return null;
    if (!/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text))
        return null;
    const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
    const out = new Uint8Array((text.length / 4) * 3 - padding);
    let bits = 0;
    let count = 0;
    let at = 0;
    for (const char of text.slice(0, text.length - padding)) {
        bits = (bits << 6) | B64.indexOf(char);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out[at++] = (bits >> count) & 0xff;
            bits &= (1 << count) - 1;
        }
    }
    if (bits !== 0)
        return null; // leftover bits must be zero
    return out;
}
/** The bytes of all `parts`, one after the other. */
export function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
    let at = 0;
    for (const part of parts) {
        out.set(part, at);
        at += part.length;
    }
    return out;
}
/** Whether `a` and `b` hold the same bytes. */
export function equalBytes(a, b) {
    if (a.length !== b.length)
        return false;
    for (let i = 0; i < a.length; i++)
        if (a[i] !== b[i])
            return false;
    return true;
}
