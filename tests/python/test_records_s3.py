"""The record store's S3-compatible object store (docs/health.md), against
moto's S3 server on loopback with request signing enforced: moto checks
every request's AWS Signature Version 4 with botocore's own signer, so
these tests fail if the node signs one request wrongly.

A demo node keeps its health records' ciphertexts in the bucket (none in
its data directory), serves a key release from there, and at start
removes what interrupted writes and dead registrations left; with a
wrong secret it refuses to start and says why."""

import base64
import hashlib
import json
import os
import subprocess
import tempfile
import urllib.request

import pytest

# moto lets this many requests through unsigned (the set-up below), then
# checks every signature against the IAM user's keys. It reads the
# setting when imported.
os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "4"

import boto3  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

from publica_node import BIN, running_node  # noqa: E402

BUCKET = "records"
PREFIX = "node-1/"
PATIENT = "7163c4eae05e6a70a8aa15251c08a166961fc02d6dd0f511f089a9ecd5f8bbc7"


@pytest.fixture(scope="module")
def s3():
    """A loopback S3 with a bucket, and an IAM user allowed s3:* on it:
    yields (endpoint, access key id, secret, boto3 client as that user)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        setup = dict(endpoint_url=endpoint, region_name="us-east-1",
                     aws_access_key_id="setup", aws_secret_access_key="setup")
        iam = boto3.client("iam", **setup)
        iam.create_user(UserName="publica-node")
        key = iam.create_access_key(UserName="publica-node")["AccessKey"]
        iam.put_user_policy(
            UserName="publica-node", PolicyName="records",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        boto3.client("s3", **setup).create_bucket(Bucket=BUCKET)
        client = boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"])
        yield endpoint, key["AccessKeyId"], key["SecretAccessKey"], client
    finally:
        server.stop()


def node_env(endpoint, key_id, secret):
    return {
        "PUBLICA_RECORDS_S3_BUCKET_URL": f"{endpoint}/{BUCKET}",
        "PUBLICA_RECORDS_S3_PREFIX": PREFIX,
        "AWS_ACCESS_KEY_ID": key_id,
        "AWS_SECRET_ACCESS_KEY": secret,
    }


def objects(client, prefix=PREFIX):
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Prefix=prefix)
    return {o["Key"] for page in pages for o in page.get("Contents", [])}


def http(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"content-type": "application/json"})
    # The demo is seeded before the API answers: the first call waits.
    with urllib.request.urlopen(req, timeout=240) as r:
        return json.load(r)


def test_a_demo_node_keeps_ciphertexts_in_the_bucket(s3):
    endpoint, key_id, secret, client = s3
    # Left by a crash between blob and metadata, by a registration that
    # never committed, and by another node (another prefix).
    torn = hashlib.sha256(b"torn").hexdigest()
    dead = hashlib.sha256(b"dead").hexdigest()
    other = hashlib.sha256(b"other").hexdigest()
    client.put_object(Bucket=BUCKET, Key=PREFIX + torn, Body=b"torn")
    client.put_object(Bucket=BUCKET, Key=PREFIX + dead, Body=b"dead")
    client.put_object(Bucket=BUCKET, Key=PREFIX + dead + ".meta", Body=b"not json")
    client.put_object(Bucket=BUCKET, Key="node-2/" + other, Body=b"other")

    with running_node("--demo", start_s=120,
                      env=node_env(endpoint, key_id, secret)) as (url, data):
        records = http("GET", f"{url}/v1/records/subjects/{PATIENT}/records")
        ids = {r["record"] for r in records["entries"]}
        assert len(ids) == 3, records
        stored = objects(client)
        # Every record's ciphertext and metadata, and nothing else: the
        # torn write and the dead registration were removed.
        assert stored == {PREFIX + i for i in ids} | {PREFIX + i + ".meta" for i in ids}, stored
        assert objects(client, "node-2/") == {"node-2/" + other}
        for i in ids:
            body = client.get_object(Bucket=BUCKET, Key=PREFIX + i)["Body"].read()
            assert hashlib.sha256(body).hexdigest() == i
        assert not os.path.exists(os.path.join(data, "records", "blobs"))

        log = http("GET", f"{url}/v1/records/subjects/{PATIENT}/log")
        consented = [a for a in log["entries"] if a.get("basis") == "consent"]
        assert consented, log
        access = consented[0].get("access", consented[0].get("id"))
        released = http("POST", f"{url}/v1/records/release", {"access": access})
        body = client.get_object(
            Bucket=BUCKET, Key=PREFIX + released["record"])["Body"].read()
        assert base64.b64decode(released["ciphertext"]) == body


def test_a_wrong_secret_stops_the_node_with_the_reason(s3):
    endpoint, key_id, _, client = s3
    before = objects(client)
    with tempfile.TemporaryDirectory(prefix="publica-py-") as root:
        run = subprocess.run(
            [BIN, "dev", "--data-dir", os.path.join(root, "data"),
             "--listen", "127.0.0.1:0"],
            env={**os.environ, **node_env(endpoint, key_id, "not-the-secret")},
            capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    assert "SignatureDoesNotMatch" in run.stderr, run.stderr
    assert "not-the-secret" not in run.stderr + run.stdout
    assert objects(client) == before
