"""The public survey pages (no sign-in): answer links, comments, opt-out, the kiosk."""

from django.urls import path

from helpline.feedback import views

app_name = "survey"

urlpatterns = [
    path("survey/<int:survey_id>/<str:token>/", views.answer, name="answer"),
    path("survey/<int:survey_id>/<str:token>/comment/", views.comment, name="comment"),
    path("survey/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("kiosk/<int:location_id>/<str:token>/", views.kiosk_page, name="kiosk"),
]
