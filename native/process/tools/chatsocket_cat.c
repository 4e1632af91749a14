/* chatsocket-cat: copies stdin to stdout as it arrives, each read written at once (no buffering), so a
 * `kind = process` endpoint running it echoes every message straight back. Shipped beside the module on
 * Windows, where no cat comes with the system; the same source builds on Linux. */
#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#define read _read
#define write _write
#else
#include <unistd.h>
#endif

int main(void) {
#ifdef _WIN32
  /* Bytes as they are: no CRLF translation either way. */
  _setmode(0, _O_BINARY);
  _setmode(1, _O_BINARY);
#endif
  char buffer[65536];
  for (;;) {
    int got = (int)read(0, buffer, sizeof buffer);
    if (got <= 0) return got == 0 ? 0 : 1;
    for (int done = 0; done < got;) {
      int wrote = (int)write(1, buffer + done, (unsigned)(got - done));
      if (wrote <= 0) return 1;
      done += wrote;
    }
  }
}
