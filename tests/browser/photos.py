"""Synthetic photos for the attachment journeys: light, shapes, foliage and
grain, closer to what a phone takes than a flat colour (which compresses to
almost nothing)."""

import random
from io import BytesIO

from PIL import Image, ImageChops, ImageDraw, ImageFilter


def _texture(size: tuple[int, int], feature: int, seed: int) -> Image.Image:
    """Grey noise whose spots are about feature pixels wide."""
    rng = random.Random(seed)
    width, height = size
    small = (max(width // feature, 2), max(height // feature, 2))
    data = bytes(rng.randrange(256) for _ in range(small[0] * small[1]))
    grey = Image.frombytes("L", small, data).resize(size, Image.Resampling.BICUBIC)
    return grey.convert("RGB")


def photo_bytes(
    size: tuple[int, int] = (1200, 800), *, seed: int = 0, quality: int = 90
) -> bytes:
    """A JPEG of a landscape: a sky gradient, hills, trees, foliage at a few
    scales and a fine sensor grain; seed varies the scene."""
    rng = random.Random(seed)
    width, height = size
    sky = Image.linear_gradient("L").resize(size).point(lambda v: 255 - v // 2)
    image = Image.merge(
        "RGB", (sky.point(lambda v: v * 0.6), sky.point(lambda v: v * 0.8), sky)
    )
    draw = ImageDraw.Draw(image)
    for n in range(4):
        top = height * (0.4 + 0.12 * n)
        hill = [(0, height)]
        hill += [
            (x, top + rng.uniform(-0.06, 0.06) * height)
            for x in range(0, width + 1, max(width // 10, 1))
        ]
        hill += [(width, height)]
        draw.polygon(hill, fill=(50 + 25 * n, 90 + 20 * n, 40 + 12 * n))
    for _ in range(60):
        x, y = rng.uniform(0, width), rng.uniform(0.35, 0.95) * height
        r = rng.uniform(0.01, 0.05) * width
        green = (rng.randrange(20, 80), rng.randrange(60, 140), rng.randrange(20, 70))
        draw.ellipse((x - r, y - r * 1.4, x + r, y + r), fill=green)
        trunk = (x - r / 8, y + r * 0.8, x + r / 8, y + r * 2)
        draw.rectangle(trunk, fill=(70, 50, 30))
    # Clouds in the sky; leaves, grass and stones below the horizon.
    ground = Image.linear_gradient("L").resize(size)
    ground = ground.point(lambda v: max(0, min(255, (v - 90) * 4)))
    layers = ((300, 0.4, None), (40, 0.4, ground), (8, 0.3, ground))
    for feature, strength, where in layers:
        texture = _texture(size, feature, rng.randrange(10**6))
        textured = Image.blend(image, ImageChops.overlay(image, texture), strength)
        image = Image.composite(textured, image, where) if where else textured
    image = image.filter(ImageFilter.GaussianBlur(0.6))
    grain = Image.effect_noise(size, 18).convert("RGB")
    image = Image.blend(image, ImageChops.overlay(image, grain), 0.15)
    out = BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()
