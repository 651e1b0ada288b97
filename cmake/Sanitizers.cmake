# GP_SANITIZE=address,undefined or thread: applied to every target (our code and tests alike).
if(GP_SANITIZE)
  set(_gp_san_flags -fsanitize=${GP_SANITIZE} -fno-omit-frame-pointer)
  if(GP_SANITIZE MATCHES "undefined")
    list(APPEND _gp_san_flags -fno-sanitize-recover=all)
  endif()
  add_compile_options(${_gp_san_flags})
  add_link_options(${_gp_san_flags})
endif()

# GP_FUZZ (clang only, the `fuzz` preset): libFuzzer's coverage instrumentation on every library;
# fuzz/CMakeLists.txt links the targets with -fsanitize=fuzzer.
if(GP_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "GP_FUZZ needs clang (cmake --preset fuzz uses clang++-16)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
# GCC 12 reports false -Wmaybe-uninitialized inside libstdc++ (std::optional, std::vector,
# <regex>, std::function) when ASan instruments the code, because the instrumentation hides the
# initialisation from its flow analysis. The dev and release builds keep the warning on.
if(GP_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  add_compile_options(-Wno-maybe-uninitialized)
endif()
