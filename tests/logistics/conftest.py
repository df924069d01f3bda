
import pytest


@pytest.fixture(autouse=True)
def default_tiers(request):
    """The SPEC tiers are created after `migrate`, and a transactional test's flush removes them:
    every logistics test that uses the database starts with them."""
    if request.node.get_closest_marker("django_db") is None:
        return
    from logistics.defaults import create_tiers
    from logistics.models import IncentiveTier

    create_tiers(IncentiveTier)
