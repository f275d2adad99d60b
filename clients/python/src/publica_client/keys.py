"""Ed25519 keys and Publica key files.

An account id is the hex of the 32-byte Ed25519 public key. A key file is
the node's JSON format (``publica keys new``)::

    {"version": 1, "account": "<hex>",
     "secret": {"kind": "plain", "seed": "<hex>"}}

or, encrypted under a passphrase (Argon2id, then ChaCha20-Poly1305 over the
32-byte seed, no associated data)::

    "secret": {"kind": "argon2id_chacha20poly1305", "salt": "<hex>",
               "m_cost_kib": 19456, "t_cost": 2, "p_cost": 1,
               "nonce": "<hex, 12 bytes>", "ciphertext": "<hex>"}

No method of :class:`Key` prints or returns the secret seed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from .errors import KeyFileError

# The node's parameters for new files, and its limits for files it opens.
ARGON2_M_COST_KIB = 19_456
ARGON2_T_COST = 2
ARGON2_P_COST = 1
_M_COST_MAX_KIB = 4 * 1024 * 1024
_T_COST_MAX = 64
_P_COST_MAX = 16
_KEYFILE_BYTES_MAX = 16 * 1024
_PLAIN = "plain"
_ENCRYPTED = "argon2id_chacha20poly1305"


def _derive(passphrase: bytes, salt: bytes, m: int, t: int, p: int) -> bytes:
    try:
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
        return Argon2id(salt=salt, length=32, iterations=t, lanes=p, memory_cost=m).derive(passphrase)
    except (ImportError, UnsupportedAlgorithm) as e:  # pragma: no cover - depends on the build
        raise KeyFileError("encrypted key files need Argon2id: install cryptography>=44 "
                           "built against OpenSSL 3.2 or later") from e


def _passphrase_bytes(passphrase: str | bytes) -> bytes:
    if isinstance(passphrase, str):
        passphrase = passphrase.encode()
    if not passphrase:
        raise KeyFileError("the passphrase is empty")
    return passphrase


def _hex_field(secret: dict[str, Any], name: str, where: str) -> bytes:
    value = secret.get(name)
    try:
        if not isinstance(value, str):
            raise ValueError
        return bytes.fromhex(value)
    except ValueError:
        raise KeyFileError(f"key file {where}: secret.{name} is not hex") from None


class Key:
    """An Ed25519 signing key for a Publica account."""

    __slots__ = ("_sk", "_seed", "public_key")

    def __init__(self, private_key: Ed25519PrivateKey):
        self._sk = private_key
        self._seed = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        self.public_key: bytes = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        """The 32-byte public key."""

    @classmethod
    def generate(cls) -> Key:
        """A new random key (from the operating system's generator)."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> Key:
        """The key of a 32-byte RFC 8032 seed."""
        if not isinstance(seed, (bytes, bytearray)) or len(seed) != 32:
            raise ValueError("an Ed25519 seed is exactly 32 bytes")
        return cls(Ed25519PrivateKey.from_private_bytes(bytes(seed)))

    @property
    def account_id(self) -> str:
        """The account id: the public key in lowercase hex."""
        return self.public_key.hex()

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message``."""
        return self._sk.sign(message)

    def __repr__(self) -> str:
        return f"Key(account_id={self.account_id!r})"

    # -- key files -------------------------------------------------------

    def to_key_file(self, passphrase: str | bytes | None = None, *, plain: bool = False) -> dict[str, Any]:
        """The key-file document: encrypted under ``passphrase``, or plain
        only when ``plain=True`` is given explicitly (throwaway dev keys)."""
        if passphrase is None:
            if not plain:
                raise KeyFileError("give a passphrase, or plain=True for an unencrypted dev key")
            secret: dict[str, Any] = {"kind": _PLAIN, "seed": self._seed.hex()}
        else:
            if plain:
                raise KeyFileError("plain=True and a passphrase contradict each other")
            salt, nonce = os.urandom(16), os.urandom(12)
            key = _derive(_passphrase_bytes(passphrase), salt, ARGON2_M_COST_KIB, ARGON2_T_COST, ARGON2_P_COST)
            secret = {"kind": _ENCRYPTED, "salt": salt.hex(), "m_cost_kib": ARGON2_M_COST_KIB,
                      "t_cost": ARGON2_T_COST, "p_cost": ARGON2_P_COST, "nonce": nonce.hex(),
                      "ciphertext": ChaCha20Poly1305(key).encrypt(nonce, self._seed, None).hex()}
        return {"version": 1, "account": self.account_id, "secret": secret}

    def save(self, path: str | os.PathLike[str], passphrase: str | bytes | None = None, *,
             plain: bool = False) -> None:
        """Writes a new key file readable by its owner only (mode 0600).

        Never overwrites an existing file. Without a passphrase, ``plain=True``
        must be given: the seed is then stored in clear.
        """
        doc = self.to_key_file(passphrase, plain=plain)
        text = json.dumps(doc, indent=2) + "\n"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise KeyFileError(f"key file {os.fspath(path)} already exists; refusing to overwrite it") from None
        except OSError as e:
            raise KeyFileError(f"key file {os.fspath(path)}: {e.strerror}") from None
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())

    @classmethod
    def from_key_file(cls, doc: Any, passphrase: str | bytes | None = None, *, where: str = "document") -> Key:
        """Opens a parsed key-file document; checks the secret matches its account."""
        def bad(reason: str) -> KeyFileError:
            return KeyFileError(f"key file {where} is not a valid Publica key file: {reason}")

        if not isinstance(doc, dict) or set(doc) != {"version", "account", "secret"}:
            raise bad("expected exactly the members version, account and secret")
        if doc["version"] != 1:
            raise bad(f"unsupported version {doc['version']!r}")
        secret = doc["secret"]
        if not isinstance(secret, dict):
            raise bad("secret must be an object")
        kind = secret.get("kind")
        if kind == _PLAIN:
            if set(secret) != {"kind", "seed"}:
                raise bad("a plain secret has exactly kind and seed")
            seed = _hex_field(secret, "seed", where)
        elif kind == _ENCRYPTED:
            members = {"kind", "salt", "m_cost_kib", "t_cost", "p_cost", "nonce", "ciphertext"}
            if set(secret) != members:
                raise bad(f"an encrypted secret has exactly {', '.join(sorted(members))}")
            if passphrase is None:
                raise KeyFileError(f"key file {where} is encrypted: give its passphrase")
            m, t, p = secret["m_cost_kib"], secret["t_cost"], secret["p_cost"]
            if not all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in (m, t, p)):
                raise bad("Argon2 costs must be positive integers")
            salt = _hex_field(secret, "salt", where)
            nonce = _hex_field(secret, "nonce", where)
            ciphertext = _hex_field(secret, "ciphertext", where)
            if len(nonce) != 12 or m > _M_COST_MAX_KIB or t > _T_COST_MAX or p > _P_COST_MAX or len(salt) < 8:
                raise bad("unsupported encryption parameters")
            key = _derive(_passphrase_bytes(passphrase), salt, m, t, p)
            try:
                seed = ChaCha20Poly1305(key).decrypt(nonce, ciphertext, None)
            except InvalidTag:
                raise KeyFileError(f"wrong passphrase for key file {where}") from None
        else:
            raise bad(f"unknown secret kind {kind!r}")
        if len(seed) != 32:
            raise bad("seed is not 32 bytes")
        key_ = cls.from_seed(seed)
        if key_.account_id != doc["account"]:
            raise bad("the secret does not match the recorded account")
        return key_

    @classmethod
    def load(cls, path: str | os.PathLike[str], passphrase: str | bytes | None = None) -> Key:
        """Reads and opens a key file (``passphrase`` for encrypted ones)."""
        return cls.from_key_file(_read_key_file(path), passphrase, where=os.fspath(path))


def _read_key_file(path: str | os.PathLike[str]) -> Any:
    p = Path(path)
    try:
        if p.stat().st_size > _KEYFILE_BYTES_MAX:
            raise KeyFileError(f"key file {p} is not a valid Publica key file: file is too large")
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise KeyFileError(f"key file {p}: {e.strerror}") from None
    try:
        return json.loads(text)
    except ValueError as e:
        raise KeyFileError(f"key file {p} is not JSON: {e}") from None


def key_file_account(path: str | os.PathLike[str]) -> str:
    """The account id a key file records, read without its passphrase."""
    doc = _read_key_file(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("account"), str):
        raise KeyFileError(f"key file {os.fspath(path)} is not a valid Publica key file: no account")
    return doc["account"]


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``message``."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False
