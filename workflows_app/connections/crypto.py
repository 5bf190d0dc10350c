"""Encryption of connection secrets at rest: Fernet (AES + HMAC, from
`cryptography`) with a `MultiFernet` over `WORKFLOWS["CONNECTION_KEYS"]`.

The first key encrypts; every key decrypts, so keys rotate: put a new key first,
run `manage.py workflows_reencrypt`, then drop the old key.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from workflows_app.conf import workflow_settings

SETTING = 'WORKFLOWS["CONNECTION_KEYS"]'


class KeyProblem(Exception):
    """The keys are missing or not valid Fernet keys."""


class CannotDecrypt(Exception):
    """A stored secret was encrypted with none of the configured keys."""


def configured_keys() -> list[str]:
    """The configured keys, newest first (a single string counts as one key)."""
    keys = workflow_settings.CONNECTION_KEYS
    if isinstance(keys, str):
        keys = [keys]
    return [str(key) for key in keys or [] if str(key).strip()]


def key_problem() -> str | None:
    """What is wrong with the configured keys, in words for the settings file, or None."""
    keys = configured_keys()
    if not keys:
        return (f"{SETTING} is not set: connection secrets cannot be encrypted or read. "
                "Generate a key with `python -c \"from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())\"` and list it there.")
    for index, key in enumerate(keys):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            return (f"{SETTING}[{index}] is not a Fernet key (32 url-safe base64-encoded "
                    "bytes, 44 characters).")
    return None


def _fernet() -> MultiFernet:
    problem = key_problem()
    if problem:
        raise KeyProblem(problem)
    return MultiFernet([Fernet(key.encode()) for key in configured_keys()])


def encrypt(plaintext: str) -> str:
    """`plaintext` encrypted with the newest key, as text for the database."""
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """The plaintext of a stored secret; raises `CannotDecrypt` or `KeyProblem`."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise CannotDecrypt("the secret was encrypted with a key that is no longer in "
                            f"{SETTING}") from None


def reencrypt(token: str) -> str:
    """`token` encrypted again with the newest key (raises `CannotDecrypt`)."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise CannotDecrypt("the secret was encrypted with a key that is no longer in "
                            f"{SETTING}") from None
