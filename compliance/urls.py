from django.urls import path

from . import views

app_name = "compliance"

# Mounted under /projects/ beside the projects app's own pages: a registration belongs to a project.
urlpatterns = [
    path("<int:project_pk>/registration/", views.registration_create, name="registration_create"),
    path("registrations/<int:pk>/", views.registration_edit, name="registration_edit"),
    path(
        "registrations/<int:registration_pk>/payments/new/",
        views.payment_create,
        name="payment_create",
    ),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("upload/<str:token>/", views.upload_by_link, name="upload_by_link"),
    path(
        "registrations/<int:pk>/verify/",
        views.registration_decide,
        {"decision": "verify"},
        name="registration_verify",
    ),
    path(
        "registrations/<int:pk>/reject/",
        views.registration_decide,
        {"decision": "reject"},
        name="registration_reject",
    ),
    path("findings/<int:pk>/waive/", views.flag_waiver, {"action": "waive"}, name="flag_waive"),
    path(
        "findings/<int:pk>/undo-waiver/",
        views.flag_waiver,
        {"action": "undo"},
        name="flag_undo_waiver",
    ),
    path("findings/<int:pk>/handling/", views.flag_handling, name="flag_handling"),
]
