"""Uploads turned into what the forum stores: images written again without any
metadata, documents kept as uploaded, everything else refused with a message.
Every fixture is built here, with Pillow and zipfile."""

import io
import random
import struct
import time
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image, ImageCms, ImageDraw, ImageFilter, ImageOps, PngImagePlugin

from attachments.processing import Prepared, Refused, describe_accepted, prepare

pytestmark = pytest.mark.no_database

MB = 1024 * 1024
LIMITS = {"max_bytes": 10 * MB, "max_pixels": 50_000_000}
WEBP_PIXEL_CHUNKS = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH"}


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def refusal(name: str, data: bytes, **limits) -> str:
    with pytest.raises(Refused) as refused:
        prepare(upload(name, data), **(LIMITS | limits))
    return refused.value.message


def encoded(image: Image.Image, image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def webp_chunks(data: bytes) -> list[bytes]:
    """The RIFF chunk names of a WebP file, metadata chunks (EXIF, XMP , ICCP)
    included."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    chunks, position = [], 12
    while position < len(data):
        size = int.from_bytes(data[position + 4 : position + 8], "little")
        chunks.append(data[position : position + 4])
        position += 8 + size + size % 2
    return chunks


def assert_no_metadata(data: bytes) -> None:
    assert set(webp_chunks(data)) <= WEBP_PIXEL_CHUNKS
    image = opened(data)
    assert image.format == "WEBP"
    assert not image.getexif()
    assert not {"exif", "icc_profile", "xmp"} & set(image.info)


def handmade_png(width: int, height: int) -> bytes:
    """A valid 1-bit black PNG of any size, built without allocating its
    pixels: 20000 x 20000 takes 50 MB decoded and about 50 KB stored."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body))
        )

    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row) for _ in range(height))
    pixels += compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def synthetic_photo(size=(4000, 3000)) -> Image.Image:
    """Something as hard to compress as a detailed phone photo: sky and ground
    gradients, houses, hundreds of small shapes, lines, texture and grain."""
    rng = random.Random(7)
    width, height = size
    horizon = int(height * 0.55)
    gradient = Image.linear_gradient("L")
    photo = Image.new("RGB", size)
    photo.paste(
        ImageOps.colorize(gradient.resize((width, horizon)), "#2f5f9a", "#dce8f2")
    )
    photo.paste(
        ImageOps.colorize(
            gradient.resize((width, height - horizon)), "#6b7f3a", "#2e3b1c"
        ),
        (0, horizon),
    )
    draw = ImageDraw.Draw(photo)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(horizon - height // 6, height)
        r = rng.randrange(width // 80, width // 12)
        colour = tuple(rng.randrange(30, 220) for _ in range(3))
        draw.rectangle((x - r, y - r, x + r, y + r), fill=colour)
        draw.polygon([(x - r, y - r), (x + r, y - r), (x, y - 2 * r)], fill=colour)
    for _ in range(600):
        x, y = rng.randrange(width), rng.randrange(height // 3, height)
        r = rng.randrange(width // 400, width // 60)
        colour = tuple(rng.randrange(20, 235) for _ in range(3))
        draw.ellipse((x - r, y - r // 2, x + r, y + r // 2), fill=colour)
    for _ in range(80):
        x, y = rng.randrange(width), rng.randrange(height)
        end = (x + rng.randrange(-width // 5, width // 5), y + rng.randrange(400))
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.line((x, y, *end), fill=colour, width=rng.randrange(2, 12))
    texture = Image.effect_noise((width // 8, height // 8), 60).resize(size)
    grain = Image.effect_noise(size, 20)
    photo = Image.blend(photo, Image.merge("RGB", [texture] * 3), 0.18)
    photo = Image.blend(photo, Image.merge("RGB", [grain] * 3), 0.06)
    return photo.filter(ImageFilter.GaussianBlur(1.2))


def phone_photo() -> bytes:
    """A 400 x 300 JPEG as a phone writes it, held sideways (orientation 6: to
    be turned a quarter clockwise): red in its stored top-left corner, EXIF with
    the camera and GPS position, an sRGB ICC profile, XMP and a comment."""
    image = Image.new("RGB", (400, 300), "white")
    ImageDraw.Draw(image).rectangle((0, 0, 99, 99), fill="red")
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "Phonemaker"  # Make
    exif[0x0110] = "Model 12 Pro"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"  # GPSLatitudeRef
    gps[2] = (48.0, 51.0, 29.52)  # GPSLatitude
    gps[3] = "E"  # GPSLongitudeRef
    gps[4] = (2.0, 21.0, 7.2)  # GPSLongitude
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/'
        b'1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.'
        b'com/exif/1.0/" exif:GPSLatitude="48,51.492N"/></rdf:RDF></x:xmpmeta>'
    )
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encoded(
        image,
        "JPEG",
        exif=exif.tobytes(),
        icc_profile=icc,
        xmp=xmp,
        comment=b"Home, 12 rue des Lilas",
    )
    source = opened(data)
    assert source.getexif().get_ifd(0x8825)[1] == "N"
    assert {"icc_profile", "xmp", "comment"} <= set(source.info)
    return data


def odt(mimetype: bytes = b"application/vnd.oasis.opendocument.text", **extra):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>")
        archive.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
        for name, content in extra.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def docx(*extra: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document/>")
        for name in extra:
            archive.writestr(name, b"\x00")
    return buffer.getvalue()


PERSIAN = "\u06af\u0632\u0627\u0631\u0634\u200c\u0647\u0627.pdf"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


# Images


def test_a_phone_photo_loses_all_metadata_and_is_turned_upright():
    prepared = prepare(upload("IMG_2041.JPG", phone_photo()), **LIMITS)

    assert prepared.kind == "image"
    assert prepared.name == ""
    assert (prepared.content_type, prepared.extension) == ("image/webp", "webp")
    assert (prepared.width, prepared.height) == (300, 400)
    assert (prepared.thumbnail.width, prepared.thumbnail.height) == (300, 400)
    for data in (prepared.data, prepared.thumbnail.data):
        assert_no_metadata(data)
        assert b"Phonemaker" not in data and b"Lilas" not in data
        image = opened(data).convert("RGB")
        assert image.size == (300, 400)
        # Turned a quarter clockwise, the stored top-left corner is top right.
        red, green, blue = image.getpixel((290, 10))
        assert red > 200 and green < 60 and blue < 60
        assert min(image.getpixel((10, 10))) > 200


def test_png_text_chunks_are_gone():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Taken at 48.8582 N, 2.2945 E")
    info.add_itxt("Author", "Rosa Ilunga")
    data = encoded(Image.new("RGB", (64, 48), "teal"), "PNG", pnginfo=info)
    assert opened(data).text

    prepared = prepare(upload("screenshot.png", data), **LIMITS)

    for stored in (prepared.data, prepared.thumbnail.data):
        assert_no_metadata(stored)
        assert b"48.8582" not in stored and b"Rosa" not in stored


def test_a_decompression_bomb_is_refused_before_decoding():
    data = handmade_png(20_000, 20_000)
    assert len(data) < 200_000

    started = time.monotonic()
    message = refusal("huge.png", data)

    assert time.monotonic() - started < 1
    assert message == (
        "This image is too large to process: it has more than 50 megapixels. "
        "Make the image smaller and try again."
    )


def test_an_image_over_the_pixel_limit_is_refused_with_both_numbers():
    message = refusal("panorama.png", handmade_png(10_000, 8_000))

    assert message == (
        "This image is too large to process: it has 80 megapixels, and the most "
        "is 50. Make the image smaller and try again."
    )


def test_a_truncated_jpeg_is_refused_cleanly():
    data = encoded(synthetic_photo((800, 600)), "JPEG", quality=90)

    message = refusal("photo.jpg", data[: len(data) // 2])

    assert message.startswith("This image could not be read")


def test_an_animated_gif_keeps_its_first_frame():
    frames = [Image.new("RGB", (2000, 1000), colour) for colour in ("red", "blue")]
    data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert opened(data).n_frames == 2

    prepared = prepare(upload("wave.gif", data), **LIMITS)

    assert (prepared.width, prepared.height) == (1600, 800)
    assert (prepared.thumbnail.width, prepared.thumbnail.height) == (400, 200)
    large = opened(prepared.data)
    assert not getattr(large, "is_animated", False)
    red, _, blue = large.convert("RGB").getpixel((800, 400))
    assert red > 200 and blue < 60


def test_a_phone_photo_is_reduced_and_its_thumbnail_stays_small():
    data = encoded(synthetic_photo(), "JPEG", quality=90)

    prepared = prepare(upload("IMG_0001.jpg", data), **LIMITS)

    assert (prepared.width, prepared.height) == (1600, 1200)
    assert (prepared.thumbnail.width, prepared.thumbnail.height) == (400, 300)
    assert len(prepared.thumbnail.data) < 20_000


def test_a_small_image_is_never_enlarged():
    prepared = prepare(
        upload("icon.webp", encoded(Image.new("RGB", (40, 30)), "WEBP")), **LIMITS
    )

    assert (prepared.width, prepared.height) == (40, 30)
    assert (prepared.thumbnail.width, prepared.thumbnail.height) == (40, 30)


def test_a_transparent_png_keeps_its_alpha():
    image = Image.new("RGBA", (200, 100), (0, 128, 0, 255))
    ImageDraw.Draw(image).rectangle((100, 0, 199, 99), fill=(0, 0, 0, 0))

    prepared = prepare(upload("logo.png", encoded(image, "PNG")), **LIMITS)

    for data in (prepared.data, prepared.thumbnail.data):
        stored = opened(data)
        assert stored.mode == "RGBA"
        assert stored.getpixel((10, 10))[3] == 255
        assert stored.getpixel((stored.width - 10, 10))[3] == 0


def test_a_palette_png_with_a_transparent_colour_keeps_it():
    image = Image.new("P", (100, 100), 0)
    image.putpalette([255, 0, 0, 0, 0, 255])
    ImageDraw.Draw(image).rectangle((50, 0, 99, 99), fill=1)
    data = encoded(image, "PNG", transparency=1)

    stored = opened(prepare(upload("map.png", data), **LIMITS).data)

    assert stored.mode == "RGBA"
    assert stored.getpixel((10, 50))[3] == 255
    assert stored.getpixel((90, 50))[3] == 0


def test_an_opaque_alpha_channel_is_dropped():
    data = encoded(Image.new("RGBA", (50, 50), (10, 20, 30, 255)), "PNG")

    assert opened(prepare(upload("a.png", data), **LIMITS).data).mode == "RGB"


def test_a_cmyk_jpeg_becomes_rgb():
    data = encoded(Image.new("CMYK", (120, 80), (0, 255, 255, 0)), "JPEG")
    assert opened(data).mode == "CMYK"

    stored = opened(prepare(upload("print.jpg", data), **LIMITS).data)

    assert stored.mode == "RGB"
    red, green, blue = stored.getpixel((60, 40))
    assert red > 200 and green < 60 and blue < 60


def test_a_16_bit_grey_png_keeps_its_tones():
    image = Image.new("I;16", (64, 64), 32768)

    stored = opened(prepare(upload("scan.png", encoded(image, "PNG")), **LIMITS).data)

    assert 120 <= stored.convert("L").getpixel((32, 32)) <= 136


@pytest.mark.parametrize("name", ["photo.png", "photo", "IMG_1.JPEG", "a.jpg_large"])
def test_an_image_may_carry_any_image_name_or_none(name):
    data = encoded(Image.new("RGB", (30, 20), "navy"), "JPEG")

    assert prepare(upload(name, data), **LIMITS).kind == "image"


def test_an_image_named_as_a_document_is_refused_naming_both():
    data = encoded(Image.new("RGB", (30, 20), "navy"), "PNG")

    assert refusal("report.pdf", data) == (
        "“report.pdf” is named as a PDF document but contains a PNG image. "
        "Rename it or choose another file."
    )
    with translation.override("fr"):
        assert refusal("report.pdf", data) == (
            "Le nom «\u00a0report.pdf\u00a0» annonce un document PDF, mais le "
            "fichier contient une image PNG. Renommez-le ou choisissez un autre "
            "fichier."
        )


# Refusals


def test_a_web_page_named_as_a_photo_is_refused():
    page = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"

    assert refusal("photo.jpg", page).startswith("Web pages cannot be attached.")


@pytest.mark.parametrize("name", ["drawing.svg", "drawing.png"])
def test_svg_is_refused_whatever_its_name(name):
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>fetch("//x")</script>'
        b'<circle r="4"/></svg>'
    )

    message = refusal(name, svg)

    assert message.startswith("SVG images cannot be attached.")
    assert "PNG" in message


def test_an_xml_declaration_is_refused_as_a_web_page():
    message = refusal("notes.txt", b'<?xml version="1.0"?><notes/>')

    assert message.startswith("Web pages cannot be attached.")


def test_an_empty_file_is_refused():
    assert refusal("empty.pdf", b"") == "This file is empty."


def test_a_file_over_the_limit_is_refused_with_both_sizes():
    data = b"%PDF-" + b"0" * (int(12.3 * MB) - 5)

    assert refusal("scan.pdf", data, max_bytes=5 * MB) == (
        "This file is 12.3 MB. A file can be at most 5 MB."
    )
    with translation.override("fr"):
        assert refusal("scan.pdf", data, max_bytes=5 * MB) == (
            "Ce fichier fait 12,3\u00a0Mo. Un fichier peut faire au plus 5\u00a0Mo."
        )


def test_a_file_just_over_the_limit_never_shows_the_limit_as_its_size():
    data = b"%PDF-" + b"0" * (5 * MB)

    assert refusal("scan.pdf", data, max_bytes=5 * MB) == (
        "This file is 5.1 MB. A file can be at most 5 MB."
    )


def test_the_size_is_counted_while_reading_too():
    claims_to_be_small = upload("scan.pdf", PDF + b"0" * 2 * MB)
    claims_to_be_small.size = 10

    with pytest.raises(Refused) as refused:
        prepare(claims_to_be_small, max_bytes=MB, max_pixels=50_000_000)

    assert refused.value.message == (
        "This file is too large: a file can be at most 1 MB."
    )


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00",  # a Windows program
        b"{\\rtf1\\ansi Hello}",
        b"\x00\x01\x02binary",
        b"PK\x03\x04broken zip",
    ],
)
def test_an_unknown_kind_of_file_is_refused_listing_what_is_accepted(data):
    message = refusal("thing.bin", data)

    assert message == (
        f"This kind of file cannot be attached. You can attach: {describe_accepted()}."
    )


def test_describe_accepted_is_translated():
    assert describe_accepted() == (
        "Photos and images (JPEG, PNG, WebP, GIF), documents (PDF, text, ODT, DOCX)"
    )
    with translation.override("fr"):
        assert describe_accepted() == (
            "Photos et images (JPEG, PNG, WebP, GIF), documents (PDF, texte, ODT, DOCX)"
        )


# Documents


def test_a_pdf_is_stored_as_uploaded():
    prepared = prepare(upload("Compte rendu.pdf", PDF), **LIMITS)

    assert prepared == Prepared(
        kind="document",
        name="Compte rendu.pdf",
        content_type="application/pdf",
        extension="pdf",
        data=PDF,
    )


def test_an_odt_is_accepted():
    data = odt()

    prepared = prepare(upload("Lettre.odt", data), **LIMITS)

    assert prepared.content_type == "application/vnd.oasis.opendocument.text"
    assert (prepared.extension, prepared.name, prepared.data) == (
        "odt",
        "Lettre.odt",
        data,
    )


def test_a_docx_is_accepted_and_a_doc_name_gets_its_right_extension():
    data = docx()

    prepared = prepare(upload("letter.doc", data), **LIMITS)

    assert prepared.content_type == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert (prepared.extension, prepared.name, prepared.data) == (
        "docx",
        "letter.docx",
        data,
    )


def test_a_text_file_is_accepted_with_its_own_name():
    data = "\ufeffOrdre du jour : ça va ?\n- budget\n".encode()

    prepared = prepare(upload("notes.md", data), **LIMITS)

    assert (prepared.content_type, prepared.extension) == (
        "text/plain; charset=utf-8",
        "txt",
    )
    assert (prepared.name, prepared.data) == ("notes.md", data)


def test_a_text_file_in_another_encoding_is_refused_with_what_to_do():
    message = refusal("notes.txt", "Ça a été.".encode("cp1252"))

    assert message.startswith("This text file is not saved as UTF-8.")


def test_a_docx_named_as_a_pdf_is_refused():
    assert refusal("letter.pdf", docx()) == (
        "“letter.pdf” is named as a PDF document but contains a Word document. "
        "Rename it or choose another file."
    )


def test_an_opendocument_spreadsheet_is_refused():
    spreadsheet = odt(b"application/vnd.oasis.opendocument.spreadsheet")

    assert refusal("budget.odt", spreadsheet).startswith(
        "This kind of file cannot be attached."
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("letter.docx", docx("word/vbaProject.bin")),
        ("letter.odt", odt(**{"Basic/Standard/Module1.xml": "<script:module/>"})),
    ],
)
def test_a_document_with_macros_is_refused(name, data):
    assert refusal(name, data).startswith("This document contains macros")


# Download names


@pytest.mark.parametrize(
    ("uploaded", "stored"),
    [
        ("C:\\fakepath\\Compte rendu.pdf", "Compte rendu.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("Min\x00ut\x1bes\n2024.pdf", "Minutes 2024.pdf"),
        ("invoice\u202efdp.exe.pdf", "invoicefdp.exe.pdf"),
        ("\u2067report\u2069.pdf", "report.pdf"),
        ("notes: draft?.pdf", "notes draft.pdf"),
        ("  .hidden.pdf  ", "hidden.pdf"),
        ("Report.PDF", "Report.pdf"),
        ("Minutes 12.03.2024", "Minutes 12.03.2024.pdf"),
        ("scan", "scan.pdf"),
        ("\u202e\u200f", "document.pdf"),
        ("...", "document.pdf"),
        ("CON.pdf", "CON_.pdf"),
        # Persian "reports": the zero-width non-joiner is part of the word.
        (PERSIAN, PERSIAN),
    ],
)
def test_a_document_name_is_cleaned(uploaded, stored):
    assert prepare(upload(uploaded, PDF), **LIMITS).name == stored


def test_a_long_name_is_shortened_keeping_its_extension():
    name = prepare(upload("é" * 300 + ".pdf", PDF), **LIMITS).name

    assert name == "é" * 96 + ".pdf"
    assert len(name.encode()) <= 200
