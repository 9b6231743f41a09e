# Shortcuts for what CI runs and for the benchmarks (docs/performance.md). The benchmarks need
# PostgreSQL on 127.0.0.1:5432 (user postgres), redis-server and wrk (apt-get install -y wrk);
# they create and drop their own databases and start their own Redis, server and workers.
PYTHON := .venv/bin/python

.PHONY: qa test fuzz bench bench-inbound bench-delivery bench-admin soak

qa:  ## lint, types and the whole test suite, as CI runs them (without starting services)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy .
	.venv/bin/pytest -q

test:
	bin/test -q

fuzz:  ## Schemathesis over every API and the property tests (part of the suite, so of CI)
	.venv/bin/pytest -q tests/fuzz

bench: bench-inbound bench-delivery bench-admin

bench-inbound:
	$(PYTHON) -m bench.inbound.run

bench-delivery:
	$(PYTHON) -m bench.delivery.run

bench-admin:
	$(PYTHON) -m bench.admin.run

soak:  ## ten minutes; not in CI
	$(PYTHON) -m bench.delivery.soak
