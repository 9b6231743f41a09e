"""URLs Greenhouse calls, under `/api/greenhouse`."""

from django.urls import path

from greenhouse import views

app_name = "greenhouse"

urlpatterns = [
    path("webhooks/<str:token>", views.WebhookView.as_view(), name="webhook"),
]
