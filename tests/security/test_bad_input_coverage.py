"""The bad-input tests cover every form and every write serializer, and keep doing so: a new
Form subclass in one of our apps, or a new write operation in the API schema, fails here until
tests/security/test_bad_input_forms.py or test_bad_input_api.py throws bad input at it."""

import importlib
import pkgutil

from django import forms
from rest_framework import serializers

from tests.security.bad_input import OUR_APPS, write_operations
from tests.security.test_bad_input_api import NO_BODY, TARGETS
from tests.security.test_bad_input_forms import COVERED_FORMS, NOT_POSTED

OWN_MODULES = ("lossmit", *OUR_APPS)


def _import_everything() -> None:
    """Every module of our apps (but migrations and management commands), so each Form class
    is defined before we look for it."""
    for app in OWN_MODULES:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if ".migrations" in info.name or ".management" in info.name:
                continue
            importlib.import_module(info.name)


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _subclasses(sub)
    return found


def test_every_form_of_ours_has_a_bad_input_test():
    _import_everything()
    ours = {
        cls
        for cls in _subclasses(forms.BaseForm)
        if cls.__module__.split(".")[0] in OWN_MODULES and not cls.__name__.startswith("_")
    }
    assert ours, "no forms found: the enumeration is broken"
    uncovered = sorted(f"{cls.__module__}.{cls.__name__}" for cls in ours if cls.__name__ not in COVERED_FORMS)
    uncovered = [name for name in uncovered if name.rsplit(".", 1)[1] not in {c.__name__ for c in NOT_POSTED}]
    assert uncovered == [], "add these forms to TARGETS in tests/security/test_bad_input_forms.py"
    # ...and nothing covered is gone (a renamed form leaves a stale entry).
    assert sorted(COVERED_FORMS - {cls.__name__ for cls in ours}) == []


def test_every_write_serializer_has_a_bad_input_test():
    operations = write_operations()
    assert len(operations) > 20, "the schema enumeration is broken"
    serializer_classes = {}
    for operation_id, _method, _path, serializer in operations:
        if serializer is None:
            assert operation_id in NO_BODY
            continue
        if isinstance(serializer, serializers.ListSerializer):
            serializer = serializer.child
        serializer_classes.setdefault(type(serializer), set()).add(operation_id)
    uncovered = {
        cls.__name__: sorted(ops - set(TARGETS)) for cls, ops in serializer_classes.items() if ops - set(TARGETS)
    }
    assert uncovered == {}, "add these operations to TARGETS in tests/security/test_bad_input_api.py"
