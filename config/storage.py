"""Where uploaded files live (evidence in refund disputes, SPEC §6): a private folder under the
data directory by default, S3-compatible object storage when `MEDIA_STORAGE_URL` says so. No file
of these storages is ever served at a URL of its own: the API and the admin stream them to callers
they have checked (refunds/evidence.py)."""
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage

# Query parameters of an s3:// URL passed through to django-storages' S3Storage.
S3_OPTIONS = {"endpoint_url", "region_name", "addressing_style", "signature_version", "custom_domain"}


class PrivateFileSystemStorage(FileSystemStorage):
    """A folder that is never published: asking it for a URL is a programming error."""

    def url(self, name):
        raise NotImplementedError("Private files have no URL; stream them through a view that checks access.")


def private_storage(url: str, default_dir: Path) -> dict:
    """The STORAGES entry for `url`: empty → a private folder `default_dir`; `file:///abs/path` →
    that folder; `s3://bucket[/prefix]?endpoint_url=…&region_name=…` → a private S3 bucket (keys
    from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`, or the machine's role)."""
    if not url:
        return {"BACKEND": "config.storage.PrivateFileSystemStorage", "OPTIONS": {"location": str(default_dir)}}
    parts = urlsplit(url)
    if parts.scheme == "file":
        if not parts.path.startswith("/"):
            raise ImproperlyConfigured("MEDIA_STORAGE_URL file:// needs an absolute path.")
        return {"BACKEND": "config.storage.PrivateFileSystemStorage", "OPTIONS": {"location": parts.path}}
    if parts.scheme == "s3":
        if not parts.hostname:
            raise ImproperlyConfigured("MEDIA_STORAGE_URL s3:// needs a bucket: s3://bucket/prefix")
        query = dict(parse_qsl(parts.query))
        unknown = set(query) - S3_OPTIONS
        if unknown:
            raise ImproperlyConfigured(f"MEDIA_STORAGE_URL: unknown option(s) {', '.join(sorted(unknown))}")
        options = {"bucket_name": parts.hostname, "location": parts.path.strip("/"), "default_acl": "private",
                   "querystring_auth": True, "file_overwrite": False, **query}
        return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    raise ImproperlyConfigured(f"MEDIA_STORAGE_URL: unsupported scheme {parts.scheme!r} (file:// or s3://)")
