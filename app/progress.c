/* app/progress.c */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

double mfm_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void mfm_progress_init(mfm_progress *p, const char *what, size_t total, size_t start, bool quiet,
                       size_t log_every)
{
    p->what = what;
    p->total = total;
    p->start = start;
    p->last_draw_step = start;
    p->t0 = mfm_now();
    p->last_draw = 0;
    p->tty = isatty(fileno(stderr));
    p->quiet = quiet;
    p->log_every = log_every ? log_every : 100;
}

double mfm_progress_elapsed(const mfm_progress *p) { return mfm_now() - p->t0; }

static void line(const mfm_progress *p, size_t step, double loss, double el, char *buf, size_t len)
{
    double rate = el > 0 ? (double)(step - p->start) / el : 0;
    double eta = rate > 0 ? (double)(p->total - step) / rate : 0;
    snprintf(buf, len, "step %zu/%zu  loss %.4f  %.1f steps/s  eta %.0fs  elapsed %.0fs", step,
             p->total, loss, rate, eta, el);
}

size_t mfm_progress_width(void)
{
    struct winsize ws;
    if (ioctl(fileno(stderr), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *cols = getenv("COLUMNS");
    char *end = NULL;
    long c = cols ? strtol(cols, &end, 10) : 0;
    return cols && end != cols && *end == '\0' && c > 0 && c < 10000 ? (size_t)c : 80;
}

/* One line of at most width - 1 columns (the last column stays free so the
 * terminal never wraps): "what [####....] text", the bar shrinking first,
 * then the text cut. */
void mfm_progress_format(char *buf, size_t len, const char *what, double frac, const char *text,
                         size_t width)
{
    size_t room = width > 1 ? width - 1 : 1;
    size_t fixed = strlen(what) + 4 + strlen(text); /* "what [" + "] " + text */
    size_t bar = room > fixed ? room - fixed : 0;
    if (bar > 30)
        bar = 30;
    if (bar < 5)
        bar = 0;
    size_t used = 0;
    if (bar) {
        size_t fill = (size_t)(frac * (double)bar + 1e-9);
        used = (size_t)snprintf(buf, len, "%s [", what);
        for (size_t i = 0; i < bar && used + 1 < len; i++)
            buf[used++] = i < fill ? '#' : '.';
        snprintf(buf + used, len > used ? len - used : 0, "] %s", text);
    } else {
        snprintf(buf, len, "%s %s", what, text);
    }
    if (strlen(buf) > room)
        buf[room] = '\0';
}

void mfm_progress_update(mfm_progress *p, size_t step, double loss_ema)
{
    if (p->quiet)
        return;
    double el = mfm_progress_elapsed(p);
    char buf[256];
    if (p->tty) {
        if (el - p->last_draw < 0.2 && step != p->total)
            return;
        p->last_draw = el;
        char text[256], full[512];
        line(p, step, loss_ema, el, text, sizeof text);
        size_t width = mfm_progress_width();
        mfm_progress_format(full, sizeof full, p->what,
                            p->total ? (double)step / (double)p->total : 1.0, text, width);
        /* back to the line's start, draw, clear the rest (a shorter line) */
        fprintf(stderr, "\r%s\033[K", full);
        fflush(stderr);
    } else if (step % p->log_every == 0) {
        line(p, step, loss_ema, el, buf, sizeof buf);
        fprintf(stderr, "mfm %s: %s\n", p->what, buf);
    }
}

void mfm_progress_finish(mfm_progress *p, double loss_ema)
{
    (void)loss_ema;
    if (!p->quiet && p->tty)
        fprintf(stderr, "\n");
}
