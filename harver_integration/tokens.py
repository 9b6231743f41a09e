"""Tokens we issue: a recognisable prefix, high entropy, a checksum; only their hash is stored.

Format: ``<prefix>_<40 base62 characters of randomness><6 base62 characters of CRC32>``, the shape
GitHub uses, so a leaked token is recognisable by secret scanners and a mistyped one is refused
before any database query.
"""

import hashlib
import hmac
import secrets
import string
import zlib
from dataclasses import dataclass

BASE62_ALPHABET = string.digits + string.ascii_letters
RANDOM_LENGTH = 40
CHECKSUM_LENGTH = 6


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(BASE62_ALPHABET[remainder])
    return "".join(reversed(digits)).rjust(width, "0")


def _checksum(text: str) -> str:
    return _base62(zlib.crc32(text.encode()), CHECKSUM_LENGTH)


def hash_token(token: str) -> str:
    """SHA-256 is enough here: the token has ~238 bits of entropy, so no salt or stretching."""
    return hashlib.sha256(token.encode()).hexdigest()


def hashes_match(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), stored_hash)


@dataclass(frozen=True)
class TokenFormat:
    prefix: str

    def mint(self) -> str:
        body = "".join(secrets.choice(BASE62_ALPHABET) for _ in range(RANDOM_LENGTH))
        head = f"{self.prefix}_{body}"
        return head + _checksum(head)

    def is_well_formed(self, token: str) -> bool:
        """Prefix, length, alphabet and checksum; needs no database."""
        head_length = len(self.prefix) + 1 + RANDOM_LENGTH
        if len(token) != head_length + CHECKSUM_LENGTH or not token.startswith(f"{self.prefix}_"):
            return False
        head, checksum = token[:head_length], token[head_length:]
        if any(character not in BASE62_ALPHABET for character in token[len(self.prefix) + 1 :]):
            return False
        return hmac.compare_digest(_checksum(head), checksum)


ATS_TOKEN = TokenFormat(prefix="hvr_ats")
