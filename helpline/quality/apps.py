from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "helpline.quality"
    label = "quality"
    verbose_name = "QA and coaching"
