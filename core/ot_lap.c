/* core/ot_lap.c — dense linear assignment by shortest augmenting paths.
 *
 * The Jonker–Volgenant scheme in its dense form: column reduction gives
 * feasible column prices v, then every row left unassigned is added by one
 * Dijkstra-like search over the reduced costs C[i][j] - v[j] that stops at
 * the first free column; the prices of the columns settled by the search are
 * raised so that the reduced costs stay non-negative and vanish on the
 * assignment (complementary slackness), which makes the result optimal.
 */
#include "ot.h"

#include <math.h>
#include <stdlib.h>

#define LAP_NONE ((size_t)-1)

/* Column reduction: v[j] = min_i C[i][j]; a row that is the minimum of some
 * column and not yet assigned takes that column.  Every assigned row then
 * has reduced cost 0 on its column and >= 0 elsewhere, as the search needs. */
static void lap_column_reduction(size_t *restrict x, size_t *restrict y,
                                 double *restrict v, const double *restrict C,
                                 size_t n)
{
    for (size_t j = n; j-- > 0;) {
        size_t imin = 0;
        double cmin = C[j];
        for (size_t i = 1; i < n; i++) {
            double c = C[i * n + j];
            if (c < cmin) {
                cmin = c;
                imin = i;
            }
        }
        v[j] = cmin;
        if (x[imin] == LAP_NONE) {
            x[imin] = j;
            y[j] = imin;
        }
    }
}

/* One shortest augmenting path from free row f; updates x, y, v. */
static void lap_augment(size_t *restrict x, size_t *restrict y,
                        double *restrict v, double *restrict d,
                        size_t *restrict pred, size_t *restrict cols,
                        const double *restrict C, size_t n, size_t f)
{
    const double *row = C + f * n;
    for (size_t j = 0; j < n; j++) {
        d[j] = row[j] - v[j];
        pred[j] = f;
        cols[j] = j;
    }
    /* cols[0, lo): scanned; cols[lo, hi): at distance mind, to scan;
     * cols[hi, n): not reached at minimal distance yet. */
    size_t lo = 0, hi = 0, end = LAP_NONE;
    double mind = 0.0;
    while (end == LAP_NONE) {
        if (lo == hi) {
            mind = INFINITY;
            for (size_t k = lo; k < n; k++) {
                size_t j = cols[k];
                if (d[j] <= mind) {
                    if (d[j] < mind) {
                        hi = lo;
                        mind = d[j];
                    }
                    cols[k] = cols[hi];
                    cols[hi++] = j;
                }
            }
            for (size_t k = lo; k < hi; k++) {
                if (y[cols[k]] == LAP_NONE) {
                    end = cols[k];
                    break;
                }
            }
            if (end != LAP_NONE)
                break;
        }
        size_t j1 = cols[lo++];
        size_t i = y[j1];
        const double *ri = C + i * n;
        double h0 = ri[j1] - v[j1] - mind;
        for (size_t k = hi; k < n; k++) {
            size_t j = cols[k];
            double h = ri[j] - v[j] - h0;
            if (h < d[j]) {
                d[j] = h;
                pred[j] = i;
                if (h == mind) {
                    if (y[j] == LAP_NONE) {
                        end = j;
                        break;
                    }
                    cols[k] = cols[hi];
                    cols[hi++] = j;
                }
            }
        }
    }
    /* Settled columns: raise prices by their distance below mind. */
    for (size_t k = 0; k < lo; k++) {
        size_t j = cols[k];
        v[j] += d[j] - mind;
    }
    /* Flip the alternating path back to f. */
    size_t j = end;
    for (;;) {
        size_t i = pred[j];
        y[j] = i;
        size_t prev = x[i];
        x[i] = j;
        if (i == f)
            break;
        j = prev;
    }
}

mfm_err mfm_ot_assign(size_t *assign, double *cost_out, const double *C,
                      size_t n)
{
    mfm_err rc = MFM_OK;
    size_t *iw = NULL;
    double *dw = NULL;
    if (n == 0 || C == NULL) {
        rc = mfm_err_set(MFM_EINVAL, "assignment: empty cost matrix (n = %zu)", n);
        goto cleanup;
    }
    for (size_t k = 0; k < n * n; k++) {
        if (!isfinite(C[k])) {
            rc = mfm_err_set(MFM_ENUMERIC,
                             "assignment: cost[%zu][%zu] = %g is not finite",
                             k / n, k % n, C[k]);
            goto cleanup;
        }
    }
    iw = malloc(4 * n * sizeof *iw);
    dw = malloc(2 * n * sizeof *dw);
    if (iw == NULL || dw == NULL) {
        rc = mfm_err_set(MFM_ENOMEM, "assignment: no memory for n = %zu", n);
        goto cleanup;
    }
    size_t *x = iw, *y = iw + n, *pred = iw + 2 * n, *cols = iw + 3 * n;
    double *v = dw, *d = dw + n;
    for (size_t k = 0; k < n; k++)
        x[k] = y[k] = LAP_NONE;
    lap_column_reduction(x, y, v, C, n);
    for (size_t f = 0; f < n; f++) {
        if (x[f] == LAP_NONE)
            lap_augment(x, y, v, d, pred, cols, C, n, f);
    }
    double total = 0.0;
    for (size_t i = 0; i < n; i++) {
        total += C[i * n + x[i]];
        if (assign != NULL)
            assign[i] = x[i];
    }
    if (cost_out != NULL)
        *cost_out = total;
cleanup:
    free(iw);
    free(dw);
    return rc;
}
