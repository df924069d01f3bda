"""SPEC §6, evidence in disputes: each side adds statements and files to a refund case (the buyer
through the platform API, the merchant through the merchant API); JPEG, PNG, WebP or PDF as
detected from the bytes, at most 10 MB each and 9 per side; nothing is stored when anything is
refused; never changed or deleted; served only to the case's store, the platform and operators."""
import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from config.storage import PrivateFileSystemStorage, private_storage
from refunds import services
from refunds.evidence import evidence_add
from refunds.models import Evidence, EvidenceFile, RefundCase, RefundPolicy
from refunds.services import Actor
from tests.conftest import Api
from tests.factories import merchant_token
from tests.refunds.evidence_helpers import JPEG, MB, PDF, TEXT, WEBP, png, sized, stored_files, upload
from tests.refunds.factories import open_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("evidence_dir")]
S = RefundCase.Status


@pytest.fixture
def case(clock, store):
    return open_case(store, type="return_refund", amount="99.00")


def merchant_url(case, tail="evidence/"):
    return f"/api/v1/merchant/refund-cases/{case.pk}/{tail}"


def platform_url(case, tail="evidence/"):
    return f"/api/v1/platform/refund-cases/{case.pk}/{tail}"


def post(client, url, statement=None, files=()):
    data = {"files": list(files)}
    if statement is not None:
        data["statement"] = statement
    return client.post(url, data, format="multipart")


def nothing_stored(case, evidence_dir):
    return not Evidence.objects.filter(case=case).exists() and not EvidenceFile.objects.exists() \
        and stored_files(evidence_dir) == []


# --- adding ------------------------------------------------------------------------------------
def test_the_merchant_adds_a_statement_and_files_kept_in_the_private_storage(merchant_api, case, store,
                                                                               evidence_dir):
    picture = png()
    r = post(merchant_api, merchant_url(case), "包裹破损，附签收单", [upload("签收单.png", picture, "image/png"),
                                                               upload("invoice.pdf", PDF, "application/pdf")])
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["side"] == "merchant" and body["statement"] == "包裹破损，附签收单"
    assert [(f["name"], f["content_type"], f["size"]) for f in body["files"]] == [
        ("签收单.png", "image/png", len(picture)), ("invoice.pdf", "application/pdf", len(PDF))]
    assert body["added_at"].endswith("+08:00")
    evidence = Evidence.objects.get(pk=body["id"])
    assert evidence.added_by == store.owner and evidence.added_by_label == f"merchant: {store.owner.username}"
    [kept_png, kept_pdf] = stored_files(evidence_dir)
    assert {kept_png.read_bytes(), kept_pdf.read_bytes()} == {picture, PDF}
    assert "签收单" not in str(kept_png) and "invoice" not in str(kept_pdf)  # random keys, not the names
    history = evidence.history.get()
    assert history.history_user == store.owner and history.history_change_reason.startswith(
        f"merchant: {store.owner.username} — evidence added")
    assert {h.history_user for f in evidence.files.all() for h in f.history.all()} == {store.owner}


def test_the_buyer_adds_evidence_through_the_platform_api(platform_api, case):
    r = post(platform_api, platform_url(case), "商品有划痕", [upload("photo.webp", WEBP, "image/webp")])
    assert r.status_code == 201, r.content
    evidence = Evidence.objects.get(pk=r.json()["id"])
    assert evidence.side == "buyer" and evidence.added_by_label == f"buyer: {case.buyer_id}"
    assert evidence.files.get().content_type == "image/webp"


def test_a_statement_alone_or_files_alone_are_evidence(merchant_api, case):
    assert post(merchant_api, merchant_url(case), "只有陈述").status_code == 201
    assert post(merchant_api, merchant_url(case), None, [upload("a.jpg", JPEG)]).status_code == 201
    assert Evidence.objects.filter(case=case).count() == 2


@pytest.mark.parametrize("statement", [None, "", "   "])
def test_neither_statement_nor_file_is_refused(merchant_api, case, evidence_dir, statement):
    r = post(merchant_api, merchant_url(case), statement)
    assert r.status_code == 400 and r.json()["code"] == "evidence_empty"
    assert nothing_stored(case, evidence_dir)


# --- types from the bytes ------------------------------------------------------------------------
@pytest.mark.parametrize("content,expected", [(JPEG, "image/jpeg"), (png(), "image/png"), (WEBP, "image/webp"),
                                              (PDF, "application/pdf")])
def test_the_type_is_detected_from_the_bytes_not_the_name_or_declared_type(merchant_api, case, content, expected):
    r = post(merchant_api, merchant_url(case), None, [upload("scan.exe", content, "text/plain")])
    assert r.status_code == 201, r.content
    [file] = r.json()["files"]
    assert file["content_type"] == expected
    assert file["name"].startswith("scan.exe") and not file["name"].endswith(".exe")  # served with its real type


@pytest.mark.parametrize("content", [TEXT, b"GIF89a" + b"\x00" * 20, b"RIFF\x00\x00\x00\x00WAVEfmt ", b"%PD",
                                     b"<svg xmlns='http://www.w3.org/2000/svg'/>"])
def test_anything_else_is_refused_even_named_and_declared_as_a_picture(merchant_api, case, evidence_dir, content):
    r = post(merchant_api, merchant_url(case), "看图", [upload("ok.jpg", JPEG), upload("photo.jpg", content,
                                                                                 "image/jpeg")])
    assert r.status_code == 400 and r.json()["code"] == "file_type_not_allowed"
    assert nothing_stored(case, evidence_dir)  # not even the good file or the statement


# --- sizes and counts ----------------------------------------------------------------------------
def test_a_file_of_exactly_10_mb_is_accepted(merchant_api, case):
    r = post(merchant_api, merchant_url(case), None, [upload("big.pdf", sized(PDF, 10 * MB))])
    assert r.status_code == 201, r.content
    assert r.json()["files"][0]["size"] == 10 * MB


def test_a_file_one_byte_over_10_mb_is_refused_with_413_and_nothing_is_stored(merchant_api, case, evidence_dir):
    r = post(merchant_api, merchant_url(case), "两份文件", [upload("ok.jpg", JPEG),
                                                       upload("big.pdf", sized(PDF, 10 * MB + 1))])
    assert r.status_code == 413 and r.json()["code"] == "file_too_large"
    assert nothing_stored(case, evidence_dir)


def test_nine_files_of_10_mb_in_one_request_reach_the_rules_and_are_kept(merchant_api, case, evidence_dir):
    """The body (90 MB and more) passes the API's body limit and Django's upload settings."""
    files = [upload(f"p{i}.jpg", sized(JPEG, 10 * MB)) for i in range(9)]
    r = post(merchant_api, merchant_url(case), "九张图", files)
    assert r.status_code == 201, r.content
    assert len(stored_files(evidence_dir)) == 9 and EvidenceFile.objects.count() == 9


def test_nine_files_per_side_over_several_requests(merchant_api, platform_api, case, evidence_dir):
    assert post(merchant_api, merchant_url(case), None, [upload(f"{i}.jpg", JPEG) for i in range(5)]).status_code == 201
    assert post(merchant_api, merchant_url(case), None, [upload(f"{i}.jpg", JPEG) for i in range(4)]).status_code == 201
    r = post(merchant_api, merchant_url(case), "第十个", [upload("10.jpg", JPEG)])
    assert r.status_code == 400 and r.json()["code"] == "too_many_files"
    assert post(merchant_api, merchant_url(case), "陈述仍可补充").status_code == 201  # statements have no cap
    # the buyer's side has its own nine
    nine = [upload(f"{i}.png", png()) for i in range(9)]
    assert post(platform_api, platform_url(case), None, nine).status_code == 201
    assert EvidenceFile.objects.filter(evidence__side="merchant").count() == 9
    assert len(stored_files(evidence_dir)) == 18


def test_ten_files_in_one_request_are_refused(merchant_api, case, evidence_dir):
    r = post(merchant_api, merchant_url(case), None, [upload(f"{i}.jpg", JPEG) for i in range(10)])
    assert r.status_code == 400 and r.json()["code"] == "too_many_files"
    assert nothing_stored(case, evidence_dir)


def test_the_limits_are_policy(merchant_api, case):
    policy = RefundPolicy.current()
    policy.evidence_max_files, policy.evidence_max_file_mb = 2, 1
    policy.save()
    assert post(merchant_api, merchant_url(case), None, [upload("a.pdf", sized(PDF, MB))]).status_code == 201
    r = post(merchant_api, merchant_url(case), None, [upload("b.pdf", sized(PDF, MB + 1))])
    assert r.status_code == 413
    r = post(merchant_api, merchant_url(case), None, [upload("b.jpg", JPEG), upload("c.jpg", JPEG)])
    assert r.status_code == 400 and r.json()["code"] == "too_many_files"


def test_files_under_another_field_name_are_refused_not_dropped(merchant_api, case, evidence_dir):
    r = merchant_api.post(merchant_url(case), {"statement": "x", "file": upload("a.jpg", JPEG)}, format="multipart")
    assert r.status_code == 400 and r.json()["code"] == "invalid" and "file" in r.json()["fields"]
    assert nothing_stored(case, evidence_dir)


# --- an upload cut off ---------------------------------------------------------------------------
def test_an_upload_cut_off_mid_file_is_refused_and_stores_nothing(merchant_api, case, evidence_dir):
    body = encode_multipart(BOUNDARY, {"statement": "断了", "files": [upload("a.pdf", sized(PDF, 300_000)),
                                                                      upload("b.jpg", JPEG)]})
    cut = body[:len(body) // 2]
    r = merchant_api.generic("POST", merchant_url(case), cut, content_type=MULTIPART_CONTENT)
    assert r.status_code == 400 and r.json()["code"] == "upload_incomplete"
    assert nothing_stored(case, evidence_dir)


def test_a_body_missing_only_its_closing_boundary_is_refused(merchant_api, case, evidence_dir):
    body = encode_multipart(BOUNDARY, {"statement": "差一点", "files": [upload("b.jpg", JPEG)]})
    cut = body[:body.rindex(f"--{BOUNDARY}--".encode())]
    r = merchant_api.generic("POST", merchant_url(case), cut, content_type=MULTIPART_CONTENT)
    assert r.status_code == 400 and r.json()["code"] == "upload_incomplete"
    assert nothing_stored(case, evidence_dir)


# --- when evidence closes ------------------------------------------------------------------------
def test_evidence_can_be_added_while_the_case_is_open_rejected_or_escalated(clock, merchant_api, platform_api,
                                                                         store):
    case = open_case(store, type="refund_only", amount="20.00")
    services.refund_case_reject(case_id=case.pk, actor=Actor.merchant(store.owner), reason="已发货")
    assert post(platform_api, platform_url(case), "我没收到").status_code == 201
    services.refund_case_escalate(case_id=case.pk, actor=Actor.buyer(case.buyer_id))
    assert post(merchant_api, merchant_url(case), "物流签收记录", [upload("sign.jpg", JPEG)]).status_code == 201


@pytest.mark.parametrize("finish", ["refunded", "closed", "cancelled", "judged"])
def test_evidence_closes_once_the_case_is_judged_refunded_or_closed(clock, merchant_api, platform_api, store,
                                                                  evidence_dir, finish):
    case = open_case(store, type="refund_only", amount="20.00")
    merchant = Actor.merchant(store.owner)
    if finish == "refunded":
        services.refund_case_agree(case_id=case.pk, actor=merchant)
    elif finish == "cancelled":
        services.refund_case_cancel(case_id=case.pk, actor=Actor.buyer(case.buyer_id))
    else:
        services.refund_case_reject(case_id=case.pk, actor=merchant, reason="no")
        services.refund_case_escalate(case_id=case.pk, actor=Actor.buyer(case.buyer_id))
        services.refund_case_judge(case_id=case.pk, actor=Actor.job("op"), seller_responsible=finish == "judged")
    for client, url in ((merchant_api, merchant_url(case)), (platform_api, platform_url(case))):
        r = post(client, url, "迟到的证据", [upload("late.jpg", JPEG)])
        assert r.status_code == 409 and r.json()["code"] == "evidence_closed"
    assert nothing_stored(case, evidence_dir)


# --- never changed or deleted --------------------------------------------------------------------
def test_evidence_cannot_be_changed_or_deleted_through_the_api(merchant_api, case):
    r = post(merchant_api, merchant_url(case), "原话", [upload("a.jpg", JPEG)])
    file_id = r.json()["files"][0]["id"]
    for method in ("put", "patch", "delete"):
        assert getattr(merchant_api, method)(merchant_url(case)).status_code == 405
        assert getattr(merchant_api, method)(merchant_url(case, f"evidence-files/{file_id}/")).status_code == 405
    assert Evidence.objects.get().statement == "原话" and EvidenceFile.objects.count() == 1


def test_the_admin_shows_evidence_read_only(admin_client, merchant_api, case):
    post(merchant_api, merchant_url(case), "原话", [upload("a.jpg", JPEG)])
    evidence = Evidence.objects.get()
    r = admin_client.get(f"/admin/refunds/evidence/{evidence.pk}/change/")
    assert r.status_code == 200 and b'name="statement"' not in r.content
    assert admin_client.post(f"/admin/refunds/evidence/{evidence.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/refunds/evidence/add/").status_code == 403


# --- reading and downloading ---------------------------------------------------------------------
def test_both_sides_read_both_sides_oldest_first(clock, merchant_api, platform_api, case):
    post(platform_api, platform_url(case), "买家先说")
    clock.shift(dt.timedelta(minutes=5))
    post(merchant_api, merchant_url(case), "商家回应", [upload("a.pdf", PDF)])
    for client, url in ((merchant_api, merchant_url(case)), (platform_api, platform_url(case))):
        r = client.get(url)
        assert r.status_code == 200
        assert [(e["side"], e["statement"]) for e in r.json()["results"]] == [("buyer", "买家先说"),
                                                                              ("merchant", "商家回应")]


def test_files_download_with_their_type_pdf_as_an_attachment(merchant_api, platform_api, case):
    picture = png()
    files = post(merchant_api, merchant_url(case), None, [upload("照片.png", picture), upload("发票.pdf", PDF)]
                 ).json()["files"]
    for client, url in ((merchant_api, merchant_url), (platform_api, platform_url)):
        image = client.get(url(case, f"evidence-files/{files[0]['id']}/"), HTTP_ACCEPT="image/png")
        assert image.status_code == 200 and image["Content-Type"] == "image/png"
        assert b"".join(image.streaming_content) == picture
        assert image["Content-Disposition"].startswith("inline")
        pdf = client.get(url(case, f"evidence-files/{files[1]['id']}/"))
        assert pdf["Content-Type"] == "application/pdf" and pdf["Content-Disposition"].startswith("attachment")
        assert "filename*=utf-8''%E5%8F%91%E7%A5%A8.pdf" in pdf["Content-Disposition"]
        assert b"".join(pdf.streaming_content) == PDF
        assert "no-store" in pdf["Cache-Control"]


def test_another_stores_case_is_404_everywhere(clock, merchant_api, other_store, evidence_dir):
    theirs = open_case(other_store, type="return_refund")
    added = evidence_add(case_id=theirs.pk, side="merchant", actor=Actor.merchant(other_store.owner),
                         statement="他们的", files=[upload("t.jpg", JPEG)])
    file_id = added.files.get().pk
    assert merchant_api.get(merchant_url(theirs)).status_code == 404
    assert merchant_api.get(merchant_url(theirs, f"evidence-files/{file_id}/")).status_code == 404
    r = post(merchant_api, merchant_url(theirs), "我来加", [upload("x.jpg", JPEG)])
    assert r.status_code == 404
    assert Evidence.objects.filter(case=theirs).count() == 1 and len(stored_files(evidence_dir)) == 1


def test_a_file_of_another_case_is_404_under_ones_own_case(merchant_api, case, store, evidence_dir):
    other_case = open_case(store, type="return_refund")
    file_id = post(merchant_api, merchant_url(other_case), None, [upload("x.jpg", JPEG)]).json()["files"][0]["id"]
    assert merchant_api.get(merchant_url(case, f"evidence-files/{file_id}/")).status_code == 404
    assert merchant_api.get(merchant_url(case, "evidence-files/999999/")).json()["code"] == "not_found"


def test_platform_endpoints_refuse_merchant_tokens(merchant_api, case):
    assert merchant_api.get(platform_url(case)).status_code == 403
    assert post(merchant_api, platform_url(case), "冒充买家").status_code == 403


def test_no_file_has_a_url_of_its_own(merchant_api, case):
    body = post(merchant_api, merchant_url(case), None, [upload("a.jpg", JPEG)]).json()
    assert "url" not in str(body).lower() and EvidenceFile.objects.get().storage_key not in str(body)
    with pytest.raises(NotImplementedError):
        storages["evidence"].url(EvidenceFile.objects.get().storage_key)
    with pytest.raises(NotImplementedError):
        PrivateFileSystemStorage().url("x")


# --- concurrency ---------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_two_uploads_at_once_never_pass_nine_files_and_leave_no_orphan(threads, store, evidence_dir):
    case = open_case(store, type="return_refund")
    token = merchant_token(store.owner)

    def add(i):
        return post(Api().with_token(token), merchant_url(case), None,
                    [upload(f"{i}-{n}.jpg", JPEG) for n in range(5)]).status_code

    assert sorted(threads(add, 2)) == [201, 400]
    assert EvidenceFile.objects.filter(evidence__case=case).count() == 5
    assert len(stored_files(evidence_dir)) == 5


# --- idempotency with uploads --------------------------------------------------------------------
def test_a_retried_upload_with_the_same_key_is_replayed_not_added_twice(merchant_api, case):
    files = {"statement": "重试", "files": [upload("a.jpg", JPEG)]}
    first = merchant_api.generic("POST", merchant_url(case), encode_multipart("first-boundary", files),
                                 content_type="multipart/form-data; boundary=first-boundary",
                                 HTTP_IDEMPOTENCY_KEY="k1")
    files = {"statement": "重试", "files": [upload("a.jpg", JPEG)]}
    again = merchant_api.generic("POST", merchant_url(case), encode_multipart("second-boundary-x", files),
                                 content_type="multipart/form-data; boundary=second-boundary-x",
                                 HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == again.status_code == 201, (first.content, again.content)
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Evidence.objects.filter(case=case).count() == 1
    files = {"statement": "别的内容", "files": [upload("a.jpg", JPEG)]}
    other = merchant_api.generic("POST", merchant_url(case), encode_multipart("b3", files),
                                 content_type="multipart/form-data; boundary=b3", HTTP_IDEMPOTENCY_KEY="k1")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"


# --- where the files live ------------------------------------------------------------------------
def test_by_default_a_private_folder_under_the_data_directory(tmp_path):
    entry = private_storage("", tmp_path / "evidence")
    assert entry == {"BACKEND": "config.storage.PrivateFileSystemStorage",
                     "OPTIONS": {"location": str(tmp_path / "evidence")}}


def test_s3_compatible_storage_when_media_storage_url_is_set():
    from storages.backends.s3 import S3Storage

    entry = private_storage("s3://evidence-bucket/prod/files?endpoint_url=https://minio.example:9000"
                            "&region_name=cn-north-1", None)
    assert entry["BACKEND"] == "storages.backends.s3.S3Storage"
    storage = S3Storage(**entry["OPTIONS"])
    assert (storage.bucket_name, storage.location, storage.endpoint_url, storage.region_name) == (
        "evidence-bucket", "prod/files", "https://minio.example:9000", "cn-north-1")
    assert storage.default_acl == "private" and storage.querystring_auth and not storage.file_overwrite


@pytest.mark.parametrize("url", ["ftp://host/x", "s3:///nobucket", "s3://b?acl=public-read", "file://relative"])
def test_a_storage_url_that_cannot_be_honoured_stops_the_start(url):
    with pytest.raises(ImproperlyConfigured):
        private_storage(url, None)


def test_a_multipart_body_announced_above_the_upload_cap_is_refused_before_it_is_read(merchant_api, case, settings,
                                                                                      evidence_dir):
    body = encode_multipart(BOUNDARY, {"statement": "太大", "files": [upload("a.jpg", JPEG)]})
    r = merchant_api.generic("POST", merchant_url(case), body, content_type=MULTIPART_CONTENT,
                             CONTENT_LENGTH=str(settings.MULTIPART_UPLOAD_MAX_SIZE + 1))
    assert r.status_code == 413 and r.json()["code"] == "request_too_large"
    assert nothing_stored(case, evidence_dir)


def test_a_json_body_keeps_the_small_limit(merchant_api, case, settings):
    r = merchant_api.generic("POST", merchant_url(case), b"{}", content_type="application/json",
                             CONTENT_LENGTH=str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))
    assert r.status_code == 413


@pytest.mark.parametrize("statement", ["a\x00b", "长" * 5001])
def test_a_statement_postgresql_cannot_keep_or_too_long_is_invalid(merchant_api, case, evidence_dir, statement):
    r = post(merchant_api, merchant_url(case), statement, [upload("a.jpg", JPEG)])
    assert r.status_code == 400 and r.json()["code"] == "invalid" and "statement" in r.json()["fields"]
    assert nothing_stored(case, evidence_dir)
