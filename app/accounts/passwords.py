"""Password hashing with Argon2id (argon2-cffi's defaults)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the user does not exist, so both paths cost the same.
_DUMMY = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    """Return the Argon2id hash of a password."""
    return _hasher.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    """Say whether `password` matches `stored` (a missing user still pays)."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
