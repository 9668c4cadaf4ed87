/* app/eval_dose.c — the dose-interpolation baseline of `mfm eval`
 * (docs/reports.md, "Baselines"): for a treated population "L@d" (the
 * treatment LABEL@DOSE that mfm predict --truth-out writes) whose dose lies
 * between two doses of the same label L measured in the truth, lo and hi:
 *   x0 + (1 - s) effect(L@lo) + s effect(L@hi),
 *   s = <f(d) - f(lo), f(hi) - f(lo)> / |f(hi) - f(lo)|^2  (in [0, 1]),
 * f the dose transform applied to each component (a combination "1+10" is
 * a vector), effect(L@x) = mean(L@x) - mean(control) of the same experiment
 * where the truth has that population, else the training average effect of
 * L@x.  lo (hi) is the measured dose <= d (>= d) in every component, nearest
 * to d in the transformed space. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "design.h"
#include "eval_impl.h"

#define MAX_COMP 16

/* Split "L@d1+d2" into the label length and the transformed dose vector.
 * Returns the number of components, 0 if the text is not LABEL@DOSE. */
static size_t parse_dose(const char *treat, int transform, size_t *label_len, double *f)
{
    const char *at = strrchr(treat, '@');
    if (!at || at == treat || !at[1])
        return 0;
    *label_len = (size_t)(at - treat);
    size_t k = 0;
    for (const char *p = at + 1;; k++) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || !isfinite(v) || v < 0 || k == MAX_COMP || (*end != '+' && *end != '\0'))
            return 0;
        f[k] = mfm_dose_transform_apply((mfm_dose_transform)transform, v);
        if (*end == '\0')
            return k + 1;
        p = end + 1;
    }
}

/* effect(treat) for experiment of truth group t (control group ct) into eff. */
static bool dose_effect(const eval_state *s, size_t t, size_t ct, const char *treat, double *eff)
{
    size_t g = eval_sibling_group(s, t, treat);
    if (g != (size_t)-1 && s->acount[g] > 0) {
        for (size_t j = 0; j < s->d; j++)
            eff[j] = s->amean[g * s->d + j] - s->amean[ct * s->d + j];
        return true;
    }
    return eval_average_effect(s, t, treat, false, eff) > 0;
}

/* The measured neighbours of truth group t's dose: truth groups (any
 * experiment) whose treatment has t's label and a dose below (lo) / above
 * (hi) in every component, the nearest; *frac the position of t's dose. */
static bool dose_neighbours(const eval_state *s, size_t t, size_t *lo, size_t *hi, double *frac)
{
    const char *treat = s->tg.vals[t * s->nk + s->ck];
    double fd[MAX_COMP], fu[MAX_COMP], best[2] = {INFINITY, INFINITY}, flo[MAX_COMP], fhi[MAX_COMP];
    size_t ll, lu, k = parse_dose(treat, s->o->dose_transform, &ll, fd);
    *lo = *hi = (size_t)-1;
    if (k == 0)
        return false;
    for (size_t u = 0; u < s->tg.n_groups; u++) {
        const char *tu = s->tg.vals[u * s->nk + s->ck];
        if (strcmp(tu, treat) == 0 || parse_dose(tu, s->o->dose_transform, &lu, fu) != k || lu != ll ||
            strncmp(tu, treat, ll) != 0)
            continue;
        bool below = true, above = true;
        double dist = 0;
        for (size_t c = 0; c < k; c++) {
            below &= fu[c] <= fd[c];
            above &= fu[c] >= fd[c];
            dist += (fu[c] - fd[c]) * (fu[c] - fd[c]);
        }
        int side = below ? 0 : above ? 1 : -1;
        if (side < 0 || dist == 0 || !(dist < best[side]))
            continue;
        best[side] = dist;
        *(side ? hi : lo) = u;
        memcpy(side ? fhi : flo, fu, k * sizeof *fu);
    }
    if (*lo == (size_t)-1 || *hi == (size_t)-1)
        return false;
    double num = 0, den = 0;
    for (size_t c = 0; c < k; c++) {
        num += (fd[c] - flo[c]) * (fhi[c] - flo[c]);
        den += (fhi[c] - flo[c]) * (fhi[c] - flo[c]);
    }
    *frac = den > 0 ? fmin(1.0, fmax(0.0, num / den)) : 0.0;
    return true;
}

bool eval_dose_effect(const eval_state *s, size_t t, size_t ct, double *eff, double *work)
{
    size_t lo, hi;
    double frac;
    if (!dose_neighbours(s, t, &lo, &hi, &frac) ||
        !dose_effect(s, t, ct, s->tg.vals[lo * s->nk + s->ck], eff) ||
        !dose_effect(s, t, ct, s->tg.vals[hi * s->nk + s->ck], work))
        return false;
    for (size_t j = 0; j < s->d; j++)
        eff[j] = (1.0 - frac) * eff[j] + frac * work[j];
    return true;
}

bool eval_has_doses(const eval_state *s)
{
    double f[MAX_COMP];
    size_t ll;
    for (size_t t = 0; t < s->tg.n_groups; t++)
        if (parse_dose(s->tg.vals[t * s->nk + s->ck], s->o->dose_transform, &ll, f))
            return true;
    return false;
}
