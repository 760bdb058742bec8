from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET


@login_required
def home(request):
    """The landing page after login: admin for a superuser, the region's projects for office
    staff, "my projects" for a contractor."""
    if request.user.is_superuser:
        return redirect("admin:index")
    if request.user.is_office_staff:
        return redirect("monitoring:dashboard")
    return redirect("projects:list")


@require_GET
def healthz(request):
    """The process is up (no database, no broker): for compose health checks."""
    return HttpResponse("ok", content_type="text/plain")
