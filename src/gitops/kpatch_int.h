/* Private to kpatch.c and kselect.c. */
#ifndef CMFV_KPATCH_INT_H
#define CMFV_KPATCH_INT_H

#include "cmfv/node.h"

/** A match the model of the Deployment can decide, or MAYBE. */
enum tri { NO = 0, YES = 1, MAYBE = 2 };

/** NO if either is, YES if both are, else MAYBE. */
enum tri kp_tri_and(enum tri a, enum tri b);

/** Does the patch target \p t (a map) select the Deployment \p dep? Its
 * metadata.name counts only when \p name_known (else a name is MAYBE). */
enum tri kp_target_match(const struct cmfv_node *t, const struct cmfv_node *dep, int name_known);

#endif
