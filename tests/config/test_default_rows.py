"""Rows created after `migrate` (post_migrate) come back after a flush (post_migrate), so a test database
emptied by a transactional test still has what the rules read: the default categories, the
promotional fee rate of 2022 and the incentive tiers."""
import pytest
from django.core.management import call_command

from logistics.models import IncentiveTier
from merchants.models import Category
from paylater.models import FeeRate


@pytest.mark.django_db(transaction=True)
def test_a_flushed_database_gets_its_default_rows_back():
    call_command("flush", interactive=False, verbosity=0)
    assert Category.objects.filter(paylater_excluded=True).count() >= 7
    assert Category.objects.get(name__startswith="生鲜").is_fresh
    assert FeeRate.objects.get().starts_on.isoformat() == "2022-01-06"
    assert sorted(str(t) for t in IncentiveTier.objects.values_list("per_parcel", flat=True)) == ["0.20", "0.30"]
