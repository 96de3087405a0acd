from django.urls import path

from haven.staff import views

app_name = "staff"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
    path("", views.reports, name="reports"),
    path("reports/<uuid:report_id>/", views.report, name="report"),
    path("queue/", views.queue, name="queue"),
    path("cases/<uuid:case_id>/", views.case_detail, name="case"),
]
