from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from merchants.models import Order, Store
from paylater import demo
from paylater.models import Activity, Enrollment, FeeStatement


@pytest.mark.django_db
def test_demo_seed_is_idempotent_and_fast():
    call_command("seed_demo", stdout=StringIO())
    counts = (Activity.objects.count(), Order.objects.filter(payment_method="paylater").count(),
              FeeStatement.objects.count(), Enrollment.objects.count())
    assert counts[0] > 0 and counts[1] > 0
    assert Enrollment.objects.filter(status="refused").exists()
    assert Order.objects.filter(payment_method="paylater", status="advanced").exists() or counts[1] < 5
    demo.seed(stores=list(Store.objects.filter(name__startswith="演示店铺")), now=timezone.now())
    assert counts == (Activity.objects.count(), Order.objects.filter(payment_method="paylater").count(),
                      FeeStatement.objects.count(), Enrollment.objects.count())
