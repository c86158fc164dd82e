"""Who may act on which loan: the one caseload policy every write service asks.

Roles (accounts/roles.py) say what kind of work a person does; this module adds *which loans*
they may do it on. Reads are not restricted here: everyone with a role reads every loan (a
borrower who calls in reaches whoever answers, and that person must see the account).

The policy, by action (README "Security" says the same for people):

  CONTACT, PAYMENT   specialists and managers, on any loan: whoever answers an inbound call logs
                     the conversation and posts the payment the borrower makes on it. A logged
                     right-party contact also starts Reg F's 7-day no-call window
                     (12 CFR 1006.14(b)(2)), so it must be recorded whoever took the call.
  PROTECTIVE_HOLD    specialists and managers, on any loan: a bankruptcy filing (the automatic
                     stay, 11 U.S.C. 362), a cease-communication request (FDCPA 1692c(c)), an
                     attorney (1692c(a)(2)) or REO stop collection the moment the servicer
                     learns of them; refusing whoever took the call would cause a violation.
  WORK               specialists and managers, on their caseload: cases, documents,
                     evaluations, workouts, offers, trials, appeals filed, relief holds,
                     promises, tasks, payment returns, letters.
  SUPERVISE          managers, on their team's loans: release holds, assess fees, refer to
                     foreclosure, reassign.
  DECIDE             managers on their team's loans (delegated limit and four-eyes are the
                     workout services'); admins, the senior approvers, on any loan.
  LETTER             a letter is work on the loan; admins too (their denials send one).

A loan is on someone's caseload when it is assigned to them, when it is assigned to someone
who reports to them (Profile.manager, followed up the chain, so a senior manager covers the
teams under them and decides what is above a junior manager's limit), or when it is assigned
to nobody yet (the nightly scan assigns it; until then anyone who may work loans may, and a
specialist who opens a case on it takes it: Reg X 1024.40 wants one named contact).
Admins configure (rules, users, tapes, templates) and do not work loans unless also given a
working role.
"""

from enum import StrEnum

from accounts.models import Profile
from accounts.roles import Role, user_roles
from lossmit.errors import PermissionRefused

# How far up Profile.manager the team is followed: team lead, manager, head of servicing.
MAX_CHAIN = 5


class Action(StrEnum):
    CONTACT = "contact"
    PAYMENT = "payment"
    PROTECTIVE_HOLD = "protective_hold"
    WORK = "work"
    SUPERVISE = "supervise"
    DECIDE = "decide"
    LETTER = "letter"


WORKERS = frozenset({Role.SPECIALIST, Role.MANAGER})

# action -> (roles that may take it, roles that take it on any loan)
RULES: dict[Action, tuple[frozenset[str], frozenset[str]]] = {
    Action.CONTACT: (WORKERS, WORKERS),
    Action.PAYMENT: (WORKERS, WORKERS),
    Action.PROTECTIVE_HOLD: (WORKERS, WORKERS),
    Action.WORK: (WORKERS, frozenset()),
    Action.SUPERVISE: (frozenset({Role.MANAGER}), frozenset()),
    Action.DECIDE: (frozenset({Role.MANAGER, Role.ADMIN}), frozenset({Role.ADMIN})),
    Action.LETTER: (frozenset({Role.SPECIALIST, Role.MANAGER, Role.ADMIN}), frozenset({Role.ADMIN})),
}

_ROLE_WORDS = {
    frozenset(WORKERS): "specialists and managers",
    frozenset({Role.MANAGER}): "managers",
    frozenset({Role.MANAGER, Role.ADMIN}): "managers and admins",
    frozenset({Role.SPECIALIST, Role.MANAGER, Role.ADMIN}): "Lossmit staff",
}


def reports_to(user_id: int, manager_id: int) -> bool:
    """True when `manager_id` is `user_id`'s manager, or their manager's, up the chain."""
    seen = {user_id}
    current = user_id
    for _ in range(MAX_CHAIN):
        current = Profile.objects.filter(user_id=current).values_list("manager_id", flat=True).first()
        if current is None or current in seen:
            return False
        if current == manager_id:
            return True
        seen.add(current)
    return False


def on_caseload(actor, loan) -> bool:
    """The loan is the actor's own, their team's (down the reporting chain) or nobody's yet."""
    owner_id = loan.assigned_to_id
    return owner_id is None or owner_id == actor.pk or reports_to(owner_id, actor.pk)


def allows(actor, action: Action, loan=None) -> bool:
    """May `actor` take `action` (on `loan`, when given)? For pages deciding what to offer."""
    roles, anywhere = RULES[action]
    held = user_roles(actor)
    if not held & roles:
        return False
    return loan is None or bool(held & anywhere) or on_caseload(actor, loan)


def _owner_name(loan) -> str:
    owner = loan.assigned_to
    return owner.get_full_name() or owner.get_username()


def check(actor, action: Action, *, loan=None, doing: str) -> None:
    """Refuse (PermissionRefused, 403) unless `actor` may take `action` on `loan`.

    Call it first thing with no loan (the role alone: a wrong role is refused before any input
    is read), then again with the loan as soon as the service has it locked. `doing` completes
    the message, e.g. "open cases".
    """
    roles, anywhere = RULES[action]
    held = user_roles(actor)
    if not held & roles:
        who = _ROLE_WORDS.get(roles, "other roles")
        raise PermissionRefused("forbidden", f"Only {who} may {doing}.")
    if loan is None or held & anywhere or on_caseload(actor, loan):
        return
    owner = _owner_name(loan)
    if Role.MANAGER in held and Role.SPECIALIST not in held:
        raise PermissionRefused(
            "not_your_team",
            f"Loan {loan.loan_number} is on {owner}'s caseload, who is not on your team: "
            f"only their manager may {doing}.",
        )
    raise PermissionRefused(
        "not_your_caseload",
        f"Loan {loan.loan_number} is on {owner}'s caseload. You may take the borrower's call and "
        f"post a payment; to {doing}, ask {owner} or their manager.",
    )
