"""SPEC decisions (rounding): scores and rates round half-up like money — 2 places for scores,
4 for rates — through config.money, never Python's default half-even."""
from decimal import Decimal

import pytest

from config.money import rate, rate_of, score
from merchants.credit.services import score_values
from merchants.models import CreditIndicator, Dimension, StoreMetrics


def test_score_and_rate_helpers_round_half_up():
    assert score(Decimal("12.345")) == Decimal("12.35")
    assert score(Decimal("0.005")) == Decimal("0.01")
    assert rate(1, 32) == Decimal("0.0313")  # 0.03125
    assert rate_of(Decimal("0.00005")) == Decimal("0.0001")
    assert rate_of(None) is None


@pytest.mark.django_db
def test_indicator_points_halfway_between_hundredths_round_up():
    indicator = CreditIndicator(name="repeat_rate", dimension=Dimension.STORE_HEALTH, zero_at=Decimal("0"),
                                full_at=Decimal("1000"), weight=Decimal("1"))
    result = score_values({"repeat_rate": Decimal("123.45")}, indicators=[indicator])
    assert result.indicators["repeat_rate"]["score"] == "12.35"  # 12.345 points


@pytest.mark.django_db
def test_composite_score_halfway_rounds_up():
    market = CreditIndicator(name="marketing_participation", dimension=Dimension.MARKET, weight=Decimal("1"),
                             zero_at=Decimal("0"), full_at=Decimal("100"))
    result = score_values({"marketing_participation": Decimal("0.05")}, indicators=[market])
    assert result.dimensions[Dimension.MARKET] == Decimal("0.05")
    assert result.score == Decimal("0.01")  # 0.05 points × 10% weight = 0.005


@pytest.mark.django_db
def test_conversion_rate_halfway_rounds_up():
    metrics = StoreMetrics(buyers=1, uv=20000)  # 0.00005
    assert metrics.conversion_rate == Decimal("0.0001")


@pytest.mark.django_db
def test_monthly_on_time_rate_halfway_rounds_up():
    import datetime as dt

    from logistics import selectors
    from tests.logistics.factories import make_orders
    from tests.logistics.test_settlement import day, enrolled

    store = enrolled()
    make_orders(store, 1, day(2))
    make_orders(store, 31, day(2), picked=False)  # 1 on time of 32 = 0.03125
    rates = selectors.credit_metrics([store.pk], dt.date(2026, 11, 1))
    assert rates[store.pk]["on_time_rate"] == Decimal("0.0313")
