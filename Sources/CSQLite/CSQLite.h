/* Debian's libsqlite3 (libsqlite3-dev): the gateway's invocation store. Only the system
   header; SQLITE_TRANSIENT is a cast macro Swift cannot import, so it gets a helper. */
#include <sqlite3.h>

static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }
