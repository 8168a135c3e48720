/* Debian's zlib (zlib1g-dev): inflate for deploy bundles (zip's deflate, gzip). Only the few
   declarations we call, as zlib.h documents them (its ABI has been stable since 1.2): the
   stream's size and zlib's version go to inflateInit2_, which refuses a mismatch itself
   (Z_VERSION_ERROR), so a layout that disagreed with the library could not go unnoticed. */
#ifndef CZLIB_H
#define CZLIB_H

typedef struct czlib_stream {
    const unsigned char *next_in;
    unsigned int avail_in;
    unsigned long total_in;
    unsigned char *next_out;
    unsigned int avail_out;
    unsigned long total_out;
    const char *msg;
    void *state;
    void *zalloc;
    void *zfree;
    void *opaque;
    int data_type;
    unsigned long adler;
    unsigned long reserved;
} czlib_stream;

const char *zlibVersion(void);
int inflateInit2_(czlib_stream *strm, int windowBits, const char *version, int stream_size);
int inflate(czlib_stream *strm, int flush);
int inflateEnd(czlib_stream *strm);
unsigned long crc32(unsigned long crc, const unsigned char *buf, unsigned int len);

#define CZLIB_OK 0
#define CZLIB_STREAM_END 1
#define CZLIB_BUF_ERROR (-5)
#define CZLIB_NO_FLUSH 0

static inline int czlib_inflate_init(czlib_stream *strm, int windowBits) {
    return inflateInit2_(strm, windowBits, zlibVersion(), (int)sizeof(czlib_stream));
}

#endif
