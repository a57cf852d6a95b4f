from django.apps import AppConfig


class ChatChannelConfig(AppConfig):
    name = "helpline.channels.chat"
    label = "chat"
    verbose_name = "Chat channel"
    default_auto_field = "django.db.models.BigAutoField"
