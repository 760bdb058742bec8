"""Signing in by username and password, and loading the signed-in user on each request."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

BACKEND = "accounts.backends.UserBackend"


class UserBackend(ModelBackend):
    """Django's ModelBackend, except that the user of each request comes with what nearly every
    page asks next: the office and its region (scope, time zone) and the company membership with
    its company and the company's kab/kota (the contractor's time zone; projects' reverse
    one-to-one; none for office staff). One query instead of four
    on every page (README, load test)."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related(
            "office__region", "contractor_membership__contractor__regency"
        )
        try:
            user = users.get(pk=user_id)  # get(), not first(): no ORDER BY to build
        except users.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
