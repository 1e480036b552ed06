"""Use cases: load, decide with the pure engine, save, commit; then carry out the effects."""
