from django.apps import AppConfig


class PhoneChannelConfig(AppConfig):
    name = "helpline.channels.phone"
    label = "phone"
    verbose_name = "Phone channel"
