from django.db import models


class WriteProbe(models.Model):
    """One small row per write-ceiling request (bench settings only; the table comes from `migrate --run-syncdb`)."""

    note = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "bench"

    def __str__(self) -> str:
        return self.note
