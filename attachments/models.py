"""Files people attach to their posts: an image (kept as a large version and a
thumbnail, both written again without metadata) or a document (kept as sent).

An attachment belongs to its uploader until a post that shows it is saved;
from then on it belongs to that post, and whoever may read the post's text may
fetch the file (forum.permissions.get_attachment_for)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .storage import select_storage


class Attachment(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", "image"
        DOCUMENT = "document", "document"

    # Null once the uploader's account is deleted: the post keeps its images.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    # Set by the service that saves the post showing it (attachments.services.
    # attach_to_post); null while only in a draft. The post's deletion takes
    # the row; attachments.services deletes the files.
    post = models.ForeignKey(
        "forum.Post",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # Documents: the download name (cleaned from the uploaded one); images: "".
    name = models.CharField(max_length=150, blank=True)
    content_type = models.CharField(max_length=100)
    # Names in the attachments storage, random: never the uploaded file's name.
    file = models.FileField(storage=select_storage, max_length=200)
    thumbnail = models.FileField(storage=select_storage, max_length=200, blank=True)
    # Bytes stored for this attachment, thumbnail included: the per-post limit.
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    thumbnail_width = models.PositiveIntegerField(null=True, blank=True)
    thumbnail_height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # The clean-up of uploads never attached to a post.
            models.Index(
                fields=["created_at"],
                condition=Q(post__isnull=True),
                name="attachment_unattached",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="document")
                | Q(
                    width__isnull=False,
                    height__isnull=False,
                    thumbnail_width__isnull=False,
                    thumbnail_height__isnull=False,
                ),
                name="attachment_image_has_sizes",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.pk}"

    @property
    def is_image(self) -> bool:
        return self.kind == self.Kind.IMAGE
