from __future__ import annotations

import functools
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.test import Client

PASSWORD = "correct-horse-battery-9"


@functools.cache
def _password_hash() -> str:
    # Argon2 costs about a tenth of a second per hash by design; one hash serves every user.
    return make_password(PASSWORD)


class StaffProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.StaffProfile"

    role = "advisor"


class StaffUserFactory(factory.django.DjangoModelFactory):
    """A staff account with a role (``role="supervisor"``; default advisor) and no second factor."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"advisor{n}")
    is_staff = True
    password = factory.LazyFunction(_password_hash)
    profile = factory.RelatedFactory(
        StaffProfileFactory, factory_related_name="user", role=factory.SelfAttribute("..role")
    )

    class Params:
        role = "advisor"
        not_staff = factory.Trait(is_staff=False, username=factory.Sequence(lambda n: f"member{n}"))


def add_totp(user: Any, *, confirmed: bool = True) -> Any:
    """An authenticator app for ``user``, as if set up; its codes come from ``totp_code``."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=confirmed)


def totp_code(device: Any, *, steps_ahead: int = 0) -> str:
    """The code the person's app shows now (or ``steps_ahead`` 30-second steps later)."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def verified_client(user: Any) -> Client:
    """A client signed in as ``user`` whose session has passed the second factor (an app)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or add_totp(user)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


class CaseFactory(factory.Factory):
    """A case as a report sent through ``submit_report`` opens it (sealed, triaged, audited,
    linked), without walking the public form; then given the state a test asks for.

    ``CaseFactory(audience="child", narrative="...", where=[("Instagram", "example_user")])``;
    ``status``, ``priority``, ``assigned_to`` set the case afterwards as a service would have
    (targets recounted), ``restricted_to=[user, ...]`` restricts it (by ``restricted_by``, a
    supervisor made if not given). Keep the end-to-end tests on the journey; most others need
    only a case.
    """

    class Meta:
        model = "cases.Case"

    audience = "parent"
    narrative = "Someone in a game asked for photos."
    where: Any = None
    contact: Any = None
    client_bucket: Any = None
    status: Any = None
    priority: Any = None
    assigned_to: Any = None
    restricted_to: Any = None
    restricted_by: Any = None

    @classmethod
    def _create(cls, model_class: Any, **options: Any) -> Any:
        import uuid

        from django.utils import timezone

        from haven.cases import services
        from haven.cases.models import Case
        from haven.reporting.services import submit_report

        answers: dict[str, dict[str, Any]] = {
            "what-happened": {"what_happened": options["narrative"]}
        }
        if options["where"]:
            answers["where"] = {
                "platforms": [{"platform": p, "usernames": u} for p, u in options["where"]]
            }
        if options["contact"] is not None:
            answers["contact"] = {"contact_choice": "yes", "name": "", "safe_times": ""}
            answers["contact"].update(options["contact"])
        receipt = submit_report(
            audience=options["audience"],
            answers=answers,
            submission_key=uuid.uuid4().hex,
            received_at=timezone.now(),
            client_bucket=options["client_bucket"],
        )
        case = Case.objects.get(report=receipt.report)
        changed = {
            name: options[name]
            for name in ("status", "priority", "assigned_to")
            if options[name] is not None
        }
        if changed:
            for name, value in changed.items():
                setattr(case, name, value)
            if case.status == "closed" and case.closed_at is None:
                case.closed_at = timezone.now()
            services.set_next_target(case)
            case.save()
        if options["restricted_to"] is not None:
            by = options["restricted_by"] or StaffUserFactory(role="supervisor")
            case = services.restrict_case(
                case=case, by=by, allowed=list(options["restricted_to"]), reason="A colleague"
            )
        return Case.objects.select_related("report", "assigned_to").get(pk=case.pk)


def submitted_case(
    *,
    audience: str = "parent",
    narrative: str = "Someone in a game asked for photos.",
    client_bucket: str | None = None,
) -> Any:
    """A report sent through ``submit_report`` (quicker than the journey over HTTP), as its case."""
    return CaseFactory(audience=audience, narrative=narrative, client_bucket=client_bucket)


class PartnerAgencyFactory(factory.django.DjangoModelFactory):
    """A partner agency in the directory: children's social care reached through the portal."""

    class Meta:
        model = "referrals.PartnerAgency"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Example Borough Children's Services {n}")
    kind = "social_care"
    areas = factory.LazyFunction(lambda: ["Example Borough"])
    out_of_hours = "Emergency duty team 0300 555 0000"

    @factory.post_generation
    def searchable(obj: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        """Its areas found by the directory's search, as ``directory.save_agency`` keeps them."""
        if create:
            from haven.referrals.directory import _set_areas

            _set_areas(obj, obj.areas)


def partner_user(agency: Any, **kwargs: Any) -> Any:
    """A user of ``agency``: a staff account with the partner role, a member of it."""
    import uuid

    from haven.referrals.models import PartnerMembership

    kwargs.setdefault("username", f"partner-{uuid.uuid4().hex[:8]}")
    user = StaffUserFactory(role="partner", **kwargs)
    PartnerMembership.objects.create(user=user, agency=agency)
    return user
