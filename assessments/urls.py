"""URLs of the candidate's pages."""

from django.urls import path

from assessments import views

app_name = "candidate"

urlpatterns = [
    path("<str:token>/", views.start, name="start"),
]
