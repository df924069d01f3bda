"""One worked example per resource, shown in /api/docs/ and /api/redoc/ (added to the schema by
`config.api.schema.document_errors_and_headers`). Values are what the demo data answers (`seed_demo`).
The walk-through in docs/api.md starts from the first one: a platform service creates a store and
gets its owner's token once (`owner_token`), which the merchant client then sends on every call."""

AT = "2026-11-20T10:00:00+08:00"


def page(item: dict) -> dict:
    return {"count": 1, "next": None, "previous": None, "results": [item]}


REFUND_CASE = {
    "id": 7, "store": 1, "order": 354, "buyer_id": "buyer-5", "type": "refund_only", "reason": "not_received",
    "amount": "129.00", "requested_type": "refund_only", "requested_amount": "129.00", "shipped": True,
    "status": "pending", "opened_at": AT, "merchant_deadline": "2026-11-21T22:00:00+08:00",
    "decided_at": None, "return_address": "", "return_address_missing": False, "return_address_set_at": None,
    "return_ship_deadline": None, "tracking_no": "", "return_shipped_at": None, "receipt_confirm_deadline": None,
    "return_received_at": None, "refund_deadline": None, "refunded_at": None,
    "reject_reason": "", "escalation_deadline": None, "escalated_at": None, "judgement": None, "judged_at": None,
    "closed_at": None, "contest": None, "return_delivered_at": None,
}

# (method, path) → {"summary", "request"?, "status", "response"}
EXAMPLES = {
    ("post", "/api/v1/platform/stores/"): {
        "summary": "Create a store and its owner; the owner's token is returned once",
        "request": {"name": "江城数码", "owner_username": "jiangcheng-owner", "category": 8, "city": "武汉",
                    "grade": "A", "wallet_upgraded": True},
        "status": "201",
        "response": {"id": 13, "owner_token": "8a1b4df90f625e0aade686da3f85732a172f7a29"},
    },
    ("get", "/api/v1/merchant/stores/"): {
        "summary": "The caller's stores with credit and wallet", "status": "200",
        "response": page({
            "id": 1, "name": "江城数码", "main_category": 8, "city": "武汉", "grade": "A", "status": "active",
            "created_at": "2026-08-03T19:22:20+08:00",
            "credit": {"base_limit": "132600.00", "raised_limit": None, "effective_limit": "132600.00",
                       "available": "132342.00", "exposure": "258.00", "frozen_until": None},
            "wallet": {"balance": "3083.97", "upgraded": True}, "score": None}),
    },
    ("get", "/api/v1/merchant/products/"): {
        "summary": "Products with their pay-later eligibility", "status": "200",
        "response": page({"id": 1, "store": 1, "title": "蓝牙耳机", "category": 8, "price": "129.00", "listed": True,
                          "created_at": AT, "paylater_eligible": True, "ineligible_reason": None}),
    },
    ("get", "/api/v1/merchant/ledger-entries/"): {
        "summary": "Wallet ledger entries, newest first", "status": "200",
        "response": page({"id": 156, "store": 1, "kind": "topup", "amount": "500.00", "created_at": AT,
                          "reference": "store:1", "memo": ""}),
    },
    ("get", "/api/v1/merchant/paylater/orders/"): {
        "summary": "Pay-later orders with their fee", "status": "200",
        "response": page({"id": 351, "store": 1, "product": 1, "buyer_id": "buyer-2", "amount": "129.00",
                          "fee": "1.29", "status": "receipt_confirmed", "channel": "taote", "paid_at": AT,
                          "receipt_confirmed_at": "2026-11-23T15:00:00+08:00", "charged_at": None,
                          "advanced_at": None, "advance_recovered_at": None, "cancelled_at": None,
                          "refunded_amount": "0.00"}),
    },
    ("get", "/api/v1/merchant/paylater/activity-items/"): {
        "summary": "Products in pay-later activities", "status": "200",
        "response": page({"id": 1, "activity": 1, "product": 1, "product_title": "蓝牙耳机", "status": "active",
                          "created_at": AT, "ended_at": None}),
    },
    ("get", "/api/v1/merchant/refund-cases/"): {
        "summary": "Refund cases awaiting the merchant", "status": "200", "response": page(REFUND_CASE | {
            "negotiation": None}),
    },
    ("get", "/api/v1/merchant/logistics/enrollment/"): {
        "summary": "Enrolment in the on-time shipping plan", "status": "200",
        "response": page({"id": 1, "store": 1, "status": "active", "counting_from": "2026-11-12",
                          "joined_at": "2026-11-10T09:00:00+08:00", "cancelled_at": None, "ship_from_city": "武汉",
                          "agreement_signed": True, "withholding_signed": True}),
    },
    ("get", "/api/v1/merchant/logistics/shipments/"): {
        "summary": "Shipments with their deadline and on-time flag", "status": "200",
        "response": page({"id": 2698, "order": 1, "store": 1, "tracking_no": "SF1234567890",
                          "official_logistics": True, "shipped_at": "2026-11-10T18:00:00+08:00",
                          "deadline": "2026-11-11T20:00:00+08:00", "picked_up_at": "2026-11-10T19:30:00+08:00",
                          "on_time": True, "awaiting_pickup": False}),
    },
    ("get", "/api/v1/merchant/logistics/weekly-results/"): {
        "summary": "Weekly on-time incentive results", "status": "200",
        "response": page({"id": 1, "week": "2026-W46", "store": 1, "counted_days": 7, "orders": 2251,
                          "on_time_orders": 2016, "daily_average": "321.57", "on_time_rate": "0.8956",
                          "tier": "0.20", "parcels": 2240, "amount": "448.00", "payout": "cash", "status": "paid",
                          "settled_at": "2026-11-17T02:00:05+08:00", "clawed_back_at": None}),
    },
    ("get", "/api/v1/merchant/stores/{id}/refund-metrics/"): {
        "summary": "Refund KPIs over the last 30 days", "status": "200",
        "response": {"store": 1, "as_of": "2026-12-01", "window_start": "2026-11-02",
                     "product_experience_refund_rate": "0.0009", "refund_only_completion_hours": "4.16",
                     "return_refund_completion_hours": "70.46", "dispute_refund_rate": "0.0000",
                     "return_refund_stages": {
                         "agree": {"hours": "3.17", "cases": 12, "merchant": True},
                         "buyer_mailing": {"hours": "22.00", "cases": 12, "merchant": False},
                         "transit": {"hours": "30.50", "cases": 9, "merchant": False},
                         "inspection": {"hours": "5.25", "cases": 9, "merchant": True},
                         "refund": {"hours": "9.80", "cases": 11, "merchant": True}}},
    },
    ("get", "/api/v1/merchant/stores/{id}/refund-rules/"): {
        "summary": "Automation rules for refund cases", "status": "200",
        "response": {"store": 1, "auto_agree_unshipped_refund_only": True, "auto_agree_no_reason_return": False,
                     "return_address": "武汉市洪山区光谷大道 1 号"},
    },
    ("post", "/api/v1/platform/categories/"): {
        "summary": "Create a category", "status": "201",
        "request": {"name": "数码 Electronics", "is_fresh": False, "paylater_excluded": False},
        "response": {"id": 8, "name": "数码 Electronics", "parent": None, "is_fresh": False,
                     "paylater_excluded": False},
    },
    ("post", "/api/v1/platform/products/"): {
        "summary": "Create a product", "status": "201",
        "request": {"store": 1, "title": "蓝牙耳机", "category": 8, "price": "129.00"},
        "response": {"id": 1},
    },
    ("post", "/api/v1/platform/stores/{id}/wallet-topups/"): {
        "summary": "Top up a store's wallet", "status": "201", "request": {"amount": "500.00"},
        "response": {"id": 156, "store": 1, "kind": "topup", "amount": "500.00", "created_at": AT,
                     "reference": "store:1", "memo": ""},
    },
    ("post", "/api/v1/platform/orders/"): {
        "summary": "Record a paid order (pay-later: checked against the credit limit)", "status": "201",
        "request": {"store": 1, "product": 1, "buyer_id": "buyer-2", "amount": "129.00", "paid_at": AT,
                    "channel": "taote", "payment_method": "paylater", "buyer_credit_score": 700},
        "response": {"id": 351, "fee": "1.29", "status": "paid"},
    },
    ("post", "/api/v1/platform/refund-cases/"): {
        "summary": "A buyer opens a refund case", "status": "201",
        "request": {"order": 354, "type": "refund_only", "reason": "not_received", "amount": "129.00",
                    "opened_at": AT, "shipped": True},
        "response": REFUND_CASE | {"negotiation": None},
    },
    ("get", "/api/v1/merchant/paylater/fee-statements/"): {
        "summary": "Monthly pay-later fee statements and their invoice", "status": "200",
        "response": page({"id": 1, "store": 1, "month": "2026-11", "order_count": 6, "fee_total": "7.74",
                          "generated_at": "2026-12-01T02:00:03+08:00", "invoice": None}),
    },
    ("get", "/api/v1/merchant/violations/"): {
        "summary": "Violations and the penalty each applied", "status": "200",
        "response": page({"id": 3, "store": 1, "kind": "after_sales_delay", "status": "confirmed", "occurred_at": AT,
                          "confirmed_at": "2026-11-21T09:00:00+08:00", "revoked_at": None, "revoke_reason": "",
                          "reference": "refund-case:7", "detail": "", "created_at": AT,
                          "penalty": {"fine": "0.00", "fine_rate": "0.0000", "effective_limit": "132600.00",
                                      "credit_frozen_until": None, "raise_banned_until": None,
                                      "paylater_suspended_until": None, "grade_before": None, "grade_after": None,
                                      "no_logistics_incentive_that_week": False, "reversed": False},
                          "appeal": None}),
    },
    ("get", "/api/v1/merchant/paylater/activities/"): {
        "summary": "Pay-later activities with their products", "status": "200",
        "response": page({"id": 1, "store": 1, "name": "先用后付 长期活动", "duration": "long_term", "starts_at": AT,
                          "ends_at": None, "status": "active", "ended_at": None, "created_at": AT,
                          "items": [{"id": 1, "activity": 1, "product": 1, "product_title": "蓝牙耳机",
                                     "status": "active", "created_at": AT, "ended_at": None}]}),
    },
    ("get", "/api/v1/platform/negotiations/"): {
        "summary": "What the buyer app shows: a negotiation with the case it modifies", "status": "200",
        "response": page({"id": 4, "case": REFUND_CASE, "type": "refund_only", "amount": "100.00",
                          "return_address": "", "status": "open", "proposed_at": AT,
                          "expires_at": "2026-11-21T22:00:00+08:00", "closed_at": None}),
    },
}


def attach(result: dict) -> None:
    """Add each example to its operation's request body and success response, when both exist."""
    for (method, path), example in EXAMPLES.items():
        operation = result.get("paths", {}).get(path, {}).get(method)
        if operation is None:
            continue
        content = operation.get("responses", {}).get(example["status"], {}).get("content", {})
        if "application/json" in content:
            content["application/json"]["examples"] = {
                "worked": {"summary": example["summary"], "value": example["response"]}}
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None and "request" in example:
            body["examples"] = {"worked": {"summary": example["summary"], "value": example["request"]}}
