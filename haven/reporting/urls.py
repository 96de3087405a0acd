from django.urls import path

from haven.reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.start, name="start"),
    path("who-are-you/", views.who, name="who"),
    path("what-happens/", views.what_happens, name="what_happens"),
    path("not-ready-to-report/", views.not_ready, name="not_ready"),
    path("staying-safe-online/", views.staying_safe, name="staying_safe"),
    path("exit/", views.exit_page, name="exit"),
    path("check/", views.check_report, name="check"),
    path("check/your-report/", views.your_report, name="your_report"),
    path("check/your-report/reply/", views.reply, name="reply"),
    path("check/your-report/add/", views.add_information, name="add_information"),
    path("check/your-report/contact/", views.change_contact, name="change_contact"),
    path("check/sign-out/", views.check_sign_out, name="check_sign_out"),
    path("check/lost-code/", views.lost_code, name="lost_code"),
    path("report/check-answers/", views.check_answers, name="check_answers"),
    path("report/send/", views.send, name="send"),
    path("report/sent/", views.sent, name="sent"),
    path("report/finish/", views.finish, name="finish"),
    path("report/timed-out/", views.timed_out, name="timed_out"),
    path("report/<slug:slug>/", views.step, name="step"),
]
