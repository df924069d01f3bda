"""Credit advisor (SPEC §5): for a store's latest evaluation, what each indicator would add to
the score and the limit if it reached the value that scores 100, the others unchanged.

It re-scores the evaluation's own values with the evaluation's own scoring statement
(`services.score_trials`, every trial in one query), never a copy of the formula, under today's policy
and today's eco-packaging status, i.e. exactly what the next evaluation would compute. A pure
read: nothing here writes."""
from dataclasses import dataclass, field
from decimal import Decimal

from config.money import ZERO, money
from merchants.registry import paylater_refused_amount

from .models import CreditEvaluation, CreditScorePolicy, EcoPackaging
from .selectors import latest_evaluation
from .services import credit_indicators, score_trials


@dataclass
class Suggestion:
    indicator: str
    dimension: str
    value: Decimal | None
    target: Decimal
    score_gain: Decimal
    limit_gain: Decimal


@dataclass
class Advice:
    evaluation: CreditEvaluation
    month: object
    score: Decimal
    base_limit: Decimal
    eco_verified: bool
    bonus_rate: Decimal
    next_base_limit: Decimal
    refused_30d: Decimal = ZERO  # pay-later orders refused in the last 30 local days (SPEC §6)
    missing: list = field(default_factory=list)
    suggestions: list = field(default_factory=list)


def evaluation_values(evaluation: CreditEvaluation) -> dict:
    """The indicator values an evaluation scored (name → Decimal or None)."""
    return {name: (Decimal(d["value"]) if d.get("value") is not None else None)
            for name, d in evaluation.indicators.items()}


def credit_advice(*, store, evaluation: CreditEvaluation | None = None) -> Advice | None:
    """Suggestions sorted by limit gained (then score gained); None before the first evaluation."""
    evaluation = evaluation or latest_evaluation(store=store)
    if evaluation is None:
        return None
    indicators = credit_indicators()
    policy = CreditScorePolicy.current()
    verified = EcoPackaging.objects.filter(store_id=evaluation.store_id, verified=True).exists()
    bonus = policy.eco_packaging_bonus_rate if verified else ZERO
    values = evaluation_values(evaluation)
    sales = evaluation.monthly_sales

    trials = [values, *({**values, ind.name: ind.full_at} for ind in indicators)]
    now, *results = score_trials(trials, indicators=indicators, policy=policy, sales=sales, bonus_rate=bonus)
    suggestions = []
    for ind, result in zip(indicators, results):
        value = values.get(ind.name)
        if value is not None and Decimal(now.indicators[ind.name]["score"]) == 100:
            continue
        suggestions.append(Suggestion(indicator=ind.name, dimension=ind.dimension, value=value,
                                      target=ind.full_at, score_gain=money(result.score - now.score),
                                      limit_gain=money(result.base_limit - now.base_limit)))
    suggestions.sort(key=lambda s: (-s.limit_gain, -s.score_gain, s.indicator))
    return Advice(evaluation=evaluation, month=evaluation.month, score=evaluation.score,
                  base_limit=evaluation.base_limit, eco_verified=verified, bonus_rate=policy.eco_packaging_bonus_rate,
                  next_base_limit=now.base_limit, missing=list(evaluation.missing), suggestions=suggestions,
                  refused_30d=paylater_refused_amount(store_id=evaluation.store_id, days=30))
