// Ed25519 account keys with WebCrypto. An account id is the hex public key.
import { concat, fromBase64, fromHex, toHex } from './bytes.js';
import { subtle } from './crypto.js';
// RFC 8410's PKCS #8 wrapping of a 32-byte Ed25519 seed: WebCrypto imports
// Ed25519 private keys as PKCS #8 (or JWK), never as raw bytes.
const PKCS8_PREFIX = fromHex('302e020100300506032b657004220420');
/**
 * An Ed25519 key pair for signing transactions. The secret seed stays in a
 * WebCrypto `CryptoKey`; `exportSeed` gives it out only when asked.
 */
export class Keypair {
    /** The 32-byte public key. */
    publicKey;
    /** The account id: the public key in lowercase hex. */
    accountId;
    #privateKey;
    constructor(privateKey, publicKey) {
        this.#privateKey = privateKey;
        this.publicKey = publicKey;
        this.accountId = toHex(publicKey);
    }
    /** A new random key pair. */
    static async generate() {
        const pair = (await subtle().generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']));
        const publicKey = new Uint8Array(await subtle().exportKey('raw', pair.publicKey));
        return new Keypair(pair.privateKey, publicKey);
    }
    /** The key pair of a 32-byte Ed25519 seed (RFC 8032's secret key). */
    static async fromSeed(seed) {
        if (!(seed instanceof Uint8Array) || seed.length !== 32) {
            throw new TypeError('an Ed25519 seed is 32 bytes');
        }
        const privateKey = await subtle().importKey('pkcs8', concat(PKCS8_PREFIX, seed), { name: 'Ed25519' }, true, ['sign']);
        // The JWK form carries the public key too (x), so it need not be derived here.
        const jwk = await subtle().exportKey('jwk', privateKey);
        const publicKey = base64UrlDecode(jwk.x ?? '');
        if (publicKey.length !== 32)
            throw new Error('WebCrypto gave no Ed25519 public key for this seed');
        return new Keypair(privateKey, publicKey);
    }
    /**
     * The key pair in a Publica key file (`{"version": 1, "account": …,
     * "secret": {"kind": "plain", "seed": …}}`), given as its JSON text or
     * parsed. Encrypted key files (Argon2id + ChaCha20-Poly1305) are not
     * supported: WebCrypto has neither; decrypt them with `publica`.
     * Checks that the seed belongs to the recorded account.
     */
    static async fromKeyFile(file) {
        let doc = file;
        if (typeof file === 'string') {
            try {
                doc = JSON.parse(file);
            }
            catch {
                throw new TypeError('the key file is not JSON');
            }
        }
        const bad = (reason) => {
            throw new TypeError(`not a Publica key file: ${reason}`);
        };
        if (!isRecord(doc))
            bad('expected a JSON object');
        const { version, account, secret } = doc;
        if (version !== 1)
            bad(`version must be 1, got ${JSON.stringify(version)}`);
        if (typeof account !== 'string' || !/^[0-9a-f]{64}$/.test(account))
            bad('account must be 64 lowercase hex characters');
        if (!isRecord(secret))
            bad('secret must be an object');
        const { kind, seed } = secret;
        if (kind === 'argon2id_chacha20poly1305') {
            throw new TypeError('the key file is encrypted; this client reads plain key files only (decrypt it with the publica CLI)');
        }
        if (kind !== 'plain')
            bad(`unknown secret kind ${JSON.stringify(kind)}`);
        if (typeof seed !== 'string')
            bad('secret.seed must be a hex string');
        const pair = await Keypair.fromSeed(fromHex(seed, 'secret.seed', 32));
        if (pair.accountId !== account)
            bad('the seed does not match the recorded account');
        return pair;
    }
    /** The 32-byte seed. Handle it as a secret: never log it. */
    async exportSeed() {
        const pkcs8 = new Uint8Array(await subtle().exportKey('pkcs8', this.#privateKey));
        return pkcs8.slice(pkcs8.length - 32);
    }
    /** The key in Publica's plain key-file format (the seed unencrypted). */
    async toKeyFile() {
        return { version: 1, account: this.accountId, secret: { kind: 'plain', seed: toHex(await this.exportSeed()) } };
    }
    /** The 64-byte Ed25519 signature of `message`. */
    async sign(message) {
        return new Uint8Array(await subtle().sign({ name: 'Ed25519' }, this.#privateKey, concat(message)));
    }
    /** Shows the account only, never the secret. */
    toString() {
        return `Keypair(${this.accountId})`;
    }
    /** `JSON.stringify` shows the account only, never the secret. */
    toJSON() {
        return { account: this.accountId };
    }
}
function isRecord(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
// JWK's unpadded base64url, through the strict standard decoder.
function base64UrlDecode(text) {
    const standard = text.replace(/-/g, '+').replace(/_/g, '/');
    return fromBase64(standard + '='.repeat((4 - (standard.length % 4)) % 4)) ?? new Uint8Array(0);
}
