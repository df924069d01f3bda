"""OPTIONS answers: DRF's description of a view, minus the body fields of action views that
take no body (`serializer_class = None`), which DRF's default would crash on."""
from rest_framework.metadata import SimpleMetadata


class Metadata(SimpleMetadata):
    def determine_actions(self, request, view):
        try:
            view.get_serializer_class()
        except AssertionError:  # GenericAPIView's "should include a serializer_class"
            return {}
        return super().determine_actions(request, view)
