/* app/progress.h — progress of a long loop: a redrawn bar (step, loss EMA,
 * steps/s, ETA) on a terminal, plain log lines otherwise, nothing if quiet. */
#ifndef MFM_APP_PROGRESS_H
#define MFM_APP_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct mfm_progress {
    const char *what;
    size_t total, start, last_draw_step;
    double t0, last_draw;
    bool tty, quiet;
    size_t log_every;
} mfm_progress;

void mfm_progress_init(mfm_progress *p, const char *what, size_t total, size_t start, bool quiet,
                       size_t log_every);
void mfm_progress_update(mfm_progress *p, size_t step, double loss_ema);
void mfm_progress_finish(mfm_progress *p, double loss_ema);
double mfm_progress_elapsed(const mfm_progress *p);
double mfm_now(void);

/* Columns of the terminal on stderr (TIOCGWINSZ), else $COLUMNS, else 80. */
size_t mfm_progress_width(void);

/* The bar line "what [###...] text" fitted into width - 1 columns (bar
 * shortened or dropped, then text cut), for a fraction frac done. */
void mfm_progress_format(char *buf, size_t len, const char *what, double frac, const char *text,
                         size_t width);

#endif
