/*
 * SHA-256 (FIPS 180-4), small and dependency-free: the library fingerprints
 * a job's file with it (docs/reliability.md) and links no crypto library.
 * Not for secrets: nothing here is constant-time or wiped after use.
 */
#ifndef ECL_SHA256_H
#define ECL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define ECL_SHA256_SIZE 32
/* Lower-case hex and its NUL. */
#define ECL_SHA256_HEX_SIZE (2 * ECL_SHA256_SIZE + 1)

typedef struct ecl_sha256 {
	uint32_t state[8];
	uint64_t length;          /* bytes hashed so far */
	unsigned char block[64];
	size_t used;              /* bytes waiting in `block` */
} ecl_sha256;

void ecl__sha256_init(ecl_sha256 *ctx);
void ecl__sha256_update(ecl_sha256 *ctx, const void *data, size_t len);
void ecl__sha256_final(ecl_sha256 *ctx, unsigned char digest[ECL_SHA256_SIZE]);

/* The digest as lower-case hex, NUL-terminated. */
void ecl__sha256_hex(const unsigned char digest[ECL_SHA256_SIZE], char hex[ECL_SHA256_HEX_SIZE]);

#endif
