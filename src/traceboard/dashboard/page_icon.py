"""The browser-tab icon, drawn here: a material or emoji ``page_icon`` makes Streamlit point the
favicon at a font host or an emoji CDN, which the city's network cannot reach."""

from __future__ import annotations

from functools import cache

from PIL import Image, ImageDraw

RED = "#c62828"  # the theme's primary colour (.streamlit/config.toml)


@cache
def page_icon() -> Image.Image:
    """A 64-pixel red tile with a white trace mark (three finder squares, as on a trace code)."""
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 63, 63), radius=12, fill=RED)
    for left, top in ((10, 10), (36, 10), (10, 36)):
        draw.rectangle((left, top, left + 17, top + 17), outline="white", width=4)
        draw.rectangle((left + 7, top + 7, left + 10, top + 10), fill="white")
    draw.rectangle((40, 40, 53, 53), fill="white")
    return image
