"""/api/v1/merchant/ routes of the logistics app."""
urlpatterns = []
