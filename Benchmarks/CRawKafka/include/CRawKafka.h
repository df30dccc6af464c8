#ifndef C_RAW_KAFKA_H
#define C_RAW_KAFKA_H

#include <stddef.h>
#include <stdint.h>

/// A property of a librdkafka client, as name and value.
typedef struct raw_kafka_property {
    const char *name;
    const char *value;
} raw_kafka_property;

/// What a raw producer or consumer did.
typedef struct raw_kafka_result {
    /// Messages confirmed by the brokers (producer) or received (consumer).
    int64_t messages;
    /// Messages the producer could not deliver.
    int64_t failed;
    /// Wall-clock seconds from the first message to the last confirmation or receipt.
    double seconds;
    /// Header and payload bytes the consumer read.
    int64_t bytes;
} raw_kafka_result;

/// Produces `count` messages of `payload_bytes` bytes to `topic` with a plain librdkafka
/// producer configured with `properties`, each with the same five CloudEvents headers the Kafka
/// transport writes, and waits for every delivery report. Returns 0, or -1 with `error` filled in.
int raw_kafka_produce(
    const raw_kafka_property *properties, size_t property_count,
    const char *topic, int64_t count, size_t payload_bytes,
    raw_kafka_result *result, char *error, size_t error_size);

/// Joins `properties`' group on `topic` with a plain librdkafka consumer and polls until it has
/// received `count` messages, reading each one's headers and payload and storing its offset as
/// it goes. Returns 0, or -1 with `error` filled in (also when `timeout_ms` passes without a
/// message).
int raw_kafka_consume(
    const raw_kafka_property *properties, size_t property_count,
    const char *topic, int64_t count, int timeout_ms,
    raw_kafka_result *result, char *error, size_t error_size);

#endif
