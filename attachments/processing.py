# TEMPORARY STUB (replaced by the real module)
from dataclasses import dataclass
from io import BytesIO
from PIL import Image


class Refused(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Variant:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


@dataclass(frozen=True)
class Prepared:
    kind: str
    name: str
    content_type: str
    extension: str
    data: bytes
    width: int | None = None
    height: int | None = None
    thumbnail: Variant | None = None


def prepare(upload, *, max_bytes, max_pixels):
    data = upload.read()
    if not data:
        raise Refused("This file is empty.")
    if data.startswith(b"%PDF-"):
        return Prepared("document", upload.name, "application/pdf", "pdf", data)
    im = Image.open(BytesIO(data))
    im.load()
    out = BytesIO(); im.convert("RGB").save(out, "WEBP")
    t = im.copy(); t.thumbnail((480, 480)); tout = BytesIO(); t.convert("RGB").save(tout, "WEBP")
    return Prepared("image", "", "image/webp", "webp", out.getvalue(), im.width, im.height,
                    Variant(tout.getvalue(), "image/webp", "webp", t.width, t.height))


def describe_accepted():
    return "images, documents"
