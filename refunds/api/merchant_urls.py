"""/api/v1/merchant/ routes of the refunds app."""
urlpatterns = []
