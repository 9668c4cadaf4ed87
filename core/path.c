/* core/path.c — conditional paths of flow matching (see path.h). */
#include "path.h"

#include <math.h>
#include <string.h>

#define MFM_PI 3.14159265358979323846

mfm_err mfm_path_validate(const mfm_path *p)
{
    if (!p)
        return mfm_err_set(MFM_EINVAL, "path: NULL parameters");
    switch (p->kind) {
    case MFM_PATH_LINEAR:
    case MFM_PATH_BRIDGE:
    case MFM_PATH_VP:
        if (!isfinite(p->sigma) || p->sigma < 0.0)
            return mfm_err_set(MFM_EINVAL, "path '%s': sigma = %g, expected a finite value >= 0",
                               mfm_path_kind_name(p->kind), p->sigma);
        return MFM_OK;
    case MFM_PATH_LIPMAN:
        if (!isfinite(p->sigma_min) || p->sigma_min < 0.0 || p->sigma_min >= 1.0)
            return mfm_err_set(MFM_EINVAL, "path 'lipman': sigma_min = %g, expected a value in [0, 1)",
                               p->sigma_min);
        return MFM_OK;
    case MFM_PATH_VE:
        if (!isfinite(p->sigma_min) || !(p->sigma_min > 0.0) || !isfinite(p->sigma) ||
            !(p->sigma > p->sigma_min))
            return mfm_err_set(MFM_EINVAL, "path 've': sigma_min = %g, sigma_max = %g, expected "
                               "0 < sigma_min < sigma_max (finite)", p->sigma_min, p->sigma);
        return MFM_OK;
    }
    return mfm_err_set(MFM_EINVAL, "path: unknown kind %d", (int)p->kind);
}

double mfm_path_sigma_t(const mfm_path *p, double t)
{
    switch (p->kind) {
    case MFM_PATH_LINEAR:
    case MFM_PATH_VP:
        return p->sigma;
    case MFM_PATH_BRIDGE:
        return p->sigma * sqrt(t * (1.0 - t));
    case MFM_PATH_LIPMAN:
        return 1.0 - (1.0 - p->sigma_min) * t;
    case MFM_PATH_VE:
        return p->sigma_min * pow(p->sigma / p->sigma_min, 1.0 - t);
    }
    return 0.0;
}

/* One row of each kind.  Each reads x0/x1/eps and writes xt/ut (ut may be
 * NULL).  eps may be NULL (zero noise). */

static void row_linear(float *restrict xt, float *restrict ut, const float *restrict x0,
                       const float *restrict x1, const float *restrict eps, double t,
                       double sigma, size_t d)
{
    for (size_t k = 0; k < d; k++) {
        double a = x0[k], b = x1[k];
        double noise = eps ? sigma * (double)eps[k] : 0.0;
        xt[k] = (float)((1.0 - t) * a + t * b + noise);
        if (ut)
            ut[k] = (float)(b - a);
    }
}

static void row_bridge(float *restrict xt, float *restrict ut, const float *restrict x0,
                       const float *restrict x1, const float *restrict eps, double t,
                       double sigma, size_t d)
{
    double s = t * (1.0 - t);
    double sig_t = sigma * sqrt(s);
    /* (1-2t)/(2t(1-t)) (x - mu) with x - mu = sig_t eps, i.e.
     * sigma (1-2t) / (2 sqrt(t(1-t))) eps; 0 at the ends where x = mu. */
    double coef = s > 0.0 ? sigma * (1.0 - 2.0 * t) / (2.0 * sqrt(s)) : 0.0;
    for (size_t k = 0; k < d; k++) {
        double a = x0[k], b = x1[k];
        double e = eps ? (double)eps[k] : 0.0;
        xt[k] = (float)((1.0 - t) * a + t * b + sig_t * e);
        if (ut)
            ut[k] = (float)(coef * e + (b - a));
    }
}

static void row_lipman(float *restrict xt, float *restrict ut, const float *restrict x0,
                       const float *restrict x1, double t, double sigma_min, size_t d)
{
    double c = 1.0 - sigma_min;
    double sig_t = 1.0 - c * t;
    for (size_t k = 0; k < d; k++) {
        double z = x0[k], b = x1[k];
        xt[k] = (float)(t * b + sig_t * z);
        if (ut)
            ut[k] = (float)(b - c * z);
    }
}

static void row_vp(float *restrict xt, float *restrict ut, const float *restrict x0,
                   const float *restrict x1, const float *restrict eps, double t,
                   double sigma, size_t d)
{
    double c = cos(0.5 * MFM_PI * t), s = sin(0.5 * MFM_PI * t);
    for (size_t k = 0; k < d; k++) {
        double a = x0[k], b = x1[k];
        double noise = eps ? sigma * (double)eps[k] : 0.0;
        xt[k] = (float)(c * a + s * b + noise);
        if (ut)
            ut[k] = (float)(0.5 * MFM_PI * (c * b - s * a));
    }
}

static void row_ve(float *restrict xt, float *restrict ut, const float *restrict x0,
                   const float *restrict x1, double t, const mfm_path *p, size_t d)
{
    double s = mfm_path_sigma_t(p, t);
    double ds = -log(p->sigma / p->sigma_min) * s; /* d s(t) / dt */
    for (size_t k = 0; k < d; k++) {
        double z = x0[k];
        xt[k] = (float)((double)x1[k] + s * z);
        if (ut)
            ut[k] = (float)(ds * z);
    }
}

mfm_err mfm_path_sample(float *restrict xt, float *restrict ut,
                        const float *restrict x0, const float *restrict x1,
                        const float *restrict eps, const float *restrict t,
                        size_t n, size_t d, const mfm_path *p)
{
    mfm_err e = mfm_path_validate(p);
    if (e != MFM_OK)
        return e;
    if (n > 0 && (!xt || !x0 || !x1 || !t))
        return mfm_err_set(MFM_EINVAL, "path sample: NULL array for %zu rows", n);
    for (size_t i = 0; i < n; i++) {
        double ti = t[i];
        if (!(ti >= 0.0 && ti <= 1.0))
            return mfm_err_set(MFM_EINVAL, "path sample: row %zu has t = %g outside [0, 1]", i, ti);
    }
    for (size_t i = 0; i < n; i++) {
        size_t o = i * d;
        const float *ep = eps ? eps + o : NULL;
        float *up = ut ? ut + o : NULL;
        switch (p->kind) {
        case MFM_PATH_LINEAR:
            row_linear(xt + o, up, x0 + o, x1 + o, ep, t[i], p->sigma, d);
            break;
        case MFM_PATH_BRIDGE:
            row_bridge(xt + o, up, x0 + o, x1 + o, ep, t[i], p->sigma, d);
            break;
        case MFM_PATH_LIPMAN:
            row_lipman(xt + o, up, x0 + o, x1 + o, t[i], p->sigma_min, d);
            break;
        case MFM_PATH_VP:
            row_vp(xt + o, up, x0 + o, x1 + o, ep, t[i], p->sigma, d);
            break;
        case MFM_PATH_VE:
            row_ve(xt + o, up, x0 + o, x1 + o, t[i], p, d);
            break;
        }
    }
    return MFM_OK;
}

static const struct {
    const char *name;
    mfm_path_kind kind;
} path_names[] = {
    {"linear", MFM_PATH_LINEAR}, {"icfm", MFM_PATH_LINEAR},   {"otcfm", MFM_PATH_LINEAR},
    {"bridge", MFM_PATH_BRIDGE}, {"sbcfm", MFM_PATH_BRIDGE},  {"lipman", MFM_PATH_LIPMAN},
    {"gaussian-ot", MFM_PATH_LIPMAN}, {"vp", MFM_PATH_VP},    {"cosine", MFM_PATH_VP},
    {"ve", MFM_PATH_VE},
};

mfm_err mfm_path_kind_parse(mfm_path_kind *out, const char *name)
{
    for (size_t i = 0; name && i < sizeof path_names / sizeof path_names[0]; i++) {
        if (strcmp(name, path_names[i].name) == 0) {
            *out = path_names[i].kind;
            return MFM_OK;
        }
    }
    return mfm_err_set(MFM_EINVAL, "unknown path '%s' (expected linear, bridge, lipman, vp or ve)",
                       name ? name : "(null)");
}

const char *mfm_path_kind_name(mfm_path_kind kind)
{
    switch (kind) {
    case MFM_PATH_LINEAR: return "linear";
    case MFM_PATH_BRIDGE: return "bridge";
    case MFM_PATH_LIPMAN: return "lipman";
    case MFM_PATH_VP: return "vp";
    case MFM_PATH_VE: return "ve";
    }
    return "?";
}
