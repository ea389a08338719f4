"""resources/icons/app.ico, the Windows exe's and installers' icon (made by packaging/make_icon.py from
app.svg): a valid .ico with the sizes Windows asks for, each a drawn image of its declared size."""

from __future__ import annotations

import struct

from PySide6.QtGui import QImage

from tests.packaging_tools import ROOT, load

ICO = ROOT / "resources" / "icons" / "app.ico"


def _entries(data: bytes) -> list[tuple[int, bytes]]:
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    assert (reserved, kind) == (0, 1)  # an icon, not a cursor
    entries = []
    for i in range(count):
        width, height, _colours, _r, planes, bpp, size, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * i)
        assert width == height and planes == 1 and bpp == 32
        entries.append((width or 256, data[offset:offset + size]))
    return entries


def test_the_committed_icon_has_every_size_drawn(qtbot):
    entries = _entries(ICO.read_bytes())
    assert [size for size, _ in entries] == [16, 20, 24, 32, 40, 48, 64, 128, 256]
    for size, blob in entries:
        image = QImage.fromData(blob)
        assert not image.isNull() and (image.width(), image.height()) == (size, size)
        assert image.pixelColor(size // 2, size // 2).alpha() == 255  # the tile is drawn, not left transparent
        assert image.pixelColor(0, 0).alpha() < 255  # its rounded corner is


def test_make_icon_packs_what_it_renders(qtbot, tmp_path):
    make_icon = load("make_icon")
    out = tmp_path / "app.ico"
    assert make_icon.main(["--out", str(out)]) == 0
    assert [size for size, _ in _entries(out.read_bytes())] == list(make_icon.SIZES)
