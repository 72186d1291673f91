#!/usr/bin/env bash
# Renders a report's index.html in headless Chromium to a PNG and fails when the page logs
# errors or renders blank (a single colour, or almost nothing but the background); then renders
# every SVG of the folder and fails on overlapping text in the topology
# (scripts/svg-text-check.sh).
#
#   bash scripts/browser-check.sh reports/<dir>/index.html [screenshot.png]
#
# The screenshot goes next to the page (screenshot.png) unless a second argument names it.
# Chromium is Debian's `chromium` package, installed with apt-get when /usr/bin/chromium is
# missing. The flags keep it off the network: on a machine without one, Chromium otherwise
# waits on refused background connections.
set -euo pipefail

page=${1:?usage: scripts/browser-check.sh reports/<dir>/index.html [screenshot.png]}
if [ ! -f "$page" ]; then
  echo "browser-check: $page: no such file" >&2
  exit 1
fi
dir=$(cd "$(dirname "$page")" && pwd)
png=${2:-$dir/screenshot.png}
chromium=${CHROMIUM:-/usr/bin/chromium}

if [ ! -x "$chromium" ]; then
  echo "browser-check: $chromium missing; installing Debian's chromium package" >&2
  sudo=""
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then sudo=sudo; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

profile=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$profile" "$log"' EXIT
url="file://$dir/$(basename "$page")"

if ! timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --window-size=1280,2000 --screenshot="$png" \
  --enable-logging=stderr --v=0 "$url" >"$log" 2>&1; then
  echo "browser-check: chromium failed or timed out on $url" >&2
  cat "$log" >&2
  exit 1
fi

if grep -E "Uncaught|ERROR:CONSOLE" "$log" >&2; then
  echo "browser-check: $page logged errors in the browser console (above)" >&2
  exit 1
fi

if [ ! -s "$png" ]; then
  echo "browser-check: no screenshot written to $png" >&2
  cat "$log" >&2
  exit 1
fi

# Decode the PNG with the standard library only (zlib + PNG row filters) and count the pixels
# that differ from the most common colour (the background).
python3 - "$png" <<'PY'
import struct, sys, zlib
from collections import Counter

path = sys.argv[1]
data = open(path, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit(f"browser-check: {path} is not a PNG")
pos, idat, width = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
if depth != 8 or ctype not in (0, 2, 4, 6):
    sys.exit(f"browser-check: unexpected PNG format (depth {depth}, colour type {ctype})")
bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
raw, stride = zlib.decompress(idat), width * bpp
prev, counts = bytearray(stride), Counter()
for y in range(height):
    f, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = row[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: row[i] = (row[i] + a) & 255
        elif f == 2: row[i] = (row[i] + b) & 255
        elif f == 3: row[i] = (row[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    counts.update(bytes(row[i:i + bpp]) for i in range(0, stride, bpp * 2))
    prev = row
total = sum(counts.values())
background = counts.most_common(1)[0][1]
ink = 1 - background / total
print(f"browser-check: {path}: {width}x{height}, {len(counts)} colours, {ink:.1%} non-background pixels")
if len(counts) < 2 or ink < 0.005:
    sys.exit("browser-check: the page rendered blank")
PY
CHROMIUM="$chromium" bash "$(dirname "$0")/svg-text-check.sh" "$dir"
echo "browser-check: ok: $page"
