/* app/progress.c */
#include "progress.h"

#include <stdio.h>
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
    snprintf(buf, len, "step %zu/%zu  loss(ema) %.4f  %.1f steps/s  elapsed %.0fs  eta %.0fs", step,
             p->total, loss, rate, el, eta);
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
        int width = 30;
        int fill = p->total ? (int)((double)width * (double)step / (double)p->total) : width;
        char bar[64];
        for (int i = 0; i < width; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[width] = '\0';
        line(p, step, loss_ema, el, buf, sizeof buf);
        fprintf(stderr, "\r%s [%s] %s ", p->what, bar, buf);
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
