from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "helpline.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        from helpline.webhooks import handlers, privacy

        handlers.connect()
        privacy.connect()
