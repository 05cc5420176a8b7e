"""Authenticator-app codes (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits),
computed here as a phone would, without allauth's code."""

import base64
import hashlib
import hmac
import struct
import time


def totp_code(secret: str, *, at: float | None = None) -> str:
    counter = int((time.time() if at is None else at) // 30)
    key = base64.b32decode(secret.replace(" ", "").upper())
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def wrong_code(secret: str) -> str:
    """A code that no step around now accepts (the site allows one either side)."""
    near = {totp_code(secret, at=time.time() + step) for step in (-60, -30, 0, 30, 60)}
    return next(code for code in ("000000", "111111", "222222") if code not in near)
