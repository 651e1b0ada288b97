# GP_SANITIZE=address,undefined or thread: applied to every target (our code and tests alike).
if(GP_SANITIZE)
  set(_gp_san_flags -fsanitize=${GP_SANITIZE} -fno-omit-frame-pointer)
  if(GP_SANITIZE MATCHES "undefined")
    list(APPEND _gp_san_flags -fno-sanitize-recover=all)
  endif()
  add_compile_options(${_gp_san_flags})
  add_link_options(${_gp_san_flags})
endif()
