# gp_embed_files(OUTPUT <file.cc> NAMESPACE <ns> FILES <name>=<path> ...)
# Generates a C++ source defining
#   std::span<const gpupack::EmbeddedFile> <ns>::EmbeddedFiles();
# with the files' bytes, so the binary runs from any folder without its data files.
function(gp_embed_files)
  cmake_parse_arguments(ARG "" "OUTPUT;NAMESPACE" "FILES" ${ARGN})
  set(_deps)
  set(_args)
  foreach(_entry IN LISTS ARG_FILES)
    string(REPLACE "=" ";" _pair "${_entry}")
    list(GET _pair 1 _path)
    list(APPEND _deps ${_path})
    list(APPEND _args "${_entry}")
  endforeach()
  string(REPLACE ";" "|" _joined "${_args}")
  add_custom_command(
    OUTPUT ${ARG_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${ARG_OUTPUT} -DNAMESPACE=${ARG_NAMESPACE}
            "-DFILES=${_joined}" -P ${PROJECT_SOURCE_DIR}/cmake/EmbedScript.cmake
    DEPENDS ${_deps} ${PROJECT_SOURCE_DIR}/cmake/EmbedScript.cmake
    COMMENT "Embedding ${ARG_NAMESPACE} data files"
    VERBATIM)
endfunction()
