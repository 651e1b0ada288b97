# gpupack: the two commands a newcomer runs (README.md). CMake does the real work.
#   make demo   installs what is missing, builds (release), runs the main job
#   make test   installs what is missing, builds (dev: Debug, -Werror), runs every test + format check
#   make fuzz   builds the libFuzzer targets (clang, ASan+UBSan) and runs each FUZZ_SECONDS (60)
.PHONY: all deps build release test demo asan fuzz check-format format clean

JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60
GPUPACK := build/release/apps/gpupack/gpupack

all: build

deps:
	@scripts/install-deps

build/dev/CMakeCache.txt: | deps
	cmake --preset dev >/dev/null

build/release/CMakeCache.txt: | deps
	cmake --preset release >/dev/null

build/asan/CMakeCache.txt: | deps
	cmake --preset asan >/dev/null

build/fuzz/CMakeCache.txt: | deps
	cmake --preset fuzz >/dev/null

build: deps build/dev/CMakeCache.txt
	cmake --build build/dev -j $(JOBS)

release: deps build/release/CMakeCache.txt
	cmake --build build/release -j $(JOBS)

test: build check-format
	ctest --test-dir build/dev --output-on-failure -j $(JOBS) --label-exclude slow

asan: deps build/asan/CMakeCache.txt
	cmake --build build/asan -j $(JOBS)
	ctest --test-dir build/asan --output-on-failure -j $(JOBS) --label-exclude slow

fuzz: deps build/fuzz/CMakeCache.txt
	cmake --build build/fuzz -j $(JOBS) --target gp_fuzzers
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/run-fuzzers

demo: release
	@scripts/demo $(GPUPACK)

check-format:
	@scripts/check-format

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf build
