// RFC 8785 (JCS) canonical JSON for the values Publica signs and logs.
//
// Publica restricts numbers to integers within +/-(2^53 - 1)
// (docs/transactions.md, "Numbers"); for those, JCS's number form is plain
// decimal, so the full ECMAScript number serialisation is never needed.
/** Thrown for a value that has no canonical form; `path` says where it is. */
export class CanonicalJsonError extends TypeError {
    /** Where the value is, e.g. `$.call.args.amount`. */
    path;
    constructor(path, problem) {
        super(`${path}: ${problem}`);
        this.name = 'CanonicalJsonError';
        this.path = path;
    }
}
// A UTF-16 surrogate without its partner has no UTF-8 form.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/**
 * The RFC 8785 canonical JSON text of `value`: members sorted by the UTF-16
 * code units of their names, no whitespace, strings escaped as ECMAScript's
 * `JSON.stringify` escapes them, integers in plain decimal.
 *
 * Accepts plain objects, arrays, strings, booleans, `null` and integers
 * within +/-(2^53 - 1). Throws `CanonicalJsonError` for anything else: a
 * fraction, `NaN`, a bigint, `undefined`, a function, a `Date` or other
 * class instance, a lone surrogate, a cycle.
 */
export function canonicalJson(value) {
    return write(value, '$', new Set());
}
function write(value, path, ancestors) {
    if (value === null)
        return 'null';
    switch (typeof value) {
        case 'boolean':
            return value ? 'true' : 'false';
        case 'number':
            if (!Number.isSafeInteger(value)) {
                throw new CanonicalJsonError(path, `the number ${value} is not an integer within +/-(2^53-1); write large amounts as decimal strings`);
            }
            return String(value); // -0 is written "0", as JCS wants
        case 'string':
            if (LONE_SURROGATE.test(value))
                throw new CanonicalJsonError(path, 'the string holds a lone UTF-16 surrogate');
            return JSON.stringify(value);
        case 'object':
            break;
        default:
            throw new CanonicalJsonError(path, `a ${typeof value} is not a JSON value`);
    }
    const object = value;
    if (ancestors.has(object))
        throw new CanonicalJsonError(path, 'the value contains itself');
    ancestors.add(object);
    let out;
    if (Array.isArray(object)) {
        out = '[' + object.map((item, i) => write(item, `${path}[${i}]`, ancestors)).join(',') + ']';
    }
    else {
        const proto = Object.getPrototypeOf(object);
        if (proto !== Object.prototype && proto !== null) {
            throw new CanonicalJsonError(path, `a ${proto?.constructor?.name ?? 'class'} instance is not a plain JSON object`);
        }
        const record = object;
        // The default sort compares UTF-16 code units: JCS's order.
        const names = Object.keys(record).sort();
        out = '{' + names.map((name) => {
            const member = `${path}.${name}`;
            if (record[name] === undefined)
                throw new CanonicalJsonError(member, 'undefined is not a JSON value');
            return write(name, member, ancestors) + ':' + write(record[name], member, ancestors);
        }).join(',') + '}';
    }
    ancestors.delete(object);
    return out;
}
