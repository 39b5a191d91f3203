"""Scale benchmark: seeded instance generator, plain baseline model, and runner."""
