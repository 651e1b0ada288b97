#!/usr/bin/env bash
# Renders the sample savings report in headless Chromium, as a person would open it, and fails on
# a JavaScript error (any console message) or on a chart the browser did not draw: the report's
# own script writes data-charts-ok="<charts with a laid-out data mark>/<charts>" on <html>, which
# --dump-dom shows. A copy of the page also moves the pointer over the first chart and records
# the tooltip's text, so the hover script is exercised too; the screenshot shows that tooltip.
# Leaves sample-report.html and sample-report.png in <output dir> to look at.
# Exits 77 (ctest SKIP_RETURN_CODE) where Chromium is not installed.
#
# Usage: check_in_chromium.sh <write_sample_report binary> <output dir>
set -euo pipefail

chromium=${CHROMIUM:-/usr/bin/chromium}
if [[ ! -x "$chromium" ]]; then
  echo "SKIP: $chromium not found; install the Debian package chromium (scripts/install-deps --ci)"
  exit 77
fi
writer=$1
out_dir=$2
mkdir -p "$out_dir"
html="$out_dir/sample-report.html"
png="$out_dir/sample-report.png"
rm -f "$png"
"$writer" "$html"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
hover_probe="<script>(function () {
  var svg = document.querySelector('svg.gp-chart');
  var box = svg.getBoundingClientRect();
  svg.dispatchEvent(new MouseEvent('mousemove', {bubbles: true,
      clientX: box.left + box.width * 0.55, clientY: box.top + box.height / 2}));
  var tip = document.querySelector('.gp-tip');
  document.documentElement.setAttribute('data-hover-text', tip ? tip.textContent : '');
})();</script>"
probed="$work/probed.html"
awk -v probe="$hover_probe" '/^<\/body>$/ { print probe } { print }' "$html" >"$probed"
# No network, no first-run UI, a fresh profile; --no-sandbox because CI runs as root.
if ! timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" --enable-logging=stderr --v=0 \
    --screenshot="$png" --window-size=1280,2400 --dump-dom "file://$probed" \
    >"$work/dom.html" 2>"$work/chromium.log"; then
  echo "FAIL: chromium did not finish; its log:"
  tail -n 30 "$work/chromium.log"
  exit 1
fi

status=0
# Chromium logs every console message and uncaught exception of the page as INFO:CONSOLE.
if grep -q ':CONSOLE' "$work/chromium.log"; then
  echo "FAIL: the page wrote to the JavaScript console:"
  grep ':CONSOLE' "$work/chromium.log"
  status=1
fi
charts=$(grep -o 'data-charts-ok="[0-9]*/[0-9]*"' "$work/dom.html" | head -n 1 || true)
if [[ -z "$charts" ]]; then
  echo "FAIL: the report's script did not run (no data-charts-ok on <html>)"
  status=1
else
  counts=${charts#data-charts-ok=\"}
  counts=${counts%\"}
  drawn=${counts%/*}
  total=${counts#*/}
  if [[ "$total" -eq 0 || "$drawn" -ne "$total" ]]; then
    echo "FAIL: $drawn of $total charts have a drawn data mark"
    status=1
  fi
fi
hover=$(grep -o 'data-hover-text="[^"]*"' "$work/dom.html" | head -n 1 || true)
if [[ "$hover" != *"dedicated: "*"GPUs really needed: "* ]]; then
  echo "FAIL: hovering the first chart shows no tooltip with every series (got: ${hover:-nothing})"
  status=1
fi
# A blank page compresses to a few kB; the sample's charts take far more.
if [[ ! -s "$png" ]] || (($(stat -c %s "$png") < 50000)); then
  echo "FAIL: no screenshot, or a nearly blank one: $png"
  status=1
fi
if ((status == 0)); then
  echo "OK: ${drawn}/${total} charts drawn, hover tooltip shown, no console message; screenshot $png"
fi
exit $status
