/**
 * @file eclectyc/common.h
 * @brief Export macro and small shared definitions of the libeclectyc API.
 */
#ifndef ECLECTYC_COMMON_H
#define ECLECTYC_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Guarded so that SWIG, which sees this header more than once through
 * %include, does not stop with "Macro redefined". */
#ifndef ECL_EXTERN
# if defined(_WIN32) && defined(ECL_BUILDING_LIBRARY)
#  define ECL_EXTERN __declspec(dllexport)
# elif defined(__GNUC__)
#  define ECL_EXTERN __attribute__((visibility("default")))
# else
#  define ECL_EXTERN
# endif
#endif

#ifdef __cplusplus
# define ECL_BEGIN_DECL extern "C" {
# define ECL_END_DECL }
#else
# define ECL_BEGIN_DECL
# define ECL_END_DECL
#endif

/** An instant that is not set (SQL NULL). Real instants are > 0 Unix seconds. */
#define ECL_TIME_NONE ((int64_t)0)

/** Size of a batch id buffer: 36 characters of a UUID v4 plus the NUL. */
#define ECL_BATCH_ID_SIZE 37

#endif
