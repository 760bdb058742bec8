from django.urls import path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("projects/", views.project_list, name="projects"),
    path("projects/export.csv", views.project_export, {"fmt": "csv"}, name="projects_csv"),
    path("projects/export.xlsx", views.project_export, {"fmt": "xlsx"}, name="projects_xlsx"),
]
