/**
 * @file eclectyc.h
 * @brief libeclectyc: async ingestion and aggregation for energy data.
 *
 * The umbrella header: include this one. Backend authors also include
 * <eclectyc/sys/backend.h>.
 */
#ifndef ECLECTYC_H
#define ECLECTYC_H

#include "eclectyc/common.h"
#include "eclectyc/version.h"
#include "eclectyc/errors.h"
#include "eclectyc/buffer.h"
#include "eclectyc/log.h"
#include "eclectyc/clock.h"
#include "eclectyc/uuid.h"
#include "eclectyc/config.h"
#include "eclectyc/store.h"
#include "eclectyc/job.h"
#include "eclectyc/ingest.h"
#include "eclectyc/profile.h"
#include "eclectyc/worker.h"
#include "eclectyc/aggregate.h"
#include "eclectyc/telemetry.h"
#include "eclectyc/quality.h"
#include "eclectyc/alert.h"
#include "eclectyc/monitor.h"
#include "eclectyc/cleanup.h"
#include "eclectyc/source.h"

#endif
