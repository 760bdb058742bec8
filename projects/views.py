from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from compliance.models import Registration

from .models import Project


@login_required
def project_detail(request, pk):
    """One URL per project for every permitted role; another tenant's project is a 404."""
    project = get_object_or_404(
        Project.objects.visible_to(request.user).select_related(
            "contractor", "work_unit", "province", "regency", "district", "parent"
        ),
        pk=pk,
    )
    registrations = (
        Registration.objects.filter(project=project)
        .select_related("tariff")
        .prefetch_related("payments")
    )
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "amendments": project.amendments.all(),
            "registrations": registrations,
            "open_flags": project.flags.open(),
        },
    )
