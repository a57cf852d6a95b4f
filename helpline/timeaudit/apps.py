from django.apps import AppConfig


class TimeAuditConfig(AppConfig):
    name = "helpline.timeaudit"
    label = "timeaudit"
    verbose_name = "Time audit"

    def ready(self):
        from helpline.timeaudit import handlers

        handlers.connect()
