"""Signing in by username and password, and loading the signed-in user on each request."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from reference.prepared import PreparedQuery

BACKEND = "accounts.backends.UserBackend"


class UserBackend(ModelBackend):
    """Django's ModelBackend, except that the user of each request comes with what nearly every
    page asks next: the office and its region (scope, time zone) and the company membership with
    its company and the company's kab/kota (the contractor's time zone; projects' reverse
    one-to-one; none for office staff). One query instead of four
    on every page (README, load test)."""

    def get_user(self, user_id):
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        users = USER_WITH_SCOPE.fetch(user_id=user_id)
        user = users[0] if users else None
        return user if user is not None and self.user_can_authenticate(user) else None


# Its SQL built once per process (reference.prepared): compiling the five joins cost every page
# about 1 ms of CPU, more than the query itself.
USER_WITH_SCOPE = PreparedQuery(
    "user with scope",
    lambda user_id: (
        get_user_model()
        ._default_manager.select_related(
            "office__region", "contractor_membership__contractor__regency"
        )
        .filter(pk=user_id)
    ),
    "user_id",
)
