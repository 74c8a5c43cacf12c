#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Render `uvma draw` pictures in headless Chromium and check the pixels.

The SVG says where each VMA box is (<rect class="vma" x y width height
data-start ...>).  This test takes a picture of the SVG as a browser draws
it, decodes the PNG (a small reader on zlib and struct), and checks that
at the centre of every box the browser painted the colour the palette in
docs/draw.md gives for that VMA's kind and protection - kind and
protection written here by hand for the bundled snapshot, not read back
from the SVG - and that the boxes are in address order, every one visible.

Chromium is Debian's package; when it is missing the test installs it
(apt-get, as root) and skips (exit 77) with a message if that fails.
usage: render_check.py UVMA SOURCE_DIR
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

SKIP = 77

# docs/draw.md: hue by kind, shade by protection (none, read, write, exec).
PALETTE = {
    "anonymous": ["#dbe9f6", "#9ecae1", "#4292c6", "#08519c"],
    "file": ["#e5f5e0", "#a1d99b", "#41ab5d", "#006d2c"],
    "shared": ["#efedf5", "#bcbddc", "#807dba", "#54278f"],
    "stack": ["#feedde", "#fdbe85", "#fd8d3c", "#d94701"],
    "heap": ["#fde0dd", "#fa9fb5", "#dd3497", "#7a0177"],
    "special": ["#f0f0f0", "#bdbdbd", "#969696", "#525252"],
}
PROT = {"none": 0, "read": 1, "write": 2, "exec": 3}

# examples/layout.smaps, VMA by VMA: (start, kind, protection).
LAYOUT = [
    (0x400000, "file", "read"),
    (0x401000, "file", "exec"),
    (0x405000, "file", "read"),
    (0x406000, "file", "write"),
    (0x407000, "heap", "write"),
    (0x7ffff7a00000, "anonymous", "write"),
    (0x7ffff7c00000, "anonymous", "none"),
    (0x7ffff7c01000, "anonymous", "write"),
    (0x7ffff7d01000, "shared", "write"),
    (0x7ffff7d11000, "file", "read"),
    (0x7ffff7fc1000, "special", "read"),
    (0x7ffff7fc5000, "special", "read"),
    (0x7ffff7fc7000, "special", "exec"),
    (0x7ffffffde000, "stack", "write"),
]


# examples/quickstart.trace, row by row (one per line that changed the
# layout), each VMA as (start page, end page, protection) of 0x7f0000000000.
TIMELINE = [
    [(0, 5, "write")],                                   # 7  mmap
    [(0, 1, "write"), (1, 2, "read"), (2, 5, "write")],  # 8  mprotect r
    [(0, 5, "write")],                                   # 10 mprotect rw
    [(0, 3, "write"), (4, 5, "write")],                  # 11 munmap
    [(0, 3, "write"), (4, 7, "write")],                  # 12 mremap grow
    [(4, 7, "write"), (0x40, 0x43, "write")],            # 13 mremap move
]


def find_chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    print("render_check: installing Debian's chromium package", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            print("render_check: %s failed: %s" % (" ".join(cmd), r.stderr[-400:]))
            return None
    return shutil.which("chromium")


def read_png(path):
    """RGB(A) rows of an 8-bit non-interlaced PNG: (width, height, rows, bpp)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("unsupported PNG %r" % (hdr,))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        rows.append(line)
        prev = line
    return w, h, rows, bpp


def pixel(png, x, y):
    w, h, rows, bpp = png
    return tuple(rows[y][x * bpp:x * bpp + 3])


def rgb(hexcol):
    return tuple(int(hexcol[i:i + 2], 16) for i in (1, 3, 5))


def close(a, b, tol=8):
    return all(abs(p - q) <= tol for p, q in zip(a, b))


def render(chromium, svg, png, w, h, tmp):
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
           "--hide-scrollbars", "--force-device-scale-factor=1",
           "--user-data-dir=" + os.path.join(tmp, "profile"),
           "--screenshot=" + png, "--window-size=%d,%d" % (w, h), svg]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=120, cwd=tmp)
    if not os.path.exists(png):
        raise RuntimeError("chromium wrote no picture: %s" % r.stderr[-600:])


def rects(svg_text):
    out = []
    for m in re.finditer(r'<rect class="vma" ([^>]*)/>', svg_text):
        a = dict(re.findall(r'([\w-]+)="([^"]*)"', m.group(1)))
        out.append(a)
    return out


def check_painted(image, boxes, failures, what):
    for box in boxes:
        x, y = float(box["x"]), float(box["y"])
        bw, bh = float(box["width"]), float(box["height"])
        want = rgb(PALETTE[box["data-kind"]][PROT[box["data-prot"]]])
        got = pixel(image, int(x + bw / 2), int(y + bh / 2))
        if not close(got, want):
            failures.append("%s box %s: browser painted %s, want %s"
                            % (what, box["data-start"], got, want))


def check_timeline(uvma, src, chromium, tmp):
    failures = []
    svg = os.path.join(tmp, "timeline.svg")
    png = os.path.join(tmp, "timeline.png")
    subprocess.run([uvma, "draw", "--timeline",
                    os.path.join(src, "examples", "quickstart.trace"),
                    "-o", svg], check=True)
    text = open(svg).read()
    w = int(re.search(r'<svg[^>]* width="(\d+)"', text).group(1))
    h = int(re.search(r'<svg[^>]* height="(\d+)"', text).group(1))
    boxes = rects(text)
    rows = {}
    for b in boxes:
        rows.setdefault(float(b["y"]), []).append(b)
    got = []
    for y in sorted(rows):
        got.append([((int(b["data-start"], 16) - 0x7f0000000000) >> 12,
                     (int(b["data-end"], 16) - 0x7f0000000000) >> 12,
                     b["data-prot"]) for b in sorted(rows[y], key=lambda b: float(b["x"]))])
    if got != TIMELINE:
        failures.append("timeline rows %r, want %r" % (got, TIMELINE))
    for b in boxes:
        if b["data-kind"] != "anonymous" or float(b["width"]) < 6:
            failures.append("timeline box %s: %s, %s px wide"
                            % (b["data-start"], b["data-kind"], b["width"]))
    # Address increases to the right within a row.
    for y in rows:
        xs = [float(b["x"]) for b in sorted(rows[y], key=lambda b: int(b["data-start"], 16))]
        if xs != sorted(xs):
            failures.append("timeline row at y %s not in address order" % y)
    render(chromium, svg, png, w, h, tmp)
    check_painted(read_png(png), boxes, failures, "timeline")
    return failures


def main():
    uvma, src = sys.argv[1], sys.argv[2]
    failures = []
    chromium = find_chromium()
    if not chromium:
        print("SKIP: chromium is not installed and could not be installed "
              "(no network?); the SVG pictures were not checked in a browser")
        return SKIP
    with tempfile.TemporaryDirectory() as tmp:
        svg = os.path.join(tmp, "layout.svg")
        png = os.path.join(tmp, "layout.png")
        subprocess.run([uvma, "draw", "--initial",
                        os.path.join(src, "examples", "layout.smaps"),
                        "-o", svg], check=True)
        text = open(svg).read()
        w = int(re.search(r'<svg[^>]* width="(\d+)"', text).group(1))
        h = int(re.search(r'<svg[^>]* height="(\d+)"', text).group(1))
        boxes = rects(text)
        if len(boxes) != len(LAYOUT):
            failures.append("%d VMA boxes, want %d" % (len(boxes), len(LAYOUT)))
        render(chromium, svg, png, w, h, tmp)
        image = read_png(png)
        if image[0] < w or image[1] < h:
            failures.append("picture %dx%d smaller than the SVG %dx%d"
                            % (image[0], image[1], w, h))
        last_y = -1.0
        for box, (start, kind, prot) in zip(boxes, LAYOUT):
            x, y = float(box["x"]), float(box["y"])
            bw, bh = float(box["width"]), float(box["height"])
            name = "box at %#x" % start
            if int(box["data-start"], 16) != start:
                failures.append("%s: data-start %s" % (name, box["data-start"]))
            if box["data-kind"] != kind or box["data-prot"] != prot:
                failures.append("%s: %s/%s, want %s/%s" % (
                    name, box["data-kind"], box["data-prot"], kind, prot))
            if y <= last_y or bh < 12:
                failures.append("%s: not below the previous box or too small "
                                "(y %.1f, height %.1f)" % (name, y, bh))
            last_y = y
            want = rgb(PALETTE[kind][PROT[prot]])
            got = pixel(image, int(x + bw / 2), int(y + bh / 2))
            if not close(got, want):
                failures.append("%s: browser painted %s at its centre, want %s"
                                % (name, got, want))
        # Outside the boxes the page stays white (the bar's right edge + 2).
        bx = int(float(boxes[0]["x"]) + float(boxes[0]["width"]) + 3)
        if not close(pixel(image, bx, int(float(boxes[0]["y"]) + 5)), (255, 255, 255)):
            failures.append("not white right of the first box")
        # Every legend swatch is painted in its palette colour.
        for m in re.finditer(r'<rect class="swatch" ([^>]*)/>', text):
            a = dict(re.findall(r'([\w-]+)="([^"]*)"', m.group(1)))
            cx = int(float(a["x"]) + float(a["width"]) / 2)
            cy = int(float(a["y"]) + float(a["height"]) / 2)
            want = rgb(PALETTE[a["data-kind"]][PROT[a["data-prot"]]])
            if not close(pixel(image, cx, cy), want):
                failures.append("legend %s/%s" % (a["data-kind"], a["data-prot"]))
        failures += check_timeline(uvma, src, chromium, tmp)
    for f in failures:
        print("FAIL", f)
    print("%d passed, %d failed" % (0 if failures else 1, 1 if failures else 0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
