from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    name = "helpline.channels.email"
    label = "email"
    verbose_name = "Email channel"

    def ready(self):
        from helpline.channels.email import handlers, privacy

        handlers.connect()
        privacy.connect()
