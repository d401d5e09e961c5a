/* Meters an import has met, by normalised identifier: one lookup per meter
 * per file instead of one per row (the reference ran a SELECT per row). */
#ifndef ECL_METER_CACHE_H
#define ECL_METER_CACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct ecl_meter_entry {
	char *mpan;
	int64_t id;          /* 0 while the meter is still to be created */
	int known;           /* the store was asked: id > 0, or absent (id 0) */
	int rejected;        /* unknown and refused by policy */
	int dry_counted;     /* a dry run counted it as a meter it would create */
	int mpan_check;      /* ecl__mpan_check(): 1 valid, 0 invalid, -1 not an MPAN */
	size_t batch_slot;   /* index in the current batch's meters, valid when batch_epoch matches */
	unsigned batch_epoch;
	unsigned fold_day;   /* days since epoch of the last autumn clock-change day seen, +1 */
	unsigned fold_seen;  /* which repeated half hours of that day were met: bit 0 01:00, bit 1 01:30 */
} ecl_meter_entry;

typedef struct ecl_meter_cache {
	ecl_meter_entry **slots;
	size_t capacity;     /* a power of two */
	size_t count;
} ecl_meter_cache;

/* The entry for `mpan`, added (zeroed, with a copy of the identifier) when
 * absent. NULL with ECL_ENOMEM set when memory runs out. */
ecl_meter_entry *ecl__meter_cache_get(ecl_meter_cache *cache, const char *mpan);

/* Call `each` for every entry. */
void ecl__meter_cache_each(ecl_meter_cache *cache, void (*each)(ecl_meter_entry *entry, void *ctx),
                           void *ctx);

void ecl__meter_cache_dispose(ecl_meter_cache *cache);

#endif
