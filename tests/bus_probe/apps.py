from django.apps import AppConfig


class BusProbeConfig(AppConfig):
    name = "tests.bus_probe"
    label = "bus_probe"

    def ready(self):
        from tests.bus_probe import handlers

        handlers.connect()
