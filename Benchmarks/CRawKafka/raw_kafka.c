#include "CRawKafka.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static rd_kafka_conf_t *make_conf(const raw_kafka_property *properties, size_t count, char *error, size_t size) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    for (size_t i = 0; i < count; i++) {
        if (rd_kafka_conf_set(conf, properties[i].name, properties[i].value, error, size) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    }
    return conf;
}

typedef struct delivery_counts {
    int64_t delivered;
    int64_t failed;
} delivery_counts;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *message, void *opaque) {
    (void)rk;
    delivery_counts *counts = opaque;
    if (message->err) {
        counts->failed++;
    } else {
        counts->delivered++;
    }
}

int raw_kafka_produce(
    const raw_kafka_property *properties, size_t property_count,
    const char *topic, int64_t count, size_t payload_bytes,
    raw_kafka_result *result, char *error, size_t error_size) {
    rd_kafka_conf_t *conf = make_conf(properties, property_count, error, error_size);
    if (!conf) return -1;
    delivery_counts counts = {0, 0};
    rd_kafka_conf_set_opaque(conf, &counts);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, error_size);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    char *payload = malloc(payload_bytes);
    memset(payload, 'x', payload_bytes);
    char id[40];
    double start = now_seconds();
    for (int64_t i = 0; i < count; i++) {
        snprintf(id, sizeof id, "raw-%020lld", (long long)i);
        rd_kafka_headers_t *headers = rd_kafka_headers_new(5);
        rd_kafka_header_add(headers, "ce_specversion", -1, "1.0", -1);
        rd_kafka_header_add(headers, "ce_id", -1, id, -1);
        rd_kafka_header_add(headers, "ce_source", -1, "/integration-bench", -1);
        rd_kafka_header_add(headers, "ce_type", -1, "message", -1);
        rd_kafka_header_add(headers, "ce_time", -1, "2026-11-23T18:00:00.000Z", -1);
        for (;;) {
            rd_kafka_resp_err_t err = rd_kafka_producev(
                rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(payload, payload_bytes),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                rd_kafka_headers_destroy(headers);
                snprintf(error, error_size, "produce failed: %s", rd_kafka_err2str(err));
                free(payload);
                rd_kafka_destroy(rk);
                return -1;
            }
            rd_kafka_poll(rk, 10);
        }
        rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, 120000);
    result->seconds = now_seconds() - start;
    result->messages = counts.delivered;
    result->failed = counts.failed;
    free(payload);
    rd_kafka_destroy(rk);
    return 0;
}

/// Reads a record as a consumer of these records must: its headers, which librdkafka parses
/// into a list on first request, and its payload. Returns the bytes read.
static int64_t read_record(rd_kafka_message_t *message) {
    int64_t bytes = 0;
    rd_kafka_headers_t *headers;
    if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char *name;
        const void *value;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; i++) {
            bytes += (int64_t)(strlen(name) + size);
        }
    }
    const unsigned char *payload = message->payload;
    for (size_t i = 0; i < message->len; i++) {
        bytes += payload[i] != 0;
    }
    return bytes;
}

int raw_kafka_consume(
    const raw_kafka_property *properties, size_t property_count,
    const char *topic, int64_t count, int timeout_ms,
    raw_kafka_result *result, char *error, size_t error_size) {
    rd_kafka_conf_t *conf = make_conf(properties, property_count, error, error_size);
    if (!conf) return -1;
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, error_size);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err) {
        snprintf(error, error_size, "subscribe failed: %s", rd_kafka_err2str(err));
        rd_kafka_destroy(rk);
        return -1;
    }
    int64_t received = 0;
    int64_t bytes = 0;
    double start = 0;
    double last = now_seconds();
    while (received < count) {
        rd_kafka_message_t *message = rd_kafka_consumer_poll(rk, 100);
        if (!message) {
            if ((now_seconds() - last) * 1000 > timeout_ms) {
                snprintf(error, error_size, "no message for %d ms after %lld", timeout_ms, (long long)received);
                rd_kafka_consumer_close(rk);
                rd_kafka_destroy(rk);
                return -1;
            }
            continue;
        }
        if (!message->err) {
            if (received == 0) start = now_seconds();
            received++;
            bytes += read_record(message);
            last = now_seconds();
            rd_kafka_offset_store(message->rkt, message->partition, message->offset);
        }
        rd_kafka_message_destroy(message);
    }
    result->seconds = now_seconds() - start;
    result->messages = received;
    result->failed = 0;
    result->bytes = bytes;
    rd_kafka_commit(rk, NULL, 0);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return 0;
}
