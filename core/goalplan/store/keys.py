"""The installation's signing key, the keys it trusts, and its witness of each store's head.

All three live outside the database, so someone who can write the database cannot forge a
signature, nor hide a truncation from the witness. By default they sit in the user's data
directory (platformdirs); ``GOALPLAN_KEY_FILE`` names the key file instead, and the trust list
and witness folder then sit beside it.

- ``signing-key.pem``: an Ed25519 private key (PKCS #8, 0600), created on first write.
- ``trusted-keys``: public keys of other installations this one accepts, one per line
  (``KEY_ID PUBLIC_KEY LABEL``); this installation's own key is always trusted.
- ``witness/STORE_ID.witness``: the latest checkpoint this installation signed in that store,
  replaced atomically and durably after every append (two checksummed slots, see
  store/witness.py).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import tempfile
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from attrs import frozen

from goalplan.errors import GoalplanError
from goalplan.files import make_private_folder

KEY_FILE_ENV = "GOALPLAN_KEY_FILE"
KEY_FILE_NAME = "signing-key.pem"
TRUST_FILE_NAME = "trusted-keys"
WITNESS_DIR_NAME = "witness"


def key_file() -> Path:
    """Where this installation's key lives: $GOALPLAN_KEY_FILE, else the user data directory."""
    named = os.environ.get(KEY_FILE_ENV, "").strip()
    if named:
        return Path(named).expanduser()
    import platformdirs

    return platformdirs.user_data_path("goalplan", appauthor=False) / KEY_FILE_NAME


def key_id_of(public_key: str) -> str:
    """A short, stable name for a public key: 16 hex digits of SHA-256 over its raw bytes."""
    return hashlib.sha256(base64.b64decode(public_key)).hexdigest()[:16]


def verify_signature(public_key: str, message: bytes, signature: str) -> bool:
    """True when ``signature`` (base64) is ``public_key``'s (base64, raw Ed25519) over ``message``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = _public_key(public_key)
        assert isinstance(key, Ed25519PublicKey)
        key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


@cache
def _public_key(public_key: str) -> object:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))


class SigningKey:
    """This installation's Ed25519 key. Never stored in, nor sent to, the database."""

    def __init__(self, path: Path, private: Any) -> None:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        self.path = path
        self._private = private
        raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.public_key = base64.b64encode(raw).decode("ascii")
        self.key_id = key_id_of(self.public_key)

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self._private.sign(message)).decode("ascii")

    @cached_property
    def snapshot_key(self) -> bytes:
        """A secret for sealing snapshots (HMAC), derived from the private key: only this
        installation can make a seal it accepts, and the key file stays the only secret."""
        from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

        raw = self._private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return hashlib.sha256(b"goalplan snapshot seal 1\n" + bytes(raw)).digest()

    @property
    def folder(self) -> Path:
        return self.path.parent


def load_key(path: Path | None = None) -> SigningKey | None:
    """The key at ``path`` (default: key_file()), or None when there is none yet."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    path = path or key_file()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise GoalplanError(f"cannot read the signing key {path}: {exc.strerror}.") from None
    try:
        private = load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise GoalplanError(f"the signing key {path} is not an unencrypted Ed25519 PEM key.") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise GoalplanError(f"the signing key {path} is not an Ed25519 key.")
    return SigningKey(path, private)


def load_or_create_key(path: Path | None = None) -> SigningKey:
    """The key, created (0600, in a 0700 folder) if there is none: the first write makes it.

    Two processes creating it at once both end up with the same key: the file is written
    under a temporary name and linked into place only if no key is there yet.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    path = path or key_file()
    found = load_key(path)
    if found is not None:
        return found
    _private_folder(path.parent)
    pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".signing-key.", suffix=".tmp")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            os.link(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    created = load_key(path)
    assert created is not None
    return created


def _private_folder(folder: Path) -> None:
    make_private_folder(folder)  # every missing level 0700, whatever the umask


# trust -------------------------------------------------------------------------------------


@frozen
class TrustedKey:
    key_id: str
    public_key: str
    label: str
    source: str
    """'this installation', 'trusted-keys', or where else the trust came from."""


def trust_file(folder: Path | None = None) -> Path:
    return (folder or key_file().parent) / TRUST_FILE_NAME


def trusted_keys(local: SigningKey | None = None) -> dict[str, TrustedKey]:
    """Every key this installation accepts signatures from, by key id."""
    local = local if local is not None else load_key()
    trusted: dict[str, TrustedKey] = {}
    path = trust_file(local.folder if local else None)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    for line in lines:
        parts = line.strip().split(maxsplit=2)
        if len(parts) < 2 or parts[0].startswith("#"):
            continue
        key_id, public_key = parts[0], parts[1]
        if _valid_public_key(public_key) and key_id_of(public_key) == key_id:
            trusted[key_id] = TrustedKey(
                key_id, public_key, parts[2] if len(parts) > 2 else "", "trusted-keys"
            )
    if local is not None:
        trusted[local.key_id] = TrustedKey(local.key_id, local.public_key, "", "this installation")
    return trusted


def add_trusted_key(public_key: str, label: str) -> TrustedKey:
    """Append a public key to the trust list (created 0600), unless it is there already."""
    if not _valid_public_key(public_key):
        raise GoalplanError("KEY: not a base64 Ed25519 public key (32 bytes).")
    key_id = key_id_of(public_key)
    local = load_key()
    if key_id in trusted_keys(local):
        return trusted_keys(local)[key_id]
    path = trust_file(local.folder if local else None)
    _private_folder(path.parent)
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(handle, "a", encoding="utf-8") as out:
        out.write(f"{key_id} {public_key} {' '.join(label.split())}\n")
    return TrustedKey(key_id, public_key, label, "trusted-keys")


def _valid_public_key(text: str) -> bool:
    try:
        return len(base64.b64decode(text, validate=True)) == 32
    except ValueError:
        return False


# witness -----------------------------------------------------------------------------------


def witness_file(store_id: str, folder: Path | None = None) -> Path:
    safe = "".join(c for c in store_id if c.isalnum() or c in "-_") or "store"
    return (folder or key_file().parent) / WITNESS_DIR_NAME / f"{safe}.witness"
