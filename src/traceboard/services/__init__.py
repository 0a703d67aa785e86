"""Use cases both faces share: load, call the domain, save, audit. They take the Engine."""
