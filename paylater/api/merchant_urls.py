"""/api/v1/merchant/ routes of the paylater app."""
urlpatterns = []
