"""Sign-in, registration, profile and passwords."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from school.accounts import people_sort, privacy, services, sessions, throttle
from school.accounts.forms import (
    ChangePasswordForm,
    EmptyForm,
    GrantRoleForm,
    LoginForm,
    ProfileForm,
    RegistrationForm,
    ResetPasswordForm,
    ResetRequestForm,
    WithdrawConsentForm,
)
from school.accounts.models import Role, User
from school.core.edge import attempt, flash_domain_error
from school.core.utils import paginate, safe_next
from school.errors import DomainError, DomainErrors
from school.extensions import db, limiter
from school.mail import send_mail
from school.orgs import services as org_services
from school.orgs.services import fill_org_choices
from school.permissions import ADMIN, PUBLIC, SIGNED_IN, STAFF, allow, load

bp = Blueprint("accounts", __name__)


def _reset_limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


def sign_in(user: User, *, remember: bool = False) -> None:
    """Start a server-side session for `user` and put its key in the cookies."""
    user.session_key = sessions.start(user, remember=remember,
                                      user_agent=request.user_agent.string,
                                      ip_address=request.remote_addr)
    session.pop("lang", None)
    login_user(user, remember=remember)
    if user.locale:
        session["lang"] = user.locale


def _current_session_key() -> str | None:
    return getattr(current_user, "session_key", None) if current_user.is_authenticated else None


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login():
    # Only FAILED attempts are counted (school/accounts/throttle.py): a room of trainees
    # signing in from one address is never refused for succeeding.
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = services.normalize_email(form.email.data)
        owner = services.find_by_email(email)
        owner_id = owner.id if owner is not None else None
        verdict = throttle.check(email, owner_id)
        if not verdict.allowed:
            # The same words whether or not the account exists.
            flash(_("Too many failed attempts. Try again in %(n)d seconds, or reset your "
                    "password by e-mail.", n=verdict.retry_after), "danger")
            response = current_app.make_response(
                (render_template("accounts/login.html", form=form), 429))
            response.headers["Retry-After"] = str(verdict.retry_after)
            return response
        user = services.authenticate(email, form.password.data)
        if user is None:
            throttle.failed(email, owner_id)
            # The same words whether or not the account exists.
            flash(_("Wrong e-mail or password."), "danger")
        else:
            throttle.succeeded(email, user.id)
            with attempt():
                sign_in(user, remember=bool(form.remember.data))
            response = redirect(safe_next(request.args.get("next"), url_for("core.index")))
            throttle.remember_device(response, user.id)
            return response
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@allow(PUBLIC)
def logout():
    # The server-side row ends: the old session cookie and the "remember me" cookie
    # (which carry its key) are refused from now on, wherever copies of them are.
    with attempt():
        sessions.revoke_key(_current_session_key())
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("core.index"))


@bp.route("/register", methods=["GET", "POST"])
@allow(PUBLIC)
# A room of trainees may register together from one office address.
@limiter.limit("60 per hour", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = RegistrationForm()
    fill_org_choices(form)
    if form.is_submitted():
        from school.accounts import claims

        owner = claims.claimable_by_email(form.email.data or "")
        if owner is not None:
            # A coordinator entered this person: a way into that account, not a dead end.
            with attempt():
                claims.send_claim_link(owner)
            flash(_("Your coordinator has already created an account with this e-mail. We "
                    "have sent a link to it: open it to set your password and log in."), "info")
            return redirect(url_for("accounts.login"))
    if form.validate_on_submit():
        locale = str(get_locale() or "ru")
        try:
            with attempt(form) as done:
                user = services.register(
                    form.email.data,
                    form.password.data,
                    _profile_from(form),
                    consent=form.consent.data,
                    locale=locale,
                    ip_address=request.remote_addr,
                )
                sign_in(user)
                _queue_welcome(user, locale)  # leaves after the commit, dropped on rollback
        except IntegrityError:
            # Two registrations with the same e-mail or IIN at the same instant: the
            # database's unique constraint decided; answer as the service would have.
            db.session.rollback()
            flash(_("An account with this e-mail or IIN already exists."), "danger")
        else:
            if done:
                flash(_("Welcome! Your account has been created."), "success")
                return redirect(url_for("core.index"))
    elif form.is_submitted():
        # The form's own checks failed: show the rules' verdicts on the other fields too,
        # so the person corrects everything in one go.
        problems = services.check_registration(
            form.email.data or "", form.password.data or "", _profile_from(form),
            consent=bool(form.consent.data))
        fresh = [e for e in problems.errors
                 if not (e.field and getattr(form, e.field, None) is not None
                         and getattr(form, e.field).errors)]
        if fresh:
            flash_domain_error(form, DomainErrors(fresh))
        db.session.rollback()
    return render_template("accounts/register.html", form=form,
                           consent_version=current_app.config["CONSENT_VERSION"])


def _queue_welcome(user: User, locale: str) -> None:
    """The welcome letter in the person's language: what to do next and how to withdraw
    consent (issue 16)."""
    from school.mail import absolute_url, queue_mail

    queue_mail(user.email, "welcome", locale=locale, user=user,
               catalog_link=absolute_url("catalog.events"),
               my_link=absolute_url("enrollment.my"),
               profile_link=absolute_url("accounts.profile"))


def _profile_from(form) -> services.Profile:
    return services.Profile(
        full_name=form.full_name.data or "",
        phone=form.phone.data,
        iin=form.iin.data,
        region_id=form.region_id.data,
        union_id=form.union_id.data,
        branch_id=form.branch_id.data,
        primary_org_id=form.primary_org_id.data,
        category=form.category.data or None,
        position=form.position.data,
        workplace=form.workplace.data,
        position_kk=form.position_kk.data,
        workplace_kk=form.workplace_kk.data,
    )


@bp.route("/profile", methods=["GET", "POST"])
@allow(SIGNED_IN)
def profile():
    user = current_user
    form = ProfileForm(obj=user)
    if request.method == "GET":
        form.category.data = user.category.value if user.category else ""
        # `position` and `workplace` read in the page's language: the fields are the Russian.
        form.position.data, form.workplace.data = user.position_ru, user.workplace_ru
    fill_org_choices(form)
    if form.validate_on_submit():
        with attempt(form) as done:
            services.update_profile(user, _profile_from(form))
        if done:
            flash(_("Your profile has been saved."), "success")
            return redirect(url_for("accounts.profile"))
    current = sessions.find(user.id, _current_session_key() or "")
    return render_template("accounts/profile.html", form=form, user=user,
                           withdraw_form=WithdrawConsentForm(),
                           devices=sessions.active(user), device_form=EmptyForm(),
                           current_session_id=current.id if current else None)


@bp.route("/profile/password", methods=["GET", "POST"])
@allow(SIGNED_IN)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            services.change_password(current_user, form.current_password.data,
                                     form.new_password.data,
                                     keep_session=_current_session_key())
        if done:
            # The new password ends every other session; this one continues.
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/password.html", form=form)


@bp.post("/profile/consent/withdraw")
@allow(SIGNED_IN)
def withdraw_consent():
    form = WithdrawConsentForm()
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm."), "warning")
        return redirect(url_for("accounts.profile"))
    with attempt() as done:
        privacy.withdraw(current_user._get_current_object())
        sessions.revoke_all(current_user)
    if not done:
        return redirect(url_for("accounts.profile"))
    logout_user()
    flash(_("Your consent has been withdrawn: your future enrolments are cancelled and staff "
            "no longer see your contacts. To come back, log in and consent again."), "info")
    return redirect(url_for("core.index"))


@bp.route("/password/reset", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit(_reset_limit, methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = services.find_by_email(form.email.data)
        if user is not None and user.active:
            token = services.make_reset_token(user)
            send_mail(
                user.email,
                "password_reset",
                locale=user.locale or str(get_locale()),
                user=user,
                link=current_app.config["BASE_URL"]
                + url_for("accounts.reset_password", token=token),
            )
        # The same answer whether or not the account exists.
        flash(_("If an account with this e-mail exists, we have sent a link to it."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit(_reset_limit, methods=["POST"])
def reset_password(token: str):
    purpose = "invite" if request.args.get("invite") else "reset"
    try:
        user = services.user_for_token(token, purpose)
    except DomainError as e:
        flash(str(e.message), "danger")
        return redirect(url_for("accounts.reset_request"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            services.reset_password(token, form.password.data, purpose)
        if done:
            flash(_("Your password has been set. You can log in now."), "success")
            response = redirect(url_for("accounts.login"))
            # The mailbox's owner is the account's owner: failures by strangers never slow
            # their sign-in from this browser (the reset link is the way in that always works).
            throttle.remember_device(response, user.id)
            return response
    return render_template("accounts/reset_password.html", form=form, user=user)


# --- people (staff) -------------------------------------------------------------------


def _people_search_limit() -> str:
    return current_app.config["PEOPLE_SEARCH_RATE_LIMIT"]


def _viewer_key() -> str:
    return f"people-search:{current_user.id}"


@bp.get("/people")
@allow(STAFF)
# Searches per person (not per address): a list cannot be walked to confirm numbers.
@limiter.limit(_people_search_limit, key_func=_viewer_key,
               exempt_when=lambda: not request.args.get("q", "").strip())
def people():
    search = request.args.get("q", "").strip()[:100]
    role = request.args.get("role") or None
    if role not in (None, *[r.value for r in Role]):
        role = None
    sort = people_sort.parse(request.args.get("sort"))
    query = people_sort.apply(
        services.people_query(current_user, search=search, role=role), sort)
    items, page, pages, total = paginate(query, per_page=50)
    return render_template("accounts/people.html", items=items, page=page, pages=pages,
                           total=total, q=search, role=role, roles=list(Role), sort=sort)


def _person_or_404(user_id: int) -> User:
    """404 rather than 403 for people outside a coordinator's scope: it tells nothing."""
    return load(User, user_id, "see_person")


@bp.get("/people/<int:user_id>")
@allow(STAFF)
def person(user_id: int):
    person = _person_or_404(user_id)
    form = GrantRoleForm()
    form.role.choices = [(r.value, r.label) for r in Role]
    form.union_id.choices = [(None, "—")] + [(u.id, u.name) for u in org_services.unions()]
    form.branch_id.choices = [(None, "—")] + [
        (b.id, f"{b.name} ({b.union.short_name})")
        for b in db.session.scalars(org_services.branch_query(current_user))
    ]
    return render_template("accounts/person.html", person=person, form=form,
                           revoke_form=EmptyForm())


@bp.post("/people/<int:user_id>/roles")
@allow(ADMIN)
def grant_role(user_id: int):
    person = _person_or_404(user_id)
    form = GrantRoleForm()
    form.validate()
    with attempt() as done:
        services.grant_role(person, request.form.get("role", ""), actor=current_user,
                            union_id=form.union_id.data, branch_id=form.branch_id.data)
    if done:
        flash(_("The role has been granted."), "success")
    return redirect(url_for("accounts.person", user_id=person.id))


@bp.post("/people/<int:user_id>/roles/<int:grant_id>/revoke")
@allow(ADMIN)
def revoke_role(user_id: int, grant_id: int):
    person = _person_or_404(user_id)
    with attempt() as done:
        services.revoke_role(person, grant_id, actor=current_user)
    if done:
        flash(_("The role has been revoked."), "success")
    return redirect(url_for("accounts.person", user_id=person.id))


# "Your devices" (the account's sessions) live in their own module, on this blueprint.
# The consent page, the person's own data, possible duplicates (issue 13): their own modules.
from school.accounts import consent_views as _consent_views  # noqa: E402,F401
from school.accounts import device_views as _device_views  # noqa: E402,F401
from school.accounts import duplicate_views as _duplicate_views  # noqa: E402,F401
