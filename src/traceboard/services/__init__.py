"""Use cases both faces share: load from the record, call the pure domain, save and audit."""
