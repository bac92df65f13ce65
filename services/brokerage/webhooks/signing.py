"""Signing webhook deliveries: HMAC-SHA256 over "<timestamp>.<body>" with the provider's secret.

The timestamp in the signed text lets a receiver refuse replays older than a few minutes.
"""

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Homecare-Timestamp"
SIGNATURE_HEADER = "X-Homecare-Signature"
DELIVERY_HEADER = "X-Homecare-Delivery"  # the same on every attempt of one delivery
ATTEMPT_HEADER = "X-Homecare-Attempt"
USER_AGENT = "homecare-suite-webhooks/1.0"


def signature(*, secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(*, secret: str, timestamp: str, body: bytes, presented: str) -> bool:
    return hmac.compare_digest(signature(secret=secret, timestamp=timestamp, body=body), presented)
