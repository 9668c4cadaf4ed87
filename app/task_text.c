/* app/task_text.c — one-line summaries of a task for messages. */
#include <stdio.h>

#include "task.h"

const char *mfm_task_no_control_text(const mfm_task *t, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < t->n_no_control && k < 8 && used < len; k++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s (%zu treated cells)", k ? ", " : "",
                                 t->experiments[t->no_control[2 * k]], t->no_control[2 * k + 1]);
    if (t->n_no_control > 8 && used < len)
        snprintf(buf + used, len - used, ", and %zu more", t->n_no_control - 8);
    return buf;
}
