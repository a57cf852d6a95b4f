from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "helpline.insights"
    label = "insights"
    verbose_name = "Insights"

    def ready(self):
        from helpline.insights import handlers, privacy

        handlers.connect()
        privacy.connect()
