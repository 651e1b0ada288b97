// GP_CHECK and GP_DCHECK: assertions for bugs, never for user input or API-server data
// (STYLE.md section 3). GP_CHECK aborts with file:line in every build type; GP_DCHECK only where
// GP_DCHECK_IS_ON (the dev and asan presets).
#pragma once

namespace gpupack::common_internal {

[[noreturn]] void CheckFailed(const char* file, int line, const char* condition,
                              const char* message);

}  // namespace gpupack::common_internal

#define GP_CHECK(cond, msg)                                                      \
  do {                                                                           \
    if (!(cond)) {                                                               \
      ::gpupack::common_internal::CheckFailed(__FILE__, __LINE__, #cond, (msg)); \
    }                                                                            \
  } while (false)

#ifdef GP_DCHECK_IS_ON
#define GP_DCHECK(cond, msg) GP_CHECK(cond, msg)
#else
#define GP_DCHECK(cond, msg) \
  do {                       \
    if (false && (cond)) {   \
    }                        \
  } while (false)
#endif
