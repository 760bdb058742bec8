"""The admin's view of django-simple-history, read-only: the audit trail is not editable from
the application. SimpleHistoryAdmin shows a past version in a form and saves it back on POST
(a 'revert'), whatever SIMPLE_HISTORY_REVERT_DISABLED says (that setting only hides the
button), so every history admin of the project uses this class instead."""

from django.http import HttpResponseNotAllowed
from simple_history.admin import SimpleHistoryAdmin


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True
