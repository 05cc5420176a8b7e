from django.conf import settings
from django.db import models


class Facilitator(models.Model):
    """A user appointed to facilitate (moderate) one category."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="facilitating"
    )
    category = models.ForeignKey(
        "forum.Category", on_delete=models.CASCADE, related_name="facilitators"
    )
    appointed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "category"], name="facilitator_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} facilitates {self.category}"
