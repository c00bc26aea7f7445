#!/usr/bin/env bash
# Regenerates docs/img/dashboard-*.png: the demo rows, one preview page per dashboard, a headless Chromium
# screenshot of each (Debian: apt-get install chromium). Run from the repository root.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node bin/bedrock-o2.mjs demo --out "$work/demo" >/dev/null
for file in openobserve/dashboards/*.dashboard.json; do
  name=$(basename "$file" .dashboard.json)
  title=$(node -e "console.log(require('./$file').title)")
  height=$(node -e "const b=require('./$file');console.log(Math.max(...b.tabs[0].panels.map(p=>p.layout.y+p.layout.h))*18+140)")
  node bin/bedrock-o2.mjs dashboards preview --rows "$work/demo/bedrock_invocations.ndjson" \
    --rows "$work/demo/bedrock_metrics.ndjson" --dashboard "$title" --out "$work/$name" >/dev/null
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$work/chromium" --hide-scrollbars \
    --force-device-scale-factor=0.8 --window-size="1550,$height" \
    --screenshot="docs/img/dashboard-$name.png" "file://$work/$name/index.html" 2>/dev/null
done
# Smaller files for the repository when pngquant (Debian: pngquant) is there.
if command -v pngquant >/dev/null; then
  for png in docs/img/dashboard-*.png; do pngquant --force --quality 60-85 --skip-if-larger --output "$png" "$png"; done
fi
ls -l docs/img
