"""Policies: the numbers SPEC.md marks *(policy)*, editable in the admin without a deploy.

A policy is a one-row model (pk 1): `MyPolicy.current()` returns the row, or, when there is none
yet, an unsaved instance holding the code's defaults — reading a policy never writes. The rows are
created after `migrate` (merchants.defaults) and by the first save from the admin. Give concrete
policies `history = HistoricalRecords()` so every edit is audited."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class SingletonPolicy(models.Model):
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.pk = self.PK
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("A policy cannot be deleted; edit its values instead.")

    PK = 1

    @classmethod
    def current(cls):
        """The saved row, or the defaults in memory (unsaved; `save()` creates the row)."""
        return cls.objects.filter(pk=cls.PK).first() or cls(pk=cls.PK)

    def __str__(self):
        return str(self._meta.verbose_name)
