# gp_warnings: the warning set every gpupack target links (STYLE.md section 9).
set(GP_WARNING_FLAGS
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast
  -Wnon-virtual-dtor -Woverloaded-virtual -Wcast-align -Wnull-dereference -Wdouble-promotion
  -Wformat=2 -Wimplicit-fallthrough -Wextra-semi -Wmissing-declarations)
add_library(gp_warnings INTERFACE)
target_compile_options(gp_warnings INTERFACE ${GP_WARNING_FLAGS})
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  # GCC bug 105329: bogus -Wrestrict on std::string concatenation at -O2.
  target_compile_options(gp_warnings INTERFACE -Wno-restrict)
endif()
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  target_compile_options(gp_warnings INTERFACE -Wthread-safety)
endif()
if(GP_WARNINGS_AS_ERRORS)
  target_compile_options(gp_warnings INTERFACE -Werror)
endif()
if(GP_DCHECKS)
  target_compile_definitions(gp_warnings INTERFACE GP_DCHECK_IS_ON=1)
endif()

# Tests may relax this short list only. The relaxations must come after the warning flags on the
# command line, so gp_test_warnings copies gp_warnings' options rather than linking it.
add_library(gp_test_warnings INTERFACE)
target_compile_options(gp_test_warnings INTERFACE
  $<TARGET_PROPERTY:gp_warnings,INTERFACE_COMPILE_OPTIONS>
  -Wno-missing-declarations -Wno-sign-conversion -Wno-conversion)
target_compile_definitions(gp_test_warnings INTERFACE
  $<TARGET_PROPERTY:gp_warnings,INTERFACE_COMPILE_DEFINITIONS>)
