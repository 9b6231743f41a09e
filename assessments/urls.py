"""URLs of the candidate's pages; each carries the candidate's personal token."""

from django.urls import path

from assessments import views

app_name = "candidate"

urlpatterns = [
    path("<str:token>/", views.start, name="start"),
    path("<str:token>/terms/", views.terms, name="terms"),
    path("<str:token>/questions/<int:number>/", views.questions, name="questions"),
    path("<str:token>/review/", views.review, name="review"),
    path("<str:token>/saved/", views.saved, name="saved"),
    path("<str:token>/done/", views.done, name="done"),
]
