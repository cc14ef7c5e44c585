#!/bin/sh
# Registers the Debezium source connector with Kafka Connect's REST API and
# waits for its task to run. PUT /connectors/NAME/config creates the
# connector or updates its configuration, so running this again is harmless.
# Exits 0 once the task is RUNNING, 1 if the connector or its task FAILED
# (the status, with Connect's stack trace, is printed) or nothing runs
# within POLL_TRIES polls POLL_SECONDS apart (two minutes by default).
set -eu

: "${CONNECT_URL:=http://connect:8083}"
: "${CONNECTOR_NAME:=inventory-source}"
: "${CONNECTOR_CONFIG:=/compose/debezium-mysql-avro.json}"
: "${POLL_TRIES:=60}"   # status polls, POLL_SECONDS apart
: "${POLL_SECONDS:=2}"

echo "registering ${CONNECTOR_NAME} at ${CONNECT_URL} from ${CONNECTOR_CONFIG}"
curl -fsS -X PUT -H 'Content-Type: application/json' \
  --data-binary "@${CONNECTOR_CONFIG}" \
  "${CONNECT_URL}/connectors/${CONNECTOR_NAME}/config"
echo

i=0
while [ "$i" -lt "$POLL_TRIES" ]; do
  status=$(curl -fsS "${CONNECT_URL}/connectors/${CONNECTOR_NAME}/status" || true)
  case "$status" in
  *'"state":"FAILED"'*)
    echo "connector ${CONNECTOR_NAME} failed: ${status}"
    exit 1
    ;;
  *'"tasks":[{'*'"state":"RUNNING"'*)
    echo "connector ${CONNECTOR_NAME} is running: ${status}"
    exit 0
    ;;
  esac
  i=$((i + 1))
  sleep "$POLL_SECONDS"
done
echo "connector ${CONNECTOR_NAME} has no running task after ${POLL_TRIES} polls: ${status:-no status}"
exit 1
