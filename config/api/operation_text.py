"""Human text of the schema in the request's language (issue 24 item 9): each operation's summary and
description, and the document's description. Only these follow `Accept-Language` (zh-hans by
default, `en` for English); the structure is the same in every language.

`OPERATIONS` holds each operation's text by operationId, as gettext messages (Chinese in
locale/zh_Hans); an operation missing from it keeps the text its view declares, passed through
gettext (tests/config/test_schema_language.py lists any operation without Chinese text)."""
from django.utils.translation import gettext, gettext_lazy as _

INFO = _(
    "Merchant clients call `/api/v1/merchant/`, platform services `/api/v1/platform/`.\n\n"
    "**Tokens.** Every call sends `Authorization: Token <key>` (the word `Token`, not `Bearer`).\n"
    "- A merchant gets its token (`owner_token`) once, in the answer to `POST /api/v1/platform/stores/` "
    "when a platform service creates its store and owner user; the platform hands it to the merchant's "
    "client. A lost token is revoked and reissued by an operator in the admin.\n"
    "- A platform service gets its token from an operator, who runs "
    "`python manage.py create_platform_client NAME`; it is printed once.\n\n"
    "Errors are `{code, detail, fields?}` with `code` from `ErrorCodeEnum`. POSTs accept an "
    "`Idempotency-Key` header (kept 24 hours); a replayed answer carries `Idempotent-Replayed: true`.")

OPERATIONS: dict[str, tuple] = {}


def translate(result: dict) -> None:
    result.setdefault("info", {})["description"] = str(INFO)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            text = OPERATIONS.get(operation["operationId"])
            if text is not None:
                summary, description = text
                operation["summary"] = str(summary)
                if description is not None:
                    operation["description"] = str(description)
                else:
                    operation.pop("description", None)
                continue
            for key in ("summary", "description"):
                if operation.get(key):
                    operation[key] = gettext(operation[key])
