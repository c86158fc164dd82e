"""factory_boy factories. Loans are boarded with an opening ledger row, as production does."""

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User

from accounts.models import Profile
from borrowers.models import Borrower, Investor, Loan, Phone, Program, Property, Valuation
from borrowers.services import ledger_open
from workouts.domain.amortization import monthly_payment
from workouts.domain.dates import add_months


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            # get_or_create: a test that asks for a persona by name (request.getfixturevalue)
            # declares no database up front, so conftest's migration-rows check skipped it.
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])
            Profile.objects.get_or_create(user=self)

    @factory.post_generation
    def manager(self, create, extracted, **kwargs):
        """`manager=<user>`: who this person reports to (their team, accounts/policy.py)."""
        if create and extracted:
            Profile.objects.update_or_create(user=self, defaults={"manager": extracted})


class BorrowerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Borrower

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda o: f"{o.first_name}.{o.last_name}@example.com".lower())
    ssn_last4 = "1234"
    mailing_address1 = "12 Elm Street"
    mailing_city = "Atlanta"
    mailing_state = "GA"
    mailing_zip = "30301"


class PhoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phone

    borrower = factory.SubFactory(BorrowerFactory)
    number = factory.Sequence(lambda n: f"404-555-{n % 10000:04d}")
    consent_to_call = True
    is_primary = True


class PropertyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Property

    address1 = factory.Sequence(lambda n: f"{100 + n} Peachtree Road")
    city = "Atlanta"
    state = "GA"
    zip_code = "30305"
    occupancy = Property.Occupancy.OWNER


class ValuationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Valuation

    property = factory.SubFactory(PropertyFactory)
    kind = Valuation.Kind.BPO
    value = Decimal("300000.00")
    valued_on = date(2026, 6, 1)


class LoanFactory(factory.django.DjangoModelFactory):
    """A 30-year fixed loan, current, next due 2026-12-01, with an opening ledger row."""

    class Meta:
        model = Loan

    loan_number = factory.Sequence(lambda n: f"10{n:08d}")
    borrower = factory.SubFactory(BorrowerFactory)
    property = factory.SubFactory(PropertyFactory)
    investor = Investor.FANNIE_MAE
    program = Program.GSE_FLEX
    origination_date = date(2020, 11, 15)
    first_payment_date = date(2021, 1, 1)
    original_balance = Decimal("200000.00")
    note_rate = Decimal("6.500")
    original_term_months = 360
    remaining_term_months = 311
    maturity_date = factory.LazyAttribute(lambda o: add_months(o.first_payment_date, o.original_term_months - 1))
    monthly_pi = factory.LazyAttribute(
        lambda o: monthly_payment(o.original_balance, o.note_rate, o.original_term_months)
    )
    monthly_escrow = Decimal("300.00")
    principal_balance = Decimal("188000.00")
    escrow_balance = Decimal("1200.00")
    next_due_date = date(2026, 12, 1)
    foreclosure_type = Loan.ForeclosureType.NON_JUDICIAL

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        loan = super()._create(model_class, *args, **kwargs)
        ledger_open(loan=loan, effective_date=loan.origination_date)
        return loan
