/* io/report_plot_png.c — a plot's canvas (cairo RGB24 image surface) as a
 * PNG file in memory: 8-bit RGB, no interlace, one IDAT.  Written here, not
 * with cairo_surface_write_to_png_stream, for speed: libpng's adaptive
 * filter choice (all five filters tried on every row) and zlib level 6 took
 * about 40% of an evaluation's time on the plots of 22 populations.  Here
 * every row gets the Up filter (white backgrounds and straight edges repeat
 * row to row) and deflate runs at a fast level; the pixels are the same
 * (tests/io: decoded by cairo's reader, byte for byte). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "report_plot_impl.h"

/* zlib level 3: on the plots of the 2 M-cell screen's evaluation (22
 * populations) deflate took 0.35 s against 0.7 s at level 6, for a
 * report.html of 6.0 MB against 5.3 MB (cairo's own PNGs: 5.4 MB, 1.3 s of
 * filtering and deflate). */
#define PNG_LEVEL 3

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Chunk `type` with data (len bytes, already at p + 8) at p: length,
 * type, data, CRC of type and data.  Returns the chunk's size. */
static size_t chunk(unsigned char *p, const char *type, size_t len)
{
    be32(p, (uint32_t)len);
    memcpy(p + 4, type, 4);
    be32(p + 8 + len, (uint32_t)crc32(crc32(0L, Z_NULL, 0), p + 4, (uInt)(len + 4)));
    return len + 12;
}

/* The rows of s (w x h, RGB24), each as filter byte 2 (Up) and the
 * differences of its R, G, B bytes from the row above, into raw. */
static void filter_rows(cairo_surface_t *s, int w, int h, unsigned char *raw)
{
    const unsigned char *data = cairo_image_surface_get_data(s);
    const int stride = cairo_image_surface_get_stride(s);
    const size_t rl = 1 + 3 * (size_t)w;
    for (int y = 0; y < h; y++) {
        const uint32_t *px = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
        const uint32_t *up = y ? (const uint32_t *)(const void *)(data + (size_t)(y - 1) * (size_t)stride) : NULL;
        unsigned char *o = raw + (size_t)y * rl;
        *o++ = 2;
        for (int x = 0; x < w; x++) {
            uint32_t v = px[x], u = up ? up[x] : 0;
            *o++ = (unsigned char)((v >> 16) - (u >> 16));
            *o++ = (unsigned char)((v >> 8) - (u >> 8));
            *o++ = (unsigned char)(v - u);
        }
    }
}

mfm_err mfm_plot_png(cairo_surface_t *s, mfm_png *out)
{
    const int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    const size_t raw_len = (1 + 3 * (size_t)w) * (size_t)h;
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    mfm_err err = MFM_OK;
    z_stream z = {0};
    memset(out, 0, sizeof *out);
    cairo_surface_flush(s);
    unsigned char *raw = malloc(raw_len ? raw_len : 1);
    if (!raw || deflateInit(&z, PNG_LEVEL) != Z_OK) {
        free(raw);
        return mfm_err_set(MFM_ENOMEM, "plot: out of memory encoding a PNG");
    }
    size_t bound = deflateBound(&z, (uLong)raw_len), cap = 8 + 25 + 12 + bound + 12;
    unsigned char *p = malloc(cap);
    if (!p) {
        err = mfm_err_set(MFM_ENOMEM, "plot: out of memory encoding a PNG");
        goto cleanup;
    }
    filter_rows(s, w, h, raw);
    memcpy(p, sig, 8);
    size_t n = 8;
    be32(p + n + 8, (uint32_t)w);
    be32(p + n + 12, (uint32_t)h);
    memcpy(p + n + 16, "\x08\x02\x00\x00\x00", 5); /* 8 bits, RGB, deflate, filters, no interlace */
    n += chunk(p + n, "IHDR", 13);
    z.next_in = raw;
    z.avail_in = (uInt)raw_len;
    z.next_out = p + n + 8;
    z.avail_out = (uInt)bound;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
        free(p);
        err = mfm_err_set(MFM_EINTERNAL, "plot: zlib could not compress a PNG of %d x %d", w, h);
        goto cleanup;
    }
    n += chunk(p + n, "IDAT", z.total_out);
    n += chunk(p + n, "IEND", 0);
    *out = (mfm_png){p, n, cap};
cleanup:
    deflateEnd(&z);
    free(raw);
    return err;
}
