/* core/path.h — conditional probability paths of flow matching.
 *
 * A conditional path moves a source point x0 to a target point x1 as t goes
 * from 0 to 1:  x_t = mu_t(x0, x1) + sigma_t * eps,  eps ~ N(0, I), and has
 * the conditional velocity u_t = d x_t / dt (for that fixed eps).  The model
 * is trained to regress u_t at (t, x_t).  The kinds (see docs/flow-matching.md):
 *
 *   LINEAR  I-CFM / OT-CFM:  mu = (1-t) x0 + t x1,  sigma_t = sigma,
 *                            u = x1 - x0
 *   BRIDGE  SB-CFM (Brownian bridge):  mu as LINEAR,
 *                            sigma_t = sigma sqrt(t (1-t)),
 *                            u = (1-2t) / (2 t (1-t)) (x - mu) + (x1 - x0)
 *   LIPMAN  OT path from a Gaussian (Lipman et al.), x0 ~ N(0, I) is the noise:
 *                            x = t x1 + (1 - (1-sigma_min) t) x0,
 *                            u = (x1 - (1-sigma_min) x) / (1 - (1-sigma_min) t)
 *                              = x1 - (1-sigma_min) x0
 *   VP      variance-preserving cosine path:
 *                            mu = cos(pi t/2) x0 + sin(pi t/2) x1,
 *                            sigma_t = sigma,
 *                            u = (pi/2) (cos(pi t/2) x1 - sin(pi t/2) x0)
 *   VE      variance-exploding path of Lipman et al. (reversed, noise -> data),
 *           x0 ~ N(0, I) is the noise, s(t) = sigma_min (sigma / sigma_min)^(1-t)
 *           the geometric noise scale (sigma = sigma_max at t = 0, sigma_min
 *           at t = 1):
 *                            x = x1 + s(t) x0,
 *                            u = -ln(sigma / sigma_min) s(t) x0
 *                              = -ln(sigma / sigma_min) (x - x1)
 *           so the flow starts from N(x1, sigma^2 I) ~ sigma N(0, I) for
 *           sigma >> |x1| and ends at N(x1, sigma_min^2 I).
 *
 * All arrays are row-major float32; every row has its own t.  Values are
 * computed in double and rounded once.
 */
#ifndef MFM_CORE_PATH_H
#define MFM_CORE_PATH_H

#include <stddef.h>

#include "err.h"

typedef enum mfm_path_kind {
    MFM_PATH_LINEAR = 0,
    MFM_PATH_BRIDGE,
    MFM_PATH_LIPMAN,
    MFM_PATH_VP,
    MFM_PATH_VE
} mfm_path_kind;

typedef struct mfm_path {
    mfm_path_kind kind;
    double sigma;     /* LINEAR, BRIDGE, VP: noise scale, >= 0; VE: sigma_max > sigma_min */
    double sigma_min; /* LIPMAN: width at t = 1, in [0, 1); VE: width at t = 1, > 0 */
} mfm_path;

/* Check the parameters: known kind, finite sigma >= 0, sigma_min in [0, 1)
 * (LIPMAN), 0 < sigma_min < sigma finite (VE).
 * Errors: MFM_EINVAL naming the offending value.  O(1). */
mfm_err mfm_path_validate(const mfm_path *p);

/* Standard deviation sigma_t of the path at time t (0 for BRIDGE at t = 0, 1).
 * No error checking.  O(1). */
double mfm_path_sigma_t(const mfm_path *p, double t);

/* Sample the path for n rows of dimension d.
 *   xt:  (n, d) out, x_t of each row
 *   ut:  (n, d) out, u_t of each row (may be NULL)
 *   x0:  (n, d) source points (for LIPMAN and VE: the Gaussian noise draw)
 *   x1:  (n, d) target points
 *   eps: (n, d) standard normal draws; NULL means eps = 0.  Ignored by LIPMAN
 *        and VE, whose noise is x0 itself.
 *   t:   (n) times in [0, 1]
 * For BRIDGE at t = 0 or 1 exactly (where sigma_t = 0 and x = mu) the noise
 * term of u is taken as 0, so u = x1 - x0.  Borrows every input; outputs must
 * not alias inputs.  Errors: MFM_EINVAL on bad parameters or t outside
 * [0, 1] (naming the row).  O(n d). */
mfm_err mfm_path_sample(float *restrict xt, float *restrict ut,
                        const float *restrict x0, const float *restrict x1,
                        const float *restrict eps, const float *restrict t,
                        size_t n, size_t d, const mfm_path *p);

/* Parse a path name: "linear" (alias "icfm", "otcfm"), "bridge" ("sbcfm"),
 * "lipman" ("gaussian-ot"), "vp" ("cosine"), "ve".  Errors: MFM_EINVAL listing the
 * accepted names.  O(1). */
mfm_err mfm_path_kind_parse(mfm_path_kind *out, const char *name);

/* Canonical name of a kind ("linear", "bridge", "lipman", "vp", "ve"; "?" if
 * unknown).  Returns a static string. */
const char *mfm_path_kind_name(mfm_path_kind kind);

#endif
