"""Who may use the staff side. Every staff view is wrapped by ``staff_required``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from haven.audit.services import record_event

View = Callable[..., HttpResponse]


def staff_required(view: View) -> View:
    """Anonymous: to the sign-in page. Signed in but not active staff: refused, and audited."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_active and user.is_staff):
            with transaction.atomic():
                record_event(
                    action="staff.refused",
                    actor=user,
                    detail={
                        "view": request.resolver_match.view_name if request.resolver_match else ""
                    },
                )
            return render(request, "staff/refused.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
