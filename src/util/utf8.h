/* UTF-8 validity, byte by byte: what the JSON writer and the file-name maker keep as is. */
#ifndef GCV_UTIL_UTF8_H
#define GCV_UTIL_UTF8_H

#include <stddef.h>

/* The length of the valid UTF-8 sequence at p (1 to 4; a NUL-terminated string), or 0 when p
 * does not start one: a stray continuation byte, an overlong form, a surrogate, a code point
 * beyond U+10FFFF, or a sequence cut short. */
size_t gcv_utf8_len(const unsigned char *p);

#endif
