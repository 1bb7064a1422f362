from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("ledger.csv", views.export_csv, name="export_csv"),
    path("ledger.xlsx", views.export_xlsx, name="export_xlsx"),
    path("report.pdf", views.report, name="report"),
]
