/* wasm2c 1.0.32's generated C includes <alloca.h> on every non-MSVC compiler; mingw-w64 has no
 * such header and declares alloca in <malloc.h>. Only on the include path of mingw builds. */
#ifndef CS_MINGW_ALLOCA_H
#define CS_MINGW_ALLOCA_H
#include <malloc.h>
#endif
