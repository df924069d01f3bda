"""/api/v1/platform/ routes of the refunds app."""
urlpatterns = []
