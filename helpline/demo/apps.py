from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "helpline.demo"
    label = "demo"
    verbose_name = "Demo dataset"
