"""Who cancelled an enrollment is on its history row: the merchant through the API, or the
operator through the admin action."""
import pytest
from django.contrib.auth import get_user_model

from logistics.models import Enrollment
from tests.logistics.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db


def test_operator_cancelling_in_the_admin_is_recorded_as_the_operator(client):
    client.force_login(get_user_model().objects.create_superuser("ops", "ops@example.com", "pw"))
    enrollment = EnrollmentFactory()
    response = client.post("/admin/logistics/enrollment/", {"action": "cancel", "_selected_action": [enrollment.pk]})
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.CANCELLED
    row = enrollment.history.order_by("-history_id").first()
    assert (row.history_user.username, row.history_change_reason) == ("ops", "operator: ops — cancelled")


def test_merchant_leaving_through_the_api_is_recorded_as_the_merchant(merchant_api, store):
    enrollment = EnrollmentFactory(store=store)
    assert merchant_api.post(f"/api/v1/merchant/logistics/enrollment/{enrollment.pk}/cancel/").status_code == 200
    row = enrollment.history.order_by("-history_id").first()
    assert (row.status, row.history_user, row.history_change_reason) == ("cancelled", store.owner,
                                                                         "cancelled by merchant")
