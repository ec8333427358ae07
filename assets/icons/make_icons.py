#!/usr/bin/env python3
"""Draws Switchboard's app icon and writes the PNG sizes that tauri.conf.json lists.

The icon is a telephone switchboard panel: a navy rounded square with a 3x3 grid of jacks and
two patch cords (amber and teal) plugged between them. Everything is drawn from the shape
descriptions below with signed distances, so each size is rendered at its own resolution with
anti-aliased edges instead of being scaled down from a large bitmap.

Only the Python standard library is used, so anyone can regenerate the files:

    python3 assets/icons/make_icons.py

The Windows and macOS icon files (icon.ico, icon.icns) the installers need are made from icon.png
by the Tauri CLI:

    ui/node_modules/.bin/tauri icon assets/icons/icon.png -o /tmp/icons
    cp /tmp/icons/icon.ico /tmp/icons/icon.icns assets/icons/
"""

from __future__ import annotations

import math
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))

# Output file name -> edge length in pixels.
SIZES = {
    "32x32.png": 32,
    "128x128.png": 128,
    "128x128@2x.png": 256,
    "icon.png": 512,
}

# Colours as (r, g, b) in 0..255.
NAVY_TOP = (36, 66, 107)
NAVY_BOTTOM = (19, 36, 62)
JACK_RING = (226, 232, 240)
JACK_HOLE = (15, 23, 42)
AMBER = (245, 165, 36)
TEAL = (45, 212, 191)

# Geometry in unit coordinates (0..1 across the icon, y grows downwards).
TILE_INSET = 0.06
TILE_RADIUS = 0.2
JACK_COLUMNS = (0.3, 0.5, 0.7)
JACK_ROWS = (0.3, 0.5, 0.7)
JACK_OUTER = 0.072
JACK_INNER = 0.038
PLUG_RADIUS = 0.05
CORD_HALF_WIDTH = 0.024


def quadratic(p0, p1, p2, steps=24):
    """Points along a quadratic Bezier curve; cords are drawn as this polyline."""
    points = []
    for i in range(steps + 1):
        t = i / steps
        a, b, c = (1 - t) ** 2, 2 * (1 - t) * t, t * t
        points.append((a * p0[0] + b * p1[0] + c * p2[0], a * p0[1] + b * p1[1] + c * p2[1]))
    return points


# Each cord runs between two jacks and sags below the straight line, like a real patch cord.
CORDS = [
    (AMBER, quadratic((0.3, 0.3), (0.42, 0.82), (0.7, 0.5))),
    (TEAL, quadratic((0.3, 0.7), (0.62, 0.72), (0.5, 0.3))),
]


def rounded_square_distance(x, y):
    """Signed distance to the rounded tile (negative inside)."""
    half = 0.5 - TILE_INSET - TILE_RADIUS
    qx = abs(x - 0.5) - half
    qy = abs(y - 0.5) - half
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    inside = min(max(qx, qy), 0.0)
    return outside + inside - TILE_RADIUS


def segment_distance(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)
    t = min(max(t, 0.0), 1.0)
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def polyline_distance(px, py, points):
    return min(
        segment_distance(px, py, *points[i], *points[i + 1]) for i in range(len(points) - 1)
    )


def coverage(distance, pixel):
    """Fraction of a pixel covered by a shape, from the signed distance at its centre."""
    return min(max(0.5 - distance / pixel, 0.0), 1.0)


def over(dst, colour, alpha):
    """Composites an opaque colour with coverage `alpha` over a premultiplied RGBA pixel."""
    r, g, b, a = dst
    keep = 1.0 - alpha
    return (
        colour[0] / 255 * alpha + r * keep,
        colour[1] / 255 * alpha + g * keep,
        colour[2] / 255 * alpha + b * keep,
        alpha + a * keep,
    )


def render(size):
    pixel = 1.0 / size
    jacks = [(cx, cy) for cy in JACK_ROWS for cx in JACK_COLUMNS]
    plugs = []
    for colour, points in CORDS:
        plugs.append((colour, points[0]))
        plugs.append((colour, points[-1]))

    rows = []
    for j in range(size):
        y = (j + 0.5) * pixel
        top_weight = 1.0 - y
        tile_colour = tuple(
            round(t * top_weight + b * (1.0 - top_weight)) for t, b in zip(NAVY_TOP, NAVY_BOTTOM)
        )
        row = bytearray()
        for i in range(size):
            x = (i + 0.5) * pixel
            px = (0.0, 0.0, 0.0, 0.0)
            tile = coverage(rounded_square_distance(x, y), pixel)
            if tile > 0.0:
                px = over(px, tile_colour, tile)
                for cx, cy in jacks:
                    d = math.hypot(x - cx, y - cy)
                    if d < JACK_OUTER + pixel:
                        px = over(px, JACK_RING, coverage(d - JACK_OUTER, pixel))
                        px = over(px, JACK_HOLE, coverage(d - JACK_INNER, pixel))
                for colour, points in CORDS:
                    d = polyline_distance(x, y, points) - CORD_HALF_WIDTH
                    if d < pixel:
                        px = over(px, colour, coverage(d, pixel))
                for colour, (cx, cy) in plugs:
                    d = math.hypot(x - cx, y - cy) - PLUG_RADIUS
                    if d < pixel:
                        px = over(px, colour, coverage(d, pixel))
            r, g, b, a = px
            if a > 0.0:
                # PNG stores straight (not premultiplied) alpha.
                r, g, b = r / a, g / a, b / a
            row += bytes(min(255, round(v * 255)) for v in (r, g, b, a))
        rows.append(bytes(row))
    return rows


def write_png(path, size, rows):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    # Colour type 6 = 8-bit RGBA; each scanline starts with filter type 0 (none).
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(chunk(b"IHDR", header))
        out.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        out.write(chunk(b"IEND", b""))


def main():
    for name, size in SIZES.items():
        path = os.path.join(HERE, name)
        write_png(path, size, render(size))
        print(f"wrote {path} ({size}x{size})")


if __name__ == "__main__":
    main()
