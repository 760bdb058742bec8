from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/history/", views.project_history, name="history"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/amendments/new/", views.amendment_create, name="amendment_create"),
    path("<int:pk>/notes/", views.note_create, name="note_create"),
]
