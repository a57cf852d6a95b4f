from django.apps import AppConfig


class HoursConfig(AppConfig):
    name = "helpline.hours"
    label = "hours"
    verbose_name = "Business hours"
