# Debezium's Kafka Connect image with Confluent's Avro converter added.
#
# Debezium's container images ship without the Confluent Schema Registry
# converter since Debezium 2.0 (Debezium's documentation, "Avro
# serialization", section "Confluent Schema Registry": install the
# kafka-connect-avro-converter and its dependencies into the Connect plugin
# directory). Confluent publishes the converter with all its dependencies
# as one Kafka Connect plugin archive (Confluent Hub,
# confluentinc/kafka-connect-avro-converter); it is unpacked as a child
# directory of the image's plugin directory, $KAFKA_CONNECT_PLUGINS_DIR =
# /kafka/connect, which the image's entrypoint sets as plugin.path. The
# converter's version matches the schema registry image's (7.7.1).
ARG DEBEZIUM_VERSION=2.7
FROM alpine:3.20 AS avro-converter
ARG CONFLUENT_VERSION=7.7.1
RUN apk add --no-cache curl unzip \
 && curl -fsSL -o /tmp/avro-converter.zip \
      "https://d1i4a15mxbxib1.cloudfront.net/api/plugins/confluentinc/kafka-connect-avro-converter/versions/${CONFLUENT_VERSION}/confluentinc-kafka-connect-avro-converter-${CONFLUENT_VERSION}.zip" \
 && mkdir /plugins \
 && unzip -q /tmp/avro-converter.zip -d /plugins \
 && test -n "$(find /plugins -name "kafka-connect-avro-converter-${CONFLUENT_VERSION}.jar")"

FROM quay.io/debezium/connect:${DEBEZIUM_VERSION}
COPY --from=avro-converter /plugins/ /kafka/connect/
