"""URLs the external Harver assessment engine calls, under `/api/engine/v1/`."""

from django.urls import path

from engine import views

app_name = "engine"

urlpatterns = [
    path("assessments/<str:assessment_id>/events", views.EventsView.as_view(), name="events"),
]
