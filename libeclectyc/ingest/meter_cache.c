#include "ingest/meter_cache.h"

#include <stdlib.h>
#include <string.h>

#include "eclectyc/sys/errors.h"
#include "util/strutil.h"

static uint64_t hash_of(const char *text)
{
	uint64_t h = UINT64_C(14695981039346656037);  /* FNV-1a */

	while (*text != '\0') {
		h ^= (unsigned char)*text++;
		h *= UINT64_C(1099511628211);
	}
	return h;
}

static ecl_meter_entry **find_slot(ecl_meter_entry **slots, size_t capacity, const char *mpan)
{
	size_t i = (size_t)hash_of(mpan) & (capacity - 1);

	while (slots[i] != NULL && strcmp(slots[i]->mpan, mpan) != 0)
		i = (i + 1) & (capacity - 1);
	return &slots[i];
}

static int grow(ecl_meter_cache *cache)
{
	size_t capacity = cache->capacity ? cache->capacity * 2 : 256;
	ecl_meter_entry **slots = calloc(capacity, sizeof(*slots));
	size_t i;

	if (slots == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory caching %zu meters", cache->count);
	for (i = 0; i < cache->capacity; i++) {
		if (cache->slots[i] != NULL)
			*find_slot(slots, capacity, cache->slots[i]->mpan) = cache->slots[i];
	}
	free(cache->slots);
	cache->slots = slots;
	cache->capacity = capacity;
	return 0;
}

ecl_meter_entry *ecl__meter_cache_get(ecl_meter_cache *cache, const char *mpan)
{
	ecl_meter_entry **slot;
	ecl_meter_entry *entry;

	/* Kept under half full so probes stay short. */
	if ((cache->count + 1) * 2 > cache->capacity && grow(cache) != 0)
		return NULL;
	slot = find_slot(cache->slots, cache->capacity, mpan);
	if (*slot != NULL)
		return *slot;
	entry = calloc(1, sizeof(*entry));
	if (entry == NULL || (entry->mpan = ecl__strdup(mpan)) == NULL) {
		free(entry);
		ecl_error_set(ECL_ENOMEM, "out of memory caching meter %s", mpan);
		return NULL;
	}
	*slot = entry;
	cache->count++;
	return entry;
}

void ecl__meter_cache_each(ecl_meter_cache *cache, void (*each)(ecl_meter_entry *entry, void *ctx),
                           void *ctx)
{
	size_t i;

	for (i = 0; i < cache->capacity; i++) {
		if (cache->slots[i] != NULL)
			each(cache->slots[i], ctx);
	}
}

void ecl__meter_cache_dispose(ecl_meter_cache *cache)
{
	size_t i;

	for (i = 0; i < cache->capacity; i++) {
		if (cache->slots[i] != NULL) {
			free(cache->slots[i]->mpan);
			free(cache->slots[i]);
		}
	}
	free(cache->slots);
	memset(cache, 0, sizeof(*cache));
}
