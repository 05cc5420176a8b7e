from django.db import models


class RateLimit(models.Model):
    """One limited action's count in its current window (forum.ratelimit.allow)."""

    # e.g. "search:203.0.113.7" or "post:m:42"
    key = models.CharField(max_length=200, primary_key=True)
    # Attempts allowed in the window that ends at resets_at; refused attempts are
    # not counted and do not move resets_at.
    hits = models.PositiveIntegerField(default=0)
    resets_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key}: {self.hits} until {self.resets_at:%H:%M:%S}"
