# Cross build for 64-bit Windows with Debian's mingw-w64 (g++-mingw-w64-x86-64).
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CHATSOCKET_MINGW_TRIPLE x86_64-w64-mingw32)
include(${CMAKE_CURRENT_LIST_DIR}/mingw-w64-common.cmake)

# ctest runs the test executables under Wine when it is installed (Debian: wine64).
find_program(CHATSOCKET_WINE NAMES wine64 wine PATHS /usr/lib/wine NO_CMAKE_FIND_ROOT_PATH)
if(CHATSOCKET_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${CHATSOCKET_WINE})
endif()
