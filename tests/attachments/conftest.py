from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def photo_bytes(size=(640, 480), color=(180, 120, 60)) -> bytes:
    """A JPEG with a gradient, so that it is not trivially small."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image.paste(color, (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2))
    out = BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.fixture
def photo():
    def make(name="market.jpg", **kwargs):
        return SimpleUploadedFile(name, photo_bytes(**kwargs), "image/jpeg")

    return make


@pytest.fixture
def pdf():
    def make(name="notes.pdf"):
        data = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        return SimpleUploadedFile(name, data, "application/pdf")

    return make
