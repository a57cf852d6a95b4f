from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "helpline.recovery"
    label = "recovery"
    verbose_name = "Service recovery"

    def ready(self):
        from helpline.recovery import handlers, privacy

        handlers.connect()
        privacy.connect()
