/*
 * Meter identifiers (MPAN, MPRN, meter serial): normalisation for matching,
 * and the MPAN core check digit.
 */
#ifndef ECL_METER_ID_H
#define ECL_METER_ID_H

#include <stddef.h>

/* The longest normalised identifier accepted, in bytes. */
#define ECL_METER_ID_MAX 64

/*
 * Normalise an identifier so that the ways people write one meter compare
 * equal: surrounding and inner white space and hyphens are dropped and ASCII
 * letters upper-cased ("s 12-00 0123" → "S12000123"). Other bytes are kept
 * as they are, except control characters, which are an error.
 * `out` receives the result and its NUL in at most `size` bytes.
 * Returns 0, or ECL_EINVALID when nothing is left, when the result is longer
 * than ECL_METER_ID_MAX (or than size - 1), or for a control character; on
 * failure `out` is set to "" when size > 0.
 */
int ecl__meter_id_normalise(char *out, size_t size, const char *text);

/*
 * The MPAN check digit of a normalised identifier that is a 13-digit MPAN
 * core, or a 21-digit full MPAN (8 supplementary digits, then the core):
 * 1 when the 13th core digit matches, 0 when it does not, -1 when the
 * identifier is not an MPAN (another length or a non-digit). Sets no error.
 */
int ecl__mpan_check(const char *normalised);

#endif
