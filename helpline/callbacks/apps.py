from django.apps import AppConfig


class CallbacksConfig(AppConfig):
    name = "helpline.callbacks"
    label = "callbacks"
    verbose_name = "Callbacks"

    def ready(self):
        from helpline.callbacks import handlers, privacy

        handlers.connect()
        privacy.connect()
