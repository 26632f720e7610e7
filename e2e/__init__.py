"""Browser tests: Playwright driving Debian's Chromium against a real `leadform serve`.

Run with `make test-e2e` (not part of `make test`). See README, "Browser tests".
"""
