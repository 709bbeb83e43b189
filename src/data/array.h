/* Arrays as read (gcv_npy) in messages: their shape, the coordinates of an element in their
 * own layout, and the first value that is not finite. */
#ifndef GCV_DATA_ARRAY_H
#define GCV_DATA_ARRAY_H

#include <stddef.h>

#include "data/npy.h"

/* Room for a shape as gcv_array_shape writes it. */
#define GCV_ARRAY_SHAPE_LEN (GCV_NPY_MAX_DIMS * 22 + 4)

/* a's shape the way NumPy prints it, "(3, 4)". */
void gcv_array_shape(const gcv_npy *a, char *out, size_t n);

/* Coordinates of element i in a's own layout: "(row, column)", or "[i]" when 1-D. */
void gcv_array_coord(const gcv_npy *a, size_t i, char *out, size_t n);

/* "nan at (3, 1)" for the first NaN or ±Inf of a; returns 0 when every value is finite. */
int gcv_array_first_nonfinite(const gcv_npy *a, char *out, size_t n);

#endif
