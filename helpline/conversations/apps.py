from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "helpline.conversations"
    label = "conversations"
