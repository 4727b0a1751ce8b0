# Voronka's dev loop. `make help` lists the targets; `make run` and `make test` start from nothing.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
export UV
export UV_PYTHON_DOWNLOADS := never
INFRA := deploy/local/infra.sh

.DEFAULT_GOAL := help
.PHONY: help tools sync infra-up infra-down infra-status topics run stop token test test-unit bench demo lint format schemas

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

tools: ## Install what is missing: uv, Java 17, Maven (Go must be there)
	@bash deploy/local/tools.sh

sync: tools ## Install the Python packages from the lock file
	@$(UV) sync --all-packages --frozen --quiet

infra-up: tools ## Start Kafka (KRaft) and FerretDB locally (or with Docker), idempotently
	@bash $(INFRA) up >/dev/null

infra-down: ## Stop the local Kafka and FerretDB; nothing is left running
	@bash $(INFRA) down

infra-status: ## Tell whether the local infrastructure runs
	@bash $(INFRA) status

topics: sync infra-up ## Create every Voronka topic (partitions, retention), idempotently
	@eval "$$(bash $(INFRA) env)" && export KAFKA_BOOTSTRAP_SERVERS && \
		$(UV) run --frozen --no-sync python -m shared.platform.topics

run: sync infra-up topics ## Start everything and print where it listens; Ctrl-C stops it all
	@bash deploy/local/services.sh start

stop: ## Stop the services and the infrastructure started by `make run`
	@bash deploy/local/services.sh stop
	@bash $(INFRA) down

# USER is also the login name in the environment: only a USER given on the command line counts.
token: ## Print a person's access token from `make run`'s Keycloak (ROLE=manager|team_lead|head_of_sales|admin USER=…)
	@$(UV) run --frozen --no-sync python deploy/local/keycloak/access_token.py $(if $(ROLE),--role $(ROLE)) \
		$(if $(filter command line,$(origin USER)),--user $(USER))

test: sync infra-up ## Run the whole test suite against real Kafka and FerretDB
	@eval "$$(bash $(INFRA) env)" && export KAFKA_BOOTSTRAP_SERVERS MONGODB_URL && \
		$(UV) run --frozen --no-sync pytest

demo: sync ## Drive a month of sales (~1,000 leads) through a running `make run`; prints a summary
	@VORONKA_CLOCK_OFFSET_FILE=.cache/run/clock-offset $(UV) run --frozen --no-sync python demo/month.py

bench: sync infra-up ## Every performance figure in one table (QUICK=1: minutes; ONLY=P1,P3)
	@command -v wrk >/dev/null 2>&1 || apt-get install -y -qq wrk >/dev/null 2>&1 || \
		echo "bench: wrk is not installed; a Python load generator stands in"
	@eval "$$(bash $(INFRA) env)" && export KAFKA_BOOTSTRAP_SERVERS MONGODB_URL && \
		$(UV) run --frozen --no-sync python benchmarks/suite.py \
		$(if $(QUICK),--quick) $(if $(ONLY),--only $(ONLY))

faults: sync infra-up ## Seeded faults (kill -9, SIGSTOP, Kafka/DB restarts…) + ledger check (RUNS=20 SEED= ONLY= WORKERS=2)
	@$(UV) run --frozen --no-sync python tests/faults/fault_suite.py --runs $(or $(RUNS),20) \
		--workers $(or $(WORKERS),2) $(if $(SEED),--seed $(SEED)) $(if $(ONLY),--only $(ONLY))

dlq: sync ## List the dead letters of TOPIC (e.g. TOPIC=payment.received); REPLAY=1 replays them once
	@test -n "$(TOPIC)" || { echo "make dlq TOPIC=<topic> [REPLAY=1]"; exit 2; }
	@eval "$$(bash $(INFRA) env)" && export KAFKA_BOOTSTRAP_SERVERS && \
		$(UV) run --frozen --no-sync python -m shared.platform.dlq $(if $(REPLAY),replay,list) $(TOPIC)

test-unit: sync ## Run only the fast unit tests (no infrastructure)
	@$(UV) run --frozen --no-sync pytest -m unit

lint: sync ## ruff, formatting, mypy (strict) and import rules
	@$(UV) run --frozen --no-sync ruff check .
	@$(UV) run --frozen --no-sync ruff format --check .
	@$(UV) run --frozen --no-sync mypy shared/src services/leads/src services/deals/src services/notifications/src services/reporting/src
	@$(UV) run --frozen --no-sync lint-imports --no-cache

format: sync ## Apply ruff's fixes and formatting
	@$(UV) run --frozen --no-sync ruff check --fix .
	@$(UV) run --frozen --no-sync ruff format .

schemas: sync ## Regenerate the committed JSON Schemas and per-service AsyncAPI documents
	@$(UV) run --frozen --no-sync python -m shared.contracts.schemas --write
	@for s in leads deals notifications reporting; do \
		$(UV) run --frozen --no-sync python -m $$s.asyncapi --write; done

# Images and the compose stack under Podman, with no container registry (ADR 0038).
.PHONY: images test-containers compose-up compose-down compose-smoke

images: tools ## Build the base (Debian bookworm), service, Kafka and FerretDB images with Podman
	@bash deploy/local/tools.sh podman
	@bash $(INFRA) artifacts
	@bash deploy/images/build.sh all

test-containers: sync ## make test with Kafka and FerretDB in containers (testcontainers via Podman's socket; ARGS= for pytest)
	@bash deploy/local/tools.sh podman
	@bash deploy/images/test-containers.sh $(ARGS)

compose-up: ## Start deploy/compose/podman.yml under podman-compose; waits for every /readyz
	@bash deploy/compose/podman.sh up

compose-down: ## Remove the compose stack: no container, volume, network or listener left
	@bash deploy/compose/podman.sh down

compose-smoke: sync ## compose-up, the smoke test (tests/compose), compose-down
	@bash deploy/compose/podman.sh smoke
