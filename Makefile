# The two commands of the contract: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
JAVA_HOME := $(shell scripts/find-jdk.sh)
ifeq ($(JAVA_HOME),)
$(error no JDK 25: see the message above)
endif
export JAVA_HOME
MVN := ./mvnw -B -ntp
JAR := appliance/target/appliance.jar
# `make run PPTP_PORT=11723` runs unprivileged; 1723 needs root or CAP_NET_BIND_SERVICE.
PPTP_PORT ?= 1723
UI_PORT ?= 8080
DATA_DIR ?= ./data
IS_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo yes)

.PHONY: all build run test test-unit setup clean demo bench

all: build

build:
	$(MVN) -q -DskipTests package

$(JAR): build

run: build
	$(JAVA_HOME)/bin/java -jar $(JAR) run --data-dir $(DATA_DIR) --pptp-port $(PPTP_PORT) --ui-port $(UI_PORT)

# Every tier. Tiers that need root (netns, packet capture) run only as root; without root they are
# skipped with a banner, and in CI (CI=true) that is an error.
test: setup
ifeq ($(IS_ROOT),yes)
	$(MVN) verify
else
	@echo "################################################################################"
	@echo "## NOT ROOT: skipping the privileged tiers (tags: root). Run 'sudo make test'.  ##"
	@echo "################################################################################"
	@if [ "$${CI:-}" = true ]; then echo "CI must run every tier: run as root"; exit 1; fi
	$(MVN) verify -Dtest.excludedGroups=root
endif

test-unit:
	$(MVN) verify -Dtest.excludedGroups=root

setup:
	@scripts/setup-host.sh

# The VPN working end to end in two throw-away network namespaces (root; builds the jar itself).
demo:
	@scripts/demo.sh

# Benchmarks (issue 10): data path, session scale, tunnel throughput, each as a ratio measured in
# one run; prints the table and writes bench/results/latest.md. ~10 min; not part of `make test`.
bench:
	@bench/run.sh

clean:
	$(MVN) -q clean
