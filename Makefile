# Quickstart: `make run` starts the gateway, `make test` runs every test. Both install what is
# missing first (Debian packages, npm test clients).
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
CMAKE_FLAGS = -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
# Seconds per fuzz target in `make test` (about 20 targets: keep the step within ~4 minutes).
FUZZ_SECONDS ?= 8
# Cap per target in `make fuzz-long`; each target also stops at its execution goal.
FUZZ_LONG_SECONDS ?= 600
JOBS ?= $(shell nproc)
# ccache keys on paths relative to the checkout, so a fresh clone reuses earlier builds' objects.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all deps build run test unit-test node-test deploy-test image fuzz fuzz-build fuzz-long asan-test tsan-test bench format clean

all: build

deps:
	@scripts/install-deps.sh test

build:
	@scripts/install-deps.sh build
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) -DIGW_TESTS=OFF >/dev/null
	@ninja -C $(BUILD) -j$(JOBS) inference-gateway infer

run: build
	./$(BUILD)/inference-gateway

# Unit tests, integration and end-to-end tests against the real binary, fuzzing (kept crashers
# replayed, then a short run of every target), then the unit and integration suites again under
# AddressSanitizer + UndefinedBehaviorSanitizer and under ThreadSanitizer.
test: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) -DIGW_TESTS=ON >/dev/null
	@ninja -C $(BUILD) -j$(JOBS)
	$(MAKE) --no-print-directory unit-test node-test deploy-test fuzz asan-test tsan-test

unit-test:
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# The tests find infer next to the gateway binary (tests/node/helpers/infer.mjs).
node-test:
	cd tests/node && GATEWAY_BIN=$(abspath $(BUILD))/inference-gateway npm test

# The container image (built and run with podman from the binary above), the Compose examples,
# the Kubernetes set-up and the OpenAPI lint: tests/node/deploy/ (see README "Deploy").
deploy-test:
	cd tests/node && GATEWAY_BIN=$(abspath $(BUILD))/inference-gateway \
	  node --test --test-concurrency=2 --test-timeout=1800000 deploy/*.test.mjs

# The full multi-stage image build from source (Dockerfile target `runtime`), with podman as
# this machine allows it. BASE_IMAGE defaults to a Debian 12 base made from Debian packages
# (scripts/base-image.sh: no registry needed); BASE_IMAGE=docker.io/library/debian:bookworm-slim
# uses the public one. IMAGE names the result.
IMAGE ?= localhost/inference-gateway:latest
PODMAN = podman --runtime runc --cgroup-manager=cgroupfs
PODMAN_LIMITS = --ulimit nofile=10000:10000 --ulimit nproc=1000:1000
image:
	@scripts/install-deps.sh image
	base=$(or $(BASE_IMAGE),$$(scripts/base-image.sh)) && \
	$(PODMAN) build --network host $(PODMAN_LIMITS) --format docker --target runtime \
	  --build-arg BASE_IMAGE=$$base --build-arg REVISION=$$(git rev-parse --short HEAD 2>/dev/null || echo unknown) \
	  -t $(IMAGE) .
	@$(PODMAN) image inspect --format '$(IMAGE): {{.Size}} bytes' $(IMAGE)

fuzz-build:
	@cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_COMPILER=clang++ -DIGW_FUZZ=ON -DIGW_TESTS=OFF >/dev/null
	@ninja -C $(FUZZ_BUILD) -j$(JOBS) fuzz_targets

# Replays kept crashers, then a short run of every target (part of `make test`).
fuzz: fuzz-build
	@scripts/run-fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Each target until its execution goal or FUZZ_LONG_SECONDS; prints the figures (docs/fuzzing.md).
fuzz-long: fuzz-build
	@scripts/fuzz-long.sh $(FUZZ_BUILD) $(FUZZ_LONG_SECONDS)

# The sanitized node runs (test:sanitized) leave out the two suites that spend their time in
# other programs (ui.test.mjs drives chromium, infer_chat.test.mjs a tmux terminal); they run in
# node-test only, so the gateway's /ui endpoints and tool events are not run under the
# sanitizers (a trade for CI time: `make test` must stay well within its 90 minutes).
asan-test:
	@cmake -S . -B $(ASAN_BUILD) $(CMAKE_FLAGS) -DIGW_SANITIZE=ON -DIGW_TESTS=ON >/dev/null
	@ninja -C $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j$(JOBS)
	cd tests/node && GATEWAY_BIN=$(abspath $(ASAN_BUILD))/inference-gateway \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  npm run test:sanitized

# The unit and integration suites under ThreadSanitizer. A report makes the gateway exit
# non-zero at once (halt_on_error), and the node helpers fail the test that owned it. No
# suppressions: none was needed; a genuine third-party false positive would go in a
# suppressions file with its reason, never one in our own code.
TSAN_OPTIONS_ALL = halt_on_error=1 second_deadlock_stack=1
tsan-test:
	@cmake -S . -B $(TSAN_BUILD) $(CMAKE_FLAGS) -DIGW_TSAN=ON -DIGW_TESTS=ON >/dev/null
	@ninja -C $(TSAN_BUILD) -j$(JOBS)
	cd $(TSAN_BUILD) && TSAN_OPTIONS="$(TSAN_OPTIONS_ALL)" ctest --output-on-failure -j$(JOBS)
	cd tests/node && GATEWAY_BIN=$(abspath $(TSAN_BUILD))/inference-gateway \
	  TSAN_OPTIONS="$(TSAN_OPTIONS_ALL)" npm run test:sanitized

bench: build
	@scripts/install-deps.sh bench
	ninja -C $(BUILD) translate_bench
	GATEWAY_BIN=$(abspath $(BUILD))/inference-gateway bench/run.sh

format:
	clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'fuzz/*.cpp')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
