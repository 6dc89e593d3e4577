/*
caps.h: capability numbers and their names, as in linux/capability.h.

The probe prints names; the launch helper reads names from a spec. A number the
table does not know (a newer kernel) is printed as cap_N, never dropped.
*/
#ifndef GBX_CAPS_H
#define GBX_CAPS_H

/* Capabilities this table names: CAP_CHOWN (0) to CAP_CHECKPOINT_RESTORE (40). */
#define GBX_CAP_NAMED 41

/* "CAP_CHOWN" for 0, or NULL when the table has no name for cap. */
const char *cap_name(unsigned int cap);

/* The number of "CAP_CHOWN" (or "chown", any case), "cap_N", or -1 if unknown. */
int cap_from_name(const char *name);

#endif
