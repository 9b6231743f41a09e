"""Fuzzing and property tests: generated input against the API schema and security rules."""
