// Rng: a seeded, platform-independent random generator. The standard distributions differ
// between standard libraries, so the simulator and the planner draw only through these methods,
// whose results depend on the seed alone (splitmix64 seeding + xoshiro256**).
//
// Thread safety: none; give each thread or simulation its own Rng.
#pragma once

#include <array>
#include <cstdint>

namespace gpupack {

class Rng {
 public:
  explicit Rng(uint64_t seed);

  // Uniform 64-bit value.
  uint64_t Next();

  // Uniform in [0, bound); bound must be > 0. Unbiased (rejection sampling).
  uint64_t Uniform(uint64_t bound);

  // Uniform in [lo, hi] inclusive; lo <= hi.
  int64_t UniformInt(int64_t lo, int64_t hi);

  // Uniform double in [0, 1) with 53 random bits.
  double UniformDouble();

  // Exponentially distributed with the given mean (> 0).
  double Exponential(double mean);

  // Standard normal (Box-Muller), scaled: mean + stddev * N(0,1).
  double Normal(double mean, double stddev);

  // True with probability p.
  bool Bernoulli(double p);

 private:
  std::array<uint64_t, 4> state_;
};

}  // namespace gpupack
