from django.urls import include, path

from haven.accounts import views as accounts
from haven.staff import views

app_name = "staff"

urlpatterns = [
    path("sign-in/", accounts.SignInView.as_view(), name="login"),
    path("sign-out/", accounts.SignOutView.as_view(), name="logout"),
    path("account/", include("haven.accounts.urls")),
    path("", views.reports, name="reports"),
    path("reports/<uuid:report_id>/", views.report, name="report"),
    path("queue/", views.queue, name="queue"),
    path("queue/close/", views.close_cases, name="close_cases"),
    path("cases/<uuid:case_id>/", views.case_detail, name="case"),
    path("cases/<uuid:case_id>/assign/", views.assign, name="assign"),
    path("team/", views.team, name="team"),
    path("audit/", views.audit, name="audit"),
]
