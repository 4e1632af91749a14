# What the mingw-w64 toolchain files share; each sets CMAKE_SYSTEM_PROCESSOR and CHATSOCKET_MINGW_TRIPLE first.
# The -posix compilers: doctest and the runtime use std::thread/std::mutex, which the default (win32
# thread model) compilers of GCC 12 lack. winpthread is linked statically, so no extra DLL ships.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_C_COMPILER ${CHATSOCKET_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${CHATSOCKET_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${CHATSOCKET_MINGW_TRIPLE}-windres)

# Headers and libraries from the mingw sysroot only (never /usr/include); programs (wasm2c, wat2wasm,
# python3) from the build machine.
set(CMAKE_FIND_ROOT_PATH /usr/${CHATSOCKET_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# doctest is header-only and target-neutral, but lives in /usr/include, which a cross build must not
# search. Stage it alone in a tiny sysroot: found by find_path and on every compile's include path.
if(EXISTS /usr/include/doctest/doctest.h)
  set(CHATSOCKET_DOCTEST_SYSROOT "${CMAKE_BINARY_DIR}/doctest-sysroot")
  file(MAKE_DIRECTORY "${CHATSOCKET_DOCTEST_SYSROOT}/include")
  file(CREATE_LINK /usr/include/doctest "${CHATSOCKET_DOCTEST_SYSROOT}/include/doctest" SYMBOLIC)
  list(APPEND CMAKE_FIND_ROOT_PATH "${CHATSOCKET_DOCTEST_SYSROOT}")
  set(CMAKE_CXX_STANDARD_INCLUDE_DIRECTORIES "${CHATSOCKET_DOCTEST_SYSROOT}/include")
endif()

# Test executables are static too, so wine needs no mingw runtime DLLs beside them.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")
