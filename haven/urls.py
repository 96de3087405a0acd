from django.urls import include, path

urlpatterns = [
    path("staff/", include("haven.staff.urls")),
    path("partner/", include("haven.partners.urls")),
    path("", include("haven.reporting.urls")),
]

handler400 = "haven.core.views.bad_request"
handler403 = "haven.core.views.forbidden"
handler404 = "haven.core.views.not_found"
handler500 = "haven.core.views.server_error"
