/* io/ckpt_impl.h — the checkpoint handle, shared by io/ckpt.c (datasets)
 * and io/ckpt_fields.c (attributes).  Private to io/. */
#ifndef MFM_IO_CKPT_IMPL_H
#define MFM_IO_CKPT_IMPL_H

#include <hdf5.h>

struct mfm_ckpt {
    hid_t file;
    int writing;
    char *final_path;
    char *tmp_path;
};

/* A new variable-length UTF-8 string type; caller closes it. */
hid_t mfm_ckpt_vlen_str_type(void);

#endif
