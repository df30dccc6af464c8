#ifndef SWIFT_INTEGRATION_PATTERNS_CRDKAFKA_H
#define SWIFT_INTEGRATION_PATTERNS_CRDKAFKA_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#endif
