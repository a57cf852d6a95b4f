from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "helpline.appointments"
    label = "appointments"
    verbose_name = "Appointments"

    def ready(self):
        from helpline.appointments import handlers, privacy

        handlers.connect()
        privacy.connect()
