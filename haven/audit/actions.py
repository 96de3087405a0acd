"""Every kind of audit event, by the name it is stored under: the one list of them.

``record_event`` takes only these, and no app writes an action's name as a string
(tests/test_audit_actions.py reads the code for one). The names are what the chain hashes:
never change a stored one; add a new member instead. The label is what a person reading the
audit trail is shown.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    # A report: received, refused at the door, opened by staff.
    REPORT_RECEIVED = "report.received", _("Report received")
    REPORT_REFUSED = "report.refused", _("Report refused")
    REPORT_OPENED = "report.opened", _("Report opened")
    REPORT_OPEN_FAILED = "report.open_failed", _("Report could not be opened")
    REPORTS_SEEDED = "reports.seeded", _("Synthetic reports seeded")

    # A reporter checking on their report with its reference and follow-up code.
    REPORTER_CHECKED = "reporter.checked", _("Reporter checked on their report")
    REPORTER_CHECK_FAILED = "reporter.check_failed", _("Wrong reference or follow-up code")
    REPORTER_CHECK_REFUSED = "reporter.check_refused", _("Check refused after too many wrong tries")
    # The conversation with the reporter, through their report's page (issue 8).
    REPORTER_READ_MESSAGE = "reporter.read_message", _("Reporter read a message")
    REPORTER_REPLIED = "reporter.replied", _("Reporter replied")
    REPORTER_ADDED_INFORMATION = "reporter.added_information", _("Reporter added information")
    REPORTER_CONTACT_CHANGED = "reporter.contact_changed", _("Reporter changed how to contact them")
    MESSAGE_SENT = "message.sent", _("Message sent to the reporter")
    NOTICE_SENT = "notice.sent", _("Notice sent")
    NOTICE_FAILED = "notice.failed", _("Notice not sent")

    # A case: its life, and who opened it or was refused.
    CASE_OPENED = "case.opened", _("Case opened")
    CASE_VIEWED = "case.viewed", _("Case viewed")
    CASE_EXPORTED = "case.exported", _("Case summary downloaded")
    CASE_ACCESS_REFUSED = "case.access_refused", _("Case refused: restricted")
    CASE_FIRST_READ = "case.first_read", _("First read")
    CASE_CLAIMED = "case.claimed", _("Case claimed")
    CASE_CLAIM_REFUSED = "case.claim_refused", _("Claim refused")
    CASE_ASSIGNED = "case.assigned", _("Case assigned")
    CASE_STATUS_CHANGED = "case.status_changed", _("Status changed")
    CASE_THRESHOLD_DECIDED = "case.threshold_decided", _("Threshold decided")
    CASE_TRANSITION_REFUSED = "case.transition_refused", _("Status change refused")
    CASE_BULK_CLOSE_REFUSED = "case.bulk_close_refused", _("Bulk close refused")
    CASE_PRIORITY_CHANGED = "case.priority_changed", _("Priority changed")
    CASE_RETRIAGED = "case.retriaged", _("Priority raised by information the reporter added")
    CASE_NOTE_ADDED = "case.note_added", _("Note added")
    CASE_CONTACT_ATTEMPTED = "case.contact_attempted", _("Contact attempted")
    CASE_SAFETY_ACTION_ADDED = "case.safety_action_added", _("Safety plan action added")
    CASE_SAFETY_ACTION_DONE = "case.safety_action_done", _("Safety plan action done")
    CASE_LINKED = "case.linked", _("Cases linked")
    CASE_IDENTIFIER_MATCH = "case.identifier_match", _("Same person mentioned")
    CASE_RESTRICTED = "case.restricted", _("Case restricted")
    CASE_RESTRICTION_LIFTED = "case.restriction_lifted", _("Restriction lifted")

    # A case: who holds it, four-eyes approvals, assignment (H1, issue 7).
    CASE_OWNERSHIP_REFUSED = "case.ownership_refused", _("Refused: another advisor's case")
    CASE_OWNERSHIP_OVERRIDDEN = "case.ownership_overridden", _("Acted on another advisor's case")
    CASE_ASSIGN_REFUSED = "case.assign_refused", _("Assignment refused")
    CASE_APPROVAL_REQUESTED = "case.approval_requested", _("Approval asked for")
    CASE_APPROVAL_APPROVED = "case.approval_approved", _("Change approved")
    CASE_APPROVAL_RETURNED = "case.approval_returned", _("Change returned")
    CASE_APPROVAL_WITHDRAWN = "case.approval_withdrawn", _("Approval request withdrawn")
    CASE_APPROVAL_REFUSED = "case.approval_refused", _("Approval refused")

    # Finding a case by its reference (H2, issue 7): the outcome, never the words typed.
    CASE_SEARCHED = "case.searched", _("Case searched for")

    # Referrals to partner agencies (issue 9): each move, what was shared, every opening.
    REFERRAL_DRAFTED = "referral.drafted", _("Referral drafted")
    REFERRAL_SAVED = "referral.saved", _("Referral draft changed")
    REFERRAL_SUBMITTED = "referral.submitted", _("Referral sent for approval")
    REFERRAL_APPROVED = "referral.approved", _("Referral approved")
    REFERRAL_RETURNED = "referral.returned", _("Referral returned to its advisor")
    REFERRAL_SENT = "referral.sent", _("Referral sent")
    REFERRAL_REVIEWED = "referral.reviewed", _("Urgent referral reviewed after sending")
    REFERRAL_ACKNOWLEDGED = "referral.acknowledged", _("Referral acknowledged")
    REFERRAL_ACCEPTED = "referral.accepted", _("Referral accepted")
    REFERRAL_DECLINED = "referral.declined", _("Referral declined")
    REFERRAL_INFORMATION_REQUESTED = (
        "referral.information_requested",
        _("More information asked for"),
    )
    REFERRAL_CLOSED = "referral.closed", _("Referral closed")
    REFERRAL_REVOKED = "referral.revoked", _("Referral revoked")
    REFERRAL_OPENED = "referral.opened", _("Referral opened by the agency")
    REFERRAL_REFUSED = "referral.refused", _("Referral action refused")
    REFERRAL_PARTNER_REFERENCE = "referral.partner_reference", _("Agency's reference recorded")
    REFERRAL_EXPORTED = "referral.exported", _("Referral downloaded")
    AGENCY_SAVED = "agency.saved", _("Partner agency added or changed")
    AGENCIES_IMPORTED = "agencies.imported", _("Partner agencies imported")
    AGENCIES_EXPORTED = "agencies.exported", _("Partner agencies exported")

    # Staff: signing in and out, the second factor, accounts, refusals.
    STAFF_SIGNED_IN = "staff.signed_in", _("Signed in")
    STAFF_SIGNED_OUT = "staff.signed_out", _("Signed out")
    STAFF_SIGN_IN_FAILED = "staff.sign_in_failed", _("Sign-in failed")
    STAFF_LOCKED_OUT = "staff.locked_out", _("Locked out")
    STAFF_SESSION_ENDED = "staff.session_ended", _("Session ended")
    STAFF_SIGNED_OUT_EVERYWHERE = "staff.signed_out_everywhere", _("Signed out everywhere")
    STAFF_MFA_ENROLLED = "staff.mfa_enrolled", _("Second factor set up")
    STAFF_MFA_VERIFIED = "staff.mfa_verified", _("Second factor passed")
    STAFF_MFA_FAILED = "staff.mfa_failed", _("Second factor failed")
    STAFF_RECOVERY_CODES_ISSUED = "staff.recovery_codes_issued", _("Recovery codes issued")
    STAFF_RECOVERY_CODE_USED = "staff.recovery_code_used", _("Recovery code used")
    STAFF_ACCOUNT_CREATED = "staff.account_created", _("Staff account created")
    STAFF_ROLE_CHANGED = "staff.role_changed", _("Role changed")
    STAFF_REFUSED = "staff.refused", _("Page refused")

    # Account administration (H3): what administrators do to staff accounts, and what they
    # were refused; the set-password link and the password its holder sets.
    STAFF_ACCOUNT_DEACTIVATED = "staff.account_deactivated", _("Staff account deactivated")
    STAFF_ACCOUNT_REACTIVATED = "staff.account_reactivated", _("Staff account reactivated")
    STAFF_MFA_RESET = "staff.mfa_reset", _("Sign-in methods reset")
    STAFF_PASSWORD_LINK_ISSUED = "staff.password_link_issued", _("Set-password link made")
    STAFF_PASSWORD_SET = "staff.password_set", _("Password set")
    STAFF_SIGN_IN_UNLOCKED = "staff.sign_in_unlocked", _("Sign-in unlocked")
    STAFF_ACCOUNT_CHANGE_REFUSED = "staff.account_change_refused", _("Account change refused")

    # The audit trail and the keys.
    AUDIT_SEARCHED = "audit.searched", _("Audit trail searched")
    KEYS_ROTATED = "keys.rotated", _("Keys rotated")


class UnknownAction(ValueError):
    """An audit event named by no member of ``Action``."""
