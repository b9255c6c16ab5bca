"""Writes small zip archives of images (and a few near misses) as the image import's corpus."""
import io
import os
import struct
import sys
import zipfile
import zlib

out = sys.argv[1] if len(sys.argv) > 1 else "corpus/images_import"
os.makedirs(out, exist_ok=True)


def png(width, height, shade):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + bytes([shade]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def bmp_header(width, height):
    return b"BM" + struct.pack("<IIIIii", 54 + width * height * 3, 0, 54, 40, width, height) + struct.pack("<HH", 1, 24) + bytes(24)


def archive(name, entries, method=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zip_file:
        for path, data in entries:
            zip_file.writestr(path, data)
    with open(os.path.join(out, name), "wb") as file:
        file.write(buffer.getvalue())


archive("folder.zip", [("set/a/one.png", png(28, 28, 10)), ("set/b/two.png", png(40, 30, 200)), ("set/loose.png", png(5, 9, 90))])
archive("stored.zip", [("x.png", png(28, 28, 0)), ("notes.txt", b"not an image")], zipfile.ZIP_STORED)
archive("climbing.zip", [("../up.png", png(28, 28, 1)), ("/abs.png", png(28, 28, 2)), ("ok/fine.png", png(28, 28, 3))])
archive("headers.zip", [("huge.bmp", bmp_header(20000, 20000)), ("cut.png", png(28, 28, 4)[:40])])
archive("zeros.zip", [("zeros.png", bytes(1 << 16))])
