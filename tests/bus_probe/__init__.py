"""A Django app for the event bus tests: an after-commit handler a real worker runs.

Installed in a worker process by `HELPLINE_EXTRA_APPS=tests.bus_probe`.
"""
