from django.urls import include, path

from haven.accounts import views as accounts
from haven.staff.views import (
    agencies,
    audit,
    case,
    case_actions,
    exports,
    mentions,
    messages,
    queue,
    referrals,
    reports,
    search,
    team,
)

app_name = "staff"

# Each verb on a case has its own URL and view, POST only; the case page itself only shows.
CASE = "cases/<uuid:case_id>/"
REFERRAL = "referrals/<uuid:referral_id>/"

urlpatterns = [
    path("sign-in/", accounts.SignInView.as_view(), name="login"),
    path("sign-out/", accounts.SignOutView.as_view(), name="logout"),
    path("account/", include("haven.accounts.urls")),
    path("", reports.reports, name="reports"),
    path("reports/<uuid:report_id>/", reports.report, name="report"),
    path("queue/", queue.queue, name="queue"),
    path("queue/close/", queue.close_cases, name="close_cases"),
    path(CASE, case.case_detail, name="case"),
    path(f"{CASE}claim/", case_actions.claim, name="case_claim"),
    path(f"{CASE}status/", case_actions.change_status, name="case_status"),
    path(f"{CASE}priority/", case_actions.change_priority, name="case_priority"),
    path(f"{CASE}notes/", case_actions.add_note, name="case_note"),
    path(f"{CASE}contacts/", case_actions.log_contact_attempt, name="case_contact"),
    path(f"{CASE}message/", messages.message, name="case_message"),
    path(f"{CASE}safety/", case_actions.add_safety_action, name="case_safety"),
    path(
        f"{CASE}safety/<int:action_id>/done/",
        case_actions.complete_safety_action,
        name="case_safety_done",
    ),
    path(f"{CASE}links/", case_actions.link, name="case_link"),
    path(f"{CASE}mentions/<str:kind>/", mentions.mentions, name="case_mentions"),
    path(f"{CASE}restrict/", case_actions.restrict, name="case_restrict"),
    path(f"{CASE}restriction/lift/", case_actions.lift_restriction, name="case_lift_restriction"),
    path(f"{CASE}assign/", case_actions.assign, name="assign"),
    path(f"{CASE}approval/approve/", case_actions.approve, name="case_approve"),
    path(f"{CASE}approval/return/", case_actions.return_change, name="case_return"),
    path(f"{CASE}approval/withdraw/", case_actions.withdraw, name="case_withdraw"),
    path(f"{CASE}refer/", referrals.new_referral, name="case_refer"),
    path(REFERRAL, referrals.referral, name="referral"),
    path(f"{REFERRAL}approve/", referrals.approve, name="referral_approve"),
    path(f"{REFERRAL}return/", referrals.return_referral, name="referral_return"),
    path(f"{REFERRAL}review/", referrals.review, name="referral_review"),
    path(f"{REFERRAL}revoke/", referrals.revoke, name="referral_revoke"),
    path(f"{REFERRAL}answer/", referrals.answer, name="referral_answer"),
    path(f"{REFERRAL}close/", referrals.close, name="referral_close"),
    path(f"{REFERRAL}export.pdf", exports.referral_export, name="referral_export"),
    path(f"{CASE}summary.pdf", exports.case_summary, name="case_summary"),
    path("team/", team.team, name="team"),
    path("search/", search.search, name="search"),
    path("audit/", audit.audit, name="audit"),
    path("agencies/", agencies.agencies, name="agencies"),
    path("agencies/add/", agencies.agency_add, name="agency_add"),
    path("agencies/import/", agencies.agencies_import, name="agencies_import"),
    path("agencies/export.csv", agencies.agencies_export, name="agencies_export"),
    path("agencies/<uuid:agency_id>/", agencies.agency, name="agency"),
]
