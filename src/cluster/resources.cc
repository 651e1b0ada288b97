#include "cluster/resources.h"

#include <algorithm>

#include "common/quantity.h"

namespace gpupack::cluster {

int64_t Resources::Get(std::string_view name) const {
  if (name == kResourceCpu) {
    return milli_cpu;
  }
  if (name == kResourceMemory) {
    return memory_bytes;
  }
  if (name == kResourcePods) {
    return pods;
  }
  auto it = scalar.find(name);
  return it == scalar.end() ? 0 : it->second;
}

void Resources::Set(std::string_view name, int64_t value) {
  if (name == kResourceCpu) {
    milli_cpu = value;
  } else if (name == kResourceMemory) {
    memory_bytes = value;
  } else if (name == kResourcePods) {
    pods = value;
  } else if (value == 0) {
    auto it = scalar.find(name);
    if (it != scalar.end()) {
      scalar.erase(it);
    }
  } else {
    scalar.insert_or_assign(std::string(name), value);
  }
}

void Resources::AddScalar(const std::string& name, int64_t delta) {
  auto it = scalar.find(name);
  if (it == scalar.end()) {
    if (delta != 0) {
      scalar.emplace(name, delta);
    }
  } else if ((it->second += delta) == 0) {
    scalar.erase(it);
  }
}

Resources& Resources::operator+=(const Resources& other) {
  milli_cpu += other.milli_cpu;
  memory_bytes += other.memory_bytes;
  pods += other.pods;
  for (const auto& [name, value] : other.scalar) {
    AddScalar(name, value);
  }
  return *this;
}

Resources& Resources::operator-=(const Resources& other) {
  milli_cpu -= other.milli_cpu;
  memory_bytes -= other.memory_bytes;
  pods -= other.pods;
  for (const auto& [name, value] : other.scalar) {
    AddScalar(name, -value);
  }
  return *this;
}

void Resources::MaxWith(const Resources& other) {
  milli_cpu = std::max(milli_cpu, other.milli_cpu);
  memory_bytes = std::max(memory_bytes, other.memory_bytes);
  pods = std::max(pods, other.pods);
  for (const auto& [name, value] : other.scalar) {
    Set(name, std::max(Get(name), value));
  }
}

bool Resources::Covers(const Resources& request) const { return FirstShortfall(request).empty(); }

std::string Resources::FirstShortfall(const Resources& request) const {
  if (request.milli_cpu > milli_cpu) {
    return std::string(kResourceCpu);
  }
  if (request.memory_bytes > memory_bytes) {
    return std::string(kResourceMemory);
  }
  if (request.pods > pods) {
    return std::string(kResourcePods);
  }
  for (const auto& [name, value] : request.scalar) {
    if (value > Get(name)) {
      return name;
    }
  }
  return "";
}

bool Resources::IsZero() const {
  return milli_cpu == 0 && memory_bytes == 0 && pods == 0 && scalar.empty();
}

std::string Resources::ToString() const {
  std::string out;
  auto append = [&out](std::string_view name, const std::string& value) {
    if (!out.empty()) {
      out += ", ";
    }
    out += name;
    out += '=';
    out += value;
  };
  if (milli_cpu != 0) {
    append(kResourceCpu, FormatMilli(milli_cpu));
  }
  if (memory_bytes != 0) {
    append(kResourceMemory, FormatBytes(memory_bytes));
  }
  if (pods != 0) {
    append(kResourcePods, std::to_string(pods));
  }
  for (const auto& [name, value] : scalar) {
    append(name, std::to_string(value));
  }
  return out;
}

Resources operator+(Resources a, const Resources& b) { return a += b; }

Resources operator-(Resources a, const Resources& b) { return a -= b; }

}  // namespace gpupack::cluster
