# harborops.ha — one entry point for the lab and every test tier.
#   make lab           deploy playbooks/site.yml on the lab containers (dual master;
#                      TOPOLOGY=shared_storage for the shared-storage lab)
#   make lab-destroy   remove the lab
#   make test          every tier: test-fast + containers + every molecule scenario
#   make test-fast     the tiers without a Docker engine: unit, sim, integration, sanity, lint
#   make bench         the benches that apply to the lab that is up (JSON + PNG in bench/results)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= $(CURDIR)/.venv
BUILD ?= $(CURDIR)/build
COLLECTION_ROOT := $(BUILD)/collections/ansible_collections/harborops/ha
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)

# Scenarios run by `make test`, in this order (they share one lab image and one sim bundle);
# MOLECULE_SCENARIOS=<subset> runs only those.
export MOLECULE_ALL_SCENARIOS := default dual_master shared_storage
MOLECULE_SCENARIOS ?= $(MOLECULE_ALL_SCENARIOS)

export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(BUILD)/collections
export ANSIBLE_INJECT_FACT_VARS := false
# One process per module instead of mkdir, copy, chmod, run, remove (the test tiers' ansible-playbook
# runs, connection local or docker; the lab sets it too, lab/lab.sh; molecule in its ansible.cfg).
export ANSIBLE_PIPELINING ?= true
export ANSIBLE_FORCE_COLOR ?= false
export PY_COLORS ?= 0

VENV_STAMP := $(VENV)/.stamp

.PHONY: help
help:
	@echo "make lab [TOPOLOGY=shared_storage] | lab-destroy | bench | test | test-fast | test-unit | test-sim | test-integration | test-containers | test-sanity | test-lint | test-molecule | sim-bundle | build"

## --- setup -----------------------------------------------------------------------------------
$(VENV_STAMP): requirements-dev.txt tests/harbor_sim/requirements.txt
	bash scripts/host-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt -r tests/harbor_sim/requirements.txt
	touch $@

.PHONY: venv
venv: $(VENV_STAMP) collection-link

# The collection is used in place: build/collections/ansible_collections/harborops/ha -> repo.
.PHONY: collection-link
collection-link:
	@mkdir -p $(dir $(COLLECTION_ROOT))
	@ln -sfn $(CURDIR) $(COLLECTION_ROOT)

.PHONY: host-deps
host-deps:
	bash scripts/host-deps.sh

.PHONY: docker-engine
docker-engine:
	bash lab/ensure-docker.sh

.PHONY: lab-image
lab-image: host-deps docker-engine
	bash lab/build-image.sh

## --- the main job -----------------------------------------------------------------------------
# One `make lab` at a time per machine: a second one waits (the venv, image and containers are
# shared), then finds everything in place and re-runs the playbook (changed=0). The lock is lab.sh's
# (`with-lock`); `make lab-destroy` and `make bench` take the same one.
.PHONY: lab lab-run
# The engine is checked before the lock is taken: a dockerd started here must not inherit it.
# TOPOLOGY=dual_master (default) | shared_storage picks lab/lab.sh's inventory.
export TOPOLOGY
lab: docker-engine
	@bash lab/lab.sh with-lock $(MAKE) --no-print-directory lab-run

# Without HARBOR_BUNDLE (a real offline installer) the lab deploys the harbor-sim bundle.
lab-run: venv lab-image $(if $(HARBOR_BUNDLE),,sim-bundle)
	bash lab/lab.sh up

.PHONY: lab-destroy
lab-destroy:
	bash lab/lab.sh destroy

## --- harbor-sim offline bundle ----------------------------------------------------------------
# HARBOR_SIM_VERSION: the Harbor release the bundle plays (tests/harbor_sim/harbor_sim/versions.py
# SUPPORTED); empty: the newest, in build/bundle, what make lab deploys; another release goes to
# build/bundle/<release> (make lab HARBOR_SIM_VERSION=2.12.4 deploys that one); sim-bundle-oldest
# builds the oldest supported release's into build/bundle/<release>. molecule's shared_storage
# installs the oldest supported release (sim-bundle-oldest); dual_master installs it too, then
# upgrades to the newest (sim-bundle) in its side effect.
HARBOR_SIM_VERSION ?=
HARBOR_SIM_OLDEST := $(shell grep -m1 '^SUPPORTED = ' tests/harbor_sim/harbor_sim/versions.py | grep -o '[0-9]*[.][0-9]*[.][0-9]*' | head -n1)
export SIM_BUNDLE_DIR := $(BUILD)/bundle$(if $(HARBOR_SIM_VERSION),/$(HARBOR_SIM_VERSION))
.PHONY: sim-bundle sim-bundle-oldest
sim-bundle: venv lab-image
	HARBOR_SIM_VERSION=$(HARBOR_SIM_VERSION) bash tests/harbor_sim/bundle/build.sh $(SIM_BUNDLE_DIR)

sim-bundle-oldest: venv lab-image
	HARBOR_SIM_VERSION=$(HARBOR_SIM_OLDEST) bash tests/harbor_sim/bundle/build.sh $(BUILD)/bundle/$(HARBOR_SIM_OLDEST)

## --- tests ------------------------------------------------------------------------------------
# Tiers (README "Tests"); each prints "=== tier NAME passed in Ns (load ...)" (scripts/run-tier.sh).
# The pytest tiers are markers (pytest.ini): unit needs nothing, sim and integration start servers
# on loopback, containers and molecule need the Docker engine.
TIER := bash scripts/run-tier.sh
.PHONY: test test-fast test-unit test-sim test-integration test-containers test-sanity test-lint test-molecule
# make test runs every tier in three steps, each one after the other (make -k, as .ci/run runs it,
# goes on past a failed step and fails at the end):
#  1. integration alone: its two xdist workers keep both cores busy;
#  2. unit, sim, sanity, lint and containers two at a time (-j2): none of them keeps more than one
#     core busy (sim mostly waits for its servers); each tier's output is printed whole when it ends;
#  3. molecule alone: its scenarios time failovers and client loops.
test:
	@rc=0; \
	$(MAKE) --no-print-directory test-integration || rc=1; \
	$(MAKE) --no-print-directory -j2 --output-sync=target test-unit test-sim test-sanity test-lint test-containers || rc=1; \
	$(MAKE) --no-print-directory test-molecule || rc=1; \
	exit $$rc

# everything that needs no Docker engine
test-fast: test-unit test-sim test-integration test-sanity test-lint

test-unit: venv
	$(TIER) unit bash scripts/run-pytest.sh unit

test-sim: venv
	$(TIER) sim bash scripts/run-pytest.sh sim

# One pytest session, 2 xdist workers (issue 15: the module integration tests run against the oldest
# and the newest release). Every test against harbor-sim (tests/integration: every module target of
# test_harbor_modules.py and test_harbor_housekeeping.py, the fault tests, the housekeeping role and
# ha_sync's identity and replication roles) runs once per release of HARBOR_SIM_VERSIONS: the newest
# and the oldest harbor-sim plays, or only HARBOR_SIM_VERSION when that is given. Tests that talk to no
# Harbor (harbor_cert and the harbor_certs role, the inventory checks, the harbor role's input checks)
# do not depend on the release and run once. tests/integration/conftest.py; README "Supported Harbor
# versions".
HARBOR_SIM_NEWEST := $(shell grep -m1 '^SUPPORTED = ' tests/harbor_sim/harbor_sim/versions.py | grep -o '[0-9]*[.][0-9]*[.][0-9]*' | tail -n1)
HARBOR_SIM_VERSIONS ?= $(or $(HARBOR_SIM_VERSION),$(HARBOR_SIM_NEWEST) $(HARBOR_SIM_OLDEST))
test-integration: venv
	HARBOR_SIM_VERSIONS="$(HARBOR_SIM_VERSIONS)" $(TIER) integration bash scripts/run-pytest.sh integration

test-containers: venv sim-bundle
	$(TIER) containers bash scripts/run-pytest.sh containers

test-sanity: venv
	$(TIER) sanity bash scripts/run-sanity.sh $(BUILD)/sanity

test-lint: venv
	$(TIER) lint ansible-lint --profile production

test-molecule: venv lab-image sim-bundle sim-bundle-oldest
	$(TIER) molecule bash scripts/run-molecule.sh $(MOLECULE_SCENARIOS)

## --- packaging --------------------------------------------------------------------------------
.PHONY: build
build: venv
	mkdir -p $(BUILD)/dist
	ansible-galaxy collection build --force --output-path $(BUILD)/dist .

.PHONY: clean
clean:
	rm -rf $(BUILD) .pytest_cache

## --- benches ----------------------------------------------------------------------------------
# make bench: the benches that apply to the lab that is up (make lab: VIP failover N=BENCH_VIP_RUNS,
# replication latency; BENCH_MOLECULE_FAILOVER=1: DB and Redis failover on molecule shared_storage),
# their JSON and one PNG in bench/results/. It holds the lab's lock, so no playbook run overlaps
# a measurement.
BENCH_RESULTS ?= $(CURDIR)/bench/results
BENCH_VIP_RUNS ?= 50
BENCH_REPLICATION_RUNS ?= 10
BENCH_FAILOVER_RUNS ?= 5
# 1: also DB and Redis failover against the molecule shared_storage lab (they kill its DB hosts).
BENCH_MOLECULE_FAILOVER ?=
BENCH_STAMP := $(VENV)/.bench-stamp

$(BENCH_STAMP): bench/requirements.txt $(VENV_STAMP)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	touch $@

.PHONY: bench
bench: venv $(BENCH_STAMP)
	@bash lab/lab.sh with-lock $(VENV)/bin/python bench/run_benches.py --results $(BENCH_RESULTS) \
	    --vip-runs $(BENCH_VIP_RUNS) --replication-runs $(BENCH_REPLICATION_RUNS) \
	    --failover-runs $(BENCH_FAILOVER_RUNS) $(if $(BENCH_MOLECULE_FAILOVER),--molecule-failover)
