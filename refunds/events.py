"""Webhook events of refund cases and negotiations (SPEC §5), emitted by the transition
functions in `refunds.services`, so every path — merchant, buyer, operator, rule, timeout
sweep — emits them in the transaction of the change."""
from merchants.webhooks.models import EventType
from merchants.webhooks.services import event_emit, event_emit_many

# case transition event → webhook events it causes
CASE_EVENTS = {
    "agree_refund_only": [EventType.REFUND_CASE_AGREED, EventType.REFUND_CASE_REFUNDED],
    "agree_return": [EventType.REFUND_CASE_AGREED],
    "refund_return": [EventType.REFUND_CASE_REFUNDED],
    "refund_unconfirmed_return": [EventType.REFUND_CASE_REFUNDED],
    "judge_seller_responsible": [EventType.REFUND_CASE_REFUNDED],
    "contest": [EventType.REFUND_CASE_CONTESTED],
    "decide_contest_full_refund": [EventType.REFUND_CASE_CONTEST_DECIDED, EventType.REFUND_CASE_REFUNDED],
    "decide_contest_partial_refund": [EventType.REFUND_CASE_CONTEST_DECIDED, EventType.REFUND_CASE_REFUNDED],
    "decide_contest_no_refund": [EventType.REFUND_CASE_CONTEST_DECIDED],
}


def _case_data(case):
    from refunds.api.serializers import RefundCaseOut

    return lambda: RefundCaseOut(case).data


def case_opened(case) -> None:
    event_emit(store_id=case.store_id, type=EventType.REFUND_CASE_OPENED, data=_case_data(case))


def case_moved(case, transition: str) -> None:
    for type_ in CASE_EVENTS.get(transition, []):
        event_emit(store_id=case.store_id, type=type_, data=_case_data(case))


def negotiation_answered(negotiation) -> None:
    """accepted, rejected, expired or revoked: every way a negotiation closes."""
    from refunds.api.serializers import NegotiationOut

    event_emit(store_id=negotiation.case.store_id, type=EventType.NEGOTIATION_ANSWERED,
               data=lambda: NegotiationOut(negotiation).data)


def cases_moved(cases, transition: str) -> None:
    """`case_moved` for a set of cases moved by one event (the timeout sweep's batches), in a
    fixed number of queries."""
    types = CASE_EVENTS.get(transition, [])
    if types:
        event_emit_many(events=[(case.store_id, type_, _case_data(case)) for case in cases for type_ in types])


def negotiations_answered(negotiations) -> None:
    """`negotiation_answered` for a set of negotiations (each with its case loaded)."""
    from refunds.api.serializers import NegotiationOut

    event_emit_many(events=[(n.case.store_id, EventType.NEGOTIATION_ANSWERED, (lambda n=n: NegotiationOut(n).data))
                            for n in negotiations])
