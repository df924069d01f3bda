"""Human text of the schema in the request's language (issue 24 item 9): each operation's summary and
description, and the document's description. Only these follow `Accept-Language` (zh-hans by
default, `en` for English); the structure is the same in every language.

`OPERATIONS` holds each operation's text by operationId, as gettext messages (Chinese in
locale/zh_Hans); an operation missing from it keeps the text its view declares, passed through
gettext (tests/config/test_schema_language.py lists any operation without Chinese text)."""
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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

_RESOURCES = {
    "credit_applications": _(
        "Limit-increase applications (提额申请) of the caller's stores; sensitive numbers are shown masked."),
    "ledger": _("The wallet ledger of the caller's stores, newest first."),
    "logistics_enrollment": _("Enrolment of the caller's stores in the on-time shipping incentive plan."),
    "shipments": _("The caller's shipments, each with its pickup deadline and on-time flag."),
    "weekly_results": _("Weekly evaluations and settlements of the on-time shipping plan."),
    "activities": _("Pay-later activities with their items; the status follows from the dates and manual ends."),
    "activity_items": _("Activity items (one product each), with their status."),
    "paylater_enrollment": _("A store's enrolment in pay-later (先用后付)."),
    "fee_statements": _("Monthly pay-later fee statements (closed months) and their invoice."),
    "paylater_orders": _("The caller's pay-later orders (full price shown; the buyer paid 0 at order time)."),
    "products": _("The caller's products with their pay-later eligibility."),
    "refund_cases": _(
        "A store's refund cases (售后单) and the merchant's decisions on them; another store's case answers 404."),
    "stores": _("The caller's stores with their credit and wallet."),
    "store_insight": _("Figures about one of the caller's stores; another store answers 404."),
    "violations": _("The violations of the caller's stores with the penalty applied."),
    "deliveries": _("Webhook deliveries to your endpoints, newest first, with their attempts and last answer."),
    "endpoints": _("Your stores' webhook endpoints; the signing secret is shown only when created or rotated."),
    "p_catalogue": _("Platform services: categories and products."),
    "p_orders": _("Platform services: orders and their payment events."),
    "p_refunds": _("Platform services: the buyer's side of refund cases and negotiations."),
    "p_logistics": _("Platform services: carriers' pickup scans (揽收)."),
    "p_stores": _("Platform services: stores, their wallet, metrics and set-up."),
    "evidence": _(
        "Evidence in a dispute: statements and JPEG, PNG, WebP or PDF files (by their bytes), at most 9 files "
        "per side and 10 MB each; never changed or deleted, and served only to the case's store and the platform."),
    "contest": _(
        "A merchant may contest a received return within 48 hours of confirming receipt, with a reason, a "
        "statement and at least one evidence file; the refund clock stops until an operator decides."),
    "refusals": _(
        "Pay-later orders the platform refused for one of the caller's stores (orders lost to the limit), "
        "over the last N local days (1–90, default 30)."),
    "p_evidence": _(
        "Platform services: the buyer's evidence in a dispute (statements and files), and both sides' "
        "evidence for the buyer app."),
}

OPERATIONS: dict[str, tuple] = {
    "v1_merchant_credit_applications_list": (_("List limit-increase applications"), _RESOURCES["credit_applications"]),
    "v1_merchant_credit_applications_create": (
        _("Apply for a higher pay-later limit"), _RESOURCES["credit_applications"]),
    "v1_merchant_credit_applications_retrieve": (
        _("One limit-increase application"), _RESOURCES["credit_applications"]),
    "v1_merchant_ledger_entries_list": (_("List wallet ledger entries"), _RESOURCES["ledger"]),
    "v1_merchant_ledger_entries_retrieve": (_("One wallet ledger entry"), _RESOURCES["ledger"]),
    "v1_merchant_logistics_enrollment_list": (
        _("The caller's plan enrolments (current and past)"), _RESOURCES["logistics_enrollment"]),
    "v1_merchant_logistics_enrollment_create": (
        _("Join the on-time shipping incentive plan (counting from T+2)"), _RESOURCES["logistics_enrollment"]),
    "v1_merchant_logistics_enrollment_cancel_create": (
        _("Leave the plan (days from the cancellation on do not count)"), _RESOURCES["logistics_enrollment"]),
    "v1_merchant_logistics_shipments_list": (_("List shipments"), _RESOURCES["shipments"]),
    "v1_merchant_logistics_shipments_create": (_("Ship one of the caller's orders now"), _RESOURCES["shipments"]),
    "v1_merchant_logistics_shipments_retrieve": (_("One shipment"), _RESOURCES["shipments"]),
    "v1_merchant_logistics_weekly_results_list": (_("List weekly results"), _RESOURCES["weekly_results"]),
    "v1_merchant_logistics_weekly_results_retrieve": (_("One weekly result"), _RESOURCES["weekly_results"]),
    "v1_merchant_paylater_activities_list": (_("List pay-later activities"), _RESOURCES["activities"]),
    "v1_merchant_paylater_activities_create": (
        _("Create an activity with its products (all or nothing)"), _RESOURCES["activities"]),
    "v1_merchant_paylater_activities_retrieve": (_("One pay-later activity"), _RESOURCES["activities"]),
    "v1_merchant_paylater_activities_end_create": (
        _("End the whole activity (all its items end)"), _RESOURCES["activities"]),
    "v1_merchant_paylater_activity_items_list": (_("List activity items"), _RESOURCES["activity_items"]),
    "v1_merchant_paylater_activity_items_retrieve": (_("One activity item"), _RESOURCES["activity_items"]),
    "v1_merchant_paylater_activity_items_end_create": (
        _("End one item; the other items of its activity are untouched"), _RESOURCES["activity_items"]),
    "v1_merchant_paylater_enrollment_retrieve": (
        _("A store's pay-later enrolment state"), _RESOURCES["paylater_enrollment"]),
    "v1_merchant_paylater_enrollment_create": (
        _("Enrol a store in pay-later (checked at once)"), _RESOURCES["paylater_enrollment"]),
    "v1_merchant_paylater_fee_statements_list": (_("List monthly fee statements"), _RESOURCES["fee_statements"]),
    "v1_merchant_paylater_fee_statements_retrieve": (_("One monthly fee statement"), _RESOURCES["fee_statements"]),
    "v1_merchant_paylater_fee_statements_invoice_request_create": (
        _("Request the invoice (发票) of a statement, once"), _RESOURCES["fee_statements"]),
    "v1_merchant_paylater_orders_list": (_("List pay-later orders"), _RESOURCES["paylater_orders"]),
    "v1_merchant_paylater_orders_retrieve": (_("One pay-later order"), _RESOURCES["paylater_orders"]),
    "v1_merchant_products_list": (_("List products with their pay-later eligibility"), _RESOURCES["products"]),
    "v1_merchant_products_retrieve": (_("One product with its pay-later eligibility"), _RESOURCES["products"]),
    "v1_merchant_refund_cases_list": (
        _("Own refund cases, each with its negotiation (or null) and merchant deadline"), _RESOURCES["refund_cases"]),
    "v1_merchant_refund_cases_retrieve": (_("One refund case"), _RESOURCES["refund_cases"]),
    "v1_merchant_refund_cases_agree_create": (
        _("Agree to the request (an open negotiation is revoked)"), _RESOURCES["refund_cases"]),
    "v1_merchant_refund_cases_negotiate_create": (
        _("Propose the one negotiation of this case to the buyer"), _RESOURCES["refund_cases"]),
    "v1_merchant_refund_cases_refund_create": (_("Refund a received return"), _RESOURCES["refund_cases"]),
    "v1_merchant_refund_cases_reject_create": (
        _("Reject the request with a reason (an open negotiation is revoked)"), _RESOURCES["refund_cases"]),
    "v1_merchant_refund_cases_return_address_create": (
        _("Give the return address of a return agreed without one (the buyer's ship-back window starts)"),
        _RESOURCES["refund_cases"]),
    "v1_merchant_refund_cases_return_received_create": (
        _("Confirm the returned parcel arrived (the 48-hour refund clock starts)"), _RESOURCES["refund_cases"]),
    "v1_merchant_stores_list": (_("List the caller's stores"), _RESOURCES["stores"]),
    "v1_merchant_stores_retrieve": (_("One store with its credit and wallet"), _RESOURCES["stores"]),
    "v1_merchant_stores_credit_advice_retrieve": (
        _("Credit advisor: what raising each indicator would add"), _RESOURCES["store_insight"]),
    "v1_merchant_stores_logistics_week_to_date_retrieve": (
        _("The logistics plan's current week so far"), _RESOURCES["store_insight"]),
    "v1_merchant_stores_refund_metrics_retrieve": (
        _("The store's refund KPIs over the 30 local days ending on as_of"), _RESOURCES["store_insight"]),
    "v1_merchant_stores_refund_rules_retrieve": (_("A store's refund automation rules"), _RESOURCES["store_insight"]),
    "v1_merchant_stores_refund_rules_partial_update": (
        _("Switch a store's refund automation rules"), _RESOURCES["store_insight"]),
    "v1_merchant_stores_risk_checks_retrieve": (_("The store's monthly risk self-check"), _RESOURCES["store_insight"]),
    "v1_merchant_violations_list": (_("List violations"), _RESOURCES["violations"]),
    "v1_merchant_violations_retrieve": (_("One violation with its penalty and appeal"), _RESOURCES["violations"]),
    "v1_merchant_violations_appeal_create": (
        _("Appeal a confirmed violation, once, within the window"), _RESOURCES["violations"]),
    "v1_merchant_webhook_deliveries_list": (_("List webhook deliveries"), _RESOURCES["deliveries"]),
    "v1_merchant_webhook_deliveries_retrieve": (_("One webhook delivery"), _RESOURCES["deliveries"]),
    "v1_merchant_webhook_deliveries_replay_create": (
        _("Deliver the same event again (same webhook-id)"), _RESOURCES["deliveries"]),
    "v1_merchant_webhook_endpoints_list": (_("List webhook endpoints"), _RESOURCES["endpoints"]),
    "v1_merchant_webhook_endpoints_create": (
        _("Register an endpoint (the secret is in this response only)"), _RESOURCES["endpoints"]),
    "v1_merchant_webhook_endpoints_retrieve": (_("One webhook endpoint"), _RESOURCES["endpoints"]),
    "v1_merchant_webhook_endpoints_partial_update": (
        _("Change an endpoint's URL, event types or enabled flag"), _RESOURCES["endpoints"]),
    "v1_merchant_webhook_endpoints_destroy": (_("Delete a webhook endpoint"), _RESOURCES["endpoints"]),
    "v1_merchant_webhook_endpoints_rotate_secret_create": (
        _("Rotate the signing secret (the previous one keeps signing for 24 hours)"), _RESOURCES["endpoints"]),
    "v1_merchant_webhook_endpoints_test_create": (_("Send a `ping` event to this endpoint"), _RESOURCES["endpoints"]),
    "v1_platform_categories_create": (_("Create a category"), _RESOURCES["p_catalogue"]),
    "v1_platform_negotiations_list": (
        _("Negotiations (open ones with ?status=open) for the buyer app"), _RESOURCES["p_refunds"]),
    "v1_platform_negotiations_accept_create": (
        _("The buyer accepts a negotiation; returns the case"), _RESOURCES["p_refunds"]),
    "v1_platform_negotiations_reject_create": (
        _("The buyer rejects a negotiation; returns the case"), _RESOURCES["p_refunds"]),
    "v1_platform_orders_create": (_("Record an order (standard or pay-later)"), _RESOURCES["p_orders"]),
    "v1_platform_orders_advance_recovered_create": (
        _("The consumer paid the platform back for an advanced order"), _RESOURCES["p_orders"]),
    "v1_platform_orders_consumer_charge_create": (
        _("Result of charging the consumer (paid, or a platform advance if it failed)"), _RESOURCES["p_orders"]),
    "v1_platform_orders_receipt_create": (
        _("The buyer confirmed receipt of a pay-later order"), _RESOURCES["p_orders"]),
    "v1_platform_pickups_create": (_("A carrier's pickup scan (揽收) by tracking number"), _RESOURCES["p_logistics"]),
    "v1_platform_products_create": (_("Create a product"), _RESOURCES["p_catalogue"]),
    "v1_platform_products_retrieve": (
        _("A product with `paylater_active` (the 先用后付 badge the buyer app shows)"), _RESOURCES["p_catalogue"]),
    "v1_platform_refund_cases_create": (
        _("Open a refund case for a buyer's request (automation rules may agree it at once)"), _RESOURCES["p_refunds"]),
    "v1_platform_refund_cases_retrieve": (
        _("A refund case with its negotiation, as the buyer app shows it"), _RESOURCES["p_refunds"]),
    "v1_platform_refund_cases_cancel_create": (_("The buyer withdraws a pending case"), _RESOURCES["p_refunds"]),
    "v1_platform_refund_cases_escalate_create": (
        _("The buyer escalates a rejected case to the platform"), _RESOURCES["p_refunds"]),
    "v1_platform_refund_cases_return_shipped_create": (_("The buyer shipped the return back"), _RESOURCES["p_refunds"]),
    "v1_platform_shipments_pickup_create": (
        _("A carrier's pickup scan (揽收) for a shipment"), _RESOURCES["p_logistics"]),
    "v1_platform_stores_create": (
        _("Create a store (and its owner user, returning the owner's token once)"), _RESOURCES["p_stores"]),
    "v1_platform_stores_eco_packaging_create": (
        _("Verify (or withdraw) a store's degradable packaging; counts from the next evaluation"),
        _RESOURCES["p_stores"]),
    "v1_platform_stores_logistics_setup_create": (
        _("Record a store's official logistics and deposit paid"), _RESOURCES["p_stores"]),
    "v1_platform_stores_metrics_create": (_("Upsert a store's metrics for one month"), _RESOURCES["p_stores"]),
    "v1_platform_stores_wallet_topups_create": (_("Top up a store's wallet"), _RESOURCES["p_stores"]),
    "v1_merchant_refund_cases_contest_create": (
        _("Contest a received return (within 48 hours of receipt)"), _RESOURCES["contest"]),
    "v1_merchant_refund_cases_evidence_list": (_("Both sides' evidence on a case"), _RESOURCES["evidence"]),
    "v1_merchant_refund_cases_evidence_create": (_("Add the merchant's evidence to a case"), _RESOURCES["evidence"]),
    "v1_merchant_refund_cases_evidence_files_retrieve": (_("Download one evidence file"), _RESOURCES["evidence"]),
    "v1_merchant_stores_paylater_refusals_retrieve": (
        _("Summary of refused pay-later orders"), _RESOURCES["refusals"]),
    "v1_merchant_stores_paylater_refusals_list_list": (
        _("List refused pay-later orders, newest first"), _RESOURCES["refusals"]),
    "v1_platform_refund_cases_evidence_list": (_("Both sides' evidence on a case"), _RESOURCES["p_evidence"]),
    "v1_platform_refund_cases_evidence_create": (_("Add the buyer's evidence to a case"), _RESOURCES["p_evidence"]),
    "v1_platform_refund_cases_evidence_files_retrieve": (_("Download one evidence file"), _RESOURCES["p_evidence"]),
    "v1_platform_refund_cases_return_delivered_create": (
        _("The return parcel reached the merchant (from logistics tracking)"), _RESOURCES["p_refunds"]),
}


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
