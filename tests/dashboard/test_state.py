"""The dashboard's caches follow the record: computed once per data version, again after any change."""

from traceboard.dashboard import state
from traceboard.data.audit import record_audit
from traceboard.data.db import transaction


def test_per_data_version_recomputes_only_after_a_change(engine):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert state.per_data_version(("probe",), compute) == 1
    assert state.per_data_version(("probe",), compute) == 1  # same record: cached
    assert state.per_data_version(("other",), compute) == 2  # another key
    with transaction(engine) as session:
        record_audit(session, actor="office1", action="test.change", entity="enterprise", entity_id=1)
    assert state.per_data_version(("probe",), compute) == 3  # the record changed


def test_the_version_differs_between_records_with_the_same_number_of_changes(engine):
    first = state.current_data_version()
    with transaction(engine) as session:
        record_audit(session, actor="a", action="x", entity="e")
    second = state.current_data_version()
    assert first != second and second.startswith(f"{int(first.split(':')[0]) + 1}:")
