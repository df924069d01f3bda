"""/api/v1/platform/ routes of the paylater app."""
urlpatterns = []
