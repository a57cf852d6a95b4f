from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "helpline.feedback"
    label = "feedback"
    verbose_name = "Surveys"

    def ready(self):
        from helpline.feedback import handlers, privacy

        handlers.connect()
        privacy.connect()
