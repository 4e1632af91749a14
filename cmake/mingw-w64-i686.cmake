# Cross build for 32-bit Windows with Debian's mingw-w64 (g++-mingw-w64-i686); the rest as for x64.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86)

set(CHATSOCKET_MINGW_TRIPLE i686-w64-mingw32)
set(CMAKE_C_COMPILER ${CHATSOCKET_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${CHATSOCKET_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${CHATSOCKET_MINGW_TRIPLE}-windres)

set(CMAKE_FIND_ROOT_PATH /usr/${CHATSOCKET_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

if(EXISTS /usr/include/doctest/doctest.h)
  set(CHATSOCKET_DOCTEST_SYSROOT "${CMAKE_BINARY_DIR}/doctest-sysroot")
  file(MAKE_DIRECTORY "${CHATSOCKET_DOCTEST_SYSROOT}/include")
  file(CREATE_LINK /usr/include/doctest "${CHATSOCKET_DOCTEST_SYSROOT}/include/doctest" SYMBOLIC)
  list(APPEND CMAKE_FIND_ROOT_PATH "${CHATSOCKET_DOCTEST_SYSROOT}")
  set(CMAKE_CXX_STANDARD_INCLUDE_DIRECTORIES "${CHATSOCKET_DOCTEST_SYSROOT}/include")
endif()

set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")
# RegisterModule is __stdcall, so its symbol here is _RegisterModule@12; chatsocket.def names plain
# RegisterModule, and ld's stdcall fixup links the one to the other and exports "RegisterModule", as IIS
# looks it up. The fixup is what we want: enabled explicitly, it no longer warns at every link.
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-Wl,--enable-stdcall-fixup")
# No emulator: Debian's wine64 cannot run 32-bit programs, so the x86 build is checked statically
# (objdump) and its tests are not run here.
