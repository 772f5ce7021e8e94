# Sourced by ./test: make sure Debian's chromium exists for the browser tests (Playwright drives
# it through executable_path; we never download Playwright's own browser builds).
ensure_chromium() {
    if command -v chromium >/dev/null 2>&1; then return 0; fi
    echo "Installing chromium ..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    command -v chromium >/dev/null 2>&1 || { echo "chromium could not be installed" >&2; return 1; }
}
