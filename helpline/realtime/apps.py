from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "helpline.realtime"
    label = "realtime"
    verbose_name = "Real time"

    def ready(self):
        from helpline.realtime import handlers

        handlers.connect()
