"""Running a test's async scenario in a thread of its own.

Playwright's sync API (the session's Chromium, tests/browser.py) keeps an event loop
running in the test's thread once it has started, and neither `asyncio.run` nor
`async_to_sync` may run in a thread whose loop runs.
"""

import asyncio
import threading


def run(scenario):
    """`asyncio.run(scenario())` in a new thread: its result, or its exception raised here."""
    failure: list[BaseException] = []
    result: list = []

    def target() -> None:
        try:
            result.append(asyncio.run(scenario()))
        except BaseException as exc:  # handed to the test's thread
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]
