# Cross build for 32-bit Windows with Debian's mingw-w64 (g++-mingw-w64-i686).
set(CMAKE_SYSTEM_PROCESSOR x86)
set(CHATSOCKET_MINGW_TRIPLE i686-w64-mingw32)
include(${CMAKE_CURRENT_LIST_DIR}/mingw-w64-common.cmake)

# RegisterModule is __stdcall, so its symbol here is _RegisterModule@12; chatsocket.def names plain
# RegisterModule, and ld's stdcall fixup links the one to the other and exports "RegisterModule", as IIS
# looks it up. The fixup is what we want: enabled explicitly, it no longer warns at every link.
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-Wl,--enable-stdcall-fixup")
# No emulator: Debian's wine64 cannot run 32-bit programs, so the x86 build is checked statically
# (objdump) and its tests are not run here.
