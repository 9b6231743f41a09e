# Shortcuts for what CI runs and for the benchmarks (docs/performance.md). The benchmarks need
# PostgreSQL on 127.0.0.1:5432 (user postgres), redis-server and wrk (apt-get install -y wrk);
# they create and drop their own databases and start their own Redis, server and workers.
PYTHON := .venv/bin/python

.PHONY: qa test fuzz lock check-lock audit bench bench-inbound bench-delivery bench-admin bench-cluster bench-tenants bench-tables bench-workers bench-candidates soak

qa:  ## lint, types, bandit and the whole test suite, as CI runs them (without starting services)
	$(PYTHON) bin/check-lock
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy .
	.venv/bin/bandit -c pyproject.toml -r . -q
	.venv/bin/pytest -q

lock:  ## re-lock requirements/*.txt after editing pyproject.toml (with hashes; see README)
	bin/lock

check-lock:  ## do the lock files match pyproject.toml? (CI runs it)
	$(PYTHON) bin/check-lock

audit:  ## known vulnerabilities in the locked packages; needs the vulnerability service, so not in CI
	.venv/bin/pip-audit --disable-pip --require-hashes -r requirements/test.txt

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

bench-tenants:  ## 1,000 customers' backlog after an outage, drained at each token's limit (--scale 0.1: quick)
	$(PYTHON) -m bench.tenants.run

bench-tables:  ## sweep, claim and every admin list at 10,000 and 1,000,000 deliveries (~15 min)
	$(PYTHON) -m bench.tables.run

bench-workers:  ## delivery throughput with 1, 2 and 4 worker processes against the plain loop
	$(PYTHON) -m bench.workers.run

bench-candidates:  ## 100 candidates' autosave against a static page, then the PDF report under load
	$(PYTHON) -m bench.candidates.run

bench-cluster:  ## two web servers, three workers, one killed, the scheduler restarted (docs/deploy.md)
	$(PYTHON) -m bench.cluster.run

soak:  ## ten minutes; not in CI
	$(PYTHON) -m bench.delivery.soak
