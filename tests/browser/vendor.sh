#!/usr/bin/env bash
# Re-fetches the browser libraries vendored in static/vendor/ from the npm registry.
#
# Every package is pinned by exact version AND by the registry's sha512 integrity, so a run
# today and a run in a year produce byte-identical files (checked against
# static/vendor/SHA256SUMS). Only minified production builds and licence texts are kept.
#
#   tests/browser/vendor.sh           fetch, post-process, rewrite SHA256SUMS
#   tests/browser/vendor.sh --check   fetch into a temp dir and compare with what is committed
#
# Needs npm and node (the same ones the browser tests use). Nothing here runs at serve time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

# name@version  integrity  files to keep (paths inside the tarball's package/ directory)
PACKAGES=(
  "react@18.3.1 sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ== umd/react.production.min.js LICENSE"
  "react-dom@18.3.1 sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw== umd/react-dom.production.min.js LICENSE"
  "graphiql@3.9.0 sha512-rJYFlHdBbug9+YbFSwRVvgfPjCayC7wHecZkx/qB4XLuQPFQZw/yB9pmHFtOJV6RiNBBHro3u1GdocKa3YcGRA== graphiql.min.js graphiql.min.css LICENSE"
)

check=false
[[ "${1:-}" == "--check" ]] && check=true

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out="$work/vendor"
mkdir -p "$out"

for entry in "${PACKAGES[@]}"; do
  read -r spec integrity files <<<"$entry"
  # npm pack prints JSON with the integrity of what it downloaded; compare with the pin.
  got=$(cd "$work" && npm pack "$spec" --json --silent | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].integrity))')
  if [[ "$got" != "$integrity" ]]; then
    echo "vendor.sh: $spec integrity mismatch: expected $integrity, got $got" >&2
    exit 1
  fi
  name=${spec%@*}; version=${spec##*@}
  tarball="$work/${name}-${version}.tgz"
  mkdir -p "$work/x/$spec" "$out/$spec"
  tar xzf "$tarball" -C "$work/x/$spec"
  for f in $files; do cp "$work/x/$spec/package/$f" "$out/$spec/$(basename "$f")"; done
done

# Post-processing, deterministic:
#  - drop `//# sourceMappingURL=` comments (the maps are not vendored; browsers would ask for them);
#  - GraphiQL's CSS embeds its fonts as data: URLs, which the UI's CSP (`default-src 'self'`, so
#    font-src 'self') refuses. Write each font to fonts/<sha256-prefix>.woff2 and point the CSS at it.
node - "$out" <<'JS'
const fs = require('fs'), path = require('path'), crypto = require('crypto');
const out = process.argv[2];
for (const dir of fs.readdirSync(out)) {
  for (const file of fs.readdirSync(path.join(out, dir))) {
    const p = path.join(out, dir, file);
    if (!/\.(js|css)$/.test(file)) continue;
    let text = fs.readFileSync(p, 'utf8');
    text = text.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n').replace(/\/\*# sourceMappingURL=\S+ \*\/\s*$/, '\n');
    if (file.endsWith('.css')) {
      text = text.replace(/url\(\s*["']?data:font\/(woff2?);base64,([A-Za-z0-9+/=]+)["']?\s*\)/g, (_, ext, b64) => {
        const bytes = Buffer.from(b64, 'base64');
        const name = crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 16) + '.' + ext;
        fs.mkdirSync(path.join(out, dir, 'fonts'), { recursive: true });
        fs.writeFileSync(path.join(out, dir, 'fonts', name), bytes);
        return `url(fonts/${name})`;
      });
    }
    fs.writeFileSync(p, text);
  }
}
JS

(cd "$out" && find . -type f ! -name SHA256SUMS | LC_ALL=C sort | xargs sha256sum) > "$out/SHA256SUMS"

if $check; then
  if diff -u static/vendor/SHA256SUMS "$out/SHA256SUMS"; then
    echo "vendor.sh: static/vendor matches the pinned packages"
  else
    echo "vendor.sh: static/vendor differs from the pinned packages (run tests/browser/vendor.sh)" >&2
    exit 1
  fi
  exit 0
fi

# Replace every vendored package directory (VERSIONS.md, written by hand, stays).
find static/vendor -mindepth 1 -maxdepth 1 -type d -name '*@*' -exec rm -rf {} +
cp -R "$out"/. static/vendor/
echo "vendor.sh: wrote static/vendor ($(du -sh static/vendor | cut -f1))"
