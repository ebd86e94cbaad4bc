# The two commands of the contract: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
JAVA_HOME := $(shell scripts/find-jdk.sh)
ifeq ($(JAVA_HOME),)
$(error no JDK 25: see the message above)
endif
export JAVA_HOME
MVN := ./mvnw -B -ntp
JAR := appliance/target/appliance.jar
# `make run PPTP_PORT=11723 UI_PORT=18080` beside another instance. 1723 needs no root (ports below
# 1024 do); the tunnels of the sessions do, which the service says when run without it.
PPTP_PORT ?= 1723
UI_PORT ?= 8080
DATA_DIR ?= ./data
IS_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo yes)
# Debian's real pptp/pppd/pptpd in a QEMU guest, for the interop tier (RealPeerInteropTest). It lives
# beside the project (CI checks out shared/ next to the clone); `make test PPTP_GUEST=/path` overrides.
PPTP_GUEST ?= $(abspath $(CURDIR)/../shared/peers/pptp-guest)

.PHONY: all build run test test-tiers test-unit setup clean demo fuzz bench soak image image-test

# Under sudo, what a recipe made in the tree as root (target/, node_modules, ...) goes back to the user
# who ran sudo when it ends, also when it fails or is stopped, so that the same clone still builds as
# that user (scripts/hand-back.sh; as root without sudo, as in CI, nothing changes).
HAND_BACK := trap scripts/hand-back.sh EXIT;

all: build

build:
	@echo "make: building the appliance jar with Maven (the first time it downloads Maven and the dependencies: a few minutes)..."
	@$(HAND_BACK) $(MVN) -q -DskipTests package

$(JAR): build

# The service runs from a copy of the jar, put in place by a rename: every build (a second `make run`,
# `make test`) rewrites appliance.jar in place, and a running JVM reads its classes from the file it
# opened, so it would load a half-written build. A rename leaves the running one its own file.
RUN_JAR := appliance/target/appliance-run.jar
run: build
	@tmp=$$(mktemp $(RUN_JAR).XXXXXX) && { cp $(JAR) "$$tmp" && chmod 644 "$$tmp" && mv -f "$$tmp" $(RUN_JAR) || { rm -f "$$tmp"; exit 1; }; }
	$(JAVA_HOME)/bin/java -XX:+ExitOnOutOfMemoryError -jar $(RUN_JAR) run --data-dir $(DATA_DIR) --pptp-port $(PPTP_PORT) --ui-port $(UI_PORT)

# Every tier. Tiers that need root (netns, packet capture, the real-peer interop tier) run only as
# root; without root they are skipped with a banner, and in CI (CI=true) that is an error. As root,
# the QEMU guest image of the real peers is built (or found up to date) first.
test:
	@$(HAND_BACK) $(MAKE) --no-print-directory test-tiers

test-tiers: setup
ifeq ($(IS_ROOT),yes)
	@if [ -x "$(PPTP_GUEST)" ]; then \
	  "$(PPTP_GUEST)" build; \
	else \
	  echo "################################################################################"; \
	  echo "## NO REAL PEERS: $(PPTP_GUEST) is missing."; \
	  echo "## The interop tier (Debian's pptp/pppd/pptpd, RealPeerInteropTest) is SKIPPED."; \
	  echo "## Put shared/peers beside the project or run 'make test PPTP_GUEST=/path/to/pptp-guest'."; \
	  echo "################################################################################"; \
	  if [ "$${CI:-}" = true ]; then echo "CI must run the interop tier: pptp-guest is required"; exit 1; fi; \
	fi
	$(MVN) verify $(if $(wildcard $(PPTP_GUEST)),-Dpptp.guest=$(PPTP_GUEST))
	@scripts/fuzz.sh brief
else
	@echo "################################################################################"
	@echo "## NOT ROOT: skipping the privileged tiers (tags: root). Run 'sudo make test'.  ##"
	@echo "################################################################################"
	@if [ "$${CI:-}" = true ]; then echo "CI must run every tier: run as root"; exit 1; fi
	$(MVN) verify -Dtest.excludedGroups=root
	@scripts/fuzz.sh brief
endif

test-unit:
	@$(HAND_BACK) $(MVN) verify -Dtest.excludedGroups=root

# Every fuzz target mutating for FUZZ_SECONDS each (`make test` gives each 10 s).
FUZZ_SECONDS ?= 300
fuzz:
	@$(HAND_BACK) scripts/fuzz.sh $(FUZZ_SECONDS)

setup:
	@scripts/setup-host.sh

# The VPN working end to end in two throw-away network namespaces (root; builds the jar itself).
demo:
	@scripts/demo.sh

# Benchmarks (issue 10): data path, session scale, tunnel throughput, the ALG against the kernel's,
# each as a ratio measured in one run; prints the table and writes bench/results/latest.md. ~15 min;
# not part of `make test`.
bench:
	@bench/run.sh

# Soak (issue P7, point 4): SOAK_SESSIONS sessions kept up and churned for SOAK_MINUTES (connect,
# traffic, three ways of hanging up); heap, threads and descriptors must stay flat and no call ID,
# pool address or session may be left. Writes bench/results/soak.md. Not part of `make test`.
SOAK_MINUTES ?= 10
SOAK_SESSIONS ?= 1000
soak:
	@SOAK_MINUTES=$(SOAK_MINUTES) SOAK_SESSIONS=$(SOAK_SESSIONS) bench/soak.sh

# The ARM router firmware (root; Debian packages only): image/out/. ARCH=armhf for 32-bit ARM.
# Not part of `make test`: a cold build takes ~10 min and the QEMU boot test ~10 min (TCG).
ARCH ?= arm64
image: build
	ARCH=$(ARCH) image/build.sh

# Boots the image twice in QEMU (with an update in between) and checks UI, PPTP and the kept config.
image-test: image
	ARCH=$(ARCH) image/test/boot_test.py

clean:
	$(MVN) -q clean
