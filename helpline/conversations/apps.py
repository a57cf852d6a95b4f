from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "helpline.conversations"
    label = "conversations"

    def ready(self):
        from helpline.conversations import handlers, privacy

        handlers.connect()
        privacy.connect()
