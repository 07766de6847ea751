"""Widget tests without a browser: widgets driven from Python (set ``.value``, call
``button.click()``, call the callbacks a panel would call), and the asyncio loop
under pytest-asyncio."""
