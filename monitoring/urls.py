from django.urls import path

from . import audit_views, views

app_name = "monitoring"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("projects/", views.project_list, name="projects"),
    path("contractors/", views.contractor_directory, name="contractors"),
    path("monev/", views.monev, name="monev"),
    path("audit/", audit_views.audit_log, name="audit"),
    path("monev/report.xlsx", views.monev, {"fmt": "xlsx"}, name="monev_xlsx"),
    path("monev/report.pdf", views.monev, {"fmt": "pdf"}, name="monev_pdf"),
    path("projects/export.csv", views.project_export, {"fmt": "csv"}, name="projects_csv"),
    path("projects/export.xlsx", views.project_export, {"fmt": "xlsx"}, name="projects_xlsx"),
]
