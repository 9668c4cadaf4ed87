/* core/pca_eig.c — gsl_eigen_symmv on plain arrays. */
#include "pca_eig.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

mfm_err mfm_symeig_desc(double *a, size_t d, double *eval, double *evec)
{
    mfm_err err = MFM_OK;
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(d);
    if (!ws) {
        err = mfm_err_set(MFM_ENOMEM, "eigensolver: out of memory for d=%zu", d);
        goto cleanup;
    }
    gsl_matrix_view av = gsl_matrix_view_array(a, d, d);
    gsl_vector_view ev = gsl_vector_view_array(eval, d);
    gsl_matrix_view vv = gsl_matrix_view_array(evec, d, d);
    if (gsl_eigen_symmv(&av.matrix, &ev.vector, &vv.matrix, ws) != GSL_SUCCESS) {
        err = mfm_err_set(MFM_ENUMERIC, "eigensolver: gsl_eigen_symmv failed (d=%zu)", d);
        goto cleanup;
    }
    gsl_eigen_symmv_sort(&ev.vector, &vv.matrix, GSL_EIGEN_SORT_VAL_DESC);
cleanup:
    if (ws)
        gsl_eigen_symmv_free(ws);
    return err;
}
