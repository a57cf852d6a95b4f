from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "helpline.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self):
        from helpline.reports import handlers

        handlers.connect()
