from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "helpline.desk"
    label = "desk"
    verbose_name = "Desk"

    def ready(self):
        from helpline.desk import chat_live

        chat_live.connect()
