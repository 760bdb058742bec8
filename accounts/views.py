"""Pages of contractor accounts: sign-up, confirmation, team, invitations, and the office's
confirmation of new companies. Thin: fetch through a scoped queryset, validate, call a service."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects.models import Contractor, ContractorMembership
from reference.forms import add_service_errors

from . import services
from .backends import BACKEND
from .forms import AcceptInvitationForm, ApiTokenForm, EmailForm, InvitationForm, SignUpForm
from .models import ApiToken, Invitation


def _site_url(request) -> str:
    return request.build_absolute_uri("/")


# --- Sign-up ----------------------------------------------------------------------------------


def sign_up(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if form.is_valid():
        try:
            user = services.sign_up_contractor(
                **form.service_data(), language=translation.get_language()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            services.send_sign_up_confirmation(user=user, site_url=_site_url(request))
            return redirect("accounts:sign_up_sent")
    return render(request, "accounts/sign_up_form.html", {"form": form})


def sign_up_sent(request):
    return render(request, "accounts/sign_up_sent.html")


def sign_up_confirm(request, token):
    """GET shows a button, POST activates: mail scanners that open links must not log in."""
    check = services.check_confirmation_token(token)
    if request.method == "POST" and not check.problem:
        try:
            user = services.confirm_sign_up(token=token)
        except ValidationError as error:
            check = services.ConfirmationCheck(None, error.code)
        else:
            login(request, user, backend=BACKEND)
            messages.success(request, _("Your email address is confirmed. Welcome!"))
            return redirect("home")
    return render(request, "accounts/sign_up_confirm.html", {"problem": check.problem})


def sign_up_resend(request):
    form = EmailForm(request.POST or None)
    if form.is_valid():
        services.resend_sign_up_confirmation(
            email=form.cleaned_data["email"], site_url=_site_url(request)
        )
        # The same answer whether or not the address awaits confirmation.
        return redirect("accounts:sign_up_sent")
    return render(request, "accounts/sign_up_resend.html", {"form": form})


# --- Team -------------------------------------------------------------------------------------


def _my_membership(request) -> ContractorMembership:
    """The user's company membership; a page of a company's team does not exist for others."""
    membership = services.company_membership(request.user)
    if membership is None:
        raise Http404
    return membership


@login_required
def team(request, invitation_form=None):
    membership = _my_membership(request)
    members = (
        ContractorMembership.objects.filter(contractor_id=membership.contractor_id)
        .select_related("user")
        .order_by("-is_company_admin", "user__first_name", "user__username")
    )
    invitations = Invitation.objects.visible_to(request.user).open(now=timezone.now())
    if invitation_form is None and membership.is_company_admin:
        invitation_form = InvitationForm(initial={"language": request.user.preferred_language})
    context = {
        "membership": membership,
        "contractor": membership.contractor,
        "members": members,
        "invitations": invitations.select_related("invited_by"),
        "form": invitation_form,
    }
    return render(request, "accounts/team.html", context)


@login_required
@require_POST
def team_invite(request):
    membership = _my_membership(request)
    if not membership.is_company_admin:
        raise PermissionDenied
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation, token = services.invite_colleague(
                admin=request.user, now=timezone.now(), **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if services.send_invitation(
                invitation=invitation, token=token, site_url=_site_url(request)
            ):
                messages.success(request, _("Invitation sent to %s.") % invitation.email)
            else:
                messages.warning(
                    request,
                    _("The invitation was saved but the mail could not be sent; invite again."),
                )
            return redirect("accounts:team")
    return team(request, invitation_form=form)


@login_required
@require_POST
def invitation_revoke(request, pk):
    invitation = get_object_or_404(Invitation.objects.visible_to(request.user), pk=pk)
    if services.revoke_invitation(invitation=invitation, by=request.user, now=timezone.now()):
        messages.success(request, _("The invitation to %s was withdrawn.") % invitation.email)
    else:
        messages.info(request, _("This invitation was already accepted or withdrawn."))
    return redirect("accounts:team")


@login_required
@require_POST
def member_remove(request, pk):
    mine = _my_membership(request)
    membership = get_object_or_404(
        ContractorMembership.objects.filter(contractor_id=mine.contractor_id).select_related(
            "user"
        ),
        pk=pk,
    )
    try:
        services.remove_colleague(membership=membership, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        name = membership.user.get_full_name() or membership.user.username
        messages.success(request, _("%s no longer has access to the company.") % name)
    return redirect("accounts:team")


def invitation_accept(request, token):
    invitation = services.find_invitation(token)
    if invitation is None:
        return render(request, "accounts/invitation_accept.html", {"state": "invalid"}, status=404)
    now = timezone.now()
    if invitation.accepted_at:
        state = "accepted"
    elif invitation.revoked_at:
        state = "revoked"
    elif not invitation.is_open(now=now):
        state = "expired"
    elif request.user.is_authenticated:
        state = "logged_in"
    else:
        state = "open"
    form = AcceptInvitationForm(request.POST or None) if state == "open" else None
    if form is not None and form.is_valid():
        try:
            user = services.accept_invitation(token=token, now=now, **form.service_data())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend=BACKEND)
            messages.success(
                request, _("Welcome to %s in Pantau Jakon.") % invitation.contractor.legal_name
            )
            return redirect("home")
    context = {"state": state, "invitation": invitation, "form": form}
    return render(request, "accounts/invitation_accept.html", context)


# --- The office confirms new companies --------------------------------------------------------


def _require_office(request) -> None:
    if not (request.user.is_superuser or request.user.is_office_staff):
        raise PermissionDenied


@login_required
def contractor_confirmations(request):
    """Companies of the office's region that no office has confirmed yet, oldest first."""
    _require_office(request)
    contractors = (
        Contractor.objects.visible_to(request.user)
        .filter(confirmed_at__isnull=True)
        .select_related("regency", "province")
        .order_by("created_at", "pk")
    )
    context = {
        "contractors": contractors,
        "can_confirm": services.can_confirm_contractors(request.user),
    }
    return render(request, "accounts/contractor_confirmations.html", context)


@login_required
@require_POST
def contractor_confirm(request, pk):
    _require_office(request)
    contractor = get_object_or_404(Contractor.objects.visible_to(request.user), pk=pk)
    if services.confirm_contractor(contractor=contractor, by=request.user, now=timezone.now()):
        messages.success(request, _("%s is confirmed.") % contractor.legal_name)
    else:
        messages.info(request, _("%s was already confirmed.") % contractor.legal_name)
    return redirect("accounts:contractor_confirmations")


# --- API tokens -------------------------------------------------------------------------------


@login_required
def api_tokens(request):
    """The person's API tokens: create one (its secret is shown on this response only), list
    them with their last use, revoke them."""
    form = ApiTokenForm(request.POST or None)
    secret = None
    if form.is_valid():
        try:
            token, secret = services.create_api_token(
                user=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The token %s is created.") % token.name)
            form = ApiTokenForm()
    tokens = ApiToken.objects.visible_to(request.user)
    return render(
        request, "accounts/api_tokens.html", {"form": form, "tokens": tokens, "secret": secret}
    )


@login_required
@require_POST
def api_token_revoke(request, pk):
    token = get_object_or_404(ApiToken.objects.visible_to(request.user), pk=pk)
    if services.revoke_api_token(token=token, now=timezone.now()):
        messages.success(request, _("The token %s is revoked.") % token.name)
    else:
        messages.info(request, _("This token was already revoked."))
    return redirect("accounts:api_tokens")
