"""Writes for refunds (SPEC §3), by concept: `core` (who acted, the case and negotiation moves,
agreeing), `cases` (opening, merchant, buyer and operator actions, automation rules),
`negotiation` (the one-proposal tool), `contest` (a
merchant contesting a received return, SPEC §6), `timeouts` (when the clock sweep runs: in process, or
dispatched to workers) and `sweep` (how: its set-based batches, one case being a batch of one). This module is the
app's service interface: other modules and the API import from `refunds.services`."""
from . import sweep
from .cases import (
    refund_case_agree,
    refund_case_cancel,
    refund_case_escalate,
    refund_case_judge,
    refund_case_open,
    refund_case_refund,
    refund_case_reject,
    refund_case_return_received,
    refund_case_return_shipped,
    refund_rules_update,
)
from .contest import refund_case_contest, refund_case_contest_decide
from .core import Actor, order_shipped
from .negotiation import negotiation_accept, negotiation_propose, negotiation_reject
from .sweep import SweepResult
from .timeouts import refund_timeouts_dispatch, refund_timeouts_run

__all__ = ["Actor", "SweepResult", "sweep", "negotiation_accept", "negotiation_propose", "negotiation_reject",
           "order_shipped", "refund_case_agree", "refund_case_cancel", "refund_case_contest",
           "refund_case_contest_decide", "refund_case_escalate", "refund_case_judge",
           "refund_case_open", "refund_case_refund", "refund_case_reject", "refund_case_return_received",
           "refund_case_return_shipped", "refund_rules_update", "refund_timeouts_dispatch", "refund_timeouts_run"]
