"""URLs of the four report types, exactly the paths `assessments.reports.report_url` builds.

Included at the site root: `reports/…` is behind the admin login, `r/…` opens with a signed link.
"""

from django.urls import path

from assessments import report_views

app_name = "reports"

urlpatterns = [
    path("reports/<uuid:public_id>/", report_views.details_page, name="details"),
    path("reports/<uuid:public_id>/pdf", report_views.pdf_report, name="pdf"),
    path("r/<str:token>/", report_views.readonly_details_page, name="readonly"),
    path("r/<str:token>/pdf", report_views.signed_report, name="signed"),
    path("r/<str:token>/download", report_views.download, name="download"),
]
