"""/api/v1/platform/ routes of the logistics app."""
urlpatterns = []
