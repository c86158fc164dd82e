"""The servicer printed on letters comes from settings (LETTERS_SERVICER_* in the environment)."""

import importlib
import os
from datetime import date
from unittest import mock

import pytest

from letters.services import letter_generate
from tests.factories import LoanFactory
from tests.letters.conftest import pdf_text

pytestmark = pytest.mark.django_db

ACME = {
    "name": "Acme Home Loans",
    "department": "Homeowner Assistance",
    "address": "PO Box 77, Dayton, OH 45401",
    "phone": "1-888-555-0142",
    "hours": "Monday to Saturday, 9:00 a.m. to 6:00 p.m. Eastern",
    "website": "https://acme.example.com/assist",
}


def test_settings_read_the_environment_with_demo_defaults():
    import lossmit.settings as settings_module

    env = {f"LETTERS_SERVICER_{key.upper()}": value for key, value in ACME.items()}
    try:
        with mock.patch.dict(os.environ, env):
            assert importlib.reload(settings_module).LETTERS_SERVICER == ACME
        with mock.patch.dict(os.environ, {}, clear=False):
            for name in env:
                os.environ.pop(name, None)
            defaults = importlib.reload(settings_module).LETTERS_SERVICER
        assert defaults == {
            "name": "Lossmit Mortgage Servicing",
            "department": "Loss Mitigation Department",
            "address": "PO Box 1000, Atlanta, GA 30301",
            "phone": "1-800-555-0199",
            "hours": "Monday to Friday, 8:00 a.m. to 8:00 p.m. Eastern",
            "website": "https://servicing.example.com/help",
        }
    finally:
        importlib.reload(settings_module)


def test_the_letter_prints_the_configured_servicer(specialist, frozen_today, settings):
    settings.LETTERS_SERVICER = ACME
    loan = LoanFactory(assigned_to=specialist, next_due_date=date(2027, 4, 1))
    letter = letter_generate(actor=specialist, kind="early_intervention_notice", loan=loan, sent_on=date(2027, 5, 16))
    assert letter.context["servicer"] == ACME
    text = pdf_text(letter.pdf)
    assert "Acme Home Loans" in text
    assert "1-888-555-0142" in text
    assert "Lossmit Mortgage Servicing" not in text
