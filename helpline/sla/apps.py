from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "helpline.sla"
    label = "sla"
    verbose_name = "Service levels"

    def ready(self):
        from helpline.sla import handlers, privacy

        handlers.connect()
        privacy.connect()
