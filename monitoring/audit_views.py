"""/office/audit/: the audit trail of the office's region (monitoring.audit), read-only."""

from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from projects.models import Project
from reference.forms import DateInput

from . import audit
from .views import _office_scope


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *audit.KIND_LABELS.items()]
    )
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Until"), required=False, widget=DateInput())
    after = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_after(self):
        value = self.cleaned_data["after"]
        try:
            return audit.parse_cursor(value) if value else None
        except ValueError:
            return None  # a damaged link starts again at the newest entry

    def page_arguments(self) -> dict:
        """Days in the office's time zone (activated by UserTimezoneMiddleware)."""
        data = self.cleaned_data if self.is_valid() else {}
        since, until = data.get("since"), data.get("until")
        return {
            "kind": data.get("kind", ""),
            "since": _start_of(since) if since else None,
            "until": _start_of(until + timedelta(days=1)) if until else None,
            "cursor": data.get("after"),
        }


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


@login_required
@require_GET
def audit_log(request):
    """Who changed what in the region, newest first: for every office role, never editable."""
    _office_scope(request.user)
    form = AuditFilterForm(request.GET or None)
    page = audit.audit_page(Project.objects.visible_to(request.user), **form.page_arguments())
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "first_page": not request.GET.get("after"),
    }
    return render(request, "monitoring/audit.html", context)
