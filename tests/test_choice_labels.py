"""The models' cheaper get_FOO_display() (reference.choices.choice_label) say exactly what
Django's generated ones say, in both languages, for every choice and for a value that is none."""

import pytest
from django.utils import translation

from compliance.models import ComplianceFlag, FlagEvent, Registration

OVERRIDDEN = [
    (Registration, "status"),
    (ComplianceFlag, "rule"),
    (ComplianceFlag, "severity"),
    (ComplianceFlag, "escalation_step"),
    (FlagEvent, "kind"),
]


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize(("model", "name"), OVERRIDDEN, ids=lambda v: getattr(v, "__name__", v))
def test_each_label_is_djangos(model, name, language):
    field = model._meta.get_field(name)
    assert f"get_{name}_display" in model.__dict__  # ours, not Django's generated one
    with translation.override(language):
        for value, _label in field.flatchoices:
            instance = model(**{field.attname: value})
            ours = getattr(instance, f"get_{name}_display")()
            assert ours == instance._get_FIELD_display(field), (value, language)
        stray = model(
            **{field.attname: 99 if field.get_internal_type().endswith("IntegerField") else "stray"}
        )
        assert getattr(stray, f"get_{name}_display")() == stray._get_FIELD_display(field)


def test_labels_are_translated():
    flag = ComplianceFlag(rule=ComplianceFlag.Rule.UNREGISTERED)
    with translation.override("en"):
        english = flag.get_rule_display()
    with translation.override("id"):
        assert flag.get_rule_display() != english
