#!/usr/bin/env bash
# Renders SVGs in headless Chromium and measures every <text> element as the browser lays it
# out (getBoundingClientRect), then counts pairs of texts that overlap. Fails when a topology
# (any file named topology*.svg) has overlapping text, or when an SVG renders no text at all;
# for the other charts the count is printed.
#
#   bash scripts/svg-text-check.sh FILE.svg... | DIR...
#
# A directory stands for the SVGs in it. Chromium is /usr/bin/chromium (or $CHROMIUM); with
# `--dump-dom` it runs the page's script and prints the resulting document, from which the
# result line is read: no screenshot, no puppeteer, no network.
set -euo pipefail

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "svg-text-check: $chromium missing (set CHROMIUM, or run scripts/browser-check.sh to install it)" >&2
  exit 1
fi
if [ $# -eq 0 ]; then
  echo "usage: scripts/svg-text-check.sh FILE.svg... | DIR..." >&2
  exit 1
fi

files=()
for arg in "$@"; do
  if [ -d "$arg" ]; then
    for f in "$arg"/*.svg; do [ -e "$f" ] && files+=("$f"); done
  else
    files+=("$arg")
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for svg in "${files[@]}"; do
  page="$work/$(basename "$svg" .svg).html"
  # The page: the SVG inline at its own size, and a script that writes what it measured into
  # <pre id="result">, which --dump-dom prints.
  python3 - "$svg" "$page" <<'PY'
import sys
svg = open(sys.argv[1], encoding="utf-8").read()
svg = svg[svg.find("<svg"):]
script = r"""
const boxes = [...document.querySelectorAll('svg text')]
  .filter(t => t.textContent.trim() !== '')
  .map(t => ({r: t.getBoundingClientRect(), s: t.textContent.trim()}))
  .filter(b => b.r.width > 0 && b.r.height > 0);
const tol = 1;
const found = [];
for (let i = 0; i < boxes.length; i++) {
  for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i].r, b = boxes[j].r;
    const dx = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const dy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (dx > tol && dy > tol) found.push(JSON.stringify(boxes[i].s) + ' / ' + JSON.stringify(boxes[j].s));
  }
}
document.getElementById('result').textContent =
  'RESULT texts=' + boxes.length + ' overlaps=' + found.length + '\n' + found.slice(0, 20).join('\n');
"""
open(sys.argv[2], "w", encoding="utf-8").write(
    "<!DOCTYPE html><html><head><meta charset='utf-8'><style>body{margin:0}</style></head><body>"
    + svg + "<pre id='result'>RESULT not run</pre><script>" + script + "</script></body></html>")
PY
  profile="$work/profile"
  out="$work/out.html"
  if ! timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --virtual-time-budget=5000 --dump-dom "file://$page" \
    >"$out" 2>/dev/null; then
    echo "svg-text-check: chromium failed on $svg" >&2
    status=1
    continue
  fi
  result=$(python3 - "$out" <<'PY'
import html, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"<pre id=\"result\">(.*?)</pre>", text, re.S)
print(html.unescape(m.group(1)) if m else "RESULT missing")
PY
)
  line=$(printf '%s\n' "$result" | head -1)
  texts=$(printf '%s' "$line" | sed -n 's/.*texts=\([0-9]*\).*/\1/p')
  overlaps=$(printf '%s' "$line" | sed -n 's/.*overlaps=\([0-9]*\).*/\1/p')
  if [ -z "$texts" ] || [ -z "$overlaps" ]; then
    echo "svg-text-check: $svg: the page did not report ($line)" >&2
    status=1
    continue
  fi
  echo "svg-text-check: $svg: $texts texts, $overlaps overlapping pairs"
  if [ "$texts" -eq 0 ]; then
    echo "svg-text-check: $svg rendered no text" >&2
    status=1
  fi
  case "$(basename "$svg")" in
    topology*.svg)
      if [ "$overlaps" -gt 0 ]; then
        printf '%s\n' "$result" | tail -n +2 | sed 's/^/  overlap: /' >&2
        echo "svg-text-check: $svg: overlapping text in the topology" >&2
        status=1
      fi
      ;;
  esac
done
exit $status
