from django.urls import path

from haven.partners import views

app_name = "partners"

# Each move on a referral has its own URL and view, POST only; the referral page only shows.
REFERRAL = "referrals/<uuid:referral_id>/"

urlpatterns = [
    path("", views.referrals, name="referrals"),
    path(REFERRAL, views.referral, name="referral"),
    path(f"{REFERRAL}acknowledge/", views.acknowledge, name="acknowledge"),
    path(f"{REFERRAL}accept/", views.accept, name="accept"),
    path(f"{REFERRAL}decline/", views.decline, name="decline"),
    path(f"{REFERRAL}ask/", views.ask, name="ask"),
    path(f"{REFERRAL}close/", views.close, name="close"),
    path(f"{REFERRAL}reference/", views.set_reference, name="reference"),
]
