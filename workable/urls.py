"""URLs Workable calls, under the provider base URL `/api/workable`."""

from django.urls import path

from workable import views

app_name = "workable"

urlpatterns = [
    path("connection", views.ConnectionView.as_view(), name="connection"),
    path("tests", views.TestsView.as_view(), name="tests"),
    path("assessments", views.AssessmentsView.as_view(), name="assessments"),
    path(
        "assessments/<str:assessment_id>/shared-link",
        views.SharedLinkView.as_view(),
        name="shared-link",
    ),
]
