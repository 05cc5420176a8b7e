from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse


class User(AbstractUser):
    class ThreadView(models.TextChoices):
        THREADED = "threaded", "Threaded"
        FLAT = "flat", "Flat"

    display_name = models.CharField(max_length=60, blank=True)
    signature = models.TextField(max_length=500, blank=True)
    # Rendered and sanitised by accounts.services.update_profile.
    signature_html = models.TextField(blank=True, editable=False)
    thread_view = models.CharField(
        max_length=10, choices=ThreadView.choices, default=ThreadView.THREADED
    )

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("forum:profile", args=[self.username])

    @property
    def name(self) -> str:
        return self.display_name or self.username
