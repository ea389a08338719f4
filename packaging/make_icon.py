"""Renders resources/icons/app.svg into resources/icons/app.ico, the icon of the Windows exe, its shortcuts and
the installers. The .ico is committed, so a Windows build needs no tool for it; run this again after changing
the SVG:

    python packaging/make_icon.py [--svg resources/icons/app.svg] [--out resources/icons/app.ico]

Each size is drawn by Qt's SVG renderer and stored as a PNG image inside the .ico (Windows Vista and later read
PNG entries at every size); 256 px is the size Explorer shows for large icons.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)


def render_png(svg: bytes, size: int) -> bytes:
    """One square PNG of the SVG at `size` pixels, on a transparent background."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        raise SystemExit("the SVG could not be read")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(images: dict[int, bytes]) -> bytes:
    """An .ico file of PNG images by size: the ICONDIR header, one 16-byte entry per image, then the images."""
    header = struct.pack("<HHH", 0, 1, len(images))
    entries, blobs = b"", b""
    offset = len(header) + 16 * len(images)
    for size, png in sorted(images.items()):
        side = 0 if size >= 256 else size  # a 0 in the width and height bytes means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset + len(blobs))
        blobs += png
    return header + entries + blobs


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--svg", type=Path, default=ROOT / "resources" / "icons" / "app.svg")
    p.add_argument("--out", type=Path, default=ROOT / "resources" / "icons" / "app.ico")
    args = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])  # noqa: F841 - QPainter needs one
    svg = args.svg.read_bytes()
    args.out.write_bytes(ico_bytes({size: render_png(svg, size) for size in SIZES}))
    print(f"wrote {args.out} ({', '.join(map(str, SIZES))} px)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
