"""A second verifier of Publica elections, written from docs/elections.md
alone, with PyPI packages only: rbcl (libsodium's ristretto255), rfc8785
(JCS) and the standard library. It checks what the page's "Verifying an
election" lists and answers (failures, counts)."""

import hashlib

import rbcl
import rfc8785

L = 2**252 + 27742317777372353535851937790883648493
IDENTITY = bytes(32)
DOMAIN = b"publica/elections/v1\x00"


def sc(n):
    return (n % L).to_bytes(32, "little")


def mul(n, p):
    n %= L
    if n == 0 or p == IDENTITY:
        return IDENTITY
    return rbcl.crypto_scalarmult_ristretto255(sc(n), p)


def base(n):
    n %= L
    return IDENTITY if n == 0 else rbcl.crypto_scalarmult_ristretto255_base(sc(n))


def add(p, q):
    return rbcl.crypto_core_ristretto255_add(p, q)


def sub(p, q):
    return rbcl.crypto_core_ristretto255_sub(p, q)


G = base(1)


def point(text):
    """A point from 64 lowercase hex digits, canonical (else None)."""
    if not isinstance(text, str) or len(text) != 64 or text != text.lower():
        return None
    raw = bytes.fromhex(text)
    return raw if raw == IDENTITY or rbcl.crypto_core_ristretto255_is_valid_point(raw) else None


def scalar(text):
    if not isinstance(text, str) or len(text) != 64 or text != text.lower():
        return None
    n = int.from_bytes(bytes.fromhex(text), "little")
    return n if n < L else None


def transcript(tag, *parts):
    h = hashlib.sha512(DOMAIN)
    for p in (tag.encode(), *parts):
        h.update(len(p).to_bytes(4, "big") + p)
    return int.from_bytes(h.digest(), "little") % L


def u32(n):
    return n.to_bytes(4, "big")


def u64(n):
    return n.to_bytes(8, "big")


def verify_pok(ctx, pub, c, v):
    h = add(base(v), mul(c, pub))
    return transcript("pok", ctx, pub, h) == c


def verify_range(ctx, key, a, b, r_max, proof):
    """proof: [(a_j, b_j, c_j, v_j)]; each equation checked on its own."""
    if len(proof) != r_max + 1:
        return False
    parts, total = [], 0
    for j, (aj, bj, c, v) in enumerate(proof):
        if aj != add(base(v), mul(c, a)) or bj != add(mul(v, key), mul(c, sub(b, base(j)))):
            return False
        parts += [aj, bj]
        total += c
    return transcript("range", ctx, key, u64(r_max), a, b, *parts) == total % L


def branches(items):
    out = []
    for it in items:
        aj, bj, c, v = point(it.get("a")), point(it.get("b")), scalar(it.get("c")), scalar(it.get("v"))
        if None in (aj, bj, c, v):
            return None
        out.append((aj, bj, c, v))
    return out


def verify_share(ctx, a, z_pub, m, c, v):
    h1 = add(base(v), mul(c, z_pub))
    h2 = add(mul(v, a), mul(c, m))
    return transcript("share", ctx, z_pub, a, m, h1, h2) == c


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def census_root_from(index, size, leaf, path):
    """RFC 9162 section 2.1.3.2: the root an inclusion path leads to."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            while fn % 2 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def manifest_hash(e):
    m = {k: e[k] for k in ("chain_id", "id", "agency", "contests", "guardians", "threshold",
                           "opens_ms", "closes_ms", "census", "delegation") if k in e}
    return hashlib.sha256(b"publica/elections/v1/manifest\x00" + rfc8785.dumps(m)).digest()


def proof_pairs(items):
    out = []
    for it in items:
        c, v = scalar(it.get("c")), scalar(it.get("v"))
        if c is None or v is None:
            return None
        out.append((c, v))
    return out


def from_hash(*parts):
    """RFC 9496's one-way map of SHA-512(domain ‖ parts)."""
    return rbcl.crypto_core_ristretto255_from_hash(hashlib.sha512(DOMAIN + b"".join(parts)).digest())


def bucket_members(n, size, bucket):
    """The registrations (indices) of a ring, or None: n split into
    g = ceil(n/size) groups, group b from floor(b*n/g); its ring the size
    registrations from min(that, n - size)."""
    if n == 0 or not isinstance(bucket, int) or bucket < 0 or size not in [1 << k for k in range(1, 11)]:
        return None
    if n < size:
        width = max(2, 1 << (n - 1).bit_length())
        return [k % n for k in range(width)] if bucket == 0 else None
    g = -(-n // size)
    if bucket >= g:
        return None
    start = min(bucket * n // g, n - size)
    return list(range(start, start + size))


def verify_membership(h_m, h_e, e, commitments, member, tracking_code):
    """commitments: the registrations' points (None for a bad one)."""
    """The one-out-of-many proof of an anonymous ballot (docs/elections.md,
    "The anonymous census"), each equation on its own."""
    indices = bucket_members(len(commitments), e["census"]["ring"], member.get("bucket", -1))
    j_point = point(member.get("nullifier"))
    pr = member.get("proof", {})
    if indices is None or j_point in (None, IDENTITY):
        return False
    ring = [commitments[i] for i in indices]
    replaces = member.get("replaces") or ""
    if None in ring or not isinstance(replaces, str):
        return False
    m = len(ring).bit_length() - 1
    pts = [point(pr.get(k)) for k in "abcd"]
    xs, ys = [point(q) for q in pr.get("x", [])], [point(q) for q in pr.get("y", [])]
    fs = [scalar(f) for f in pr.get("f", [])]
    zs = [scalar(pr.get(k)) for k in ("z_a", "z_c", "z")]
    if None in pts + xs + ys + fs + zs or not (len(xs) == len(ys) == len(fs) == m):
        return False
    a, b, c, d = pts
    z_a, z_c, z = zs
    u = from_hash(b"nullifier", h_m)
    ctx = h_e + b"census" + u64(member["bucket"]) + tracking_code.encode() + replaces.encode()
    x = transcript("ring", ctx, u, u64(len(ring)), *ring, j_point, *pts, *xs, *ys)
    f = [((x - f1) % L, f1) for f1 in fs]
    lhs1, lhs2 = base(z_a), base(z_c)
    for j in range(m):
        for i in range(2):
            h = from_hash(b"generator", u32(j), u32(i))
            lhs1 = add(lhs1, mul(f[j][i], h))
            lhs2 = add(lhs2, mul(f[j][i] * (x - f[j][i]), h))
    if add(mul(x, b), a) != lhs1 or add(mul(x, c), d) != lhs2:
        return False
    left, right = IDENTITY, mul(pow(x, m, L), j_point)
    for i, p in enumerate(ring):
        prod = 1
        for j in range(m):
            prod = prod * f[j][(i >> j) & 1] % L
        left = add(left, mul(prod, p))
    for k in range(m):
        left = sub(left, mul(pow(x, k, L), xs[k]))
        right = sub(right, mul(pow(x, k, L), ys[k]))
    return left == base(z) and right == mul(z, u)


def check_members(e, members, h_m):
    """An anonymous census's registrations: in order, each in the census
    with its proof of knowledge, each account and commitment once, as many
    as the ledger counts."""
    fail, seen = [], set()
    root = bytes.fromhex(e["census"]["root"])
    for i, m in enumerate(members):
        leaf = leaf_hash(b"publica/elections/v1/voter\x00" + e["id"].encode() + b"\x00" + bytes.fromhex(m["account"]))
        path = [bytes.fromhex(h) for h in m["census"]["path"]]
        p, c, v = point(m["commitment"]), scalar(m["proof"]["c"]), scalar(m["proof"]["v"])
        ctx = h_m + b"register" + bytes.fromhex(m["account"])
        if (m["index"] != i or p in (None, IDENTITY) or m["account"] in seen or m["commitment"] in seen
                or c is None or v is None or not verify_pok(ctx, p, c, v)
                or census_root_from(m["census"]["index"], e["census"]["size"], leaf, path) != root):
            fail.append(f"registration {i}")
        seen |= {m["account"], m["commitment"]}
    if len(members) != e.get("registered", 0) or (members and "ring" not in e["census"]):
        fail.append("registrations")
    return fail, [point(m["commitment"]) for m in members]


def lent_weights(voted, delegations):
    """Each delegation's chain followed to the first voter, who gains one;
    a chain that ends elsewhere or loops lends nothing."""
    nxt = {d["from"]: d["to"] for d in delegations}
    out = {}
    for d in delegations:
        seen, cur = {d["from"]}, d["to"]
        while True:
            if cur in voted:
                out[cur] = out.get(cur, 0) + 1
                break
            if cur not in nxt or cur in seen:
                break
            seen.add(cur)
            cur = nxt[cur]
    return out


def check_ballot(e, key, h_e, voter, ballot):
    """The ballot's ciphertexts per contest, or a reason."""
    contests = e["contests"]
    if len(ballot["contests"]) != len(contests):
        return None, "contests"
    out = []
    for ci, (spec, wc) in enumerate(zip(contests, ballot["contests"])):
        if len(wc["selections"]) != len(spec["selections"]):
            return None, f"contest {spec['id']}: selections"
        row, sa, sb = [], IDENTITY, IDENTITY
        for si, ws in enumerate(wc["selections"]):
            a, b, pr = point(ws["a"]), point(ws["b"]), branches(ws["proof"])
            ctx = h_e + voter + b"selection" + u64(ci) + u64(si)
            if a is None or b is None or pr is None or not verify_range(ctx, key, a, b, 1, pr):
                return None, f"contest {spec['id']}, selection {spec['selections'][si]}"
            row.append((a, b))
            sa, sb = add(sa, a), add(sb, b)
        pr = branches(wc["proof"])
        ctx = h_e + voter + b"contest" + u64(ci)
        if pr is None or not verify_range(ctx, key, sa, sb, spec["limit"], pr):
            return None, f"contest {spec['id']}: limit"
        out.append(row)
    return out, None


def tracking(h_e, voter, ballot):
    return hashlib.sha256(b"publica/elections/v1/tracking\x00" + h_e + voter + rfc8785.dumps(ballot)).hexdigest()


def lagrange(n, group):
    num, den = 1, 1
    for k in group:
        if k != n:
            num, den = num * k % L, den * (k - n) % L
    return num * pow(den, -1, L) % L


def expected_share(ks, n):
    """Σ_j n^j·K_j: what a dealer's share for guardian n is times G."""
    out = IDENTITY
    for j, k in enumerate(ks):
        out = add(out, mul(pow(n, j, L), k))
    return out


def check_complaints(e, coms):
    """Answered complaints' shares check against their dealer's
    commitments; the disqualified are exactly the dealers upheld."""
    fail, upheld = [], set()
    for c in e.get("complaints", []):
        g, d = c["guardian"], c["dealer"]
        if not (1 <= g <= len(coms) and 1 <= d <= len(coms)) or g == d:
            fail.append(f"complaint {g} of {d}: guardians")
        elif c["status"] == "answered":
            share = scalar(c.get("share"))
            if share is None or base(share) != expected_share(coms[d - 1], g):
                fail.append(f"complaint {g} of {d}: revealed share")
        elif c["status"] == "upheld":
            upheld.add(d)
        elif c["status"] != "open":
            fail.append(f"complaint {g} of {d}: status")
    if upheld != set(e.get("disqualified", [])):
        fail.append("disqualified")
    return fail


def verify(record):
    """Returns (failures, counts or None)."""
    fail = []
    e = record["election"]
    h_m = manifest_hash(e)
    if h_m.hex() != e["manifest_hash"] or record["chain_id"] != e["chain_id"]:
        fail.append("manifest hash or chain")
    t = e["threshold"]
    coms = []
    for i, msg in enumerate(record["commitments"]):
        n = i + 1
        ks = [point(k) for k in msg["commitments"]]
        prs = proof_pairs(msg["proofs"])
        if len(ks) != t or None in ks or prs is None or len(prs) != t:
            fail.append(f"guardian {n}: commitments")
            ks = [k for k in ks if k is not None]
        else:
            for j, (k, (c, v)) in enumerate(zip(ks, prs)):
                if not verify_pok(h_m + b"coefficient" + u32(n) + u32(j), k, c, v):
                    fail.append(f"guardian {n}: proof {j}")
        coms.append(ks)
    fail += check_complaints(e, coms)
    qual = [ks for n, ks in enumerate(coms, 1) if n not in e.get("disqualified", [])]
    key = IDENTITY
    for ks in qual:
        key = add(key, ks[0] if ks else IDENTITY)
    h_e = hashlib.sha256(h_m + key).digest()
    if e.get("key") != key.hex() or e.get("base_hash") != h_e.hex():
        fail.append("election key or base hash")
    if any(c["status"] == "open" for c in e.get("complaints", [])) and (record["ballots"] or record["challenged"]):
        fail.append("ballots while a complaint is open")
    root = bytes.fromhex(e["census"]["root"])
    member_fail, commitments = check_members(e, record.get("members", []), h_m)
    fail += member_fail

    def eligible(entry, voter):
        if "ring" in e["census"]:
            m = entry.get("member")
            # A counted ballot names the ballot the board says it replaced.
            counted = "replaces" in entry
            return (m is not None and "census" not in entry and m.get("nullifier") == entry["voter"]
                    and (not counted or m.get("replaces") == entry["replaces"])
                    and verify_membership(h_m, h_e, e, commitments, m, entry["tracking"]))
        c = entry.get("census")
        leaf = leaf_hash(b"publica/elections/v1/voter\x00" + e["id"].encode() + b"\x00" + voter)
        return (c is not None and "member" not in entry and census_root_from(
            c["index"], e["census"]["size"], leaf, [bytes.fromhex(h) for h in c["path"]]) == root)

    last = {}
    for b in record["ballots"]:
        voter = bytes.fromhex(b["voter"])
        if not eligible(b, voter):
            fail.append(f"ballot {b['tracking']}: census")
        if tracking(h_e, voter, b["ballot"]) != b["tracking"]:
            fail.append(f"ballot {b['tracking']}: tracking code")
        before = last.get(voter, (None,))[0]
        if before != b.get("replaces"):
            fail.append(f"ballot {b['tracking']}: replaces")
        cts, why = check_ballot(e, key, h_e, voter, b["ballot"])
        if cts is None:
            fail.append(f"ballot {b['tracking']}: {why}")
        else:
            last[voter] = (b["tracking"], cts)
    for ch in record["challenged"]:
        voter = bytes.fromhex(ch["voter"])
        if "ring" in e["census"] and not eligible(ch, voter):
            fail.append(f"challenged {ch['tracking']}: census")
        cts, why = check_ballot(e, key, h_e, voter, ch["ballot"])
        if cts is None or tracking(h_e, voter, ch["ballot"]) != ch["tracking"]:
            fail.append(f"challenged {ch['tracking']}: {why or 'tracking code'}")
            continue
        opened = []
        for row, nonces in zip(cts, ch["nonces"]):
            picks = []
            for (a, b), r_hex in zip(row, nonces):
                r = scalar(r_hex)
                m = next((m for m in (0, 1) if r is not None and base(r) == a
                          and add(base(m), mul(r, key)) == b), None)
                picks.append(m)
            opened.append(picks)
        if opened != ch["choices"]:
            fail.append(f"challenged {ch['tracking']}: opening")
    # With delegation: each voter's weight, from the delegations published
    # at the close and the board's voters.
    lent, w = {}, record.get("weighting")
    if "delegation" in e and w is not None:
        left = set(w.get("left", []))
        voted = {v.hex() for v in last} - left
        froms = [d["from"] for d in w["delegations"]]
        lent = lent_weights(voted, w["delegations"])
        published = {x["voter"]: x["delegated"] for x in w["lent"]}
        if (lent != published or len(set(froms)) != len(froms) or voted & set(froms)
                or not left <= {v.hex() for v in last}
                or w["total"] != len(last) + sum(lent.values())):
            fail.append("weights")
    elif w is not None or ("delegation" in e and record["partials"]):
        fail.append("weights")
    sums = [[(IDENTITY, IDENTITY) for _ in c["selections"]] for c in e["contests"]]
    for voter, (_, cts) in last.items():
        weight = 1 + lent.get(voter.hex(), 0)
        for ci, row in enumerate(cts):
            for si, (a, b) in enumerate(row):
                sa, sb = sums[ci][si]
                sums[ci][si] = (add(sa, mul(weight, a)), add(sb, mul(weight, b)))
    if len(last) != e["counted"]:
        fail.append("counted")
    good = {}
    for p in record["partials"]:
        n = p["guardian"]
        z_pub = IDENTITY
        for ks in qual:
            z_pub = add(z_pub, expected_share(ks, n))
        shares, ok = [], True
        for ci, row in enumerate(p["shares"]):
            shares.append([])
            for si, s in enumerate(row):
                m, c, v = point(s["m"]), scalar(s["c"]), scalar(s["v"])
                ctx = h_e + b"decryption" + u32(n) + u64(ci) + u64(si)
                if m is None or c is None or v is None or not verify_share(ctx, sums[ci][si][0], z_pub, m, c, v):
                    ok = False
                shares[-1].append(m)
        if ok:
            good[n] = shares
        else:
            fail.append(f"guardian {n}: partial decryption")
    outcome = record.get("outcome")
    if outcome is None:
        return fail, None
    group = outcome["guardians"]
    if len(group) != t or any(g not in good for g in group):
        fail.append("result guardians")
        return fail, None
    counts = []
    for ci, row in enumerate(sums):
        counts.append([])
        for si, (_, sb) in enumerate(row):
            m = IDENTITY
            for g in group:
                m = add(m, mul(lagrange(g, group), good[g][ci][si]))
            target = sub(sb, m)
            bound = len(last) + sum(lent.values())
            found = next((k for k in range(bound + 1) if base(k) == target), None)
            if found is None:
                fail.append(f"contest {ci}, selection {si}: no count")
            counts[-1].append(found)
    if counts != outcome["counts"]:
        fail.append("published counts")
    return fail, counts
