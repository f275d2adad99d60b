"""Credentials a Publica node issues verify in independent implementations:
W3C Data Integrity `eddsa-jcs-2022` and `eddsa-rdfc-2022` written here from
the specification with PyPI packages only (rfc8785 for JCS, pyld for JSON-LD
and RDFC-1.0, cryptography for Ed25519, base58 for multibase) — the demo's
diplomas and enrolment certificate verify with the key the node's DID
document publishes, changed ones do not, and the same code verifies the W3C
test vectors (so it is not vacuous); and SD-JWT VC presentations in the
OpenWallet Foundation's `sd-jwt` library."""

import hashlib
import json
import os
import pathlib
import urllib.request

import base58
import pytest
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from publica_node import running_node

VECTORS = pathlib.Path(os.environ.get("VC_DI_EDDSA", "/work/shared/testdata/vc-di-eddsa")) / "TestVectors"


def multikey_to_key(mk):
    raw = base58.b58decode(mk[1:])
    assert mk.startswith("z") and raw[:2] == b"\xed\x01" and len(raw) == 34, mk
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def verify_jcs(secured, public_key):
    """eddsa-jcs-2022 verification (W3C vc-di-eddsa, section 3.3.2)."""
    doc = dict(secured)
    proof = dict(doc.pop("proof"))
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-jcs-2022"
    value = proof.pop("proofValue")
    if "@context" in proof:
        assert doc["@context"][: len(proof["@context"])] == proof["@context"]
    data = hashlib.sha256(rfc8785.dumps(proof)).digest() + hashlib.sha256(rfc8785.dumps(doc)).digest()
    try:
        public_key.verify(base58.b58decode(value[1:]), data)
        return True
    except InvalidSignature:
        return False


def canonical_rdf(doc, contexts):
    """RDFC-1.0 N-Quads of a JSON-LD document by pyld, loading only `contexts`."""
    from pyld import jsonld

    def loader(url, options=None):
        if url not in contexts:
            raise jsonld.JsonLdError("context not held", "jsonld.LoadDocumentError", {"url": url},
                                     code="loading document failed")
        return {"contextUrl": None, "documentUrl": url, "document": contexts[url]}

    return jsonld.normalize(doc, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                  "documentLoader": loader, "safe": True})


def verify_rdfc(secured, public_key, contexts):
    """eddsa-rdfc-2022 verification (W3C vc-di-eddsa, section 3.2.2)."""
    doc = dict(secured)
    proof = dict(doc.pop("proof"))
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-rdfc-2022"
    value = proof.pop("proofValue")
    proof["@context"] = doc["@context"]
    data = (hashlib.sha256(canonical_rdf(proof, contexts).encode()).digest()
            + hashlib.sha256(canonical_rdf(doc, contexts).encode()).digest())
    try:
        public_key.verify(base58.b58decode(value[1:]), data)
        return True
    except InvalidSignature:
        return False


def test_the_w3c_rdfc_vector_verifies_here():
    signed = VECTORS / "eddsa-rdfc-2022" / "signedDataInt.json"
    contexts_dir = VECTORS.parent.parent / "vc-data-model" / "contexts" / "credentials"
    if not signed.is_file() or not contexts_dir.is_dir():
        pytest.skip(f"the W3C vc-di-eddsa vectors or VC contexts are not here ({VECTORS})")
    contexts = {
        "https://www.w3.org/ns/credentials/v2": json.loads((contexts_dir / "v2").read_text()),
        "https://www.w3.org/ns/credentials/examples/v2": json.loads((contexts_dir / "examples" / "v2").read_text()),
    }
    cred = json.loads(signed.read_text())
    mk = cred["proof"]["verificationMethod"].split("#")[1]
    assert verify_rdfc(cred, multikey_to_key(mk), contexts)
    changed = json.loads(json.dumps(cred))
    changed["credentialSubject"]["alumniOf"] = "Another School"
    assert not verify_rdfc(changed, multikey_to_key(mk), contexts)


def test_the_w3c_vector_verifies_here():
    signed = VECTORS / "eddsa-jcs-2022" / "signedJCS.json"
    if not signed.is_file():
        pytest.skip(f"the W3C vc-di-eddsa vectors are not here ({VECTORS})")
    cred = json.loads(signed.read_text())
    mk = cred["proof"]["verificationMethod"].split("#")[1]
    assert verify_jcs(cred, multikey_to_key(mk))


def test_the_demo_diplomas_verify_independently():
    with running_node("--demo", start_s=120) as (url, data):
        # The API answers once the demo is seeded (diplomas written).
        urllib.request.urlopen(f"{url}/v1/status", timeout=120).close()
        diploma = json.loads((pathlib.Path(data) / "demo-credentials" / "diploma-0.json").read_text())
        method = diploma["proof"]["verificationMethod"]
        did = method.split("#")[0]
        with urllib.request.urlopen(f"{url}/v1/identity/did/{did}", timeout=30) as r:
            resolved = json.load(r)
        vm = next(m for m in resolved["didDocument"]["verificationMethod"] if m["id"] == method)
        key = multikey_to_key(vm["publicKeyMultibase"])
        assert verify_jcs(diploma, key), "a diploma the node issued verifies with its published key"
        changed = json.loads(json.dumps(diploma))
        changed["credentialSubject"]["achievement"]["name"] = "PhD"
        assert not verify_jcs(changed, key), "a changed diploma does not"

        # The enrolment certificate is signed with eddsa-rdfc-2022: pyld
        # reads it as JSON-LD with the contexts the node serves (the
        # repository's files) and canonicalises it with its own RDFC-1.0.
        with urllib.request.urlopen(f"{url}/v1/credentials/contexts", timeout=30) as r:
            served = {c["url"]: c["document"] for c in json.load(r)["contexts"]}
        enrolment = json.loads((pathlib.Path(data) / "demo-credentials" / "enrolment-0.json").read_text())
        assert enrolment["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
        assert verify_rdfc(enrolment, key, served), "the enrolment certificate verifies in pyld"
        changed = json.loads(json.dumps(enrolment))
        changed["credentialSubject"]["programme"] = "MSc Physics"
        assert not verify_rdfc(changed, key, served), "a changed certificate does not"
        # A change JSON-LD does not see (the order of members) is no change.
        reordered = dict(reversed(list(enrolment.items())))
        assert verify_rdfc(reordered, key, served)


def test_an_sd_jwt_presentation_verifies_in_the_openwallet_sd_jwt_library(tmp_path):
    """An SD-JWT VC issued and presented with the CLI verifies in the
    OpenWallet Foundation's `sd-jwt` library (issuer signature, disclosure
    digests, the claims shown); its key binding JWT is checked here with
    `cryptography` (the library binds with ES256 only)."""
    import subprocess
    from jwcrypto.jwk import JWK
    from sd_jwt.verifier import SDJWTVerifier
    from publica_node import BIN

    def run(*args):
        r = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        return r.stdout

    with running_node("--demo", start_s=120) as (url, data):
        urllib.request.urlopen(f"{url}/v1/status", timeout=120).close()
        holder_key = tmp_path / "holder.json"
        account = json.loads(run("keys", "new", "--out", str(holder_key), "--plain"))["account"]
        holder_mk = "z" + base58.b58encode(b"\xed\x01" + bytes.fromhex(account)).decode()
        claims = tmp_path / "claims.json"
        claims.write_text(json.dumps({"given_name": "Ana", "enrolled_at": "Example University", "age_over_18": True}))
        sd = tmp_path / "enrolment.sd-jwt"
        run("credentials", "issue", "--key", os.path.join(data, "dev-admin-key.json"), "--institution", "university",
            "--kind", "enrolment", "--subject", f"did:key:{holder_mk}", "--claims", str(claims),
            "--format", "sd-jwt", "--out", str(sd))
        pres = tmp_path / "presentation.txt"
        run("credentials", "present", "--key", str(holder_key), "--credential", str(sd), "--reveal",
            "enrolled_at,age_over_18", "--aud", "employer.example", "--nonce", "n-1", "--out", str(pres))
        presentation = pres.read_text().strip()

        def issuer_key(iss, header):
            did = header["kid"].split("#")[0]
            with urllib.request.urlopen(f"{url}/v1/identity/did/{did}", timeout=30) as r:
                doc = json.load(r)["didDocument"]
            mk = next(m for m in doc["verificationMethod"] if m["id"] == header["kid"])["publicKeyMultibase"]
            raw = base58.b58decode(mk[1:])[2:]
            return JWK(kty="OKP", crv="Ed25519", x=base64url(raw))

        shown = SDJWTVerifier(presentation, issuer_key).get_verified_payload()
        assert shown["enrolled_at"] == "Example University" and shown["age_over_18"] is True
        assert "given_name" not in shown and shown["iss"] == "did:publica:university"

        # The key binding JWT, by the holder's key, over this presentation.
        *_, kb = presentation.split("~")
        h, p, s = kb.split(".")
        payload = json.loads(unb64url(p))
        assert json.loads(unb64url(h))["typ"] == "kb+jwt"
        assert payload["aud"] == "employer.example" and payload["nonce"] == "n-1"
        assert payload["sd_hash"] == base64url(hashlib.sha256(presentation[: -len(kb)].encode()).digest())
        holder = Ed25519PublicKey.from_public_bytes(bytes.fromhex(account))
        holder.verify(unb64url(s), f"{h}.{p}".encode())


def base64url(raw):
    import base64
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text):
    import base64
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_a_transcript_issued_by_the_cli_follows_the_published_schema(tmp_path):
    """docs/schemas/transcript.schema.json describes what `publica
    credentials issue --kind transcript` signs; jsonschema checks it, and
    the schema refuses what the CLI refuses (a course without credits)."""
    import subprocess
    import jsonschema
    from publica_node import BIN, REPO

    schema = json.loads((REPO / "docs" / "schemas" / "transcript.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    claims = {"programme": "BSc Statistics", "academic_year": "2027/28",
              "courses": [{"code": "ST101", "title": "Probability", "credits": "7.5", "grade": "A", "term": "2027-S1"}],
              "total_credits": "7.5"}
    path = tmp_path / "claims.json"
    path.write_text(json.dumps(claims))
    key = tmp_path / "issuer.json"
    subprocess.run([BIN, "keys", "new", "--out", str(key), "--plain"], check=True, capture_output=True, timeout=60)
    # Issuing is offline: no node is needed.
    r = subprocess.run([BIN, "credentials", "issue", "--key", str(key), "--institution", "registry",
                        "--kind", "transcript", "--subject", "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
                        "--claims", str(path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    cred = json.loads(r.stdout)
    assert cred["type"] == ["VerifiableCredential", "TranscriptCredential"]
    jsonschema.validate(cred["credentialSubject"], schema)
    bad = json.loads(json.dumps(claims))
    del bad["courses"][0]["credits"]
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(bad))
