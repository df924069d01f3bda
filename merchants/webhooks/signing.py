"""The Standard Webhooks signature (SPEC §5): `whsec_` + base64 secrets, and
`v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>` where the key is the base64-decoded
part after `whsec_`. Several secrets (during a rotation) give space-separated signatures."""
import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def signature(secret: str, *, msg_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix(PREFIX))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets_: list[str], *, msg_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": " ".join(signature(s, msg_id=msg_id, timestamp=timestamp, body=body)
                                          for s in secrets_),
            "content-type": "application/json"}
