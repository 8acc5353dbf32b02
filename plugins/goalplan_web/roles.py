"""The one authorisation function every route asks: may this account do this, on this plan?

A plan belongs to the clinician name recorded on it. Clinicians read and write their own plans;
supervisors read (and co-sign) the plans of the clinicians they supervise; auditors read every
plan and the audit report and never write; admins manage accounts and see no clinical content.
A calendar feed covers exactly the plans the caseload page lists; the analytics page is for the
clinicians and supervisors who follow that caseload's outcomes.
"""

from __future__ import annotations

from goalplan_web.accounts import Account

ACTIONS = ("caseload", "read", "write", "cosign", "audit", "accounts", "feed", "analytics")


def may(account: Account, action: str, plan_clinician: str | None = None) -> bool:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if account.disabled:
        return False
    role = account.role
    if action == "accounts":
        return role == "admin"
    if action == "audit":
        return role == "auditor"
    if action in ("caseload", "feed"):  # a calendar feed holds what the caseload page lists
        return role in ("clinician", "supervisor", "auditor")
    if action == "analytics":  # outcomes of one's own or one's supervisees' caseload
        return role in ("clinician", "supervisor")
    own = plan_clinician is not None and plan_clinician == account.clinician_name
    supervised = plan_clinician is not None and plan_clinician in account.supervises
    if action == "read":
        return (role == "clinician" and own) or (role == "supervisor" and supervised) or role == "auditor"
    if action == "write":
        return role == "clinician" and own
    return role == "supervisor" and supervised  # cosign


def visible(account: Account, plan_clinician: str) -> bool:
    """Whether a plan appears on this account's caseload page."""
    return may(account, "read", plan_clinician)
