"""The gateway signs tokens with an Ed25519 key; services hold only the public half (zero trust).

In a deployment both halves come from the environment (`JWT_PRIVATE_KEY`, `JWT_PUBLIC_KEY`). On one
machine with no configuration a key pair is made once and kept under `DATA_DIR/keys`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.settings import data_dir


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_pem: str


def generate_keypair() -> KeyPair:
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return KeyPair(private_pem=private, public_pem=public)


@cache
def load_or_create_keypair() -> KeyPair:
    private_env, public_env = os.environ.get("JWT_PRIVATE_KEY"), os.environ.get("JWT_PUBLIC_KEY")
    if private_env and public_env:
        return KeyPair(private_pem=private_env, public_pem=public_env)
    folder = data_dir() / "keys"
    private_path, public_path = folder / "jwt_private.pem", folder / "jwt_public.pem"
    if not private_path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        pair = generate_keypair()
        private_path.write_text(pair.private_pem)
        private_path.chmod(0o600)
        public_path.write_text(pair.public_pem)
    return KeyPair(private_pem=private_path.read_text(), public_pem=public_path.read_text())
