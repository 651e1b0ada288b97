# Every find_package lives here (STYLE.md section 11). All come from Debian 12 packages;
# scripts/install-deps installs them.
find_package(tl-expected 1.0 REQUIRED)
find_package(fmt 9 REQUIRED)
find_package(spdlog 1.10 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(yaml-cpp 0.7 REQUIRED)
if(NOT TARGET yaml-cpp::yaml-cpp)  # 0.8+ exports the namespaced name itself
  add_library(yaml-cpp::yaml-cpp ALIAS yaml-cpp)
endif()
find_package(CLI11 2.1 REQUIRED)
find_package(CURL 7.88 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib>=0.11)
if(GP_BUILD_TESTS)
  find_package(GTest 1.12 REQUIRED)
  find_package(rapidcheck REQUIRED)
endif()
if(GP_BUILD_BENCH)
  find_package(benchmark 1.7 REQUIRED)
endif()

# Optional exact MIP solver for the planner's lower-bound checks (src/plan/lp/exact_cover_cbc.cc).
# Debian: coinor-libcbc-dev. Requested but missing is a configure error, never a silent fallback.
option(GP_WITH_CBC "Link CBC for the exact covering solver (src/plan/lp)" OFF)
if(GP_WITH_CBC)
  pkg_check_modules(CBC IMPORTED_TARGET cbc>=2.10)
  if(NOT CBC_FOUND)
    message(FATAL_ERROR "GP_WITH_CBC=ON but CBC was not found by pkg-config (module 'cbc'); "
      "install coinor-libcbc-dev or configure with -DGP_WITH_CBC=OFF")
  endif()
endif()
