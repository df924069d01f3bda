"""Policies: the numbers SPEC.md marks *(policy)*, editable in the admin without a deploy.

A policy is a one-row model: `MyPolicy.current()` returns the row (created with the code's
defaults the first time). Give concrete policies `history = HistoricalRecords()` so every
edit is audited."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class SingletonPolicy(models.Model):
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("A policy cannot be deleted; edit its values instead.")

    @classmethod
    def current(cls):
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    def __str__(self):
        return str(self._meta.verbose_name)
