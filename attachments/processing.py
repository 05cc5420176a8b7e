"""One uploaded file turned into what the forum stores, or refused.

Some participants are at risk if their whereabouts leak, and a phone photo
carries GPS coordinates and the phone's identity in its metadata. So an image is
never stored as uploaded: it is decoded, turned upright, its pixels copied into
a new image that holds nothing else, and that is written again as WebP (a large
version and a thumbnail). Documents (PDF, plain text, ODT, DOCX) are stored as
uploaded. Everything else is refused with a message a participant can act on.

The kind of a file is told from its content, never from its name or the type the
browser sent; the name must then agree with it. A pure module: no models, no
settings (limits come in as arguments), no global state, safe to call from
several threads at once.
"""

import contextlib
import io
import math
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageCms, ImageOps

LARGE_SIDE = 1600
THUMBNAIL_SIDE = 400
LARGE_QUALITY = 80
# Ten photo thumbnails and the page around them (about 25 KB) should stay under
# 200 KB, so a thumbnail is written at the best of these qualities that fits
# the target. Measured at 400 x 300: detailed photos fit at 45 or 60, grainy
# ones at 30; a very sharp close-up stays a little above it even at 30 (16 KB),
# a quality that still reads well at that size. (At 480 px wide the sharp
# close-up took 21 KB, and ten of them passed the page's budget.)
THUMBNAIL_TARGET_BYTES = 15_000
THUMBNAIL_QUALITIES = (75, 60, 45, 30)
NAME_MAX_CHARS = 100
NAME_MAX_BYTES = 200
FALLBACK_STEM = "document"
MEGABYTE = 1024 * 1024
# Modes Pillow resamples smoothly (others, as palettes, it can only thin out).
RESAMPLED_MODES = {"L", "LA", "RGB", "RGBA", "CMYK"}

# What a damaged or hostile image makes Pillow's decoders raise.
# UnidentifiedImageError is an OSError; DecompressionBombError is caught apart.
IMAGE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    struct.error,
)
# What a damaged or unusual zip makes zipfile raise (BadZipFile is an
# Exception of its own; an encrypted entry is a RuntimeError, an unknown
# compression method a NotImplementedError).
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    RuntimeError,
    OSError,
    EOFError,
    ValueError,
    zlib.error,
)


class Refused(Exception):
    """An upload the forum will not store; .message is shown to the person
    (translated)."""

    def __init__(self, message: str):
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
    kind: str  # "image" or "document"
    # documents: the file name offered on download; images: ""
    name: str
    content_type: str
    extension: str
    # an image's large version, or a document's bytes as uploaded
    data: bytes
    width: int | None = None
    height: int | None = None
    thumbnail: Variant | None = None


@dataclass(frozen=True)
class _Document:
    content_type: str
    extension: str
    family: str
    label: Promise
    # extensions kept in the download name; another of the same family (a
    # Word document named .doc) is replaced by `extension`
    kept_extensions: frozenset[str]


PDF = _Document(
    "application/pdf",
    "pdf",
    "pdf",
    gettext_lazy("a PDF document"),
    frozenset({"pdf"}),
)
TEXT = _Document(
    "text/plain; charset=utf-8",
    "txt",
    "text",
    gettext_lazy("a text file"),
    frozenset({"txt", "text", "md", "markdown", "csv"}),
)
ODT = _Document(
    "application/vnd.oasis.opendocument.text",
    "odt",
    "odt",
    gettext_lazy("an ODT document"),
    frozenset({"odt"}),
)
DOCX = _Document(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "docx",
    "word",
    gettext_lazy("a Word document"),
    frozenset({"docx"}),
)

# Pillow's format name, for the images accepted, and how a message names them.
IMAGE_LABELS = {
    "JPEG": gettext_lazy("a JPEG image"),
    "PNG": gettext_lazy("a PNG image"),
    "GIF": gettext_lazy("a GIF image"),
    "WEBP": gettext_lazy("a WebP image"),
}

FAMILY_LABELS = {
    "image": gettext_lazy("an image"),
    "pdf": PDF.label,
    "text": TEXT.label,
    "odt": ODT.label,
    "word": DOCX.label,
    "web": gettext_lazy("a web page"),
    "spreadsheet": gettext_lazy("a spreadsheet"),
    "presentation": gettext_lazy("a presentation"),
    "archive": gettext_lazy("an archive"),
    "program": gettext_lazy("a program"),
}
# A file's name must not promise something else than its content. Extensions
# not listed here say nothing either way: an image keeps working whatever its
# name (phones and browsers name them oddly, "photo.jpg_large"), and a
# document's download name gets the right extension added.
EXTENSIONS_BY_FAMILY = {
    "image": (
        *("jpg", "jpeg", "jpe", "jfif", "pjpeg", "pjp", "png", "apng", "gif"),
        *("webp", "heic", "heif", "avif", "bmp", "tif", "tiff", "svg"),
    ),
    "pdf": ("pdf",),
    "text": ("txt", "text", "md", "markdown", "csv"),
    "odt": ("odt",),
    "word": ("docx", "doc", "docm", "dotx", "dot"),
    "web": ("html", "htm", "xhtml", "mht", "mhtml", "xml"),
    "spreadsheet": ("xls", "xlsx", "xlsm", "ods", "numbers"),
    "presentation": ("ppt", "pptx", "pptm", "odp", "key"),
    "archive": ("zip", "rar", "7z", "gz", "tgz", "tar"),
    "program": (
        *("exe", "msi", "apk", "bat", "cmd", "com", "scr", "js", "vbs", "ps1"),
        *("sh", "jar", "dmg", "app"),
    ),
}
EXTENSION_FAMILIES = {
    extension: family
    for family, extensions in EXTENSIONS_BY_FAMILY.items()
    for extension in extensions
}

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
# Tags a browser takes as a web page, looked for anywhere in a text file.
MARKUP = re.compile(
    rb"<(?:!doctype|html|head|body|script|iframe|object|embed|frameset|meta)"
    rb"[\s/>]|<\?xml",
    re.IGNORECASE,
)
# A text that opens with a tag is markup whatever the tag.
OPENING_TAG = re.compile(rb"\s*<[a-z!?/]", re.IGNORECASE)
SVG = re.compile(rb"<svg", re.IGNORECASE)
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

# Invisible characters that reorder or hide what a name shows: "photo", U+202E
# (right-to-left override), "gpj.exe" reads as "photoexe.jpg". The zero-width
# joiner and non-joiner stay: Persian and emoji need them.
HIDDEN_CHARACTERS = dict.fromkeys(
    map(ord, "\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060"),
)
HIDDEN_CHARACTERS.update(dict.fromkeys(range(0x2066, 0x206A)))
HIDDEN_CHARACTERS[0xFEFF] = None
# Characters Windows does not allow in a file name.
NOT_IN_NAMES = re.compile(r'[<>:"|?*]')
EXTENSION = re.compile(r"[A-Za-z0-9]{1,10}")
WINDOWS_DEVICES = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{n}" for n in range(1, 10)),
    *(f"lpt{n}" for n in range(1, 10)),
}


def describe_accepted() -> str:
    """The kinds of file the forum accepts, as one line for the upload form."""
    return _(
        "Photos and images (JPEG, PNG, WebP, GIF), documents (PDF, text, ODT, DOCX)"
    )


def prepare(upload, *, max_bytes: int, max_pixels: int) -> Prepared:
    """What to store for one uploaded file (a Django UploadedFile); raise Refused
    with a message for the person if it cannot be stored."""
    data = _read(upload, max_bytes=max_bytes)
    image_format = _image_format(data)
    name = _clean_name(upload.name or "")
    stem, extension = _split_extension(name)
    if image_format:
        _check_name_for_image(name, extension, image_format)
        return _prepare_image(data, image_format, max_pixels=max_pixels)
    document = _document_kind(data, name, extension)
    # Documents are stored byte for byte, so their own metadata (a PDF's author,
    # an ODT's or DOCX's creator and editing history) stays in them; the upload
    # form says so.
    return Prepared(
        kind="document",
        name=_document_name(name, stem, extension, document),
        content_type=document.content_type,
        extension=document.extension,
        data=data,
    )


def _read(upload, *, max_bytes: int) -> bytes:
    if upload.size is not None and upload.size > max_bytes:
        raise Refused(
            _("This file is %(size)s. A file can be at most %(limit)s.")
            % {"size": _file_size(upload.size, up=True), "limit": _limit(max_bytes)}
        )
    chunks = []
    read = 0
    # The size is counted again while reading, in case the one given is wrong.
    for chunk in upload.chunks():
        read += len(chunk)
        if read > max_bytes:
            raise Refused(
                _("This file is too large: a file can be at most %(limit)s.")
                % {"limit": _limit(max_bytes)}
            )
        chunks.append(chunk)
    if not read:
        raise Refused(_("This file is empty."))
    return b"".join(chunks)


def _file_size(num_bytes: int, *, up: bool) -> str:
    """A size in KB or MB (of 1024, as Django's filesizeformat), rounded away
    from the limit it is compared with: a file just over 5 MB shows as 5.1 MB,
    never as the 5 MB it is refused for exceeding."""
    if num_bytes < MEGABYTE:
        kilobytes = (math.ceil if up else math.floor)(num_bytes / 1024)
        return _("%(number)s KB") % {"number": number_format(max(kilobytes, 1))}
    return _("%(number)s MB") % {"number": _tenths(num_bytes / MEGABYTE, up=up)}


def _limit(num_bytes: int) -> str:
    return _file_size(num_bytes, up=False)


def _tenths(value: float, *, up: bool) -> str:
    """A number with at most one decimal, in the active language's format."""
    tenths = (math.ceil if up else math.floor)(round(value * 10, 6))
    if tenths % 10 == 0:
        return number_format(tenths // 10)
    return number_format(tenths / 10, decimal_pos=1)


def _image_format(data: bytes) -> str:
    """Pillow's name for the image format the bytes start with, or ""."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "WEBP"
    return ""


def _document_kind(data: bytes, name: str, extension: str) -> _Document:
    """The accepted document the bytes are, checked against the name's
    extension; raise Refused otherwise."""
    if data.startswith(b"%PDF-"):
        document = PDF
    elif data.startswith(b"PK\x03\x04"):
        document = _office_document(data)
    else:
        document = _text(data, extension)
    family = EXTENSION_FAMILIES.get(extension.lower())
    if family is not None and family != document.family:
        raise _misnamed(name, family, document.label)
    return document


def _office_document(data: bytes) -> _Document:
    """ODT or DOCX, told from the zip's list of entries; nothing is extracted
    but the few bytes of ODT's `mimetype` entry and DOCX's content types."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            if entries and entries[0].filename == "mimetype":
                if _entry_start(archive, entries[0], 200) != ODT_MIMETYPE:
                    raise _unknown()
                # LibreOffice Basic modules; the library lists beside them
                # (script-lc.xml, script-lb.xml) hold no code.
                if any(
                    name.startswith(("Basic/", "Scripts/"))
                    and not name.endswith(("/", "-lc.xml", "-lb.xml"))
                    for name in names
                ):
                    raise _has_macros()
                return ODT
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                types = _entry_start(archive, "[Content_Types].xml", 1_000_000)
                if b"macroenabled" in types.lower() or any(
                    name.lower().endswith("vbaproject.bin") for name in names
                ):
                    raise _has_macros()
                return DOCX
    except ZIP_ERRORS:
        pass
    raise _unknown()


def _entry_start(archive: zipfile.ZipFile, entry, limit: int) -> bytes:
    """At most `limit` bytes of one entry, whatever size it claims."""
    with archive.open(entry) as stream:
        return stream.read(limit)


def _text(data: bytes, extension: str) -> _Document:
    """Plain UTF-8 text, or Refused: markup, binary or another encoding."""
    if SVG.search(data):
        raise Refused(
            _(
                "SVG images cannot be attached. Save the image as PNG and "
                "attach that instead."
            )
        )
    body = data.removeprefix(UTF8_BOM)
    if MARKUP.search(body) or OPENING_TAG.match(body):
        raise Refused(
            _(
                "Web pages cannot be attached. To share a page, put its link "
                "in your post."
            )
        )
    named_text = EXTENSION_FAMILIES.get(extension.lower()) == "text"
    if body.startswith(b"{\\rtf"):
        raise _unknown()
    if b"\x00" in body:
        if named_text and data.startswith(UTF16_BOMS):
            raise _not_utf8()
        raise _unknown()
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        if named_text:
            raise _not_utf8() from None
        raise _unknown() from None
    if not body.strip():
        raise Refused(_("This file is empty."))
    return TEXT


def _unknown() -> Refused:
    return Refused(
        _("This kind of file cannot be attached. You can attach: %(accepted)s.")
        % {"accepted": describe_accepted()}
    )


def _has_macros() -> Refused:
    return Refused(
        _(
            "This document contains macros, which cannot be attached. Save it "
            "without macros, or as PDF, and try again."
        )
    )


def _not_utf8() -> Refused:
    return Refused(
        _(
            "This text file is not saved as UTF-8. Save it again with the "
            "encoding “UTF-8” and try again."
        )
    )


def _misnamed(name: str, family: str, content: Promise) -> Refused:
    return Refused(
        _(
            "“%(name)s” is named as %(named)s but contains %(content)s. Rename "
            "it or choose another file."
        )
        % {"name": name, "named": FAMILY_LABELS[family], "content": content}
    )


def _check_name_for_image(name: str, extension: str, image_format: str) -> None:
    family = EXTENSION_FAMILIES.get(extension.lower())
    if family is not None and family != "image":
        raise _misnamed(name, family, IMAGE_LABELS[image_format])


def _clean_name(raw: str) -> str:
    """The file name without folders, invisible or control characters,
    characters Windows refuses, or dots and spaces at its ends."""
    name = unicodedata.normalize("NFC", raw)
    name = re.split(r"[/\\]", name)[-1].translate(HIDDEN_CHARACTERS)
    kept = []
    for character in name:
        category = unicodedata.category(character)
        if character.isspace() or category in ("Zl", "Zp"):
            kept.append(" ")
        elif category not in ("Cc", "Cs", "Co"):
            kept.append(character)
    name = NOT_IN_NAMES.sub(" ", "".join(kept))
    return " ".join(name.split()).strip(". ")


def _split_extension(name: str) -> tuple[str, str]:
    """(stem, extension); the extension is "" unless the name ends in one
    ("Minutes 12.03.2024" has none to speak of)."""
    stem, dot, extension = name.rpartition(".")
    if dot and stem and EXTENSION.fullmatch(extension) and not extension.isdigit():
        return stem, extension
    return name, ""


def _document_name(name: str, stem: str, extension: str, document: _Document) -> str:
    """The download name: the person's words, with the document's extension."""
    if extension.lower() in document.kept_extensions:
        extension = extension.lower()
    elif EXTENSION_FAMILIES.get(extension.lower()) == document.family:
        extension = document.extension
    else:
        stem, extension = name, document.extension
    stem = _shorten(stem, limit=NAME_MAX_CHARS - len(extension) - 1) or FALLBACK_STEM
    if stem.split(".")[0].lower() in WINDOWS_DEVICES:
        stem = f"{stem}_"
    return f"{stem}.{extension}"


def _shorten(stem: str, *, limit: int) -> str:
    """At most `limit` characters and NAME_MAX_BYTES bytes of UTF-8, not ending
    in half of a combined character, a space or a dot."""
    stem = stem[:limit]
    while len(stem.encode()) > NAME_MAX_BYTES:
        stem = stem[:-1]
    while stem and (unicodedata.combining(stem[-1]) or stem[-1] in "\u200c\u200d. "):
        stem = stem[:-1]
    return stem


def _prepare_image(data: bytes, image_format: str, *, max_pixels: int) -> Prepared:
    try:
        # formats= keeps Pillow to the one decoder the content was recognised
        # as. Image.open reads only the header; nothing is decoded until load().
        with Image.open(io.BytesIO(data), formats=[image_format]) as image:
            _check_pixels(image.size, max_pixels)
            large = _without_metadata(_decode_large(image))
    except Image.DecompressionBombError:
        # Pillow's own limit ended it first, when the header was read: twice
        # Image.MAX_IMAGE_PIXELS, 179 megapixels unless changed. A max_pixels
        # above that has no effect.
        raise Refused(
            _(
                "This image is too large to process: it has more than "
                "%(limit)s megapixels. Make the image smaller and try again."
            )
            % {"limit": _tenths(max_pixels / 1_000_000, up=False)}
        ) from None
    except IMAGE_ERRORS:
        raise Refused(
            _(
                "This image could not be read: it may be damaged or incomplete. "
                "Try saving it again, or choose another file."
            )
        ) from None
    thumbnail = _fit(large, THUMBNAIL_SIDE)
    return Prepared(
        kind="image",
        name="",
        content_type="image/webp",
        extension="webp",
        data=_webp(large, quality=LARGE_QUALITY, method=4),
        width=large.width,
        height=large.height,
        thumbnail=Variant(
            data=_thumbnail_webp(thumbnail),
            content_type="image/webp",
            extension="webp",
            width=thumbnail.width,
            height=thumbnail.height,
        ),
    )


def _check_pixels(size: tuple[int, int], max_pixels: int) -> None:
    """Refuse an image with too many pixels, from the size its header declares,
    before any pixel is decoded.

    Pillow has its own, global limit (a DecompressionBombWarning past
    Image.MAX_IMAGE_PIXELS, an error past twice that). It is left as it is: this
    check is the one that applies, and turning the warning into an error would
    mean changing the process-wide warning filters, which other threads share
    (warnings.catch_warnings is not thread-safe before Python 3.14).
    """
    width, height = size
    if width * height > max_pixels:
        raise Refused(
            _(
                "This image is too large to process: it has %(megapixels)s "
                "megapixels, and the most is %(limit)s. Make the image smaller "
                "and try again."
            )
            % {
                "megapixels": _tenths(width * height / 1_000_000, up=True),
                "limit": _tenths(max_pixels / 1_000_000, up=False),
            }
        )


def _decode_large(image: Image.Image) -> Image.Image:
    """The first frame's pixels, turned as the camera's orientation tag says,
    within LARGE_SIDE, in sRGB, as RGB or RGBA.

    The picture is made smaller as early as possible, so that a large one is
    held at full size in memory once at most, and colour work is done on the
    small one."""
    if image.format in ("JPEG", "MPO"):
        # libjpeg decodes at 1/2, 1/4 or 1/8 scale directly, never below the
        # size asked for: a 4000 x 3000 photo is decoded as 2000 x 1500, with
        # a quarter of the memory and time.
        image.draft(None, _fitted_size(image.size, LARGE_SIDE))
    # Only the first frame of an animated GIF or WebP is loaded and kept: the
    # forum shows still images.
    image.load()
    # A malformed orientation tag is no reason to refuse the photo; it is then
    # shown as stored.
    with contextlib.suppress(*IMAGE_ERRORS):
        ImageOps.exif_transpose(image, in_place=True)
    if image.mode.startswith("I"):
        # 16-bit grey (PNG): scaled to 8 bits, where convert() would clip
        # everything above 255 to white.
        image = image.point(lambda value: value / 256).convert("L")
    elif image.mode not in RESAMPLED_MODES:
        # Palette and 1-bit images can only be resized by dropping pixels.
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    icc_profile = image.info.get("icc_profile")
    image = _fit(image, LARGE_SIDE)
    mode = "RGBA" if _has_alpha(image) else "RGB"
    if icc_profile and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            # Phones write wide-gamut colours (Display P3) with a profile saying
            # so; the profile is not kept, so the colours are converted to the
            # sRGB every browser assumes without one.
            return ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(icc_profile)),
                ImageCms.createProfile("sRGB"),
                outputMode=mode,
            )
        except (ImageCms.PyCMSError, *IMAGE_ERRORS):
            pass
    return image.convert(mode)


def _has_alpha(image: Image.Image) -> bool:
    if not image.has_transparency_data:
        return False
    if image.mode not in ("RGBA", "LA"):
        image = image.convert("RGBA")
    alpha = image.getchannel("A")
    # A fully opaque alpha channel only makes the file larger.
    return alpha.getextrema() != (255, 255)


def _fitted_size(size: tuple[int, int], side: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _fit(image: Image.Image, side: int) -> Image.Image:
    """The image within a square of `side` pixels, never enlarged."""
    size = _fitted_size(image.size, side)
    if size == image.size:
        return image
    # reducing_gap: a fast integer reduce() first, then Lanczos for the rest.
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _without_metadata(image: Image.Image) -> Image.Image:
    """A new image made from the pixel values alone: no EXIF, GPS, XMP, ICC
    profile, comment or PNG text can travel with it into an encoder."""
    return Image.frombytes(image.mode, image.size, image.tobytes())


def _webp(image: Image.Image, *, quality: int, method: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=quality, method=method)
    return buffer.getvalue()


def _thumbnail_webp(image: Image.Image) -> bytes:
    for quality in THUMBNAIL_QUALITIES:
        data = _webp(image, quality=quality, method=6)
        if len(data) <= THUMBNAIL_TARGET_BYTES:
            break
    return data
