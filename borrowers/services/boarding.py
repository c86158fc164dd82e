"""Boarding a loan: borrower, property and loan with its opening ledger row, as an onboarding
feed would, every field checked and every problem reported at once."""

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.roles import Role, user_has_role
from audit.services import audit_record
from borrowers.models import Loan
from borrowers.services.ledger import ledger_open, loan_balances
from lossmit.errors import DomainError, PermissionRefused
from workouts.domain.money import ZERO

MONEY_LIMIT = Decimal("1000000000")  # far above any residential loan; keeps 14-digit columns safe
MAX_TERM_MONTHS = 600  # 50 years: longer than any US residential note (40-year mods are the longest)
MAX_NOTE_RATE = Decimal("100")
LOAN_NUMBER_MAX_LENGTH = Loan._meta.get_field("loan_number").max_length


def _as_decimal(value) -> Decimal:
    """A Decimal from a Decimal, int, float or numeric string; TypeError for anything else.

    A float goes through its shortest repr, so 1264.14 stays 1264.14 (not 1264.1400000000001).
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(type(value).__name__)
    return Decimal(str(value).strip())


class _Board:
    """Collects boarding field errors under their API names (`borrower.last_name`), then raises once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def money(self, name: str, value, *, required: bool = True, allow_zero: bool = True, allow_negative=False):
        if value is None or value == "":
            if required:
                self.error(name, "This field is required.")
            return None
        try:
            amount = _as_decimal(value)
        except (ArithmeticError, TypeError):
            self.error(name, "Enter an amount such as 1234.56.")
            return None
        if not amount.is_finite() or abs(amount) >= MONEY_LIMIT:
            self.error(name, "Enter a finite amount below 1,000,000,000.00.")
            return None
        if amount != amount.quantize(Decimal("0.01")):
            self.error(name, "Use at most two decimal places.")
            return None
        if amount < 0 and not allow_negative:
            self.error(name, "Cannot be negative.")
        elif amount == 0 and not allow_zero:
            self.error(name, "Must be greater than zero.")
        return amount.quantize(Decimal("0.01"))

    def rate(self, name: str, value):
        if value is None or value == "":
            self.error(name, "This field is required.")
            return None
        try:
            pct = _as_decimal(value)
        except (ArithmeticError, TypeError):
            self.error(name, "Enter a percent such as 6.500.")
            return None
        if not pct.is_finite() or not (0 <= pct < MAX_NOTE_RATE):
            self.error(name, "Enter a percent from 0.000 to 99.999.")
            return None
        if pct != pct.quantize(Decimal("0.001")):
            self.error(name, "Use at most three decimal places.")
            return None
        return pct.quantize(Decimal("0.001"))

    def integer(self, name: str, value, *, low: int, high: int, required: bool = True):
        if value is None or value == "":
            if required:
                self.error(name, "This field is required.")
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            self.error(name, "Enter a whole number.")
            return None
        try:
            number = int(value)
        except ValueError:
            self.error(name, "Enter a whole number.")
            return None
        if not low <= number <= high:
            self.error(name, f"Enter a number from {low} to {high}.")
            return None
        return number

    def day(self, name: str, value, *, required: bool = True):
        if value is None or value == "":
            if required:
                self.error(name, "This field is required.")
            return None
        if isinstance(value, datetime):
            self.error(name, "Enter a date without a time.")
            return None
        if isinstance(value, date):
            return value
        if not isinstance(value, str):
            self.error(name, "Enter a date as YYYY-MM-DD.")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.error(name, "Enter a date as YYYY-MM-DD.")
            return None

    def choice(self, name: str, value, choices, *, required: bool = True, default=None):
        if value is None or value == "":
            if required and default is None:
                self.error(name, "This field is required.")
            return default
        if not isinstance(value, str) or value not in choices:
            self.error(name, f"'{value}' is not a valid choice.")
            return None
        return value

    def text(self, name: str, value, *, max_length: int, required: bool = False) -> str:
        if value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
            self.error(name, "Enter text.")
            return ""
        text = "" if value is None else str(value).strip()
        if required and not text:
            self.error(name, "This field is required.")
        elif len(text) > max_length:
            self.error(name, f"At most {max_length} characters.")
        return text

    def validated(self, name: str, value: str, field) -> str:
        """Run a model field's own validators (email, phone, SSN digits) on a non-blank value."""
        from django.core.exceptions import ValidationError

        if value:
            try:
                field.run_validators(value)
            except ValidationError as exc:
                for message in exc.messages:
                    self.error(name, message)
        return value


def _board_person(check: _Board, prefix: str, data) -> dict | None:
    from borrowers.models import Borrower, Language, Phone
    from borrowers.states import STATE_CODES

    if not isinstance(data, dict):
        check.error(prefix, "Send an object with the person's fields.")
        return None
    field = Borrower._meta.get_field
    person = {
        "first_name": check.text(f"{prefix}.first_name", data.get("first_name"), max_length=100, required=True),
        "last_name": check.text(f"{prefix}.last_name", data.get("last_name"), max_length=100, required=True),
        "email": check.validated(
            f"{prefix}.email", check.text(f"{prefix}.email", data.get("email"), max_length=254), field("email")
        ),
        "ssn_last4": check.validated(
            f"{prefix}.ssn_last4",
            check.text(f"{prefix}.ssn_last4", data.get("ssn_last4"), max_length=4),
            field("ssn_last4"),
        ),
        "preferred_language": check.choice(
            f"{prefix}.preferred_language",
            data.get("preferred_language"),
            Language.values,
            default=Language.ENGLISH,
        ),
        "mailing_state": check.choice(
            f"{prefix}.mailing_state", data.get("mailing_state"), STATE_CODES, required=False, default=""
        )
        or "",
    }
    for key, length in (("mailing_address1", 200), ("mailing_address2", 200), ("mailing_city", 100)):
        person[key] = check.text(f"{prefix}.{key}", data.get(key), max_length=length)
    person["mailing_zip"] = check.text(f"{prefix}.mailing_zip", data.get("mailing_zip"), max_length=10)

    phones = []
    raw_phones = data.get("phones") or []
    if not isinstance(raw_phones, list | tuple):
        check.error(f"{prefix}.phones", "Send a list of phones.")
        raw_phones = []
    raw_phones = list(raw_phones)
    if data.get("phone"):
        raw_phones.insert(0, {"number": data["phone"]})
    for index, raw in enumerate(raw_phones):
        name = f"{prefix}.phones[{index}]" if not (index == 0 and data.get("phone")) else f"{prefix}.phone"
        if isinstance(raw, str):
            raw = {"number": raw}
        if not isinstance(raw, dict):
            check.error(name, "Send a phone number or an object with `number`.")
            continue
        number = check.text(name, raw.get("number"), max_length=20, required=True)
        check.validated(name, number, Phone._meta.get_field("number"))
        phones.append(
            {
                "number": number,
                "kind": check.choice(f"{name}.kind", raw.get("kind"), Phone.Kind.values, default=Phone.Kind.MOBILE),
                # TCPA consent is never assumed: only an explicit true counts.
                "consent_to_call": raw.get("consent_to_call") is True,
                "is_primary": not phones,
            }
        )
    person["phones"] = phones
    return person


def _board_property(check: _Board, data, *, default_valued_on: date) -> dict | None:
    from borrowers.models import Property, Valuation
    from borrowers.states import STATE_CODES

    if not isinstance(data, dict):
        check.error("property", "Send an object with the property's fields.")
        return None
    prop = {
        "state": check.choice("property.state", data.get("state"), STATE_CODES),
        "occupancy": check.choice(
            "property.occupancy", data.get("occupancy"), Property.Occupancy.values, default=Property.Occupancy.OWNER
        ),
    }
    for key, length in (("address1", 200), ("address2", 200), ("city", 100), ("zip_code", 10)):
        prop[key] = check.text(f"property.{key}", data.get(key), max_length=length)
    value = check.money("property.market_value", data.get("market_value"), required=False, allow_zero=False)
    valuation = None
    if value is not None:
        valuation = {
            "value": value,
            "valued_on": check.day("property.valued_on", data.get("valued_on"), required=False) or default_valued_on,
            "kind": check.choice(
                "property.valuation_kind", data.get("valuation_kind"), Valuation.Kind.values, default=Valuation.Kind.BPO
            ),
            "source": check.text("property.valuation_source", data.get("valuation_source"), max_length=100),
        }
    prop["valuation"] = valuation
    return prop


def _duplicate(number: str) -> DomainError:
    return DomainError(
        "duplicate_loan_number",
        f"Loan number {number} is already boarded.",
        fields={"loan_number": ["A loan with this number already exists."]},
    )


def _require_board_role(actor) -> None:
    if not user_has_role(actor, Role.ADMIN, Role.MANAGER):
        raise PermissionRefused("forbidden", "Only managers and admins may board loans.")


@transaction.atomic
def loan_board(
    *,
    actor,
    loan_number: str,
    borrower: dict,
    property: dict,  # the API's field name; shadows the builtin inside this function only
    investor: str,
    original_balance: Decimal,
    note_rate: Decimal,
    original_term_months: int,
    first_payment_date: date,
    next_due_date: date,
    monthly_escrow: Decimal = ZERO,
    principal_balance: Decimal | None = None,
    program: str | None = None,
    monthly_pi: Decimal | None = None,
    remaining_term_months: int | None = None,
    co_borrower: dict | None = None,
    origination_date: date | None = None,
    lien_position: int = 1,
    escrow_balance: Decimal = ZERO,
    grace_days: int | None = None,
    late_charge_pct: Decimal | None = None,
    assigned_to=None,
    boarded_on: date | None = None,
) -> Loan:
    """Board a loan: create the borrower (and co-borrower, phones), property (and valuation),
    the loan with its computed terms, its opening ledger row and an audit record.

    Preconditions: the actor is a manager or admin (PermissionRefused otherwise); the loan number
    is new (DomainError `duplicate_loan_number`, 409); every field is well formed (BadInput
    `invalid` with `fields` keyed as the API names them, e.g. `property.state`). Plain values
    are accepted (strings for amounts and ISO dates) so importers and the API share this path.
    Computed when absent: `monthly_pi` (level payment on the original balance, rate and term:
    the note's contractual P&I), `maturity_date` (first payment + term - 1 months),
    `remaining_term_months` (installments from next due through maturity), `program` (by
    investor), `origination_date` (a month before the first payment), `foreclosure_type` (by
    property state). The market value, when given, becomes a valuation as of
    `property.valued_on` (default: the boarding date).
    Side effects: rows in Borrower, Phone, Property, Valuation, Loan, LedgerTransaction (opening)
    and one AuditEvent, all in one transaction.
    """
    from django.contrib.auth import get_user_model
    from django.db import IntegrityError

    from borrowers.models import DEFAULT_PROGRAM_BY_INVESTOR, Borrower, Investor, Phone, Program, Valuation
    from borrowers.models import Property as PropertyModel
    from borrowers.states import foreclosure_type_for_state
    from lossmit.errors import BadInput
    from workouts.domain.amortization import monthly_payment
    from workouts.domain.dates import add_months, months_between

    _require_board_role(actor)
    boarded_on = boarded_on or timezone.localdate()
    check = _Board()
    if assigned_to is not None and not isinstance(assigned_to, get_user_model()):
        check.error("assigned_to", "Assign the loan to a user.")
        assigned_to = None

    number = check.text("loan_number", loan_number, max_length=LOAN_NUMBER_MAX_LENGTH, required=True)
    investor = check.choice("investor", investor, Investor.values)
    program = check.choice("program", program, Program.values, required=False)
    if program is None and investor is not None and "program" not in check.errors:
        program = DEFAULT_PROGRAM_BY_INVESTOR[Investor(investor)]
    person = _board_person(check, "borrower", borrower)
    co_person = _board_person(check, "co_borrower", co_borrower) if co_borrower else None
    prop = _board_property(check, property, default_valued_on=boarded_on)

    original = check.money("original_balance", original_balance, allow_zero=False)
    principal = check.money(
        "principal_balance", original if principal_balance is None else principal_balance, allow_zero=False
    )
    rate_pct = check.rate("note_rate", note_rate)
    term = check.integer("original_term_months", original_term_months, low=1, high=MAX_TERM_MONTHS)
    remaining = check.integer(
        "remaining_term_months", remaining_term_months, low=0, high=MAX_TERM_MONTHS, required=False
    )
    escrow = check.money("monthly_escrow", monthly_escrow)
    pi = check.money("monthly_pi", monthly_pi, required=False)
    escrow_opening = check.money("escrow_balance", escrow_balance, allow_negative=True)  # negative = advanced
    lien = check.integer("lien_position", lien_position, low=1, high=9)
    grace = check.integer("grace_days", grace_days, low=0, high=60, required=False)
    late_pct = None
    if late_charge_pct is not None:
        late_pct = check.rate("late_charge_pct", late_charge_pct)
        if late_pct is not None and late_pct > 10:
            check.error("late_charge_pct", "A late charge above 10% of P&I is not a note term we accept.")

    first_due = check.day("first_payment_date", first_payment_date)
    next_due = check.day("next_due_date", next_due_date)
    originated = check.day("origination_date", origination_date, required=False)
    maturity = None
    if first_due is not None:
        originated = originated or add_months(first_due, -1)
        if originated > first_due:
            check.error("origination_date", "The loan cannot originate after its first payment is due.")
        if term is not None:
            maturity = add_months(first_due, term - 1)
    if first_due is not None and next_due is not None:
        # Installments fall on the note's due day; the posting rules step from next_due by it.
        months = months_between(first_due, next_due)
        if next_due < first_due:
            check.error("next_due_date", "The next due date cannot be before the first payment date.")
        elif next_due != add_months(first_due, months, day=first_due.day):
            check.error("next_due_date", f"Installments fall due on day {first_due.day} of the month.")
        elif maturity is not None and next_due > maturity:
            check.error("next_due_date", f"The next due date is after maturity ({maturity.isoformat()}).")
        elif remaining is None and maturity is not None:
            remaining = months_between(next_due, maturity) + 1
    if pi is None and original is not None and rate_pct is not None and term is not None:
        pi = monthly_payment(original, rate_pct, term)
    if pi is not None and pi == 0 and principal:
        check.error("monthly_pi", "A loan with a balance needs a monthly P&I.")
    if check.errors:  # shape first, then the state conflict
        first = next(iter(check.errors))
        raise BadInput("invalid", f"The loan cannot be boarded: {first}: {check.errors[first][0]}", fields=check.errors)
    if Loan.objects.filter(loan_number=number).exists():
        raise _duplicate(number)

    def make_person(data: dict) -> Borrower:
        phones = data.pop("phones")
        made = Borrower.objects.create(**data)
        Phone.objects.bulk_create([Phone(borrower=made, **phone) for phone in phones])
        return made

    main = make_person(person)
    co = make_person(co_person) if co_person else None
    valuation = prop.pop("valuation")
    home = PropertyModel.objects.create(**prop)
    if valuation:
        Valuation.objects.create(property=home, **valuation)
    extra = {}
    if grace is not None:
        extra["grace_days"] = grace
    if late_pct is not None:
        extra["late_charge_pct"] = late_pct
    try:
        with transaction.atomic():  # a savepoint: a racing duplicate must not poison the caller's transaction
            loan = Loan.objects.create(
                loan_number=number,
                borrower=main,
                co_borrower=co,
                property=home,
                investor=investor,
                program=program,
                lien_position=lien,
                origination_date=originated,
                original_balance=original,
                note_rate=rate_pct,
                original_term_months=term,
                remaining_term_months=remaining,
                first_payment_date=first_due,
                maturity_date=maturity,
                monthly_pi=pi,
                monthly_escrow=escrow,
                principal_balance=principal,
                escrow_balance=escrow_opening,
                next_due_date=next_due,
                foreclosure_type=foreclosure_type_for_state(home.state),
                assigned_to=assigned_to,
                **extra,
            )
    except IntegrityError:  # boarded by someone else since the check above
        raise _duplicate(number) from None
    ledger_open(loan=loan, actor=actor, effective_date=boarded_on)
    audit_record(
        actor=actor,
        action="loan.board",
        obj=loan,
        loan_id=loan.pk,
        before=None,
        after={
            **loan_balances(loan),
            "loan_number": loan.loan_number,
            "investor": loan.investor,
            "program": loan.program,
            "monthly_pi": str(loan.monthly_pi),
            "monthly_escrow": str(loan.monthly_escrow),
            "note_rate": str(loan.note_rate),
            "remaining_term_months": loan.remaining_term_months,
            "maturity_date": loan.maturity_date.isoformat(),
        },
        note=f"Boarded {loan.loan_number}",
    )
    return loan
