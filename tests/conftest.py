"""Suite-wide test order.

The browser tests (tests/e2e) drive Chromium through Playwright's sync API,
whose session-scoped browser keeps an asyncio event loop running in the main
thread until the session ends.  pytest-asyncio cannot start its own loop while
that one runs, so every async widget test collected after the first browser
test would fail.  The browser tests therefore run last.
"""


def pytest_collection_modifyitems(session, config, items):
    def is_e2e(item):
        return "/tests/e2e/" in str(item.fspath).replace("\\", "/")

    items[:] = [i for i in items if not is_e2e(i)] + [i for i in items if is_e2e(i)]
