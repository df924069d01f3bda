"""Evidence and contest endpoints (SPEC §6): each side adds statements and files to a refund case
(merchant API: side `merchant`, platform API: side `buyer`), both read both sides' evidence and
download its files; the merchant contests a received return."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser
from rest_framework.response import Response

from config.api.errors import DomainError
from config.api.fields import AwareDateTimeField
from config.api.parsers import JSONParser, MultiPartParser
from config.api.views import PlatformGenericView, errors
from merchants.stores.tenancy import MerchantGenericView

from .. import evidence as ev
from ..models import ContestReason, Evidence, EvidenceFile, EvidenceSide, RefundCase
from ..services import Actor, refund_case_contest
from . import serializers as s
from .views import _case_out


# --- serializers -------------------------------------------------------------------------------
class EvidenceFileOut(serializers.ModelSerializer):
    content_type = serializers.CharField(read_only=True, help_text=_("Detected from the bytes."))
    size = serializers.IntegerField(read_only=True, help_text=_("Bytes."))

    class Meta:
        model = EvidenceFile
        fields = ["id", "name", "content_type", "size"]


class EvidenceOut(serializers.ModelSerializer):
    files = EvidenceFileOut(many=True, read_only=True)
    added_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = Evidence
        fields = ["id", "case", "side", "statement", "files", "added_at"]


class EvidenceIn(serializers.Serializer):
    """multipart/form-data: a statement, files (repeat the `files` part, 0–9), or both."""

    statement = serializers.CharField(required=False, allow_blank=True, default="", max_length=ev.STATEMENT_MAX_LENGTH)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list,
                                  help_text=_("JPEG, PNG, WebP or PDF, as detected from the bytes; at most 10 MB "
                                              "each and 9 per side on the case."))


class ContestIn(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ContestReason.choices)
    statement = serializers.CharField(max_length=5000)


def _evidence_input(request) -> dict:
    """The statement and the `files` parts; a file under any other name is refused, so a client
    that spells the field differently does not lose its files silently."""
    unexpected = sorted(name for name in request.FILES if name != "files")
    if unexpected:
        raise DomainError("invalid", _("Send files as `files` parts."),
                          fields={name: [str(_("Unexpected file field; use `files`."))] for name in unexpected})
    statement = request.data.get("statement", "")
    if not isinstance(statement, str):
        raise DomainError("invalid", _("The statement must be text."), fields={"statement": [str(_("Not text."))]})
    checked = EvidenceIn(data={"statement": statement})  # length, no NUL characters
    checked.is_valid(raise_exception=True)
    return {"statement": checked.validated_data["statement"], "files": request.FILES.getlist("files")}


UPLOAD_ERRORS = errors(401, 404, _400="invalid, evidence_empty, file_type_not_allowed, too_many_files, "
                                      "upload_incomplete", _409="evidence_closed",
                       _413="file_too_large (a file above 10 MB), request_too_large (the whole body)")
FILE_RESPONSE = OpenApiResponse(bytes, description="The file's bytes with its detected type (image/jpeg, "
                                                   "image/png, image/webp, application/pdf); "
                                                   "`Content-Disposition: attachment` for a PDF.")


class _EvidenceViews:
    """What the merchant and platform evidence views share; `side` is the caller's."""

    side: str
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    serializer_class = EvidenceIn

    def _add(self, request, case, actor, **scope):
        added = ev.evidence_add(case_id=case.pk, side=self.side, actor=actor, **_evidence_input(request), **scope)
        return Response(EvidenceOut(ev.case_evidence(case.pk).get(pk=added.pk)).data, status=status.HTTP_201_CREATED)

    def _list(self, case):
        page = self.paginate_queryset(ev.case_evidence(case.pk))
        return self.get_paginated_response(EvidenceOut(page, many=True).data)


class _FileView:
    """One evidence file's bytes, only to the case's store and the platform."""

    serializer_class = None

    def perform_content_negotiation(self, request, force=False):
        # The bytes answer any Accept header; an error is JSON whatever the client asked for.
        return super().perform_content_negotiation(request, force=True)

    def _file(self, case, file_id):
        file = ev.case_evidence_file(case.pk, file_id)
        if file is None:
            raise DomainError("not_found", _("Evidence file not found."), status=404)
        return ev.evidence_file_response(file)


# --- merchant ----------------------------------------------------------------------------------
class MerchantCaseView(MerchantGenericView):
    queryset = RefundCase.objects.all()  # scoped to the caller's stores: another store's case is 404


class MerchantEvidence(_EvidenceViews, MerchantCaseView):
    """The merchant's side of a refund case's evidence (SPEC §6): photos, signed delivery slips,
    chat records, brand authorisation, purchase invoices. Never changed or deleted once added."""

    side = EvidenceSide.MERCHANT

    @extend_schema(request={"multipart/form-data": EvidenceIn}, responses={201: EvidenceOut, **UPLOAD_ERRORS},
                   summary="Add the merchant's statement and files to a refund case")
    def post(self, request, pk):
        return self._add(request, self.get_object(), Actor.merchant(request.user),
                         store_ids=self.merchant_store_ids())

    @extend_schema(responses={200: EvidenceOut(many=True), **errors(401, 404)},
                   summary="Both sides' evidence on a refund case, oldest first")
    def get(self, request, pk):
        return self._list(self.get_object())


class MerchantEvidenceFile(_FileView, MerchantCaseView):
    @extend_schema(responses={(200, "application/octet-stream"): FILE_RESPONSE, **errors(401, 404)},
                   summary="Download one evidence file of a refund case")
    def get(self, request, pk, file_id):
        return self._file(self.get_object(), file_id)


class MerchantContest(MerchantCaseView):
    serializer_class = ContestIn

    @extend_schema(request=ContestIn, responses={200: s.RefundCaseOut, **errors(
        401, 404, _400="invalid, evidence_required", _409="contest_window_closed, invalid_state")},
        summary="Contest a received return within 48 hours of receipt (the refund clock stops)")
    def post(self, request, pk):
        case = self.get_object()
        data = ContestIn(data=request.data)
        data.is_valid(raise_exception=True)
        refund_case_contest(case_id=case.pk, actor=Actor.merchant(request.user), store_ids=self.merchant_store_ids(),
                            **data.validated_data)
        return _case_out(case.pk)


# --- platform (the buyer's side) ---------------------------------------------------------------
class PlatformCaseView(PlatformGenericView):
    queryset = RefundCase.objects.all()


class PlatformEvidence(_EvidenceViews, PlatformCaseView):
    """The buyer's side of a refund case's evidence (SPEC §6), pushed by the buyer app's back end.
    Never changed or deleted once added."""

    side = EvidenceSide.BUYER

    @extend_schema(request={"multipart/form-data": EvidenceIn}, responses={201: EvidenceOut, **UPLOAD_ERRORS},
                   summary="Add the buyer's statement and files to a refund case")
    def post(self, request, pk):
        case = self.get_object()
        return self._add(request, case, Actor.buyer(case.buyer_id, request.user))

    @extend_schema(responses={200: EvidenceOut(many=True), **errors(401, 403, 404)},
                   summary="Both sides' evidence on a refund case, oldest first")
    def get(self, request, pk):
        return self._list(self.get_object())


class PlatformEvidenceFile(_FileView, PlatformCaseView):
    @extend_schema(responses={(200, "application/octet-stream"): FILE_RESPONSE, **errors(401, 403, 404)},
                   summary="Download one evidence file of a refund case")
    def get(self, request, pk, file_id):
        return self._file(self.get_object(), file_id)
