#!/usr/bin/env python3
"""Draws the application icon at every hicolor size (needs Pillow: pip install pillow).

The geometry is that of assets/icon.png (256 px, drawn by hand): a rounded navy square,
three bars (blue, orange, green) and a pale base line. Drawn here in the 256-unit space at
16 times the target size and averaged down, so that 16 px stays legible and 512 px is as
sharp as 16 px. Run from anywhere; writes dist/icons/hicolor/<n>x<n>/apps/partner-attribution.png.
"""
from pathlib import Path

from PIL import Image, ImageDraw

SIZES = [16, 32, 48, 64, 128, 256, 512]
SUPERSAMPLE = 16
# (left, top, right, bottom) in the 256-unit space, right and bottom exclusive.
BACKGROUND = ((32, 41, 64, 255), 48)  # colour, corner radius
BARS = [
    ((66, 133, 244, 255), (40, 66, 88, 216)),
    ((234, 134, 35, 255), (104, 126, 152, 216)),
    ((52, 168, 83, 255), (168, 96, 216, 216)),
    ((220, 225, 235, 255), (32, 222, 224, 228)),
]


def draw(size: int) -> Image.Image:
    big = size * SUPERSAMPLE
    scale = big / 256
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    colour, radius = BACKGROUND
    pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=radius * scale, fill=colour)
    for colour, (left, top, right, bottom) in BARS:
        box = (left * scale, top * scale, right * scale - 1, bottom * scale - 1)
        pen.rectangle(box, fill=colour)
    return image.resize((size, size), Image.Resampling.BOX)


def main() -> None:
    root = Path(__file__).resolve().parent / "hicolor"
    for size in SIZES:
        folder = root / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True, exist_ok=True)
        draw(size).save(folder / "partner-attribution.png", optimize=True)


if __name__ == "__main__":
    main()
