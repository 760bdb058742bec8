from django.urls import path

from . import views

app_name = "workers"

urlpatterns = [
    path("project/<int:project_pk>/", views.enrollment_list, name="list"),
    path("project/<int:project_pk>/add/", views.enrollment_create, name="add"),
    path("project/<int:project_pk>/import/", views.import_upload, name="import"),
    path(
        "project/<int:project_pk>/export.<str:file_format>",
        views.enrollment_export,
        name="export",
    ),
    path("enrollment/<int:pk>/end/", views.enrollment_end, name="end"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<int:pk>/status.json", views.import_status, name="import_status"),
    path("import-template.<str:file_format>", views.import_template, name="import_template"),
]
